import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { DataResource, Testing } from "cdktf";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService as EcsServiceResource } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Alb } from "../../src/constructs/alb";
import { EcsService, EcsServiceProps, ECS_EXEC_ACTIONS } from "../../src/constructs/ecs-service";
import { POSTGRES_PORT, Rds } from "../../src/constructs/rds";
import { AppSecretsProps } from "../../src/constructs/secrets";
import { Naming } from "../../src/core/naming";
import { ReadableStack } from "../../src/stacks/readable-stack";
import { testService } from "../helpers/service";

type Resource = Record<string, unknown>;
type Resources = Record<string, Record<string, Resource>>;
interface PolicyDocument {
  Statement: Array<{ Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown; Principal?: unknown }>;
}

const ACCOUNT = "123456789012";
const IMAGE = "ghcr.io/whc-example/whcsites:${var.image_tag}";
const SECRET_KEY_BASE_ARN = "${aws_secretsmanager_secret.secrets_secret_key_base.arn}";
const CONNECTION_ARN = "${aws_secretsmanager_secret.secrets_database_connection.arn}";
const REGISTRY_ARN = "${aws_secretsmanager_secret.secrets_registry_credentials.arn}";

interface Options {
  readonly production?: boolean;
  readonly secrets?: Partial<Omit<AppSecretsProps, "naming">>;
  readonly service?: Partial<EcsServiceProps>;
  /** Wires the stack's side too (ALB egress to the service, database both ways), as the environment stack does. */
  readonly wire?: boolean;
  readonly extra?: (context: { service: EcsService; stack: ReadableStack; alb: Alb; database: Rds }) => void;
}

interface Built {
  readonly service: EcsService;
  readonly synth: string;
  readonly resources: Resources;
  readonly container: ContainerDefinition;
}

/** A stack shaped like the environment stack: real network, load balancer, secrets and database, service id "api". */
function build(options: Options = {}): Built {
  const production = options.production ?? false;
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", production ? "production" : "staging");
  const { network, alb, secrets, service } = testService(stack, naming, options);
  const database = new Rds(stack, "database", { naming, network, secrets, production });
  if (options.wire ?? true) {
    alb.allowTo(service, service.containerPort);
    service.allowTo(database, POSTGRES_PORT);
    database.allowFrom(service);
  }
  options.extra?.({ service, stack, alb, database });
  const synth = Testing.synth(stack);
  const resources = JSON.parse(synth).resource as Resources;
  const definitions = JSON.parse(resources.aws_ecs_task_definition.api_task_definition.container_definitions as string) as ContainerDefinition[];
  expect(definitions).toHaveLength(1);
  return { service, synth, resources, container: definitions[0] };
}

/** Builds with `props` overriding the service's and returns the error message (or fails). */
function errorOf(service: Partial<EcsServiceProps>, production = false): string {
  try {
    build({ service, production, wire: false });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the construct to throw");
}

function resourcesOf(resources: Resources, type: string): Array<[string, Resource]> {
  return Object.entries(resources[type] ?? {});
}

/** Every inline policy attached to a role of the service, parsed, keyed by address. */
function policiesOfRole(resources: Resources, roleAddress: string): Record<string, PolicyDocument> {
  const policies: Record<string, PolicyDocument> = {};
  for (const [name, policy] of resourcesOf(resources, "aws_iam_role_policy")) {
    if (policy.role === `\${aws_iam_role.${roleAddress}.name}`) policies[name] = JSON.parse(policy.policy as string) as PolicyDocument;
  }
  return policies;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

describe("EcsService cluster", () => {
  test("has Container Insights on and both Fargate capacity providers", () => {
    // GIVEN / WHEN
    const { synth } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsCluster, {
      name: "whcsites-staging-api",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(synth).toHaveResourceWithProperties(EcsClusterCapacityProviders, {
      cluster_name: "${aws_ecs_cluster.api_cluster.name}",
      capacity_providers: ["FARGATE", "FARGATE_SPOT"],
    });
  });

  test("can use enhanced Container Insights", () => {
    // GIVEN / WHEN
    const { synth } = build({ service: { containerInsights: "enhanced" } });
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsCluster, { setting: [{ name: "containerInsights", value: "enhanced" }] });
  });
});

describe("EcsService task definition", () => {
  test("is a Fargate awsvpc task with the given size, X86_64 by default, and a /tmp volume", () => {
    // GIVEN / WHEN
    const { synth } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, {
      family: "whcsites-staging-api",
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "512",
      memory: "1024",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
      execution_role_arn: "${aws_iam_role.api_execution_role.arn}",
      task_role_arn: "${aws_iam_role.api_task_role.arn}",
      volume: [{ name: "tmp" }],
      skip_destroy: true,
    });
  });

  test("can run on ARM64", () => {
    // GIVEN / WHEN
    const { synth } = build({ service: { cpuArchitecture: "ARM64" } });
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, { runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "ARM64" } });
  });
});

