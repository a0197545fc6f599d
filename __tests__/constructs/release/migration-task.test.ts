import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { spawnSync } from "child_process";
import { TerraformOutput, Testing } from "cdktf";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { FargateService, FargateServiceProps } from "../../../src/constructs/ecs-service/fargate-service";
import {
  CONTAINER_KILL_AFTER_SECONDS,
  CONTAINER_TIME_LIMIT_GRACE_SECONDS,
  DEFAULT_MIGRATION_COMMAND,
  MigrationTask,
  MigrationTaskProps,
} from "../../../src/constructs/release/migration-task";
import { ContainerProfile } from "../../../src/constructs/ecs-service/profiles/profile";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { TEST_IMAGE, testService, TestServiceOptions } from "../../helpers/service";

const REGISTRY_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ghcr-pull-AbCdEf";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

type MigrationOverrides = Partial<Omit<MigrationTaskProps, "naming" | "service">>;

interface Built {
  readonly migration: MigrationTask;
  readonly service: FargateService;
  /** The Phoenix profile the service runs with. */
  readonly profile: ContainerProfile;
  readonly synth: string;
  readonly parsed: { resource: Resources; output: Record<string, { value: unknown }> };
  /** The `migrate` container. */
  readonly container: ContainerDefinition;
  /** The service's `api` container, for comparison. */
  readonly apiContainer: ContainerDefinition;
}

/**
 * A stack like the environment stack: network, load balancer, secrets, cluster, the Phoenix service "service/api" with
 * private registry credentials, and the migration "migrations". `migrationProps` may read the profile (its one-off
 * environment).
 */
function build(
  migrationProps: MigrationOverrides | ((profile: ContainerProfile) => MigrationOverrides) = {},
  serviceProps: Partial<FargateServiceProps> = {},
  environment: Omit<TestServiceOptions, "service"> = {},
): Built {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", "staging");
  const { service, profile } = testService(stack, naming, { ...environment, service: { repositoryCredentialsArn: REGISTRY_ARN, ...serviceProps } });
  const overrides = typeof migrationProps === "function" ? migrationProps(profile) : migrationProps;
  const migration = new MigrationTask(stack, "migrations", { naming, service, ...overrides });
  new TerraformOutput(stack, "migration_target", { value: migration.runTarget });
  new TerraformOutput(stack, "migration_revision", { value: migration.revision });
  const synth = Testing.synth(stack);
  const parsed = JSON.parse(synth) as Built["parsed"];
  const containersOf = (name: string) => JSON.parse(parsed.resource.aws_ecs_task_definition[name].container_definitions as string) as ContainerDefinition[];
  const containers = containersOf("migrations");
  expect(containers).toHaveLength(1);
  return { migration, service, profile, synth, parsed, container: containers[0], apiContainer: containersOf("service_api_task_definition")[0] };
}

function errorOf(props: MigrationOverrides): string {
  try {
    build(props);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the construct to throw");
}

describe("MigrationTask task definition", () => {
  test("is its own small Fargate family with the service's roles, architecture and a /tmp volume", () => {
    // GIVEN / WHEN
    const { synth } = build({}, { cpuArchitecture: "ARM64" });
    // THEN
    expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, {
      family: "whcsites-staging-migrate",
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "ARM64" },
      execution_role_arn: "${aws_iam_role.service_api_execution_role.arn}",
      task_role_arn: "${aws_iam_role.service_api_task_role.arn}",
      volume: [{ name: "tmp" }],
      skip_destroy: true,
    });
  });

  test("takes a custom size", () => {
    // GIVEN / WHEN
    const { parsed } = build({ cpu: 512, memoryMiB: 2048 });
    // THEN
    expect(parsed.resource.aws_ecs_task_definition.migrations).toMatchObject({ cpu: "512", memory: "2048" });
  });
});

