import { Construct } from "constructs";
import { Fn } from "cdktf";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService, EcsServiceConfig } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { PolicyRule } from "../../src/policies/framework";
import { ecsNoPublicIp } from "../../src/policies/rules/ecs-2-no-public-ip";
import { ecsPidMode } from "../../src/policies/rules/ecs-3-pid-mode";
import { ecsPrivileged } from "../../src/policies/rules/ecs-4-privileged";
import { ecsReadOnlyRoot } from "../../src/policies/rules/ecs-5-read-only-root";
import { ecsNoSecretsInEnvironment } from "../../src/policies/rules/ecs-8-no-secrets-in-environment";
import { ecsLogConfiguration } from "../../src/policies/rules/ecs-9-log-configuration";
import { ecsPlatformVersion } from "../../src/policies/rules/ecs-10-platform-version";
import { ecsContainerInsights } from "../../src/policies/rules/ecs-12-container-insights";
import { whcEcsCircuitBreaker } from "../../src/policies/rules/whc-ecs1-circuit-breaker";
import { expectFails, expectPasses, guardedStack } from "./helpers";

type Container = Record<string, unknown>;

/** A container that passes every container rule; references (secret ARN, port variable) inside the JSON on purpose. */
function compliantContainer(scope: Construct): Container {
  const secret = new SecretsmanagerSecret(scope, "secret", { name: "app" });
  return {
    name: "app",
    image: "ghcr.io/example/app:1",
    readonlyRootFilesystem: true,
    environment: [{ name: "PHX_HOST", value: "api.example.org" }, { name: "PORT", value: "4000" }],
    secrets: [{ name: "DATABASE_URL", valueFrom: `${secret.arn}:DATABASE_URL::` }, { name: "SECRET_KEY_BASE", valueFrom: secret.arn }],
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "app" } },
  };
}

function taskDefinition(scope: Construct, change: (c: Container) => Container = (c) => c, extra: { pidMode?: string } = {}): EcsTaskDefinition {
  return new EcsTaskDefinition(scope, "task", {
    family: "app",
    containerDefinitions: JSON.stringify([change(compliantContainer(scope))]),
    ...extra,
  });
}

type ContainerCase = [string, PolicyRule, boolean, (c: Container) => Container, RegExp];
const containerCases: ContainerCase[] = [
  ["ECS.4", ecsPrivileged, false, (c) => ({ ...c, privileged: true }), /container "app" sets privileged to true/],
  ["ECS.5", ecsReadOnlyRoot, true, (c) => ({ ...c, readonlyRootFilesystem: false }), /container "app" has a writable root filesystem/],
  ["ECS.5", ecsReadOnlyRoot, true, ({ readonlyRootFilesystem: _omit, ...c }) => c, /readonlyRootFilesystem is not set/],
  [
    "ECS.8",
    ecsNoSecretsInEnvironment,
    false,
    (c) => ({ ...c, environment: [{ name: "PORT", value: "4000" }, { name: "DATABASE_URL", value: "ecto://u:p@h/db" }, { name: "SECRET_KEY_BASE", value: "x" }] }),
    /container "app" passes DATABASE_URL, SECRET_KEY_BASE as plain environment variable\(s\).*Fix: move them to `secrets`/,
  ],
  ["ECS.8", ecsNoSecretsInEnvironment, false, (c) => ({ ...c, environment: [{ name: "STRIPE_API_KEY", value: "k" }] }), /passes STRIPE_API_KEY/],
  ["ECS.9", ecsLogConfiguration, false, ({ logConfiguration: _omit, ...c }) => c, /container "app" has no logConfiguration\.logDriver/],
];

describe.each(containerCases)("%s on container definitions", (id, rule, production, broken, message) => {
  test("passes for a compliant container (references inside the JSON are read)", () => {
    const stack = guardedStack([rule], production);
    taskDefinition(stack);
    expectPasses(stack, id, ["aws_ecs_task_definition.task"]);
  });

  test(`fails: ${message.source}`, () => {
    const stack = guardedStack([rule], production);
    taskDefinition(stack, broken);
    expectFails(stack, id, "task", message);
  });

  test("fails when container_definitions is a jsonencode() expression it cannot read", () => {
    const stack = guardedStack([rule], production);
    new EcsTaskDefinition(stack, "task", { family: "app", containerDefinitions: Fn.jsonencode([compliantContainer(stack)]) });
    expectFails(stack, id, "task", /container_definitions cannot be read before apply/);
  });
});

