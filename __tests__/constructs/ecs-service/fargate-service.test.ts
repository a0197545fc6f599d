import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { Testing } from "cdktf";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { FargateService, FargateServiceProps } from "../../../src/constructs/ecs-service/fargate-service";
import { ECS_EXEC_ACTIONS } from "../../../src/constructs/ecs-service/fargate-task";
import { ServiceConnectNamespace } from "../../../src/constructs/ecs-service/service-connect-namespace";
import { ServiceDiscoveryHttpNamespace } from "@cdktf/provider-aws/lib/service-discovery-http-namespace";
import { plainContainer } from "../../../src/constructs/ecs-service/profiles/container";
import { POSTGRES_PORT, Rds } from "../../../src/constructs/rds/rds";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { TEST_IMAGE, testService, TestService, TestServiceOptions } from "../../helpers/service";

type Resource = Record<string, unknown>;
type Resources = Record<string, Record<string, Resource>>;
interface PolicyDocument {
  Statement: Array<{ Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown; Principal?: unknown }>;
}

const ACCOUNT = "123456789012";
const SECRET_KEY_BASE_ARN = "${aws_secretsmanager_secret.secrets_secret_key_base.arn}";
const CONNECTION_ARN = "${aws_secretsmanager_secret.secrets_database_connection.arn}";
const REGISTRY_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ghcr-pull-AbCdEf";

interface Options extends TestServiceOptions {
  /** Wires the database both ways, as the environment stack does for a service with database access. @default true */
  readonly wire?: boolean;
  /** Adds more to the stack before synthesis (another service, a dependency). */
  readonly extra?: (context: TestService & { readonly stack: ReadableStack; readonly database: Rds }) => void;
}

interface Built extends TestService {
  readonly synth: string;
  readonly resources: Resources;
  /** The container of the service built by the helper (id `options.id`, default "api"). */
  readonly container: ContainerDefinition;
  /** The container of another service of the stack, by construct id. */
  readonly containerOf: (id: string) => ContainerDefinition;
}

/**
 * A stack shaped like the environment stack: real network, load balancer "api", secrets, cluster "service", database,
 * and the Phoenix service `service/api` (see the helper).
 */
function build(options: Options = {}): Built {
  const production = options.production ?? false;
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", production ? "production" : "staging");
  const built = testService(stack, naming, options);
  const { network, secrets, service } = built;
  const database = new Rds(stack, "database", {
    naming,
    network,
    masterUsername: secrets.databaseUsername,
    masterPassword: secrets.databasePasswordValue as string,
    databaseName: secrets.databaseName,
    production,
    accountId: "123456789012",
  });
  if (options.wire ?? true) {
    service.allowTo(database, POSTGRES_PORT);
    service.addTaskPrerequisite(database.allowFrom(service), database.instance);
  }
  options.extra?.({ ...built, stack, database });
  const synth = Testing.synth(stack);
  const resources = JSON.parse(synth).resource as Resources;
  const containerOf = (id: string): ContainerDefinition => {
    const definitions = JSON.parse(resources.aws_ecs_task_definition[`service_${id}_task_definition`].container_definitions as string) as ContainerDefinition[];
    expect(definitions).toHaveLength(1);
    return definitions[0];
  };
  return { ...built, synth, resources, container: containerOf(options.id ?? "api"), containerOf };
}

/** Builds with `service` overriding the service's props and returns the error (or fails). */
function errorOf(options: Options): Error {
  try {
    build({ wire: false, ...options });
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the construct to throw");
}

const messageOf = (service: Partial<FargateServiceProps>, production = false): string => errorOf({ service, production }).message;

/** A worker beside the api, as a file's `worker` service without a route: plain container, own command and secret. */
function addWorker(context: TestService, props: Partial<FargateServiceProps> = {}): FargateService {
  const { naming, cluster, network, image, secrets } = context;
  const profile = plainContainer();
  return new FargateService(cluster, "worker", {
    naming,
    cluster,
    network,
    image,
    command: ["/app/bin/whcsites", "eval", "Whcsites.Worker.run()"],
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 1,
    environment: { ...profile.environment, QUEUE: "default" },
    secrets: { WORKER_TOKEN: secrets.managed("worker-token", "token of the worker's queue") },
    ...props,
  });
}

function resourcesOf(resources: Resources, type: string): Array<[string, Resource]> {
  return Object.entries(resources[type] ?? {});
}

/** Every inline policy attached to a role, parsed, keyed by address. */
function policiesOfRole(resources: Resources, roleAddress: string): Record<string, PolicyDocument> {
  const policies: Record<string, PolicyDocument> = {};
  for (const [name, policy] of resourcesOf(resources, "aws_iam_role_policy")) {
    if (policy.role === `\${aws_iam_role.${roleAddress}.name}`) policies[name] = JSON.parse(policy.policy as string) as PolicyDocument;
  }
  return policies;
}

/** The secret ARNs an execution role may read. */
function readableSecrets(resources: Resources, roleAddress: string): string[] {
  return Object.values(policiesOfRole(resources, roleAddress))
    .flatMap((p) => p.Statement)
    .filter((s) => list(s.Action).includes("secretsmanager:GetSecretValue"))
    .flatMap((s) => list(s.Resource));
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

describe("FargateService task definition", () => {
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
      execution_role_arn: "${aws_iam_role.service_api_execution_role.arn}",
      task_role_arn: "${aws_iam_role.service_api_task_role.arn}",
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

  test("names everything after the name prop when given, and after the construct id otherwise", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { name: "web" } });
    // THEN the addresses keep the construct id, the AWS names take the name
    expect(resources.aws_ecs_task_definition.service_api_task_definition.family).toBe("whcsites-staging-web");
    expect(resources.aws_ecs_service.service_api.name).toBe("whcsites-staging-web");
    expect(resources.aws_cloudwatch_log_group.service_api_log_group.name).toBe("/whcsites/staging/ecs/web");
    expect(resources.aws_iam_role.service_api_execution_role.name).toBe("whcsites-staging-web-execution");
    expect(resources.aws_iam_role.service_api_task_role.name).toBe("whcsites-staging-web-task");
    expect(resources.aws_security_group.service_api_security_group.name).toBe("whcsites-staging-web-tasks");
  });
});