describe("EcsService container definition", () => {
  test("runs the image with the image_tag variable, essential, unprivileged, on port 4000", () => {
    // GIVEN / WHEN
    const { container } = build();
    // THEN
    expect(container).toMatchObject({
      name: "api",
      image: IMAGE,
      essential: true,
      privileged: false,
      stopTimeout: 30,
      portMappings: [{ containerPort: 4000, protocol: "tcp" }],
    });
  });

  test("sets exactly the plain environment Phoenix needs", () => {
    // GIVEN / WHEN
    const { container } = build({ service: { poolSize: 15 } });
    // THEN
    expect(container.environment).toEqual([
      { name: "PHX_HOST", value: "${aws_lb.alb.dns_name}" },
      { name: "PHX_SERVER", value: "true" },
      { name: "POOL_SIZE", value: "15" },
      { name: "PORT", value: "4000" },
      { name: "RELEASE_TMP", value: "/tmp" },
    ]);
  });

  test("reads SECRET_KEY_BASE and DATABASE_URL from Secrets Manager by ARN, and nothing secret is in the environment", () => {
    // GIVEN / WHEN
    const { container } = build();
    // THEN
    expect(container.secrets).toEqual([
      { name: "DATABASE_URL", valueFrom: `${CONNECTION_ARN}:url::` },
      { name: "SECRET_KEY_BASE", valueFrom: SECRET_KEY_BASE_ARN },
    ]);
    const environment = container.environment ?? [];
    const secretNames = (container.secrets ?? []).map((s) => s.name);
    expect(environment.filter((e) => secretNames.includes(e.name))).toEqual([]);
    for (const { name, value } of environment) {
      expect(`${name}=${value}`).not.toMatch(/secretsmanager|random_password|password|SECRET|DATABASE_URL/i);
    }
  });

  test("uses repository credentials only when a registry secret exists", () => {
    // GIVEN / WHEN
    const withRegistry = build({ secrets: { registryCredentials: { mode: "managed" } } }).container;
    const without = build().container;
    // THEN
    expect(withRegistry.repositoryCredentials).toEqual({ credentialsParameter: REGISTRY_ARN });
    expect(without.repositoryCredentials).toBeUndefined();
  });

  test("logs to its own log group with retention, stream prefix api", () => {
    // GIVEN / WHEN
    const { container, synth } = build({ service: { logRetentionDays: 90 } });
    // THEN
    expect(container.logConfiguration).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "${aws_cloudwatch_log_group.api_log_group.name}",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "api",
        mode: "non-blocking",
        "max-buffer-size": "25m",
      },
    });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/whcsites/staging/ecs/api", retention_in_days: 90 });
  });

  test("keeps log retention at 365 days in production and 30 elsewhere by default", () => {
    // GIVEN / WHEN
    const production = build({ production: true }).resources;
    const staging = build().resources;
    // THEN
    expect(production.aws_cloudwatch_log_group.api_log_group.retention_in_days).toBe(365);
    expect(staging.aws_cloudwatch_log_group.api_log_group.retention_in_days).toBe(30);
  });

  test("mounts the task volume at /tmp, writable, whatever the root filesystem", () => {
    // GIVEN / WHEN
    for (const production of [false, true]) {
      const { container } = build({ production });
      // THEN
      expect(container.mountPoints).toEqual([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
    }
  });
});