describe("MigrationTask container", () => {
  test("runs /app/bin/migrate from the service's image and tag, in a container named migrate, under its own time limit", () => {
    // GIVEN / WHEN
    const { container, apiContainer, migration } = build();
    // THEN the container stops itself 15 minutes (the runner's default timeout) plus one minute after it starts
    expect(DEFAULT_MIGRATION_COMMAND).toEqual(["/app/bin/migrate"]);
    expect(container).toMatchObject({
      name: "migrate",
      image: TEST_IMAGE,
      command: ["timeout", "-k", "30", "960", "/app/bin/migrate"],
      essential: true,
      privileged: false,
    });
    expect(migration).toMatchObject({ timeoutMinutes: 15, containerTimeLimitSeconds: 960, command: ["/app/bin/migrate"] });
    expect(container.image).toBe(apiContainer.image);
    expect(container.portMappings).toEqual([]);
  });

  test("runs a custom command, with the time limit from timeoutMinutes", () => {
    // GIVEN / WHEN
    const { container, migration } = build({ command: ["/app/bin/whcsites", "eval", "Whcsites.Release.migrate"], timeoutMinutes: 40 });
    // THEN 40 minutes and the grace minute
    expect(container.command).toEqual(["timeout", "-k", "30", "2460", "/app/bin/whcsites", "eval", "Whcsites.Release.migrate"]);
    expect(migration.containerTimeLimitSeconds).toBe(40 * 60 + CONTAINER_TIME_LIMIT_GRACE_SECONDS);
    expect(CONTAINER_KILL_AFTER_SECONDS).toBe(30);
  });

  test("without containerTimeLimit (an image with no timeout command), runs the command as it is", () => {
    // GIVEN / WHEN
    const { container, migration } = build({ containerTimeLimit: false, timeoutMinutes: 30 });
    // THEN
    expect(container.command).toEqual(["/app/bin/migrate"]);
    expect(migration.containerTimeLimitSeconds).toBeUndefined();
    expect(migration.timeoutMinutes).toBe(30);
  });

  const gnuTimeout = spawnSync("timeout", ["--version"], { encoding: "utf8" }).stdout?.includes("GNU coreutils") === true;
  (gnuTimeout ? test : test.skip)("the synthesized wrapper really stops the command when its time is up (GNU timeout, as in Debian images)", () => {
    // GIVEN the container's command as synthesized, with the migration swapped for a shell that waits for a signal
    // and, instead of waiting 960 s, sends timeout the SIGALRM its own timer sends when the time is up. It sends it
    // once timeout sleeps (state S: waiting for its child): GNU timeout 9.1 that gets SIGALRM before it has recorded
    // its child's pid just exits 143 and leaves the child running, a race a real 960 s timer never meets but a
    // busy machine made this test meet (measured: 1 run in 3 failed under load). The shell then sleeps in short steps:
    // dash can miss a trapped signal that arrives just before a `wait` blocks, and that once made this test wait out a
    // 30 s sleep; between two commands it never misses one. The loop's stderr is dropped: the same TERM, sent to the
    // whole group, kills the current sleep, and the shell reports that with "Terminated".
    const { container } = build();
    const wrapper = (container.command as string[]).slice(0, -1);
    expect(wrapper).toEqual(["timeout", "-k", "30", "960"]);
    const migration = [
      "sh",
      "-c",
      'trap "echo stopped by TERM; exit 143" TERM; until read -r _ _ s _ < /proc/$PPID/stat && [ "$s" = S ]; do :; done; kill -ALRM $PPID; while :; do sleep 0.1; done 2>/dev/null',
    ];
    // WHEN it runs
    const run = spawnSync(wrapper[0], [...wrapper.slice(1), ...migration], { encoding: "utf8", timeout: 60_000 });
    // THEN the migration got SIGTERM (its trap ran: it never ends on its own) and the container exits
    // 124 (timeout's "timed out")
    expect({ status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 124, signal: null, stdout: "stopped by TERM\n", stderr: "" });
    // and an ordinary migration's exit code passes through unchanged
    expect(spawnSync(wrapper[0], [...wrapper.slice(1), "sh", "-c", "exit 3"]).status).toBe(3);
  });

  test("gets the service's secrets by ARN and its registry credentials", () => {
    // GIVEN / WHEN
    const { container, apiContainer } = build();
    // THEN
    expect(container.secrets).toEqual(apiContainer.secrets);
    expect(container.secrets).toEqual([
      { name: "DATABASE_URL", valueFrom: "${aws_secretsmanager_secret.secrets_database_connection.arn}:url::" },
      { name: "SECRET_KEY_BASE", valueFrom: "${aws_secretsmanager_secret.secrets_secret_key_base.arn}" },
    ]);
    expect(container.repositoryCredentials).toEqual({ credentialsParameter: REGISTRY_ARN });
  });

  test("without an environment, gets the service's plain environment as it is", () => {
    // GIVEN / WHEN
    const { container, apiContainer } = build();
    // THEN
    expect(container.environment).toEqual(apiContainer.environment);
    expect(container.environment?.map((e) => e.name)).toContain("PHX_SERVER");
  });

  test("with the profile's one-off environment, runs the release without its HTTP server (no PHX_SERVER)", () => {
    // GIVEN / WHEN
    const { container, apiContainer } = build((profile) => ({ environment: profile.oneOffEnvironment }));
    // THEN
    expect(container.environment).toEqual((apiContainer.environment ?? []).filter((e) => e.name !== "PHX_SERVER"));
    expect(container.environment?.map((e) => e.name)).toEqual(["PHX_HOST", "POOL_SIZE", "PORT", "RELEASE_TMP"]);
    // The secrets are still the service's.
    expect(container.secrets).toEqual(apiContainer.secrets);
  });

  test("keeps a read-only root with /tmp writable even when the service allows ECS Exec", () => {
    // GIVEN / WHEN
    const { container, apiContainer } = build({}, { enableExecuteCommand: true });
    // THEN
    expect(apiContainer.readonlyRootFilesystem).toBe(false);
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.mountPoints).toEqual([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
  });

  test("logs to the service's log group under its own stream prefix, blocking so no line is lost", () => {
    // GIVEN / WHEN
    const { container } = build();
    // THEN
    expect(container.logConfiguration).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "${aws_cloudwatch_log_group.service_api_log_group.name}",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "migrate",
        mode: "blocking",
      },
    });
  });
});

