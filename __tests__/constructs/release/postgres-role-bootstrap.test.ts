import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { TerraformOutput, Testing } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Cluster } from "../../../src/constructs/ecs-service/cluster";
import { spawn } from "child_process";
import { DeployGate } from "../../../src/constructs/release/deploy-gate";
import { MigrationTask } from "../../../src/constructs/release/migration-task";
import {
  DEFAULT_PSQL_IMAGE,
  PostgresRoleBootstrap,
  PostgresRoleBootstrapProps,
  ROLE_BOOTSTRAP_CONTAINER_NAME,
  roleBootstrapSql,
} from "../../../src/constructs/release/postgres-role-bootstrap";
import { ectoDatabaseUrl } from "../../../src/constructs/ecs-service/profiles/phoenix";
import { POSTGRES_PORT, Rds } from "../../../src/constructs/rds/rds";
import { DatabaseRoleSecret } from "../../../src/constructs/secrets/secrets";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";
import { findPostgres, PostgresBinaries, PostgresCluster, PsqlResult } from "../../helpers/postgres";
import { testService } from "../../helpers/service";
import { isCi } from "../../../scripts/lib/terraform/terraform-cli";

type Resource = Record<string, unknown>;
type Resources = Record<string, Record<string, Resource>>;
interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
}

const MASTER_ARN = "${aws_secretsmanager_secret.secrets_database_connection.arn}";
const MIGRATOR_ARN = "${aws_secretsmanager_secret.secrets_database_migrator.arn}";
const APP_ARN = "${aws_secretsmanager_secret.secrets_database_app.arn}";

// ── the bootstrap in an environment: service (app role), migration (migrator role), database ──

interface Built {
  readonly synth: string;
  readonly resources: Resources;
  readonly outputs: Record<string, { value: unknown }>;
  readonly bootstrap: PostgresRoleBootstrap;
  /** The bootstrap's one container. */
  readonly container: ContainerDefinition;
}

/**
 * A stack wired as the environment stack wires it: the Phoenix service logs in as `app`, the migration (its own
 * secrets) as `migrator`, and the bootstrap "database_roles" gets the master connection, reaches the database and is
 * admitted by it.
 */
function build(options: { readonly production?: boolean; readonly versions?: Record<string, number>; readonly bootstrap?: Partial<PostgresRoleBootstrapProps> } = {}): Built {
  const production = options.production ?? false;
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", production ? "production" : "staging");
  const { network, secrets, cluster, service, profile } = testService(stack, naming, {
    production,
    secrets: { databaseRoles: ["app", "migrator"], versions: options.versions },
  });
  const database = new Rds(stack, "database", {
    naming,
    network,
    masterUsername: secrets.databaseUsername,
    masterPassword: secrets.databasePasswordValue as string,
    masterPasswordVersion: secrets.databasePasswordVersion,
    databaseName: secrets.databaseName,
    production,
  });
  const connectionReady = secrets.storeDatabaseConnection({ address: database.address, port: database.port, path: database.node.path }, ectoDatabaseUrl);
  service.allowTo(database, POSTGRES_PORT);
  service.addTaskPrerequisite(database.allowFrom(service), database.instance);
  new MigrationTask(stack, "migrations", { naming, service, environment: profile.oneOffEnvironment, secrets: profile.oneOffSecrets });
  const migrator = secrets.databaseRoles.get("migrator") as DatabaseRoleSecret;
  const app = secrets.databaseRoles.get("app") as DatabaseRoleSecret;
  const bootstrap = new PostgresRoleBootstrap(stack, "database_roles", {
    naming,
    cluster,
    network,
    masterConnection: secrets.databaseConnection as { arn: string },
    roles: [
      { kind: "owner", username: migrator.username, secret: migrator.connection, version: migrator.version },
      { kind: "readwrite", username: app.username, secret: app.connection, version: app.version },
    ],
    production,
    ...options.bootstrap,
  });
  bootstrap.allowTo(database, POSTGRES_PORT);
  bootstrap.addTaskPrerequisite(database.allowFrom(bootstrap), ...connectionReady);
  new TerraformOutput(stack, "database_roles_target", { value: bootstrap.runTarget });
  const synth = Testing.synth(stack);
  const json = JSON.parse(synth) as { resource: Resources; output: Record<string, { value: unknown }> };
  const definitions = JSON.parse(json.resource.aws_ecs_task_definition.database_roles_task_definition.container_definitions as string) as ContainerDefinition[];
  expect(definitions).toHaveLength(1);
  return { synth, resources: json.resource, outputs: json.output, bootstrap, container: definitions[0] };
}

// ── the bootstrap alone, with literal secret ARNs (validation, and the real PostgreSQL run) ──

const LITERAL = {
  master: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-AbCdEf",
  migrator: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-migrator-AbCdEf",
  app: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-app-AbCdEf",
};

const ROLES: PostgresRoleBootstrapProps["roles"] = [
  { kind: "owner", username: "whcsites_migrator", secret: { arn: LITERAL.migrator }, version: 1 },
  { kind: "readwrite", username: "whcsites_app", secret: { arn: LITERAL.app }, version: 1 },
];