describe("ECS.3 pid mode", () => {
  test("passes without pid_mode", () => {
    const stack = guardedStack([ecsPidMode]);
    taskDefinition(stack);
    expectPasses(stack, "ECS.3", ["aws_ecs_task_definition.task"]);
  });

  test("fails for pid_mode host", () => {
    const stack = guardedStack([ecsPidMode]);
    taskDefinition(stack, undefined, { pidMode: "host" });
    expectFails(stack, "ECS.3", "task", /pid_mode is "host"/);
  });
});

describe("container definitions with a number token", () => {
  test("are read although the token sits unquoted in the JSON", () => {
    // GIVEN a containerPort from a number token: JSON.stringify leaves it as a bare ${...} expression
    const stack = guardedStack([ecsPrivileged]);
    const port = new EcsCluster(stack, "cluster", { name: "c" }).id;
    new EcsTaskDefinition(stack, "task", {
      family: "app",
      containerDefinitions: JSON.stringify([{ name: "app", privileged: true, portMappings: [{ containerPort: Fn.tonumber(port) }] }]),
    });
    // WHEN / THEN the rule still reads privileged
    expectFails(stack, "ECS.4", "task", /container "app" sets privileged to true/);
  });
});

const compliantService: EcsServiceConfig = {
  name: "app",
  launchType: "FARGATE",
  networkConfiguration: { subnets: ["a", "b"], assignPublicIp: false },
  deploymentCircuitBreaker: { enable: true, rollback: true },
};

type ServiceCase = [string, PolicyRule, Partial<EcsServiceConfig>, RegExp];
const serviceCases: ServiceCase[] = [
  ["ECS.2", ecsNoPublicIp, { networkConfiguration: { subnets: ["a"], assignPublicIp: true } }, /network_configuration\.assign_public_ip is true/],
  ["ECS.10", ecsPlatformVersion, { platformVersion: "1.3.0" }, /platform_version is pinned to "1\.3\.0"/],
  ["WHC.ECS1", whcEcsCircuitBreaker, { deploymentCircuitBreaker: { enable: true, rollback: false } }, /enabled without rollback/],
  ["WHC.ECS1", whcEcsCircuitBreaker, { deploymentCircuitBreaker: undefined }, /deployment_circuit_breaker is not enabled/],
];

describe.each(serviceCases)("%s on ECS services", (id, rule, broken, message) => {
  test("passes for a compliant service", () => {
    const stack = guardedStack([rule]);
    new EcsService(stack, "service", compliantService);
    expectPasses(stack, id, ["aws_ecs_service.service"]);
  });

  test(`fails for ${JSON.stringify(broken)}`, () => {
    const stack = guardedStack([rule]);
    new EcsService(stack, "service", { ...compliantService, ...broken });
    expectFails(stack, id, "service", message);
  });
});

describe("ECS.10 and ECS.12", () => {
  test("ECS.10 accepts LATEST", () => {
    const stack = guardedStack([ecsPlatformVersion]);
    new EcsService(stack, "service", { ...compliantService, platformVersion: "LATEST" });
    expectPasses(stack, "ECS.10", ["aws_ecs_service.service"]);
  });

  test("ECS.12 passes with Container Insights in production", () => {
    const stack = guardedStack([ecsContainerInsights], true);
    new EcsCluster(stack, "cluster", { name: "c", setting: [{ name: "containerInsights", value: "enabled" }] });
    expectPasses(stack, "ECS.12", ["aws_ecs_cluster.cluster"]);
  });

  test("ECS.12 fails without Container Insights in production", () => {
    const stack = guardedStack([ecsContainerInsights], true);
    new EcsCluster(stack, "cluster", { name: "c", setting: [{ name: "containerInsights", value: "disabled" }] });
    expectFails(stack, "ECS.12", "cluster", /Container Insights is not enabled/);
  });
});