describe("MigrationTask with secrets of its own (it logs in as the schema owner)", () => {
  const ACCOUNT = "123456789012";
  const MIGRATOR_ARN = "${aws_secretsmanager_secret.secrets_database_migrator.arn}";
  const APP_ARN = "${aws_secretsmanager_secret.secrets_database_app.arn}";
  const SECRET_KEY_BASE_ARN = "${aws_secretsmanager_secret.secrets_secret_key_base.arn}";
  const ROLES = { secrets: { databaseRoles: ["app", "migrator"] } } as const;

  type Statement = { Sid: string; Action: string[]; Resource: string[]; Condition?: unknown };
  /** The statements of every inline policy of a role, by the role's address name. */
  const statementsOf = (built: Built, role: string): Statement[] =>
    Object.values(built.parsed.resource.aws_iam_role_policy)
      .filter((p) => p.role === `\${aws_iam_role.${role}.name}`)
      .flatMap((p) => (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement);
  const readable = (built: Built, role: string): string[] =>
    statementsOf(built, role)
      .filter((s) => s.Action.includes("secretsmanager:GetSecretValue"))
      .flatMap((s) => s.Resource);

  describe("GIVEN the profile's one-off secrets (DATABASE_URL of the migrator role)", () => {
    // WHEN
    const built = build((profile) => ({ environment: profile.oneOffEnvironment, secrets: profile.oneOffSecrets }), {}, ROLES);

    test("THEN the container reads those secrets, not the service's: DATABASE_URL is the migrator's url key", () => {
      expect(built.container.secrets).toEqual([
        { name: "DATABASE_URL", valueFrom: `${MIGRATOR_ARN}:url::` },
        { name: "SECRET_KEY_BASE", valueFrom: SECRET_KEY_BASE_ARN },
      ]);
      expect(built.apiContainer.secrets).toEqual([
        { name: "DATABASE_URL", valueFrom: `${APP_ARN}:url::` },
        { name: "SECRET_KEY_BASE", valueFrom: SECRET_KEY_BASE_ARN },
      ]);
    });

    test("THEN the task starts with an execution role of its own, and keeps the service's task role", () => {
      expect(built.synth).toHaveResourceWithProperties(EcsTaskDefinition, {
        family: "whcsites-staging-migrate",
        execution_role_arn: "${aws_iam_role.migrations_execution_role.arn}",
        task_role_arn: "${aws_iam_role.service_api_task_role.arn}",
      });
      expect(built.parsed.resource.aws_iam_role.migrations_execution_role).toMatchObject({ name: "whcsites-staging-migrations-execution" });
    });

    test("THEN its role reads exactly the migration's secrets and the registry credentials, and writes to the service's log group", () => {
      expect(readable(built, "migrations_execution_role").sort()).toEqual([MIGRATOR_ARN, REGISTRY_ARN, SECRET_KEY_BASE_ARN].sort());
      expect(statementsOf(built, "migrations_execution_role").find((s) => s.Sid === "WriteContainerLogs")?.Resource).toEqual([
        "${aws_cloudwatch_log_group.service_api_log_group.arn}:*",
      ]);
    });

    test("THEN the service's role cannot read the migrator's secret, nor the migration's role the app's", () => {
      expect(readable(built, "service_api_execution_role")).not.toContain(MIGRATOR_ARN);
      expect(readable(built, "service_api_execution_role")).toContain(APP_ARN);
      expect(readable(built, "migrations_execution_role")).not.toContain(APP_ARN);
    });

    test("THEN no execution role reads the master connection secret", () => {
      expect(JSON.stringify(built.parsed.resource.aws_iam_role_policy)).not.toContain("secrets_database_connection");
      expect(JSON.stringify(built.parsed.resource.aws_ecs_task_definition)).not.toContain("secrets_database_connection");
    });

    test("THEN the task must wait for its own role's grants", () => {
      expect(built.migration.taskPrerequisites.map((p) => (p as unknown as { node: { path: string } }).node.path)).toEqual([
        "test/migrations/execution_role/logs",
        "test/migrations/execution_role/secrets",
      ]);
    });
  });

  test("GIVEN a customer-managed key, the account and a boundary WHEN built THEN its own role decrypts through Secrets Manager, trusts ECS for this account only and carries the boundary", () => {
    // GIVEN / WHEN
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100";
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-boundary`;
    const built = build((profile) => ({ secrets: profile.oneOffSecrets, secretsKmsKeyArn: key, accountId: ACCOUNT, permissionsBoundaryArn: boundary }), {}, ROLES);
    // THEN
    const role = built.parsed.resource.aws_iam_role.migrations_execution_role;
    expect(role.permissions_boundary).toBe(boundary);
    expect(JSON.parse(role.assume_role_policy as string).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` },
    });
    expect(statementsOf(built, "migrations_execution_role").find((s) => s.Sid === "DecryptAppSecrets")).toMatchObject({
      Action: ["kms:Decrypt"],
      Resource: [key],
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
    });
  });

  test("GIVEN no secrets of its own WHEN built THEN it has no execution role of its own and nothing extra to wait for", () => {
    const built = build({}, {}, ROLES);
    expect(built.parsed.resource.aws_iam_role.migrations_execution_role).toBeUndefined();
    expect(built.parsed.resource.aws_ecs_task_definition.migrations.execution_role_arn).toBe("${aws_iam_role.service_api_execution_role.arn}");
    expect(built.migration.taskPrerequisites).toEqual([]);
  });
});