describe("FargateService container definition", () => {
  test("runs the image with the image_tag variable, essential, unprivileged, with an init process, on the profile's port", () => {
    // GIVEN / WHEN
    const { container } = build();
    // THEN
    expect(container).toMatchObject({
      name: "api",
      image: TEST_IMAGE,
      essential: true,
      privileged: false,
      stopTimeout: 30,
      linuxParameters: { initProcessEnabled: true },
      portMappings: [{ containerPort: 4000, protocol: "tcp" }],
    });
    expect(container.command).toBeUndefined();
  });

  test("sets exactly the plain environment it is given (the Phoenix profile's), sorted by name", () => {
    // GIVEN / WHEN
    const { container } = build({ phoenix: { poolSize: 15 } });
    // THEN
    expect(container.environment).toEqual([
      { name: "PHX_HOST", value: "${aws_lb.api.dns_name}" },
      { name: "PHX_SERVER", value: "true" },
      { name: "POOL_SIZE", value: "15" },
      { name: "PORT", value: "4000" },
      { name: "RELEASE_TMP", value: "/tmp" },
    ]);
  });

  test("reads the secrets it is given from Secrets Manager by ARN (a JSON key as :key::), and nothing secret is in the environment", () => {
    // GIVEN / WHEN
    const { container } = build();
    // THEN
    expect(container.secrets).toEqual([
      { name: "DATABASE_URL", valueFrom: `${CONNECTION_ARN}:url::` },
      { name: "SECRET_KEY_BASE", valueFrom: SECRET_KEY_BASE_ARN },
    ]);
    const environment = container.environment ?? [];
    for (const { name, value } of environment) {
      expect(`${name}=${value}`).not.toMatch(/secretsmanager|random_password|password|SECRET|DATABASE_URL/i);
    }
  });

  test("runs the command it is given instead of the image's", () => {
    // GIVEN / WHEN
    const { container } = build({ service: { command: ["/app/bin/whcsites", "start"] } });
    // THEN
    expect(container.command).toEqual(["/app/bin/whcsites", "start"]);
  });

  test("labels the container with the docker labels it is given, and has no labels otherwise", () => {
    // GIVEN / WHEN
    const labelled = build({ service: { dockerLabels: { "whcsites.secret-versions": "database-app=2,secret-key-base=1" } } }).container;
    const plain = build().container;
    const emptyLabels = build({ service: { dockerLabels: {} } }).container;
    // THEN a new label value is a new task definition, so a rotated secret reaches new tasks
    expect(labelled.dockerLabels).toEqual({ "whcsites.secret-versions": "database-app=2,secret-key-base=1" });
    expect(plain).not.toHaveProperty("dockerLabels");
    expect(emptyLabels).not.toHaveProperty("dockerLabels");
  });

  test("uses repository credentials only when given", () => {
    // GIVEN / WHEN
    const withRegistry = build({ service: { repositoryCredentialsArn: REGISTRY_ARN } }).container;
    const without = build().container;
    // THEN
    expect(withRegistry.repositoryCredentials).toEqual({ credentialsParameter: REGISTRY_ARN });
    expect(without.repositoryCredentials).toBeUndefined();
  });

  test("logs to its own log group with retention, stream prefix = construct id, non-blocking", () => {
    // GIVEN / WHEN
    const { container, synth } = build({ service: { logRetentionDays: 90 } });
    // THEN
    expect(container.logConfiguration).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "${aws_cloudwatch_log_group.service_api_log_group.name}",
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
    expect(production.aws_cloudwatch_log_group.service_api_log_group.retention_in_days).toBe(365);
    expect(staging.aws_cloudwatch_log_group.service_api_log_group.retention_in_days).toBe(30);
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

describe("FargateService IAM", () => {
  test("the execution role trusts ECS tasks, with source conditions when the account id is known", () => {
    // GIVEN / WHEN
    const plain = build().resources;
    const scoped = build({ service: { accountId: ACCOUNT } }).resources;
    // THEN
    const trustOf = (resources: Resources) => JSON.parse(resources.aws_iam_role.service_api_execution_role.assume_role_policy as string) as PolicyDocument;
    expect(trustOf(plain).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect(trustOf(scoped).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` },
    });
  });

  test("the execution role may write to its log group and read exactly the secrets given and the registry credentials, nothing else", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { repositoryCredentialsArn: REGISTRY_ARN } });
    // THEN
    const statements = Object.values(policiesOfRole(resources, "service_api_execution_role")).flatMap((p) => p.Statement);
    expect(statements).toEqual([
      expect.objectContaining({ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["${aws_cloudwatch_log_group.service_api_log_group.arn}:*"] }),
      expect.objectContaining({ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET_KEY_BASE_ARN, CONNECTION_ARN, REGISTRY_ARN] }),
    ]);
    // No managed policy at all (AmazonECSTaskExecutionRolePolicy grants ECR and logs on "*").
    const attachments = resourcesOf(resources, "aws_iam_role_policy_attachment").filter(([, a]) => String(a.role).includes("service_api_"));
    expect(attachments).toEqual([]);
    expect(resources.aws_iam_role.service_api_execution_role.managed_policy_arns).toBeUndefined();
  });

  test("a secret named twice (two JSON keys of one secret) is granted once", () => {
    // GIVEN / WHEN the service reads two keys of the connection secret
    const { resources } = build({
      service: { secrets: { PGUSER: { arn: CONNECTION_ARN, jsonKey: "username" }, PGPASSWORD: { arn: CONNECTION_ARN, jsonKey: "password" } } },
    });
    // THEN
    expect(readableSecrets(resources, "service_api_execution_role")).toEqual([CONNECTION_ARN]);
  });

  test("a service gets no secret it does not name: the api and a worker each read only their own", () => {
    // GIVEN / WHEN the api and a worker with its own managed secret
    const { resources } = build({ extra: (context) => addWorker(context) });
    // THEN
    const workerToken = "${aws_secretsmanager_secret.secrets_worker_token.arn}";
    expect(readableSecrets(resources, "service_api_execution_role")).toEqual([SECRET_KEY_BASE_ARN, CONNECTION_ARN]);
    expect(readableSecrets(resources, "service_worker_execution_role")).toEqual([workerToken]);
  });

  test("a service with no secrets and no registry credentials gets no secrets policy at all", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { secrets: undefined } });
    // THEN only the logs policy is on the execution role
    expect(Object.keys(policiesOfRole(resources, "service_api_execution_role"))).toEqual(["service_api_execution_role_logs"]);
    expect(resources.aws_ecs_service.service_api.depends_on).not.toContain("aws_iam_role_policy.service_api_execution_role_secrets");
  });

  test("the secrets grant is in place before the service starts tasks", () => {
    // GIVEN / WHEN
    const { resources } = build();
    // THEN
    expect(resources.aws_ecs_service.service_api.depends_on).toEqual(
      expect.arrayContaining(["aws_iam_role_policy.service_api_execution_role_secrets", "aws_iam_role_policy.service_api_execution_role_logs"]),
    );
  });

  test("grants kms:Decrypt on the customer-managed key, through Secrets Manager only, and only when there is one", () => {
    // GIVEN / WHEN
    const withKey = build({ secrets: { customerManagedKey: true, accountId: ACCOUNT, region: "eu-west-1" } }).resources;
    const withoutKey = build().resources;
    // THEN
    const kmsOf = (resources: Resources) =>
      Object.values(policiesOfRole(resources, "service_api_execution_role"))
        .flatMap((p) => p.Statement)
        .filter((s) => list(s.Action).some((a) => a.startsWith("kms:")));
    expect(kmsOf(withKey)).toEqual([
      expect.objectContaining({
        Action: ["kms:Decrypt"],
        Resource: ["${aws_kms_key.secrets_key.arn}"],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      }),
    ]);
    expect(kmsOf(withoutKey)).toEqual([]);
  });

  test("no policy of the service's roles uses a wildcard action, and only ECS Exec's channel and log-group lookup use a wildcard resource", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { enableExecuteCommand: true, repositoryCredentialsArn: REGISTRY_ARN } });
    // THEN
    const statements = [
      ...Object.values(policiesOfRole(resources, "service_api_execution_role")),
      ...Object.values(policiesOfRole(resources, "service_api_task_role")),
    ].flatMap((p) => p.Statement);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const statement of statements) {
      for (const action of list(statement.Action)) expect(action).not.toContain("*");
      if (list(statement.Action).includes("secretsmanager:GetSecretValue")) expect(list(statement.Resource)).not.toContain("*");
    }
    const wildcardResources = statements.filter((s) => list(s.Resource).some((r) => r.includes("*") && !r.endsWith(".arn}:*")));
    expect(wildcardResources.map((s) => s.Action)).toEqual([[...ECS_EXEC_ACTIONS], ["logs:DescribeLogGroups"]]);
  });

  test("the task role is separate and gets the ECS Exec channels and the cluster's session-log writing only when exec is enabled", () => {
    // GIVEN / WHEN
    const withExec = build({ service: { enableExecuteCommand: true } }).resources;
    const withoutExec = build({ service: { enableExecuteCommand: false } }).resources;
    // THEN
    expect(withExec.aws_iam_role.service_api_task_role.name).toBe("whcsites-staging-api-task");
    expect(withExec.aws_iam_role.service_api_execution_role.name).toBe("whcsites-staging-api-execution");
    expect(Object.values(policiesOfRole(withExec, "service_api_task_role")).flatMap((p) => p.Statement)).toEqual([
      expect.objectContaining({ Effect: "Allow", Action: [...ECS_EXEC_ACTIONS], Resource: "*" }),
      expect.objectContaining({ Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" }),
      expect.objectContaining({
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: ["${aws_cloudwatch_log_group.service_exec_log_group.arn}:*"],
      }),
    ]);
    expect(policiesOfRole(withoutExec, "service_api_task_role")).toEqual({});
  });
});

describe("FargateService security group", () => {
  test("admits only the load balancer on the container port and reaches only HTTPS and the database", () => {
    // GIVEN / WHEN
    const { resources } = build();
    // THEN
    const sg = "${aws_security_group.service_api_security_group.id}";
    expect(resources.aws_security_group.service_api_security_group).not.toHaveProperty("ingress");
    expect(resources.aws_security_group.service_api_security_group).not.toHaveProperty("egress");
    const ingress = resourcesOf(resources, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sg);
    const egress = resourcesOf(resources, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === sg);
    expect(ingress).toEqual([
      ["service_api_from_api_4000", expect.objectContaining({ ip_protocol: "tcp", from_port: 4000, to_port: 4000, referenced_security_group_id: "${aws_security_group.api_security_group.id}" })],
    ]);
    expect(egress.map(([name]) => name).sort()).toEqual(["service_api_https_out", "service_api_to_database_5432"]);
    expect(resources.aws_vpc_security_group_egress_rule.service_api_https_out).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" });
    expect(resources.aws_vpc_security_group_egress_rule.service_api_to_database_5432).toMatchObject({
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: "${aws_security_group.database_security_group.id}",
    });
  });

  test("the peers' sides reference the service's security group: ALB egress and database ingress", () => {
    // GIVEN / WHEN
    const { synth, resources } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      security_group_id: "${aws_security_group.api_security_group.id}",
      referenced_security_group_id: "${aws_security_group.service_api_security_group.id}",
      from_port: 4000,
      to_port: 4000,
    });
    expect(Object.keys(resources.aws_vpc_security_group_egress_rule)).toContain("api_to_service_api_4000");
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      security_group_id: "${aws_security_group.database_security_group.id}",
      referenced_security_group_id: "${aws_security_group.service_api_security_group.id}",
      from_port: 5432,
      to_port: 5432,
    });
  });

  test("without database wiring the service reaches HTTPS only", () => {
    // GIVEN / WHEN
    const { resources } = build({ wire: false });
    // THEN
    const egress = resourcesOf(resources, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.security_group_id === "${aws_security_group.service_api_security_group.id}");
    expect(egress.map(([name]) => name)).toEqual(["service_api_https_out"]);
  });

  test("allowFrom and allowTo reject a port outside 1 to 65535", () => {
    // GIVEN / WHEN / THEN
    expect(() => build({ extra: ({ service, alb }) => service.allowFrom(alb, 0) })).toThrow(/FargateService: allowFrom port got 0; allowed: an integer from 1 to 65535/);
    expect(() => build({ extra: ({ service, database }) => service.allowTo(database, 70000) })).toThrow(
      /FargateService: allowTo port got 70000; allowed: an integer from 1 to 65535/,
    );
  });
});

describe("FargateService target group (behind the load balancer)", () => {
  test("is its own ip/HTTP target group on the port with /healthz 200, fast timings, name_prefix and create_before_destroy", () => {
    // GIVEN / WHEN
    const { synth, resources, service } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(LbTargetGroup, {
      target_type: "ip",
      protocol: "HTTP",
      protocol_version: "HTTP1",
      port: 4000,
      vpc_id: "${aws_vpc.network.id}",
      deregistration_delay: "30",
      name_prefix: "api-",
      lifecycle: { create_before_destroy: true },
      health_check: {
        enabled: true,
        path: "/healthz",
        matcher: "200",
        protocol: "HTTP",
        port: "traffic-port",
        interval: 10,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
        timeout: 5,
      },
    });
    expect(Object.keys(resources.aws_lb_target_group)).toEqual(["service_api_target_group"]);
    const tg = resources.aws_lb_target_group.service_api_target_group;
    expect(tg.name).toBeUndefined();
    expect((tg.name_prefix as string).length).toBeLessThanOrEqual(6);
    // The modeled rollout per batch: 2 checks x 10 s + 30 s draining, at most a minute.
    expect(service.rolloutSecondsPerBatch).toBe(50);
    expect(service.healthCheckPath).toBe("/healthz");
  });

  test("takes custom health check and draining timings", () => {
    // GIVEN / WHEN
    const { synth, service } = build({
      service: { port: 8080 },
      loadBalancer: { deregistrationDelaySeconds: 0, healthCheck: { path: "/ready", intervalSeconds: 15, healthyThreshold: 3, unhealthyThreshold: 4, timeoutSeconds: 6 } },
    });
    // THEN
    expect(synth).toHaveResourceWithProperties(LbTargetGroup, {
      port: 8080,
      deregistration_delay: "0",
      health_check: expect.objectContaining({ path: "/ready", interval: 15, healthy_threshold: 3, unhealthy_threshold: 4, timeout: 6 }),
    });
    expect(service.rolloutSecondsPerBatch).toBe(45);
    expect(service.healthCheckPath).toBe("/ready");
  });

  test("on the default route, the listener forwards every unmatched request to it and the service waits for the listener", () => {
    // GIVEN / WHEN
    const { resources } = build();
    // THEN
    expect(resources.aws_lb_listener.api_http.default_action).toEqual([{ type: "forward", target_group_arn: "${aws_lb_target_group.service_api_target_group.arn}" }]);
    expect(resources.aws_lb_listener_rule).toBeUndefined();
    expect(resources.aws_ecs_service.service_api.depends_on).toContain("aws_lb_listener.api_http");
  });

  test("in production, the HTTPS listener forwards and HTTP still redirects", () => {
    // GIVEN / WHEN
    const { resources } = build({ production: true });
    // THEN
    expect(resources.aws_lb_listener.api_https.default_action).toEqual([{ type: "forward", target_group_arn: "${aws_lb_target_group.service_api_target_group.arn}" }]);
    expect(resources.aws_lb_listener.api_http.default_action).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }]);
    expect(resources.aws_ecs_service.service_api.depends_on).toContain("aws_lb_listener.api_https");
  });
});

describe("FargateService routed by path beside the api", () => {
  // GIVEN the api on the default route and an admin service on /admin/* at priority 10
  // WHEN synthesized
  const { resources, synth } = build({
    extra: (context) => {
      const { naming, cluster, network, image, alb } = context;
      new FargateService(cluster, "admin", {
        naming,
        cluster,
        network,
        image,
        cpu: 256,
        memoryMiB: 512,
        desiredCount: 1,
        port: 4001,
        loadBalancer: { alb, route: { paths: ["/admin/*"], priority: 10 }, healthCheck: { path: "/admin/healthz" } },
      });
    },
  });

  test("THEN a listener rule at that priority forwards the path to the admin's own target group", () => {
    expect(synth).toHaveResourceWithProperties(LbListenerRule, {
      listener_arn: "${aws_lb_listener.api_http.arn}",
      priority: 10,
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.service_admin_target_group.arn}" }],
      condition: [{ path_pattern: { values: ["/admin/*"] } }],
    });
    expect(Object.keys(resources.aws_lb_listener_rule)).toEqual(["service_admin_route"]);
    expect(resources.aws_lb_target_group.service_admin_target_group).toMatchObject({ port: 4001, name_prefix: "admin-" });
  });

  test("THEN the admin service depends on its rule, not on the api's default route", () => {
    const dependsOn = resources.aws_ecs_service.service_admin.depends_on as string[];
    expect(dependsOn).toContain("aws_lb_listener_rule.service_admin_route");
    expect(dependsOn).not.toContain("aws_lb_listener.api_http");
    expect(resources.aws_ecs_service.service_admin.load_balancer).toEqual([
      { target_group_arn: "${aws_lb_target_group.service_admin_target_group.arn}", container_name: "admin", container_port: 4001 },
    ]);
  });

  test("THEN the api keeps the default route and the load balancer may reach both on their own ports", () => {
    expect(resources.aws_lb_listener.api_http.default_action).toEqual([{ type: "forward", target_group_arn: "${aws_lb_target_group.service_api_target_group.arn}" }]);
    expect(resources.aws_vpc_security_group_egress_rule.api_to_service_admin_4001).toMatchObject({
      from_port: 4001,
      referenced_security_group_id: "${aws_security_group.service_admin_security_group.id}",
    });
    expect(resources.aws_vpc_security_group_ingress_rule.service_admin_from_api_4001).toMatchObject({
      security_group_id: "${aws_security_group.service_admin_security_group.id}",
      referenced_security_group_id: "${aws_security_group.api_security_group.id}",
    });
  });

  test("THEN a route by host and path gets both conditions", () => {
    const { resources: hostAndPath } = build({
      id: "admin",
      route: { hosts: ["admin.example.org"], paths: ["/admin/*", "/ops/*"], priority: 20 },
    });
    expect(hostAndPath.aws_lb_listener_rule.service_admin_route.condition).toEqual([
      { host_header: { values: ["admin.example.org"] } },
      { path_pattern: { values: ["/admin/*", "/ops/*"] } },
    ]);
    // A request that matches no rule still gets the 404 (nothing claimed the default route).
    expect(hostAndPath.aws_lb_listener.api_http.default_action).toEqual([
      { type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "404", message_body: "Not Found" } },
    ]);
  });
});

describe("FargateService as a worker (no load balancer)", () => {
  // GIVEN the api and a worker without loadBalancer
  // WHEN synthesized
  const built = build({ extra: (context) => addWorker(context) });
  const { resources } = built;
  const worker = resources.aws_ecs_service.service_worker;

  test("THEN it gets no target group, no listener rule and no load_balancer block", () => {
    expect(Object.keys(resources.aws_lb_target_group)).toEqual(["service_api_target_group"]);
    expect(resources.aws_lb_listener_rule).toBeUndefined();
    expect(worker.load_balancer).toBeUndefined();
  });

  test("THEN nothing may reach it: no ingress rule, and the load balancer has no egress to it", () => {
    const sg = "${aws_security_group.service_worker_security_group.id}";
    const ingress = resourcesOf(resources, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === sg || r.referenced_security_group_id === sg);
    expect(ingress).toEqual([]);
    const egressToWorker = resourcesOf(resources, "aws_vpc_security_group_egress_rule").filter(([, r]) => r.referenced_security_group_id === sg);
    expect(egressToWorker).toEqual([]);
    expect(resources.aws_security_group.service_worker_security_group.description).toBe("ECS tasks: no ingress, egress to HTTPS and named peers only");
  });

  test("THEN it scales on CPU only", () => {
    const policies = resourcesOf(resources, "aws_appautoscaling_policy").map(([name]) => name).filter((name) => name.startsWith("service_worker_"));
    expect(policies).toEqual(["service_worker_scale_on_cpu"]);
    expect(resources.aws_appautoscaling_target.service_worker_scaling_target).toMatchObject({
      resource_id: "service/${aws_ecs_cluster.service_cluster.name}/${aws_ecs_service.service_worker.name}",
      min_capacity: 1,
      max_capacity: 2,
    });
  });

  test("THEN it has no health check grace period, but the same deploy safety", () => {
    expect(worker).not.toHaveProperty("health_check_grace_period_seconds");
    expect(worker).toMatchObject({ deployment_circuit_breaker: { enable: true, rollback: true }, wait_for_steady_state: true });
    expect(worker.depends_on).toContain("aws_ecs_cluster_capacity_providers.service_cluster_capacity_providers");
  });

  test("THEN its container runs its command, listens on no port, and has its own variables", () => {
    const container = built.containerOf("worker");
    expect(container.command).toEqual(["/app/bin/whcsites", "eval", "Whcsites.Worker.run()"]);
    expect(container.portMappings).toEqual([]);
    expect(container.environment).toEqual([{ name: "QUEUE", value: "default" }]);
    expect(container.secrets).toEqual([{ name: "WORKER_TOKEN", valueFrom: "${aws_secretsmanager_secret.secrets_worker_token.arn}" }]);
  });

  test("THEN it exposes no target group", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    const context = testService(stack, new Naming("whcsites", "staging"));
    const service = addWorker(context);
    expect([service.targetGroupArn, service.targetGroupArnSuffix, service.rolloutSecondsPerBatch, service.healthCheckPath, service.port]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("FargateService service", () => {
  test("runs in the shared cluster's private subnets without a public IP, registered in its own target group", () => {
    // GIVEN / WHEN
    const { synth, resources } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsService, {
      name: "whcsites-staging-api",
      cluster: "${aws_ecs_cluster.service_cluster.arn}",
      task_definition: "${aws_ecs_task_definition.service_api_task_definition.arn}",
      platform_version: "LATEST",
      network_configuration: {
        subnets: ["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"],
        security_groups: ["${aws_security_group.service_api_security_group.id}"],
        assign_public_ip: false,
      },
      load_balancer: [{ target_group_arn: "${aws_lb_target_group.service_api_target_group.arn}", container_name: "api", container_port: 4000 }],
    });
    expect(resources.aws_ecs_service.service_api).not.toHaveProperty("launch_type");
    expect(resources.aws_ecs_cluster).toEqual({ service_cluster: expect.any(Object) });
  });

  test("deploys safely: circuit breaker with rollback, 100/200 percent, grace period, steady state awaited", () => {
    // GIVEN / WHEN
    const { synth } = build({ loadBalancer: { healthCheckGracePeriodSeconds: 90 } });
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsService, {
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      health_check_grace_period_seconds: 90,
      wait_for_steady_state: true,
      availability_zone_rebalancing: "ENABLED",
      propagate_tags: "SERVICE",
      enable_ecs_managed_tags: true,
    });
    // the lifecycle (ignore_changes on desired_count, the rollback postcondition): "FargateService deployment alarms ..."
  });

  test("depends on the capacity providers, its route, its grants and rules, and on what the stack adds", () => {
    // GIVEN
    let gate: S3Bucket | undefined;
    // WHEN
    const { resources, service } = build({
      extra: ({ service, stack }) => {
        gate = new S3Bucket(stack, "gate", { bucket: "gate" });
        service.addDependency(gate);
      },
    });
    // THEN
    expect(gate).toBeDefined();
    expect(resources.aws_ecs_service.service_api.depends_on).toEqual([
      "aws_ecs_cluster_capacity_providers.service_cluster_capacity_providers",
      "aws_lb_listener.api_http",
      "aws_iam_role_policy.service_api_execution_role_logs",
      "aws_iam_role_policy.service_api_execution_role_secrets",
      "aws_vpc_security_group_egress_rule.service_api_https_out",
      "aws_vpc_security_group_ingress_rule.service_api_from_api_4000",
      "aws_vpc_security_group_egress_rule.service_api_to_database_5432",
      "aws_vpc_security_group_ingress_rule.database_allow_service_api",
      "aws_db_instance.database",
      "aws_s3_bucket.gate",
    ]);
    // The deploy gate waits for the same task prerequisites (not for the gate itself).
    expect(service.taskPrerequisites).toHaveLength(7);
  });

  test("uses the FARGATE capacity provider, or FARGATE_SPOT when allowed", () => {
    // GIVEN / WHEN
    const onDemand = build().resources.aws_ecs_service.service_api;
    const spot = build({ service: { fargateSpot: true } }).resources.aws_ecs_service.service_api;
    // THEN
    expect(onDemand.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 1, base: 0 }]);
    expect(spot.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 }]);
    // Changing the strategy must be a rolling deployment, not a replacement of the service.
    expect(spot.force_new_deployment).toBe(true);
  });
});

describe("FargateService production and non-production", () => {
  test("outside production: ECS Exec on by default, so the root filesystem is writable", () => {
    // GIVEN / WHEN
    const { container, resources, service } = build();
    // THEN
    expect(resources.aws_ecs_service.service_api.enable_execute_command).toBe(true);
    expect(container.readonlyRootFilesystem).toBe(false);
    expect(service.executeCommandEnabled).toBe(true);
    expect(service.readonlyRootFilesystem).toBe(false);
  });

  test("outside production with exec turned off: read-only root", () => {
    // GIVEN / WHEN
    const { container, resources } = build({ service: { enableExecuteCommand: false } });
    // THEN
    expect(resources.aws_ecs_service.service_api.enable_execute_command).toBe(false);
    expect(container.readonlyRootFilesystem).toBe(true);
  });

  test("production: no exec, read-only root, on-demand Fargate, at least 2 tasks", () => {
    // GIVEN / WHEN
    const { container, resources } = build({ production: true, service: { desiredCount: 3, minCount: 2, maxCount: 6 } });
    // THEN
    expect(resources.aws_ecs_service.service_api.enable_execute_command).toBe(false);
    expect(resources.aws_ecs_service.service_api.desired_count).toBe(3);
    expect(resources.aws_ecs_service.service_api.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 1, base: 0 }]);
    expect(resources.aws_appautoscaling_target.service_api_scaling_target).toMatchObject({ min_capacity: 2, max_capacity: 6 });
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(policiesOfRole(resources, "service_api_task_role")).toEqual({});
  });

  test("production refuses Spot, exec and fewer than 2 tasks", () => {
    // GIVEN / WHEN / THEN
    expect(messageOf({ fargateSpot: true }, true)).toMatch(/^FargateService: fargateSpot got true; allowed: false in production \(Spot tasks can be reclaimed/m);
    expect(messageOf({ enableExecuteCommand: true, readonlyRootFilesystem: false }, true)).toMatch(
      /^FargateService: enableExecuteCommand got true; allowed: false in production \(ECS Exec needs a writable root filesystem/m,
    );
    expect(messageOf({ desiredCount: 1, minCount: 1 }, true)).toMatch(/^FargateService: minCount got 1; allowed: an integer from 2 to 5000 \(at least 2 in production \(a task per AZ\)\)$/m);
    expect(messageOf({ desiredCount: 1, minCount: 2, maxCount: 4 }, true)).toMatch(/^FargateService: desiredCount got 1; allowed: an integer from 2 to 5000 \(at least 2 in production \(a task per AZ\)\)$/m);
  });

  test("exec needs a cluster that logs Exec sessions, and a writable root", () => {
    // GIVEN a cluster without executeCommandLogging WHEN a service enables exec THEN it is refused
    expect(errorOf({ cluster: { executeCommandLogging: false }, service: { enableExecuteCommand: true } }).message).toBe(
      "FargateService: enableExecuteCommand got true; allowed: false, or a cluster with executeCommandLogging (every Exec session is logged)",
    );
    // GIVEN exec WHEN the root is asked to stay read-only THEN it is refused
    expect(messageOf({ enableExecuteCommand: true, readonlyRootFilesystem: true })).toBe(
      "FargateService: readonlyRootFilesystem got true; allowed: false with enableExecuteCommand (the ECS Exec agent writes to the root filesystem)",
    );
    // GIVEN no exec WHEN the cluster does not log THEN it is fine
    expect(() => build({ cluster: { executeCommandLogging: false }, service: { enableExecuteCommand: false } })).not.toThrow();
  });
});

describe("FargateService autoscaling", () => {
  test("tracks CPU and ALB requests per target between minCount and maxCount", () => {
    // GIVEN / WHEN
    const { synth } = build({ service: { desiredCount: 2, minCount: 1, maxCount: 5, targetCpuPercent: 55 }, loadBalancer: { targetRequestsPerTarget: 800 } });
    // THEN
    expect(synth).toHaveResourceWithProperties(AppautoscalingTarget, {
      service_namespace: "ecs",
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id: "service/${aws_ecs_cluster.service_cluster.name}/${aws_ecs_service.service_api.name}",
      min_capacity: 1,
      max_capacity: 5,
    });
    const policies = JSON.parse(synth).resource.aws_appautoscaling_policy as Record<string, Resource>;
    const target = {
      policy_type: "TargetTrackingScaling",
      service_namespace: "${aws_appautoscaling_target.service_api_scaling_target.service_namespace}",
      scalable_dimension: "${aws_appautoscaling_target.service_api_scaling_target.scalable_dimension}",
      resource_id: "${aws_appautoscaling_target.service_api_scaling_target.resource_id}",
    };
    expect(policies.service_api_scale_on_cpu).toMatchObject({
      ...target,
      name: "whcsites-staging-api-cpu",
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
        target_value: 55,
        scale_out_cooldown: 60,
        scale_in_cooldown: 300,
      },
    });
    expect(policies.service_api_scale_on_requests).toMatchObject({
      ...target,
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label: "${aws_lb.api.arn_suffix}/${aws_lb_target_group.service_api_target_group.arn_suffix}",
        },
        target_value: 800,
      },
    });
  });

  test("defaults: min = desired, max = twice desired, CPU target 60%, 1000 requests per task", () => {
    // GIVEN / WHEN
    const { resources } = build({ service: { desiredCount: 2 } });
    // THEN
    expect(resources.aws_appautoscaling_target.service_api_scaling_target).toMatchObject({ min_capacity: 2, max_capacity: 4 });
    expect(Object.keys(resources.aws_appautoscaling_policy).sort()).toEqual(["service_api_scale_on_cpu", "service_api_scale_on_requests"]);
    const config = (name: string) => resources.aws_appautoscaling_policy[name].target_tracking_scaling_policy_configuration as { target_value: number };
    expect([config("service_api_scale_on_cpu").target_value, config("service_api_scale_on_requests").target_value]).toEqual([60, 1000]);
  });
});

describe("FargateService exposes", () => {
  test("typed outputs for the stack and the migration task", () => {
    // GIVEN / WHEN
    const { service } = build({ service: { command: ["/app/bin/server"] } });
    // THEN
    expect(service.name).toBe("api");
    expect(service.containerName).toBe("api");
    expect(service.port).toBe(4000);
    expect(service.image).toMatch(/^ghcr\.io\/whc-example\/whcsites:\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(service.command).toEqual(["/app/bin/server"]);
    expect(service.region).toBe("eu-west-1");
    expect(service.cpuArchitecture).toBe("X86_64");
    expect(service.stopTimeoutSeconds).toBe(30);
    expect(service.containerEnvironment).toMatchObject({ PHX_SERVER: "true", PORT: "4000" });
    expect(service.containerSecrets).toEqual({ DATABASE_URL: expect.stringMatching(/:url::$/), SECRET_KEY_BASE: expect.stringMatching(/TOKEN/) });
    for (const value of [
      service.clusterName,
      service.serviceName,
      service.taskDefinitionFamily,
      service.taskDefinitionArn,
      service.logGroupName,
      service.logGroupArn,
      service.executionRoleArn,
      service.taskRoleArn,
      service.securityGroupId,
      service.targetGroupArn,
      service.targetGroupArnSuffix,
    ]) {
      expect(value).toMatch(/TOKEN/);
    }
    expect(service.privateSubnetIds).toHaveLength(2);
  });
});

describe("FargateService validation", () => {
  test("cpu must be a Fargate value", () => {
    expect(messageOf({ cpu: 300 })).toBe("FargateService: cpu got 300; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384");
  });

  test("memoryMiB must be allowed for the cpu", () => {
    expect(messageOf({ cpu: 256, memoryMiB: 4096 })).toBe("FargateService: memoryMiB got 4096 for cpu 256; allowed for cpu 256: 512, 1024, 2048");
    expect(messageOf({ cpu: 1024, memoryMiB: 1024 })).toBe("FargateService: memoryMiB got 1024 for cpu 1024; allowed for cpu 1024: 2048 to 8192 in steps of 1024");
  });

  test.each<[Partial<FargateServiceProps>, RegExp]>([
    [{ name: "Api" }, /^FargateService: name got "Api"; allowed: lower-case letters, digits and single hyphens, starting with a letter$/],
    [{ name: "api--v2" }, /^FargateService: name got "api--v2"; allowed: lower-case letters/],
    [{ image: "whcsites" }, /^FargateService: image got "whcsites"; allowed: a full image reference with a tag or digest/],
    [{ image: "ghcr.io/whc-example/whcsites" }, /^FargateService: image got "ghcr.io\/whc-example\/whcsites"; allowed/],
    [{ command: [] }, /^FargateService: command got \[\]; allowed: a non-empty list of non-empty strings/],
    [{ command: ["/app/bin/server", ""] }, /^FargateService: command got \["\/app\/bin\/server",""\]; allowed/],
    [{ accountId: "1234" }, /^FargateService: accountId got "1234"; allowed: 12 digits$/],
    [{ cpuArchitecture: "ARM" as "ARM64" }, /^FargateService: cpuArchitecture got "ARM"; allowed: "X86_64" or "ARM64"$/],
    [{ port: 0 }, /^FargateService: port got 0; allowed: an integer from 1 to 65535$/],
    [{ logRetentionDays: 10 }, /^FargateService: logRetentionDays got 10; allowed: one of 1, 3, 5, 7, 14, 30/],
    [{ targetCpuPercent: 95 }, /^FargateService: targetCpuPercent got 95; allowed: an integer from 10 to 90$/],
    [{ stopTimeoutSeconds: 121 }, /^FargateService: stopTimeoutSeconds got 121; allowed: an integer from 2 to 120$/],
    [{ stopTimeoutSeconds: 1 }, /^FargateService: stopTimeoutSeconds got 1; allowed: an integer from 2 to 120$/],
    [{ desiredCount: 3, minCount: 1, maxCount: 2 }, /^FargateService: desiredCount got 3; allowed: at most maxCount \(2\)$/],
    [{ desiredCount: 1, minCount: 2, maxCount: 4 }, /^FargateService: desiredCount got 1; allowed: at least minCount \(2\)$/],
    [{ desiredCount: 1, minCount: 5, maxCount: 4 }, /^FargateService: minCount got 5; allowed: at most maxCount \(4\)/],
    [{ desiredCount: 0, minCount: 0, maxCount: 0 }, /^FargateService: maxCount got 0; allowed: an integer from 1 to 5000$/],
  ])("rejects %j", (props, message) => {
    expect(messageOf(props)).toMatch(message);
  });

  test.each<[string, Options, string]>([
    ["interval too short", { loadBalancer: { healthCheck: { intervalSeconds: 4, timeoutSeconds: 2 } } }, "loadBalancer.healthCheck.intervalSeconds got 4; allowed: an integer from 5 to 300"],
    ["interval too long", { loadBalancer: { healthCheck: { intervalSeconds: 301 } } }, "loadBalancer.healthCheck.intervalSeconds got 301; allowed: an integer from 5 to 300"],
    ["fractional interval", { loadBalancer: { healthCheck: { intervalSeconds: 7.5 } } }, "loadBalancer.healthCheck.intervalSeconds got 7.5; allowed: an integer from 5 to 300"],
    ["healthy threshold too low", { loadBalancer: { healthCheck: { healthyThreshold: 1 } } }, "loadBalancer.healthCheck.healthyThreshold got 1; allowed: an integer from 2 to 10"],
    ["healthy threshold too high", { loadBalancer: { healthCheck: { healthyThreshold: 11 } } }, "loadBalancer.healthCheck.healthyThreshold got 11; allowed: an integer from 2 to 10"],
    ["unhealthy threshold too low", { loadBalancer: { healthCheck: { unhealthyThreshold: 1 } } }, "loadBalancer.healthCheck.unhealthyThreshold got 1; allowed: an integer from 2 to 10"],
    ["unhealthy threshold too high", { loadBalancer: { healthCheck: { unhealthyThreshold: 11 } } }, "loadBalancer.healthCheck.unhealthyThreshold got 11; allowed: an integer from 2 to 10"],
    ["timeout too short", { loadBalancer: { healthCheck: { timeoutSeconds: 1 } } }, "loadBalancer.healthCheck.timeoutSeconds got 1; allowed: an integer from 2 to 9 (less than intervalSeconds)"],
    [
      "timeout too long",
      { loadBalancer: { healthCheck: { intervalSeconds: 300, timeoutSeconds: 121 } } },
      "loadBalancer.healthCheck.timeoutSeconds got 121; allowed: an integer from 2 to 120 (less than intervalSeconds)",
    ],
    [
      "timeout not below interval",
      { loadBalancer: { healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } } },
      "loadBalancer.healthCheck.timeoutSeconds got 10; allowed: an integer from 2 to 9 (less than intervalSeconds)",
    ],
    [
      "health check path without slash",
      { loadBalancer: { healthCheck: { path: "healthz" } } },
      'loadBalancer.healthCheck.path got "healthz"; allowed: a path starting with "/" of URL path characters, at most 1024',
    ],
    ["negative deregistration delay", { loadBalancer: { deregistrationDelaySeconds: -1 } }, "loadBalancer.deregistrationDelaySeconds got -1; allowed: an integer from 0 to 3600"],
    ["deregistration delay too long", { loadBalancer: { deregistrationDelaySeconds: 3601 } }, "loadBalancer.deregistrationDelaySeconds got 3601; allowed: an integer from 0 to 3600"],
    ["negative grace period", { loadBalancer: { healthCheckGracePeriodSeconds: -1 } }, "loadBalancer.healthCheckGracePeriodSeconds got -1; allowed: an integer from 0 to 7200"],
    ["no requests per task", { loadBalancer: { targetRequestsPerTarget: 0 } }, "loadBalancer.targetRequestsPerTarget got 0; allowed: an integer from 1 to 1000000"],
  ])("rejects a load balancer setting: %s", (_name, options, line) => {
    expect(errorOf(options).message).toBe(`FargateService: ${line}`);
  });

  test("accepts the boundary values of the load balancer settings", () => {
    expect(() =>
      build({
        loadBalancer: {
          deregistrationDelaySeconds: 3600,
          healthCheckGracePeriodSeconds: 7200,
          targetRequestsPerTarget: 1_000_000,
          healthCheck: { intervalSeconds: 300, timeoutSeconds: 120, healthyThreshold: 10, unhealthyThreshold: 10 },
        },
      }),
    ).not.toThrow();
    expect(() =>
      build({
        loadBalancer: {
          deregistrationDelaySeconds: 0,
          healthCheckGracePeriodSeconds: 0,
          targetRequestsPerTarget: 1,
          healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 },
        },
      }),
    ).not.toThrow();
  });

  test("a port is required behind the load balancer", () => {
    // GIVEN a routed service WHEN it has no port THEN it is refused
    expect(messageOf({ port: undefined })).toBe("FargateService: port got nothing; allowed: a port with loadBalancer (the target group sends traffic and health checks there)");
  });

  test("environment variable names are ENV_VAR style, plain or secret", () => {
    // GIVEN / WHEN / THEN
    expect(messageOf({ environment: { "feature-flag": "on" } })).toBe(
      'FargateService: environment.feature-flag got "feature-flag"; allowed: a variable name: upper-case letters, digits and _, not starting with a digit',
    );
    expect(messageOf({ secrets: { "1TOKEN": { arn: REGISTRY_ARN } } })).toBe(
      'FargateService: secrets.1TOKEN got "1TOKEN"; allowed: a variable name: upper-case letters, digits and _, not starting with a digit',
    );
    expect(() => build({ service: { environment: { _PRIVATE: "1", FEATURE_2: "on" } } })).not.toThrow();
  });

  test("a variable is either plain or secret, not both", () => {
    // GIVEN SECRET_KEY_BASE also as a plain variable WHEN built THEN it is refused
    expect(messageOf({ environment: { SECRET_KEY_BASE: "oops" } })).toBe(
      "FargateService: environment.SECRET_KEY_BASE is also given in secrets; allowed: a variable either plain or secret, not both",
    );
  });

  test("accepts an image digest", () => {
    // GIVEN / WHEN
    const digest = `ghcr.io/whc-example/whcsites@sha256:${"a".repeat(64)}`;
    const { container } = build({ service: { image: digest } });
    // THEN
    expect(container.image).toBe(digest);
  });

  test("collects every problem: two bad props give one PropError with two lines", () => {
    // GIVEN / WHEN
    const error = errorOf({ service: { cpu: 300, targetCpuPercent: 95 } });
    // THEN
    expect(error).toBeInstanceOf(PropError);
    expect((error as PropError).construct).toBe("FargateService");
    expect((error as PropError).problems.map((p) => p.prop)).toEqual(["cpu", "targetCpuPercent"]);
    expect(error.message.split("\n")).toEqual([
      "FargateService: cpu got 300; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384",
      "FargateService: targetCpuPercent got 95; allowed: an integer from 10 to 90",
    ]);
  });
});

describe("FargateService deployment alarms and rollback detection", () => {
  test("GIVEN no call WHEN synthesized THEN the service has no alarms block, and fails the apply when a rollback left the old task definition running", () => {
    // GIVEN / WHEN
    const { resources } = build();
    // THEN
    const service = resources.aws_ecs_service.service_api;
    expect(service.alarms).toBeUndefined();
    expect(service.lifecycle).toEqual({
      ignore_changes: ["desired_count"],
      postcondition: [
        {
          condition: "${(self.task_definition == aws_ecs_task_definition.service_api_task_definition.arn)}",
          error_message: expect.stringMatching(/^The ECS service is not running the task definition this apply registered: the deployment was rolled back/),
        },
      ],
    });
  });

  test("GIVEN rollBackOnAlarms twice WHEN synthesized THEN one alarms block names every alarm once, with enable and rollback", () => {
    // GIVEN / WHEN
    const { resources } = build({
      extra: ({ service }) => {
        service.rollBackOnAlarms("whcsites-staging-api-5xx-rate", "whcsites-staging-api-unhealthy-hosts");
        service.rollBackOnAlarms("whcsites-staging-api-unhealthy-hosts", "whcsites-staging-api-p99-latency");
      },
    });
    // THEN
    expect(resources.aws_ecs_service.service_api.alarms).toEqual({
      alarm_names: ["whcsites-staging-api-5xx-rate", "whcsites-staging-api-unhealthy-hosts", "whcsites-staging-api-p99-latency"],
      enable: true,
      rollback: true,
    });
  });

  test("GIVEN no alarm name WHEN rollBackOnAlarms is called THEN it is refused", () => {
    expect(() => build({ extra: ({ service }) => service.rollBackOnAlarms() })).toThrow("FargateService: rollBackOnAlarms alarmNames got []; allowed: at least one alarm name");
  });

  test("GIVEN a routed service THEN it exposes the load balancer's ARN suffix; a worker does not", () => {
    const { service } = build();
    expect(service.loadBalancerArnSuffix).toMatch(/TOKEN/);
    const worker = build({ route: null, database: false, wire: false });
    expect(worker.service.loadBalancerArnSuffix).toBeUndefined();
  });
});

describe("FargateService with Service Connect (internal services)", () => {
  /** An internal service "pricing" exposed as http://pricing:8080, and the api calling it, as the stack wires them. */
  function connected(expose: { name: string; port: number } = { name: "pricing", port: 8080 }): Built {
    return build({
      service: { serviceConnect: undefined },
      extra: ({ stack, service: api, naming, cluster, network }) => {
        const namespace = new ServiceConnectNamespace(stack, "service_connect", { naming });
        (api as unknown as { resource: EcsService }).resource.putServiceConnectConfiguration({ enabled: true, namespace: namespace.namespaceArn });
        const pricing = new FargateService(cluster, "pricing", {
          naming,
          cluster,
          network,
          image: "ghcr.io/whc-example/whcsites-pricing:0.3.0",
          cpu: 256,
          memoryMiB: 512,
          desiredCount: 1,
          port: 8080,
          serviceConnect: { namespace, expose },
        });
        api.allowTo(pricing, 8080);
        pricing.allowFrom(api, 8080);
      },
    });
  }

  test("GIVEN an exposed service WHEN synthesized THEN it serves its named port under its name in the namespace, with the proxy's logs in its log group, and has no target group", () => {
    // GIVEN / WHEN
    const { synth, resources, containerOf } = connected();
    // THEN
    expect(synth).toHaveResourceWithProperties(ServiceDiscoveryHttpNamespace, { name: "whcsites-staging" });
    expect(resources.aws_ecs_service.service_pricing.service_connect_configuration).toEqual({
      enabled: true,
      namespace: "${aws_service_discovery_http_namespace.service_connect.arn}",
      log_configuration: {
        log_driver: "awslogs",
        options: { "awslogs-group": "${aws_cloudwatch_log_group.service_pricing_log_group.name}", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "service-connect" },
      },
      service: [{ port_name: "http", discovery_name: "pricing", client_alias: { port: 8080, dns_name: "pricing" } }],
    });
    expect(containerOf("pricing").portMappings).toEqual([{ containerPort: 8080, protocol: "tcp", name: "http", appProtocol: "http" }]);
    expect(resources.aws_lb_target_group.service_pricing_target_group).toBeUndefined();
    expect(resources.aws_ecs_service.service_pricing.load_balancer).toBeUndefined();
  });

  test("GIVEN the api calling pricing WHEN wired THEN the only rules between them are the api's egress to pricing and pricing's ingress from the api, on the container port", () => {
    // GIVEN / WHEN
    const { resources } = connected();
    // THEN
    const between = (type: string) =>
      resourcesOf(resources, type)
        .filter(([, rule]) => [rule.security_group_id, rule.referenced_security_group_id].every((id) => String(id ?? "").includes("aws_security_group.service_")))
        .map(([address, rule]) => [address, rule.security_group_id, rule.referenced_security_group_id, rule.from_port]);
    expect(between("aws_vpc_security_group_egress_rule")).toEqual([
      ["service_api_to_service_pricing_8080", "${aws_security_group.service_api_security_group.id}", "${aws_security_group.service_pricing_security_group.id}", 8080],
    ]);
    expect(between("aws_vpc_security_group_ingress_rule")).toEqual([
      ["service_pricing_from_service_api_8080", "${aws_security_group.service_pricing_security_group.id}", "${aws_security_group.service_api_security_group.id}", 8080],
    ]);
  });

  test("GIVEN a service without Service Connect WHEN synthesized THEN its port mapping has no name (its task definition is unchanged)", () => {
    const { container, resources } = build();
    expect(container.portMappings).toEqual([{ containerPort: 4000, protocol: "tcp" }]);
    expect(resources.aws_ecs_service.service_api.service_connect_configuration).toBeUndefined();
  });

  test.each<[string, { name: string; port: number }, RegExp]>([
    ["a name that is no DNS label", { name: "Pricing_Service", port: 8080 }, /^FargateService: serviceConnect\.expose\.name got "Pricing_Service"; allowed: lower-case letters, digits and single hyphens/],
    ["a port out of range", { name: "pricing", port: 70000 }, /^FargateService: serviceConnect\.expose\.port got 70000; allowed: an integer from 1 to 65535/],
  ])("GIVEN %s WHEN built THEN it is refused", (_title, expose, message) => {
    expect(() => connected(expose)).toThrow(message);
  });
});