/** The bootstrap on its own (network and cluster only); returns its container, or throws what the construct throws. */
function alone(props: Partial<PostgresRoleBootstrapProps> = {}): { bootstrap: PostgresRoleBootstrap; container: ContainerDefinition; resources: Resources } {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", "staging");
  const network = testNetwork(stack, naming);
  const cluster = new Cluster(stack, "service", { naming });
  const bootstrap = new PostgresRoleBootstrap(stack, "database_roles", { naming, cluster, network, masterConnection: { arn: LITERAL.master }, roles: ROLES, ...props });
  const resources = (JSON.parse(Testing.synth(stack)) as { resource: Resources }).resource;
  const container = (JSON.parse(resources.aws_ecs_task_definition.database_roles_task_definition.container_definitions as string) as ContainerDefinition[])[0];
  return { bootstrap, container, resources };
}

function errorOf(props: Partial<PostgresRoleBootstrapProps>): PropError {
  try {
    alone(props);
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected a PropError");
}

/** The statements of every inline policy of a role, by the role's address name. */
function statementsOf(resources: Resources, role: string): Statement[] {
  return Object.values(resources.aws_iam_role_policy)
    .filter((p) => p.role === `\${aws_iam_role.${role}.name}`)
    .flatMap((p) => (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement);
}

describe("PostgresRoleBootstrap synthesized", () => {
  // GIVEN / WHEN an environment with the service, the migration and the bootstrap
  const built = build({ versions: { "database-app": 2 } });
  const { resources, container } = built;

  describe("the master secret", () => {
    test("THEN only the bootstrap's execution role may read it", () => {
      const readers = Object.entries(resources.aws_iam_role_policy)
        .filter(([, p]) => (p.policy as string).includes(MASTER_ARN))
        .map(([name]) => name);
      expect(readers).toEqual(["database_roles_execution_role_secrets"]);
    });

    test("THEN only the bootstrap's task definition names it", () => {
      const naming = Object.entries(resources.aws_ecs_task_definition)
        .filter(([, t]) => (t.container_definitions as string).includes(MASTER_ARN))
        .map(([name]) => name);
      expect(naming).toEqual(["database_roles_task_definition"]);
    });

    test("THEN the bootstrap's role reads exactly the master and the two roles' secrets, and writes its own log group", () => {
      const statements = statementsOf(resources, "database_roles_execution_role");
      expect(statements.find((s) => s.Sid === "ReadAppSecrets")?.Resource).toEqual([MASTER_ARN, MIGRATOR_ARN, APP_ARN]);
      expect(statements.find((s) => s.Sid === "WriteContainerLogs")?.Resource).toEqual(["${aws_cloudwatch_log_group.database_roles_log_group.arn}:*"]);
      expect(statements.map((s) => s.Sid).sort()).toEqual(["ReadAppSecrets", "WriteContainerLogs"]);
    });
  });

  describe("the container", () => {
    test("THEN libpq's PG* variables are the master secret's JSON keys, and each role's password its secret's password key", () => {
      expect(container.secrets).toEqual([
        { name: "PGDATABASE", valueFrom: `${MASTER_ARN}:dbname::` },
        { name: "PGHOST", valueFrom: `${MASTER_ARN}:host::` },
        { name: "PGPASSWORD", valueFrom: `${MASTER_ARN}:password::` },
        { name: "PGPORT", valueFrom: `${MASTER_ARN}:port::` },
        { name: "PGUSER", valueFrom: `${MASTER_ARN}:username::` },
        { name: "ROLE_WHCSITES_APP_PASSWORD", valueFrom: `${APP_ARN}:password::` },
        { name: "ROLE_WHCSITES_MIGRATOR_PASSWORD", valueFrom: `${MIGRATOR_ARN}:password::` },
      ]);
    });

    test("THEN its plain environment is the script, TLS required and a connect timeout: no password, no host", () => {
      expect(container.environment).toEqual([
        {
          name: "BOOTSTRAP_SQL",
          value: roleBootstrapSql([
            { kind: "owner", username: "whcsites_migrator", passwordVariable: "ROLE_WHCSITES_MIGRATOR_PASSWORD" },
            { kind: "readwrite", username: "whcsites_app", passwordVariable: "ROLE_WHCSITES_APP_PASSWORD" },
          ]),
        },
        { name: "PGCONNECT_TIMEOUT", value: "30" },
        { name: "PGSSLMODE", value: "require" },
      ]);
    });

    test("THEN it pipes the script into psql, which stops at the first error", () => {
      expect(container.name).toBe(ROLE_BOOTSTRAP_CONTAINER_NAME);
      expect(container.image).toBe(DEFAULT_PSQL_IMAGE);
      // Under a time limit of its own, a minute after the runner's 15 minutes (BusyBox's timeout in the Alpine image)
      expect(container.command).toEqual(["timeout", "-k", "30", "960", "sh", "-c", 'printf "%s\\n" "$BOOTSTRAP_SQL" | psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -f -']);
      expect(container.portMappings).toEqual([]);
    });

    test("THEN its root filesystem is read-only (only /tmp is writable) and every log line is kept", () => {
      expect(container.readonlyRootFilesystem).toBe(true);
      expect(container.mountPoints).toEqual([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
      expect(container.logConfiguration).toEqual({
        logDriver: "awslogs",
        options: {
          "awslogs-group": "${aws_cloudwatch_log_group.database_roles_log_group.name}",
          "awslogs-region": "eu-west-1",
          "awslogs-stream-prefix": "database_roles",
          mode: "blocking",
        },
      });
    });

    test("THEN a docker label names each role's password version, so a new version is a new task definition", () => {
      expect(container.dockerLabels).toEqual({ "whcsites.secret-versions": "whcsites_migrator=1,whcsites_app=2" });
    });
  });

  test("THEN the task definition is a small Fargate task with its own execution role and no task role", () => {
    expect(built.synth).toHaveResourceWithProperties(EcsTaskDefinition, {
      family: "whcsites-staging-database_roles",
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
      execution_role_arn: "${aws_iam_role.database_roles_execution_role.arn}",
      skip_destroy: true,
    });
    expect(resources.aws_ecs_task_definition.database_roles_task_definition).not.toHaveProperty("task_role_arn");
  });

  test("THEN it logs to its own group, kept 30 days outside production", () => {
    expect(built.synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/whcsites/staging/ecs/database_roles", retention_in_days: 30 });
  });

  describe("the network", () => {
    test("THEN it has its own security group with no inline rules", () => {
      expect(built.synth).toHaveResourceWithProperties(SecurityGroup, { name: "whcsites-staging-database_roles-tasks", vpc_id: "${aws_vpc.network.id}" });
      const group = resources.aws_security_group.database_roles_security_group;
      expect(group).not.toHaveProperty("ingress");
      expect(group).not.toHaveProperty("egress");
    });

    test("THEN nothing may reach it, and it reaches only HTTPS and, through allowTo, the database on 5432", () => {
      const own = "${aws_security_group.database_roles_security_group.id}";
      const ingress = Object.values(resources.aws_vpc_security_group_ingress_rule).filter((r) => r.security_group_id === own);
      expect(ingress).toEqual([]);
      const egress = Object.entries(resources.aws_vpc_security_group_egress_rule).filter(([, r]) => r.security_group_id === own);
      expect(Object.fromEntries(egress)).toEqual({
        database_roles_https_out: expect.objectContaining({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" }),
        database_roles_to_database_5432: expect.objectContaining({
          ip_protocol: "tcp",
          from_port: 5432,
          to_port: 5432,
          referenced_security_group_id: "${aws_security_group.database_security_group.id}",
        }),
      });
      // The database's side admits it.
      expect(resources.aws_vpc_security_group_ingress_rule.database_allow_database_roles).toMatchObject({
        security_group_id: "${aws_security_group.database_security_group.id}",
        referenced_security_group_id: own,
        from_port: 5432,
      });
    });

    test("THEN allowTo refuses a port outside 1 to 65535", () => {
      expect(() => built.bootstrap.allowTo(built.bootstrap, 0)).toThrow("PostgresRoleBootstrap: allowTo port got 0; allowed: an integer from 1 to 65535");
    });
  });

  test("THEN its run target is its own: the cluster, its task definition, container psql, the private subnets, its own group", () => {
    expect(built.outputs.database_roles_target.value).toEqual({
      cluster: "${aws_ecs_cluster.service_cluster.name}",
      taskDefinitionArn: "${aws_ecs_task_definition.database_roles_task_definition.arn}",
      containerName: "psql",
      subnetIds: ["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"],
      securityGroupIds: ["${aws_security_group.database_roles_security_group.id}"],
      region: "eu-west-1",
      logGroup: "${aws_cloudwatch_log_group.database_roles_log_group.name}",
      logStreamPrefix: "database_roles",
      image: DEFAULT_PSQL_IMAGE,
    });
  });

  test("THEN it must wait for its grants, its rules, the database's admission and the connection secrets' values", () => {
    const paths = built.bootstrap.taskPrerequisites.map((p) => (p as unknown as { node: { path: string } }).node.path);
    expect(paths).toEqual([
      "test/database_roles/execution_role/logs",
      "test/database_roles/execution_role/secrets",
      "test/database_roles/https_out",
      "test/database_roles/to_database_5432",
      "test/database/allow_database_roles",
      "test/secrets/database_connection_value",
      "test/secrets/database_app_value",
      "test/secrets/database_migrator_value",
    ]);
  });
});

describe("PostgresRoleBootstrap options", () => {
  test("GIVEN production WHEN built THEN its logs are kept 365 days", () => {
    expect(alone({ production: true }).resources.aws_cloudwatch_log_group.database_roles_log_group.retention_in_days).toBe(365);
  });

  test("GIVEN a retention, an image, a key, the account and a boundary WHEN built THEN each reaches its place", () => {
    // GIVEN / WHEN
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100";
    const boundary = "arn:aws:iam::123456789012:policy/whcsites-staging-boundary";
    const image = "public.ecr.aws/docker/library/postgres:16.4-alpine";
    const { resources, container, bootstrap } = alone({ logRetentionDays: 90, image, secretsKmsKeyArn: key, accountId: "123456789012", permissionsBoundaryArn: boundary });
    // THEN
    expect(resources.aws_cloudwatch_log_group.database_roles_log_group.retention_in_days).toBe(90);
    expect([container.image, bootstrap.image, bootstrap.runTarget.image]).toEqual([image, image, image]);
    const role = resources.aws_iam_role.database_roles_execution_role;
    expect(role.permissions_boundary).toBe(boundary);
    expect(JSON.parse(role.assume_role_policy as string).Statement[0].Condition.StringEquals).toEqual({ "aws:SourceAccount": "123456789012" });
    const decrypt = statementsOf(resources, "database_roles_execution_role").find((s) => s.Sid === "DecryptAppSecrets");
    expect(decrypt?.Resource).toEqual([key]);
  });

  test("GIVEN the roles in another order WHEN built THEN the label keeps the roles' order and the script hands objects to the owner", () => {
    const { container } = alone({ roles: [ROLES[1], { ...ROLES[0], version: 7 }] });
    expect(container.dockerLabels).toEqual({ "whcsites.secret-versions": "whcsites_app=1,whcsites_migrator=7" });
    const script = container.environment?.find((e) => e.name === "BOOTSTRAP_SQL")?.value ?? "";
    // r0 is the app, r1 the owner.
    expect(script).toContain('REASSIGN OWNED BY CURRENT_USER TO :"r1";');
    expect(script).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE :"r1" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"r0";');
  });
});

describe("PostgresRoleBootstrap time limits", () => {
  test("GIVEN the defaults WHEN built THEN the image is pinned by digest, and the script sets its lock and statement timeouts first", () => {
    const { container, bootstrap } = alone();
    expect(container.image).toMatch(/^public\.ecr\.aws\/docker\/library\/postgres@sha256:[a-f0-9]{64}$/);
    const script = container.environment?.find((e) => e.name === "BOOTSTRAP_SQL")?.value ?? "";
    expect(script.split("\n").slice(0, 2)).toEqual(["SET lock_timeout = '10s';", "SET statement_timeout = '120s';"]);
    // AND the gate step carries the runner's timeout and the container's own limit a minute later
    expect(bootstrap.deployStep("database_roles")).toEqual({ name: "database_roles", target: bootstrap.runTarget, timeoutMinutes: 15, containerTimeLimitSeconds: 960 });
  });

  test("GIVEN other limits WHEN built THEN the container's timeout and the script follow them", () => {
    const { container } = alone({ timeoutMinutes: 5, lockTimeoutSeconds: 3, statementTimeoutSeconds: 30 });
    expect((container.command ?? []).slice(0, 4)).toEqual(["timeout", "-k", "30", "360"]);
    const script = container.environment?.find((e) => e.name === "BOOTSTRAP_SQL")?.value ?? "";
    expect(script).toMatch(/^SET lock_timeout = '3s';\nSET statement_timeout = '30s';\n/);
  });

  test("GIVEN the environment's gate WHEN built THEN the bootstrap is a step with its limits, under the same runner timeout", () => {
    const gate = new DeployGate(new ReadableStack(Testing.app(), "gate"), "deploy_gate", { steps: [alone({ timeoutMinutes: 10 }).bootstrap.deployStep("database_roles")] });
    expect(gate.command).toContain("--timeout 10m");
  });

  test("GIVEN a version check WHEN built THEN the script compares the migrations table before any role statement", () => {
    const script = alone({ migrationVersionCheck: { releaseVersion: "20251104093000", howToAccept: "set release.acceptNewerSchema" } }).container.environment?.find((e) => e.name === "BOOTSTRAP_SQL")?.value ?? "";
    const check = script.indexOf("to_regclass('schema_migrations')");
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(script.indexOf("ALTER ROLE"));
    expect(script).toContain("WHERE :'schema_version'::numeric > 20251104093000 \\gexec");
    expect(script).toContain("set release.acceptNewerSchema");
  });
});

describe("PostgresRoleBootstrap validation", () => {
  test.each<[string, Partial<PostgresRoleBootstrapProps>, string]>([
    ["no owner", { roles: [ROLES[1]] }, 'PostgresRoleBootstrap: roles got ["whcsites_app (readwrite)"]; allowed: exactly one owner role'],
    ["two owners", { roles: [ROLES[0], { ...ROLES[1], kind: "owner" }] }, 'PostgresRoleBootstrap: roles got ["whcsites_migrator (owner)","whcsites_app (owner)"]; allowed: exactly one owner role'],
    ["a user name with a capital", { roles: [ROLES[0], { ...ROLES[1], username: "Whcsites_app" }] }, 'PostgresRoleBootstrap: roles[1].username got "Whcsites_app"; allowed: lower-case letters, digits and "_", starting with a letter, at most 63'],
    ["a user name with a quote", { roles: [{ ...ROLES[0], username: "x'; DROP ROLE y; --" }, ROLES[1]] }, `PostgresRoleBootstrap: roles[0].username got "x'; DROP ROLE y; --"; allowed: lower-case letters, digits and "_", starting with a letter, at most 63`],
    ["a user name of 64 characters", { roles: [{ ...ROLES[0], username: `a${"b".repeat(63)}` }, ROLES[1]] }, `PostgresRoleBootstrap: roles[0].username got "a${"b".repeat(63)}"; allowed: lower-case letters, digits and "_", starting with a letter, at most 63`],
    ["version 0", { roles: [{ ...ROLES[0], version: 0 }, ROLES[1]] }, "PostgresRoleBootstrap: roles[0].version got 0; allowed: an integer from 1 to 1000000"],
    ["version 1.5", { roles: [ROLES[0], { ...ROLES[1], version: 1.5 }] }, "PostgresRoleBootstrap: roles[1].version got 1.5; allowed: an integer from 1 to 1000000"],
    ["an image without a tag", { image: "postgres" }, 'PostgresRoleBootstrap: image got "postgres"; allowed: a full image reference with a tag or digest, such as "ghcr.io/owner/whcsites:1.4.2"'],
    ["an account id of 4 digits", { accountId: "1234" }, 'PostgresRoleBootstrap: accountId got "1234"; allowed: 12 digits'],
    ["a timeout of 0 minutes", { timeoutMinutes: 0 }, "PostgresRoleBootstrap: timeoutMinutes got 0; allowed: an integer from 1 to 120"],
    ["a lock timeout of 0 seconds", { lockTimeoutSeconds: 0 }, "PostgresRoleBootstrap: lockTimeoutSeconds got 0; allowed: an integer from 1 to 300"],
    ["a release version that is not digits", { migrationVersionCheck: { releaseVersion: "1; DROP TABLE x" } }, 'PostgresRoleBootstrap: migrationVersionCheck.releaseVersion got "1; DROP TABLE x"; allowed: digits only (at most 18: a bigint)'],
  ])("GIVEN %s WHEN built THEN it is refused with one line", (_name, props, message) => {
    expect(errorOf(props).message).toBe(message);
  });

  test("GIVEN a retention CloudWatch does not offer WHEN built THEN it is refused", () => {
    expect(errorOf({ logRetentionDays: 10 }).message).toMatch(/^PostgresRoleBootstrap: logRetentionDays got 10; allowed: one of 1, 3, 5, 7, 14, 30/);
  });

  test("GIVEN two problems WHEN built THEN one PropError lists both", () => {
    expect(errorOf({ roles: [{ ...ROLES[0], version: 0 }, { ...ROLES[1], username: "A" }] }).problems.map((p) => p.prop)).toEqual(["roles[0].version", "roles[1].username"]);
  });

  test("GIVEN no owner WHEN the script is built THEN roleBootstrapSql refuses it", () => {
    expect(() => roleBootstrapSql([{ kind: "readwrite", username: "whcsites_app", passwordVariable: "P" }])).toThrow(
      "roleBootstrapSql: roles got no owner; allowed: exactly one owner role",
    );
  });
});

describe("roleBootstrapSql", () => {
  test("GIVEN the roles WHEN scripted THEN passwords reach SQL only as psql variables read from the environment", () => {
    const script = roleBootstrapSql([
      { kind: "owner", username: "whcsites_migrator", passwordVariable: "MIGRATOR_PASSWORD" },
      { kind: "readwrite", username: "whcsites_app", passwordVariable: "APP_PASSWORD" },
    ]);
    expect(script).toContain("\\getenv p0 MIGRATOR_PASSWORD\n");
    expect(script).toContain("\\getenv p1 APP_PASSWORD\n");
    expect(script.match(/PASSWORD :'p\d';/g)).toEqual(["PASSWORD :'p0';", "PASSWORD :'p1';"]);
    // Names are quoted by psql (:"r0"), never spliced into a statement.
    expect(script.split("\n").filter((line) => line.includes("whcsites_")).every((line) => line.startsWith("\\set r"))).toBe(true);
    expect(script.endsWith("\n")).toBe(true);
  });
});

// ── a real PostgreSQL: the script as the container runs it ──

const postgres = findPostgres();
const postgresHere = typeof postgres !== "string";
if (!postgresHere && !isCi()) console.warn(`SKIPPED: the role bootstrap's real PostgreSQL tests did not run: ${postgres}.`);

/** What the role bootstrap's secrets hold in this test: the master connection and the roles' passwords. */
interface SecretValues {
  readonly master: Record<string, string>;
  readonly migrator: string;
  readonly app: string;
}

(postgresHere || isCi() ? describe : describe.skip)("PostgresRoleBootstrap on a real PostgreSQL (a first-wave database, master not a superuser)", () => {
  const MASTER = "whcsites_admin";
  const PASSWORDS = { migrator: "Mig-1_abc~DEF", app: "App-1_xyz~UVW" };
  /** The passwords the last successful bootstrap set. */
  let current = { ...PASSWORDS };
  let cluster: PostgresCluster | undefined;
  const runs: PsqlResult[] = [];
  // The container as synthesized: its command, plain environment, and secrets by valueFrom.
  const { container } = alone();

  /** The container's environment as ECS builds it: the plain variables, then each secret's JSON key. */
  function containerEnvironment(values: SecretValues, drop: readonly string[] = []): Record<string, string> {
    const byArn: Record<string, Record<string, string>> = {
      [LITERAL.master]: values.master,
      [LITERAL.migrator]: { password: values.migrator },
      [LITERAL.app]: { password: values.app },
    };
    const env: Record<string, string> = Object.fromEntries((container.environment ?? []).map((e) => [e.name as string, e.value as string]));
    for (const secret of container.secrets ?? []) {
      const match = /^(.*):([a-z]+)::$/.exec(secret.valueFrom as string);
      if (match === null) throw new Error(`unexpected valueFrom ${secret.valueFrom}`);
      const value = byArn[match[1]]?.[match[2]];
      if (value === undefined) throw new Error(`no test value for ${secret.valueFrom}`);
      if (!drop.includes(secret.name as string)) env[secret.name as string] = value;
    }
    return env;
  }

  /** Runs the container's command with its environment as ECS would build it from these secret values. */
  function bootstrapWith(passwords: { migrator: string; app: string }, drop: readonly string[] = []): PsqlResult {
    const c = cluster as PostgresCluster;
    const master = { host: c.socketDirectory, port: String(c.port), dbname: "whcsites", username: MASTER, password: "unused-trust" };
    const result = c.run(container.command as string[], containerEnvironment({ master, ...passwords }, drop));
    if (result.status === 0) current = { ...passwords };
    return result;
  }

  /** Runs another build of the container (other props) with the current passwords. */
  function otherBootstrap(props: Partial<PostgresRoleBootstrapProps>): PsqlResult {
    const other = alone(props).container;
    const c = cluster as PostgresCluster;
    const master = { host: c.socketDirectory, port: String(c.port), dbname: "whcsites", username: MASTER, password: "unused-trust" };
    const env: Record<string, string> = Object.fromEntries((other.environment ?? []).map((e) => [e.name as string, e.value as string]));
    const byArn: Record<string, Record<string, string>> = { [LITERAL.master]: master, [LITERAL.migrator]: { password: current.migrator }, [LITERAL.app]: { password: current.app } };
    for (const secret of other.secrets ?? []) {
      const match = /^(.*):([a-z]+)::$/.exec(secret.valueFrom as string) as RegExpExecArray;
      env[secret.name as string] = byArn[match[1]][match[2]];
    }
    return c.run(other.command as string[], env);
  }

  /** psql as a role that must log in with its password (scram-sha-256 in pg_hba). */
  const as = (role: "app" | "migrator", sql: string, password = current[role]): PsqlResult =>
    (cluster as PostgresCluster).psql({ user: `whcsites_${role}`, password, sql });
  const asSuperuser = (sql: string, database = "whcsites"): string => {
    const result = (cluster as PostgresCluster).psql({ user: "postgres", database, sql });
    if (result.status !== 0) throw new Error(`${sql}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const ok = (result: PsqlResult): string => {
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    return result.stdout.trim();
  };
  const refused = (result: PsqlResult, error: RegExp): void => {
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(error);
  };

  beforeAll(() => {
    if (typeof postgres === "string") throw new Error(`CI: the role bootstrap must run on a real PostgreSQL, but ${postgres}.`);
    // GIVEN a cluster where the roles must log in with their passwords
    cluster = PostgresCluster.start(postgres as PostgresBinaries, {
      hba: ["local all whcsites_app scram-sha-256", "local all whcsites_migrator scram-sha-256"],
    });
    // AND a master user like RDS's (CREATEROLE, CREATEDB, not a superuser) owning the database and, from the first
    // wave's migrations, a table with a sequence and a row; and another database it owns
    asSuperuser(`CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB`, "postgres");
    asSuperuser(`CREATE DATABASE whcsites OWNER ${MASTER}`, "postgres");
    asSuperuser(`CREATE DATABASE other OWNER ${MASTER}`, "postgres");
    // AND schema public as a database from before PostgreSQL 15 has it (upgraded in place): everyone may create in it
    asSuperuser("GRANT CREATE ON SCHEMA public TO PUBLIC");
    ok(cluster.psql({ user: MASTER, sql: "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL); INSERT INTO items (name) VALUES ('first wave')" }));
    // AND an app role someone made by hand before, with a right it must not keep (the bootstrap updates existing roles)
    ok(cluster.psql({ user: MASTER, sql: "CREATE ROLE whcsites_app LOGIN CREATEDB PASSWORD 'hand-made'" }));
    // WHEN the bootstrap runs twice, as the deploy gate runs it on every deploy
    runs.push(bootstrapWith(PASSWORDS), bootstrapWith(PASSWORDS));
  });

  afterAll(() => {
    cluster?.stop();
  });

  test("THEN both runs exit 0 without an error (idempotent)", () => {
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    expect(runs.map((r) => r.stderr).join("")).not.toMatch(/ERROR|FATAL/);
  });

  test("THEN the roles log in with their passwords, and not with a wrong one; their passwords are stored as SCRAM hashes", () => {
    expect(ok(as("app", "SELECT current_user"))).toBe("whcsites_app");
    expect(ok(as("migrator", "SELECT current_user"))).toBe("whcsites_migrator");
    refused(as("app", "SELECT 1", "wrong"), /password authentication failed for user "whcsites_app"/);
    expect(asSuperuser("SELECT string_agg(rolname || '=' || left(rolpassword, 14), ',' ORDER BY rolname) FROM pg_authid WHERE rolname LIKE 'whcsites\\_%' AND rolname <> 'whcsites_admin'")).toBe(
      "whcsites_app=SCRAM-SHA-256$,whcsites_migrator=SCRAM-SHA-256$",
    );
  });

  test("THEN both roles are plain logins, the hand-made one too: no superuser, no CREATEDB, no CREATEROLE; the master is a member of the owner", () => {
    expect(asSuperuser("SELECT string_agg(format('%s:%s%s%s%s', rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole), ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('whcsites_app', 'whcsites_migrator')")).toBe(
      "whcsites_app:tfff,whcsites_migrator:tfff",
    );
    expect(asSuperuser(`SELECT pg_has_role('${MASTER}', 'whcsites_migrator', 'MEMBER'), pg_has_role('${MASTER}', 'whcsites_app', 'MEMBER')`)).toBe("t|f");
  });

  test("THEN the first wave's table and sequence belong to the owner (migrator)", () => {
    expect(asSuperuser("SELECT string_agg(relname || '=' || pg_get_userbyid(relowner), ',' ORDER BY relname) FROM pg_class WHERE relname IN ('items', 'items_id_seq')")).toBe(
      "items=whcsites_migrator,items_id_seq=whcsites_migrator",
    );
  });

  test("THEN the app reads and writes the first wave's rows (its sequence too)", () => {
    ok(as("app", "INSERT INTO items (name) VALUES ('from app'); UPDATE items SET name = 'renamed' WHERE name = 'from app'; DELETE FROM items WHERE name = 'renamed'"));
    expect(ok(as("app", "SELECT name FROM items ORDER BY id"))).toBe("first wave");
  });

  test.each<[string, string, RegExp]>([
    // PUBLIC's CREATE on schema public is revoked.
    ["create a table", "CREATE TABLE app_table (x int)", /permission denied for schema public/],
    ["drop the table", "DROP TABLE items", /must be owner of table items/],
    ["alter the table", "ALTER TABLE items ADD COLUMN y int", /must be owner of table items/],
    ["truncate the table", "TRUNCATE items", /permission denied for table items/],
  ])("THEN the app cannot %s", (_what, sql, error) => {
    refused(as("app", sql), error);
  });

  test("THEN the app cannot pass its rights on: a GRANT gives nothing (PostgreSQL only warns)", () => {
    expect(as("app", "GRANT SELECT ON items TO PUBLIC").stderr).toMatch(/WARNING: {2}no privileges were granted for "items"/);
    expect(asSuperuser("SELECT relacl::text FROM pg_class WHERE relname = 'items'")).not.toMatch(/[{,]=/);
  });

  describe("WHEN the migrator changes the schema afterwards", () => {
    beforeAll(() => {
      ok(as("migrator", "CREATE TABLE later (id bigserial PRIMARY KEY, note text); ALTER TABLE items ADD COLUMN added text; CREATE TABLE gone (x int); DROP TABLE gone"));
    });

    test("THEN it could create, alter and drop tables: the new table is its own", () => {
      expect(asSuperuser("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'later'")).toBe("whcsites_migrator");
      expect(asSuperuser("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'added'")).toBe("1");
      expect(asSuperuser("SELECT to_regclass('gone') IS NULL")).toBe("t");
    });

    test("THEN the app reads and writes the new table by default privileges, its sequence included", () => {
      ok(as("app", "INSERT INTO later (note) VALUES ('a'); UPDATE later SET note = 'b'; DELETE FROM later WHERE note = 'x'"));
      expect(ok(as("app", "SELECT note FROM later"))).toBe("b");
      ok(as("app", "DELETE FROM later"));
    });

    test("THEN the app still cannot change the new table", () => {
      refused(as("app", "DROP TABLE later"), /must be owner of table later/);
      refused(as("app", "ALTER TABLE later ADD COLUMN z int"), /must be owner of table later/);
    });
  });

  describe("WHEN the app's password changes (a new version) and the bootstrap runs again", () => {
    let rotation: PsqlResult;
    // Quotes, a backslash and a semicolon: the script passes passwords as psql variables, never spliced into SQL.
    const rotated = "n3w'; DROP TABLE items; --\\x";
    beforeAll(() => {
      rotation = bootstrapWith({ ...PASSWORDS, app: rotated });
    });

    test("THEN the run succeeds, the new password works and the old one no longer does; the migrator's is unchanged", () => {
      expect(rotation.status).toBe(0);
      expect(ok(as("app", "SELECT current_user", rotated))).toBe("whcsites_app");
      refused(as("app", "SELECT 1", PASSWORDS.app), /password authentication failed/);
      expect(ok(as("migrator", "SELECT current_user", PASSWORDS.migrator))).toBe("whcsites_migrator");
    });

    test("THEN nothing in the password ran as SQL: the table is still there", () => {
      expect(asSuperuser("SELECT count(*) FROM items")).toBe("1");
    });
  });

  test("WHEN a role's password variable is missing THEN psql stops with exit 3 at that role, and the app keeps its password", () => {
    // GIVEN the passwords of the last run
    const before = { ...current };
    // WHEN the app's secret did not reach the container (the migrator's did, with a new value)
    const result = bootstrapWith({ migrator: "Mig-2_new~value", app: "unused" }, ["ROLE_WHCSITES_APP_PASSWORD"]);
    // THEN psql stopped (ON_ERROR_STOP); the statements before the app's ran (the migrator's new password), none after
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/ERROR: {2}syntax error at or near ":"/);
    expect(ok(as("app", "SELECT current_user", before.app))).toBe("whcsites_app");
    expect(ok(as("migrator", "SELECT current_user", "Mig-2_new~value"))).toBe("whcsites_migrator");
    // AND a complete run puts everything back (the other tests do not depend on the order)
    expect(bootstrapWith(before).status).toBe(0);
  });

  test("WHEN another session holds the app role's row THEN the bootstrap fails within its lock timeout instead of queueing", async () => {
    // GIVEN an open transaction that changed the app role (its pg_authid row stays locked until it ends)
    const holder = spawn((postgres as PostgresBinaries).psql, ["--no-psqlrc", "-v", "ON_ERROR_STOP=1"], {
      env: { PATH: process.env.PATH, PGHOST: (cluster as PostgresCluster).socketDirectory, PGPORT: "5432", PGUSER: "postgres", PGDATABASE: "whcsites" },
      stdio: ["pipe", "ignore", "ignore"],
    });
    try {
      holder.stdin.write("BEGIN;\nALTER ROLE whcsites_app CONNECTION LIMIT 50;\n");
      const deadline = Date.now() + 20_000;
      while (asSuperuser("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'") === "0") {
        if (Date.now() > deadline) throw new Error("the holding session never opened its transaction");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // WHEN the bootstrap runs with a lock timeout of 1 second
      const started = Date.now();
      const result = otherBootstrap({ lockTimeoutSeconds: 1 });
      // THEN it stops at that statement with psql's error exit, fast, and names the lock timeout
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(/canceling statement due to lock timeout/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      holder.stdin.end("ROLLBACK;\n");
      await new Promise((resolve) => holder.once("exit", resolve));
    }
    // AND once the other transaction is gone, it runs again as before
    expect(bootstrapWith(current).status).toBe(0);
  }, 60_000);

  describe("the release's schema check", () => {
    const check = (releaseVersion: string, acceptNewer = false): PsqlResult =>
      otherBootstrap({ migrationVersionCheck: { releaseVersion, acceptNewer, howToAccept: "set release.acceptNewerSchema in environments/staging.json" } });

    test("WHEN the database has no migrations table yet (a first deploy) THEN the release passes", () => {
      const result = check("20251104093000");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("schema check: the database is at migration 0; the release has 20251104093000");
    });

    test("WHEN a newer release migrated the database THEN an older release is refused before any role changes, saying what to do", () => {
      // GIVEN the migrations table of a database a newer release migrated (Ecto creates it as the schema owner)
      ok(as("migrator", "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp)"));
      ok(as("migrator", "INSERT INTO schema_migrations VALUES (20251104093000, now()), (20251201120000, now()) ON CONFLICT DO NOTHING"));
      // WHEN the bootstrap of a release whose newest migration is older runs
      const result = check("20251104093000");
      // THEN psql stops with its error exit and the reason
      expect(result.status).toBe(3);
      expect(result.stderr).toContain(
        "release refused: the database has migration 20251201120000, newer than this release's newest (20251104093000): a newer release migrated it. If this release works on that schema (expand/contract), set release.acceptNewerSchema in environments/staging.json",
      );
    });

    test("WHEN the same release, a newer one, or an accepted older one runs THEN it passes", () => {
      expect(check("20251201120000").status).toBe(0);
      expect(check("20260101000000").status).toBe(0);
      const accepted = check("20251104093000", true);
      expect(accepted.status).toBe(0);
      expect(accepted.stdout).toContain("schema check: the database is at migration 20251201120000; the release has 20251104093000 (a newer schema is accepted)");
    });
  });

  // TODO(src bug, src/constructs/release/postgres-role-bootstrap.ts): `REASSIGN OWNED BY CURRENT_USER` also hands over the
  // shared objects the master owns, every database of the instance included (PostgreSQL docs: "and of all shared
  // objects (databases, tablespaces)"). Here the database "other", owned by the master, becomes the migrator's, which
  // may then DROP or ALTER it. Remove `.failing` once the bootstrap hands over only the objects inside the database.
  test.failing("THEN another database the master owns keeps its owner", () => {
    expect(asSuperuser("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'other'", "postgres")).toBe(MASTER);
  });

  // TODO(src bug, same statement): the application database itself becomes the migrator's, so the migrator (meant to
  // own the schema only) may DROP DATABASE whcsites, ALTER DATABASE, and, as pg_database_owner, re-grant CREATE on
  // schema public to PUBLIC. Remove `.failing` once the database stays the master's (the migrator still owns its
  // tables and has CREATE on public through the grant).
  test.failing("THEN the application database stays the master's", () => {
    expect(asSuperuser("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'whcsites'", "postgres")).toBe(MASTER);
  });
});