describe("MigrationTask exposes", () => {
  test("what the runner needs to start it, as a stack output", () => {
    // GIVEN / WHEN
    const { parsed, migration } = build();
    // THEN
    expect(parsed.output.migration_target.value).toEqual({
      cluster: "${aws_ecs_cluster.service_cluster.name}",
      taskDefinitionArn: "${aws_ecs_task_definition.migrations.arn}",
      containerName: "migrate",
      subnetIds: ["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"],
      securityGroupIds: ["${aws_security_group.service_api_security_group.id}"],
      region: "eu-west-1",
      logGroup: "${aws_cloudwatch_log_group.service_api_log_group.name}",
      logStreamPrefix: "migrate",
      image: TEST_IMAGE,
    });
    expect(parsed.output.migration_revision.value).toBe("${aws_ecs_task_definition.migrations.revision}");
    expect(migration.containerName).toBe("migrate");
    expect(migration.logStreamPrefix).toBe("migrate");
    expect(migration.command).toEqual(["/app/bin/migrate"]);
  });
});

describe("MigrationTask validation", () => {
  test.each<[MigrationOverrides, RegExp]>([
    [{ command: [] }, /^MigrationTask: command got \[\]; allowed: a non-empty list of non-empty strings/],
    [{ command: ["/app/bin/migrate", ""] }, /MigrationTask: command got \["\/app\/bin\/migrate",""\]; allowed/],
    [{ cpu: 128 }, /MigrationTask: cpu got 128; allowed: 256, 512, 1024/],
    [{ cpu: 256, memoryMiB: 4096 }, /MigrationTask: memoryMiB got 4096 for cpu 256; allowed for cpu 256: 512, 1024, 2048/],
    [{ timeoutMinutes: 0 }, /MigrationTask: timeoutMinutes got 0; allowed: an integer from 1 to 120/],
    [{ timeoutMinutes: 121 }, /MigrationTask: timeoutMinutes got 121; allowed: an integer from 1 to 120/],
  ])("rejects %j", (props, message) => {
    expect(errorOf(props)).toMatch(message);
  });

  test("collects every problem: an empty command and a bad size give one error with two lines", () => {
    expect(errorOf({ command: [], cpu: 128 }).split("\n")).toEqual([
      'MigrationTask: command got []; allowed: a non-empty list of non-empty strings, such as ["/app/bin/migrate"]',
      "MigrationTask: cpu got 128; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384",
    ]);
  });
});