describe("EcsService IAM", () => {
  test("the execution role trusts ECS tasks, with source conditions when the account id is known", () => {
    // GIVEN / WHEN
    const plain = build().resources;
    const scoped = build({ service: { accountId: ACCOUNT } }).resources;
    // THEN
    const trustOf = (resources: Resources) => JSON.parse(resources.aws_iam_role.api_execution_role.assume_role_policy as string) as PolicyDocument;
    expect(trustOf(plain).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect(trustOf(scoped).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` },
    });
  });

  test("the execution role may write to its log group and read exactly the task's secrets, nothing else", () => {
    // GIVEN / WHEN
    const { resources } = build({ secrets: { registryCredentials: { mode: "managed" } } });
    // THEN
    const policies = Object.values(policiesOfRole(resources, "api_execution_role"));
    const statements = policies.flatMap((p) => p.Statement);
    expect(statements).toEqual([
      expect.objectContaining({ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["${aws_cloudwatch_log_group.api_log_group.arn}:*"] }),
      expect.objectContaining({ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET_KEY_BASE_ARN, CONNECTION_ARN, REGISTRY_ARN] }),
    ]);
    // No managed policy at all (AmazonECSTaskExecutionRolePolicy grants ECR and logs on "*").
    const attachments = resourcesOf(resources, "aws_iam_role_policy_attachment").filter(([, a]) => String(a.role).includes("api_"));
    expect(attachments).toEqual([]);
    expect(resources.aws_iam_role.api_execution_role.managed_policy_arns).toBeUndefined();
  });

  test("grants kms:Decrypt on the customer-managed key only when there is one", () => {
    // GIVEN / WHEN
    const { resources } = build({ secrets: { customerManagedKey: true, accountId: ACCOUNT, region: "eu-west-1" } });
    // THEN
    const statements = Object.values(policiesOfRole(resources, "api_execution_role")).flatMap((p) => p.Statement);
    const kms = statements.filter((s) => list(s.Action).some((a) => a.startsWith("kms:")));
    expect(kms).toEqual([expect.objectContaining({ Action: ["kms:Decrypt"], Resource: ["${aws_kms_key.secrets_key.arn}"] })]);
  });

  test("no policy of the service's roles uses a wildcard action, and only ECS Exec's channel and log-group lookup use a wildcard resource", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { enableExecuteCommand: true }, secrets: { registryCredentials: { mode: "managed" } } });
    // THEN
    const statements = [
      ...Object.values(policiesOfRole(resources, "api_execution_role")),
      ...Object.values(policiesOfRole(resources, "api_task_role")),
    ].flatMap((p) => p.Statement);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const statement of statements) {
      for (const action of list(statement.Action)) expect(action).not.toContain("*");
      if (list(statement.Action).includes("secretsmanager:GetSecretValue")) expect(list(statement.Resource)).not.toContain("*");
    }
    const wildcardResources = statements.filter((s) => list(s.Resource).some((r) => r.includes("*") && !r.endsWith(".arn}:*")));
    expect(wildcardResources.map((s) => s.Action)).toEqual([[...ECS_EXEC_ACTIONS], ["logs:DescribeLogGroups"]]);
  });

  test("the task role is separate and gets the ECS Exec channels and session-log writing only when exec is enabled", () => {
    // GIVEN / WHEN
    const withExec = build({ service: { enableExecuteCommand: true } }).resources;
    const withoutExec = build({ service: { enableExecuteCommand: false } }).resources;
    // THEN
    expect(withExec.aws_iam_role.api_task_role.name).toBe("whcsites-staging-api-task");
    expect(withExec.aws_iam_role.api_execution_role.name).toBe("whcsites-staging-api-execution");
    expect(Object.values(policiesOfRole(withExec, "api_task_role")).flatMap((p) => p.Statement)).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      }),
      expect.objectContaining({ Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" }),
      expect.objectContaining({
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: ["${aws_cloudwatch_log_group.api_exec_log_group.arn}:*"],
      }),
    ]);
    expect(policiesOfRole(withoutExec, "api_task_role")).toEqual({});
  });

  test("ECS Exec sessions are logged to their own log group, kept as long as the container logs", () => {
    // GIVEN / WHEN
    const built = build({ service: { enableExecuteCommand: true, logRetentionDays: 90 } });
    const withoutExec = build({ service: { enableExecuteCommand: false } });
    // THEN the cluster overrides exec logging to the group
    expect(built.resources.aws_cloudwatch_log_group.api_exec_log_group).toMatchObject({ name: "/whcsites/staging/ecs/api/exec", retention_in_days: 90 });
    expect(built.resources.aws_ecs_cluster.api_cluster.configuration).toEqual({
      execute_command_configuration: {
        logging: "OVERRIDE",
        log_configuration: { cloud_watch_log_group_name: "${aws_cloudwatch_log_group.api_exec_log_group.name}", cloud_watch_encryption_enabled: false },
      },
    });
    expect(built.service.execLogGroupName).toBeDefined();
    // and without exec there is neither the group nor the override
    expect(withoutExec.resources.aws_cloudwatch_log_group.api_exec_log_group).toBeUndefined();
    expect(withoutExec.resources.aws_ecs_cluster.api_cluster.configuration).toBeUndefined();
    expect(withoutExec.service.execLogGroupName).toBeUndefined();
  });
});

describe("EcsService security group", () => {
  test("admits only the load balancer on the container port and reaches only HTTPS and the database", () => {
    // GIVEN / WHEN
    const { resources } = build();
    // THEN
    const sg = "${aws_security_group.api_security_group.id}";
    expect(resources.aws_security_group.api_security_group).not.toHaveProperty("ingress");
    expect(resources.aws_security_group.api_security_group).not.toHaveProperty("egress");
    const ingress = resourcesOf(resources, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sg);
    const egress = resourcesOf(resources, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === sg);
    expect(ingress).toEqual([
      ["api_from_alb_4000", expect.objectContaining({ ip_protocol: "tcp", from_port: 4000, to_port: 4000, referenced_security_group_id: "${aws_security_group.alb_security_group.id}" })],
    ]);
    expect(egress.map(([name]) => name).sort()).toEqual(["api_https_out", "api_to_database_5432"]);
    expect(resources.aws_vpc_security_group_egress_rule.api_https_out).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" });
    expect(resources.aws_vpc_security_group_egress_rule.api_to_database_5432).toMatchObject({
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: "${aws_security_group.database_security_group.id}",
    });
  });

  test("the peers' sides reference the service's security group: ALB egress and database ingress", () => {
    // GIVEN / WHEN
    const { synth } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      security_group_id: "${aws_security_group.alb_security_group.id}",
      referenced_security_group_id: "${aws_security_group.api_security_group.id}",
      from_port: 4000,
      to_port: 4000,
    });
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      referenced_security_group_id: "${aws_security_group.api_security_group.id}",
      from_port: 5432,
      to_port: 5432,
    });
  });

  test("allowFrom and allowTo reject a port outside 1 to 65535", () => {
    // GIVEN / WHEN / THEN
    expect(() => build({ extra: ({ service, alb }) => service.allowFrom(alb, 0) })).toThrow(
      /EcsService: allowFrom port got 0; allowed: an integer from 1 to 65535/,
    );
    expect(() => build({ extra: ({ service, database }) => service.allowTo(database, 70000) })).toThrow(
      /EcsService: allowTo port got 70000; allowed: an integer from 1 to 65535/,
    );
  });
});

describe("EcsService service", () => {
  test("runs in the private subnets without a public IP, registered in the target group", () => {
    // GIVEN / WHEN
    const { synth, resources } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsServiceResource, {
      name: "whcsites-staging-api",
      cluster: "${aws_ecs_cluster.api_cluster.arn}",
      task_definition: "${aws_ecs_task_definition.api_task_definition.arn}",
      network_configuration: {
        subnets: ["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"],
        security_groups: ["${aws_security_group.api_security_group.id}"],
        assign_public_ip: false,
      },
      load_balancer: [{ target_group_arn: "${aws_lb_target_group.alb_target_group.arn}", container_name: "api", container_port: 4000 }],
    });
    expect(resources.aws_ecs_service.api).not.toHaveProperty("launch_type");
  });

  test("deploys safely: circuit breaker with rollback, 100/200 percent, grace period, steady state awaited", () => {
    // GIVEN / WHEN
    const { synth } = build({ service: { healthCheckGracePeriodSeconds: 90 } });
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsServiceResource, {
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      health_check_grace_period_seconds: 90,
      wait_for_steady_state: true,
      propagate_tags: "SERVICE",
      lifecycle: { ignore_changes: ["desired_count"] },
    });
  });

  test("depends on the listener and the capacity providers, and on what the stack adds", () => {
    // GIVEN
    let gate: DataResource | undefined;
    // WHEN
    const { resources } = build({
      extra: ({ service, stack }) => {
        gate = new DataResource(stack, "migration_gate", { input: { revision: "1" } });
        service.addDependency(gate);
      },
    });
    // THEN
    expect(gate).toBeDefined();
    expect(resources.aws_ecs_service.api.depends_on).toEqual(
      expect.arrayContaining(["aws_lb_listener.alb_http", "aws_ecs_cluster_capacity_providers.api_cluster_capacity_providers", "terraform_data.migration_gate"]),
    );
  });

  test("uses the FARGATE capacity provider, or FARGATE_SPOT when allowed", () => {
    // GIVEN / WHEN
    const onDemand = build().resources.aws_ecs_service.api;
    const spot = build({ service: { fargateSpot: true } }).resources.aws_ecs_service.api;
    // THEN
    expect(onDemand.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 1, base: 0 }]);
    expect(spot.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 }]);
    // Changing the strategy must be a rolling deployment, not a replacement of the service.
    expect(spot.force_new_deployment).toBe(true);
  });
});

describe("EcsService production and non-production", () => {
  test("outside production: ECS Exec on by default, so the root filesystem is writable", () => {
    // GIVEN / WHEN
    const { container, resources, service } = build();
    // THEN
    expect(resources.aws_ecs_service.api.enable_execute_command).toBe(true);
    expect(container.readonlyRootFilesystem).toBe(false);
    expect(service.executeCommandEnabled).toBe(true);
  });

  test("outside production with exec turned off: read-only root", () => {
    // GIVEN / WHEN
    const { container, resources } = build({ service: { enableExecuteCommand: false } });
    // THEN
    expect(resources.aws_ecs_service.api.enable_execute_command).toBe(false);
    expect(container.readonlyRootFilesystem).toBe(true);
  });

  test("production: no exec, read-only root, on-demand Fargate, at least 2 tasks", () => {
    // GIVEN / WHEN
    const { container, resources } = build({ production: true, service: { desiredCount: 3, minCount: 2, maxCount: 6 } });
    // THEN
    expect(resources.aws_ecs_service.api.enable_execute_command).toBe(false);
    expect(resources.aws_ecs_service.api.desired_count).toBe(3);
    expect(resources.aws_ecs_service.api.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 1, base: 0 }]);
    expect(resources.aws_appautoscaling_target.api_scaling_target).toMatchObject({ min_capacity: 2, max_capacity: 6 });
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(policiesOfRole(resources, "api_task_role")).toEqual({});
  });

  test("production refuses Spot, exec and fewer than 2 tasks", () => {
    // GIVEN / WHEN / THEN
    expect(errorOf({ fargateSpot: true }, true)).toMatch(/EcsService: fargateSpot got true in production; allowed in production: false/);
    expect(errorOf({ enableExecuteCommand: true }, true)).toMatch(/EcsService: enableExecuteCommand got true in production; allowed in production: false \(ECS Exec needs a writable root/);
    expect(errorOf({ desiredCount: 1, minCount: 1 }, true)).toMatch(/EcsService: minCount got 1; allowed: an integer from 2 to 2/);
    expect(errorOf({ desiredCount: 1, minCount: 2, maxCount: 4 }, true)).toMatch(/EcsService: desiredCount got 1; allowed: an integer from 2 to 4/);
  });
});

describe("EcsService autoscaling", () => {
  test("tracks CPU and ALB requests per target between minCount and maxCount", () => {
    // GIVEN / WHEN
    const { synth } = build({ service: { desiredCount: 2, minCount: 1, maxCount: 5, targetCpuPercent: 55, targetRequestsPerTarget: 800 } });
    // THEN
    expect(synth).toHaveResourceWithProperties(AppautoscalingTarget, {
      service_namespace: "ecs",
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id: "service/${aws_ecs_cluster.api_cluster.name}/${aws_ecs_service.api.name}",
      min_capacity: 1,
      max_capacity: 5,
    });
    const policies = JSON.parse(synth).resource.aws_appautoscaling_policy as Record<string, Resource>;
    const target = {
      policy_type: "TargetTrackingScaling",
      service_namespace: "${aws_appautoscaling_target.api_scaling_target.service_namespace}",
      scalable_dimension: "${aws_appautoscaling_target.api_scaling_target.scalable_dimension}",
      resource_id: "${aws_appautoscaling_target.api_scaling_target.resource_id}",
    };
    expect(policies.api_scale_on_cpu).toMatchObject({
      ...target,
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
        target_value: 55,
      },
    });
    expect(policies.api_scale_on_requests).toMatchObject({
      ...target,
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label: "${aws_lb.alb.arn_suffix}/${aws_lb_target_group.alb_target_group.arn_suffix}",
        },
        target_value: 800,
      },
    });
  });

  test("defaults: min = desired, max = twice desired", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { desiredCount: 2 } });
    // THEN
    expect(resources.aws_appautoscaling_target.api_scaling_target).toMatchObject({ min_capacity: 2, max_capacity: 4 });
    expect(Object.keys(resources.aws_appautoscaling_policy).sort()).toEqual(["api_scale_on_cpu", "api_scale_on_requests"]);
  });
});

describe("EcsService exposes", () => {
  test("typed outputs for the stack", () => {
    // GIVEN / WHEN
    const { service } = build();
    // THEN
    expect(service.containerName).toBe("api");
    expect(service.containerPort).toBe(4000);
    expect(service.securityGroupId).toMatch(/TOKEN/);
    for (const value of [service.clusterName, service.clusterArn, service.serviceName, service.taskDefinitionFamily, service.taskDefinitionArn, service.logGroupName, service.executionRoleArn, service.taskRoleArn]) {
      expect(value).toMatch(/TOKEN/);
    }
    expect(service.privateSubnetIds).toHaveLength(2);
  });
});

describe("EcsService validation", () => {
  test("cpu must be a Fargate value", () => {
    expect(errorOf({ cpu: 300 })).toMatch(/EcsService: cpu got 300; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384/);
  });

  test("memoryMiB must be allowed for the cpu", () => {
    expect(errorOf({ cpu: 256, memoryMiB: 4096 })).toMatch(/EcsService: memoryMiB got 4096 for cpu 256; allowed for cpu 256: 512, 1024, 2048/);
    expect(errorOf({ cpu: 1024, memoryMiB: 1024 })).toMatch(/EcsService: memoryMiB got 1024 for cpu 1024; allowed for cpu 1024: 2048 to 8192 in steps of 1024/);
  });

  test.each<[Partial<EcsServiceProps>, RegExp]>([
    [{ image: "whcsites" }, /EcsService: image got "whcsites"; allowed: a full image reference with a tag or digest/],
    [{ image: "ghcr.io/whc-example/whcsites" }, /EcsService: image got "ghcr.io\/whc-example\/whcsites"; allowed/],
    [{ phxHost: "https://api.example.org" }, /EcsService: phxHost got "https:\/\/api.example.org"; allowed: a host name/],
    [{ region: "Europe" }, /EcsService: region got "Europe"; allowed: an AWS region name/],
    [{ accountId: "1234" }, /EcsService: accountId got "1234"; allowed: 12 digits/],
    [{ cpuArchitecture: "ARM" as "ARM64" }, /EcsService: cpuArchitecture got "ARM"; allowed: "X86_64" or "ARM64"/],
    [{ containerInsights: "on" as "enabled" }, /EcsService: containerInsights got "on"; allowed: "enabled" or "enhanced"/],
    [{ containerPort: 0 }, /EcsService: containerPort got 0; allowed: an integer from 1 to 65535/],
    [{ poolSize: 0 }, /EcsService: poolSize got 0; allowed: an integer from 1 to 1000/],
    [{ logRetentionDays: 10 }, /EcsService: logRetentionDays got 10; allowed: one of 1, 3, 5, 7, 14, 30/],
    [{ healthCheckGracePeriodSeconds: -1 }, /EcsService: healthCheckGracePeriodSeconds got -1; allowed: an integer from 0 to 7200/],
    [{ targetCpuPercent: 95 }, /EcsService: targetCpuPercent got 95; allowed: an integer from 10 to 90/],
    [{ targetRequestsPerTarget: 0 }, /EcsService: targetRequestsPerTarget got 0; allowed: an integer from 1 to 1000000/],
    [{ stopTimeoutSeconds: 121 }, /EcsService: stopTimeoutSeconds got 121; allowed: an integer from 2 to 120/],
    [{ desiredCount: 3, minCount: 1, maxCount: 2 }, /EcsService: desiredCount got 3; allowed: an integer from 1 to 2/],
    [{ desiredCount: 1, minCount: 2, maxCount: 4 }, /EcsService: desiredCount got 1; allowed: an integer from 2 to 4/],
    [{ desiredCount: 1, minCount: 5, maxCount: 4 }, /EcsService: minCount got 5; allowed: an integer from 0 to 4/],
    [{ desiredCount: 0, minCount: 0, maxCount: 0 }, /EcsService: maxCount got 0; allowed: an integer from 1 to 5000/],
  ])("rejects %j", (props, message) => {
    expect(errorOf(props)).toMatch(message);
  });

  test("accepts an image digest and a literal host name", () => {
    // GIVEN / WHEN
    const digest = `ghcr.io/whc-example/whcsites@sha256:${"a".repeat(64)}`;
    const { container } = build({ service: { image: digest, phxHost: "api.example.org" } });
    // THEN
    expect(container.image).toBe(digest);
    expect(container.environment).toContainEqual({ name: "PHX_HOST", value: "api.example.org" });
  });
});
