import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { acknowledge } from "../../core/acknowledge";
import { Naming } from "../../core/naming";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { tierDefaults } from "../../domain/tier-defaults";
import type { DeployGateStep } from "./deploy-gate";
import { CONTAINER_TIME_LIMIT_GRACE_SECONDS } from "./migration-task";
import type { Cluster } from "../ecs-service";
import { appContainerDefinition, containerDefinitionsJson, TaskExecutionRole, timeLimitedCommand, TMP_VOLUME_NAME } from "../ecs-service";
import type { MigrationRunTarget } from "./run-target";
import type { ServiceNetwork } from "../network";
import type { ServiceSecret } from "../secrets";
import { addEgressTo, PropChecks, requireInteger, SecurityGroupPeer } from "../shared";

/**
 * The psql client image: the official PostgreSQL image from ECR Public (no Docker Hub pull limits), pinned by the
 * digest of its multi-architecture index, so that the one task holding the master password runs exactly these bits
 * (and on X86_64 or ARM64 alike). psql 17 talks to servers 13-17.
 *
 * The digest is that of `postgres:17.10-alpine3.24` (then also `17-alpine`), as public repositories pinned it in
 * July 2026 (a README naming tag and digest, and a Trivy scan of it on 2026-07-18 reporting Alpine 3.24.1); ECR
 * Public's `docker/library` serves the Docker Official Images with the same digests. Refresh it with
 * `docker buildx imagetools inspect public.ecr.aws/docker/library/postgres:17-alpine` (the `Digest:` line of the
 * index) and a real deploy of staging (docs/operating.md, "The role bootstrap's image").
 */
export const DEFAULT_PSQL_IMAGE = "public.ecr.aws/docker/library/postgres@sha256:742f40ea20b9ff2ff31db5458d127452988a2164df9e17441e191f3b72252193";

/** Seconds a statement of the bootstrap waits for a lock before it fails (`lock_timeout`): it never queues a rollout's queries behind it for long. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 10;

/** Seconds one statement of the bootstrap may run (`statement_timeout`): every statement is a catalog change. */
export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 120;

/** Name of the container that runs psql; its exit code decides success. */
export const ROLE_BOOTSTRAP_CONTAINER_NAME = "psql";

/** What a database role may do. */
export type DatabaseRoleKind =
  /** Owns the schema: creates, alters and drops tables (migrations). One per database. */
  | "owner"
  /** Reads and writes rows of the owner's tables and sequences; changes no schema (the application). */
  | "readwrite";

/** A login role the bootstrap creates or updates. */
export interface DatabaseRole {
  /** What the role may do. */
  readonly kind: DatabaseRoleKind;
  /** The role's user name: lower-case letters, digits and `_`, starting with a letter, at most 63. */
  readonly username: string;
  /** The secret that holds its password (the bootstrap reads its `password` key). */
  readonly secret: ServiceSecret;
  /** The password's version: a new version changes the task definition, so the gate runs the bootstrap again. */
  readonly version: number;
}

/**
 * The check that the release is not older than the database's schema: the newest version in the migrations table
 * must not be newer than the release's own newest migration, unless accepted.
 */
export interface MigrationVersionCheck {
  /** The release's newest migration version (digits, as the migrations table's `version` holds it). */
  readonly releaseVersion: string;
  /**
   * Run the release although the database has a newer migration (a rollback to a release that works on the newer,
   * expanded schema); the check then only prints both versions.
   * @default false
   */
  readonly acceptNewer?: boolean;
  /**
   * The migrations table and its version column (Ecto's: `schema_migrations`, `version` bigint), on the search path.
   * @default "schema_migrations"
   */
  readonly table?: string;
  /**
   * What the refusal tells the operator to do when the newer schema is fine for this release.
   * @default "accept it explicitly where the release is configured"
   */
  readonly howToAccept?: string;
}

// ── props ──

/** Properties of {@link PostgresRoleBootstrap}. */
export interface PostgresRoleBootstrapProps {
  /** Naming context: task family and log group `<app>-<env>-database-roles`, roles `...-database-roles-execution`. */
  readonly naming: Naming;
  /** The cluster the one-off task runs in. */
  readonly cluster: Cluster;
  /** The network whose private subnets run the task. */
  readonly network: ServiceNetwork;
  /**
   * The master connection secret: JSON with `host`, `port`, `dbname`, `username` and `password`. This task is the
   * only one that reads it.
   */
  readonly masterConnection: ServiceSecret;
  /** The roles to create or update: exactly one `owner`, and any `readwrite` roles. */
  readonly roles: readonly DatabaseRole[];
  /**
   * The psql client image.
   * @default {@link DEFAULT_PSQL_IMAGE}
   */
  readonly image?: string;
  /**
   * How long the bootstrap may run, in minutes, 1 to 120: the deploy gate's runner stops it then, and the container
   * stops itself a minute later (`timeout -k 30 <seconds>`, BusyBox's in the Alpine image) when nothing is left to stop it.
   * @default 15
   */
  readonly timeoutMinutes?: number;
  /**
   * Seconds a statement waits for a lock (`lock_timeout`), 1 to 300: a bootstrap that would queue behind a long
   * transaction fails instead, and the deploy stops before anything rolls out.
   * @default {@link DEFAULT_LOCK_TIMEOUT_SECONDS}
   */
  readonly lockTimeoutSeconds?: number;
  /**
   * Seconds one statement may run (`statement_timeout`), 1 to 3600.
   * @default {@link DEFAULT_STATEMENT_TIMEOUT_SECONDS}
   */
  readonly statementTimeoutSeconds?: number;
  /**
   * Refuse a release older than the database's schema before touching any role (see {@link MigrationVersionCheck}).
   * @default no check
   */
  readonly migrationVersionCheck?: MigrationVersionCheck;
  /**
   * ARN of the customer-managed key of the secrets (the execution role may decrypt through Secrets Manager).
   * @default the AWS-managed key
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * Retention of the task's log group, in days.
   * @default 365 in production, 30 elsewhere
   */
  readonly logRetentionDays?: number;
  /**
   * Production defaults (log retention).
   * @default false
   */
  readonly production?: boolean;
  /**
   * The 12-digit account id, for the execution role's source conditions.
   * @default no source conditions
   */
  readonly accountId?: string;
  /**
   * Permissions boundary of the execution role (see `GithubDeployRole`).
   * @default none
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * A one-off ECS task that creates or updates the database's login roles with psql, idempotently: an owner role that
 * owns the schema (the migrations log in as it) and read-write roles that may only read and write rows (the
 * application logs in as one). It is the only task that gets the master password. The deploy gate runs it before the
 * migration, so that every deploy finds the roles as the configuration says.
 *
 * What it does, each time ({@link roleBootstrapSql}): creates missing roles, sets every password from its secret,
 * makes the master user a member of the owner role, hands everything the master user owns in the database to the
 * owner (a first-wave database, where migrations ran as the master user), grants the owner `CREATE` on schema
 * `public` and the read-write roles `USAGE`, the read-write roles `SELECT, INSERT, UPDATE, DELETE` on every table and
 * sequence, now and by default on the owner's future ones, and revokes `CREATE` on `public` from `PUBLIC`.
 *
 * Wiring: `database.allowFrom(bootstrap)`, `bootstrap.allowTo(database, 5432)`, and the deploy gate's steps.
 */
export class PostgresRoleBootstrap extends Construct implements SecurityGroupPeer {
  /** Id of the task's security group (the database admits it). */
  public readonly securityGroupId: string;
  /** ARN with revision of the task definition. */
  public readonly taskDefinitionArn: string;
  /** The image the task runs. */
  public readonly image: string;
  /** Everything RunTask needs (a deploy gate step). */
  public readonly runTarget: MigrationRunTarget;
  /** What must exist before the task starts: its grants and rules. */
  public readonly taskPrerequisites: ITerraformDependable[] = [];
  /** How long the bootstrap may run, in minutes: the runner's timeout. */
  public readonly timeoutMinutes: number;
  /** The container's own time limit in seconds (`timeoutMinutes` plus a minute). */
  public readonly containerTimeLimitSeconds: number;
  /** What the container runs: psql under `timeout`. */
  public readonly containerCommand: readonly string[];

  public constructor(scope: Construct, id: string, props: PostgresRoleBootstrapProps) {
    super(scope, id);
    const image = props.image ?? DEFAULT_PSQL_IMAGE;
    const logRetentionDays = props.logRetentionDays ?? tierDefaults(props.production ?? false).logRetentionDays;
    const timeoutMinutes = props.timeoutMinutes ?? 15;
    const lockTimeoutSeconds = props.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
    const statementTimeoutSeconds = props.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS;
    const check = props.migrationVersionCheck;

    // ── validation ──
    const checks = new PropChecks("PostgresRoleBootstrap");
    checks.imageReference("image", image);
    checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    checks.expect(props.roles.filter((r) => r.kind === "owner").length === 1, "roles", props.roles.map((r) => `${r.username} (${r.kind})`), "exactly one owner role");
    props.roles.forEach((role, i) => {
      checks.expect(/^[a-z][a-z0-9_]{0,62}$/.test(role.username), `roles[${i}].username`, role.username, 'lower-case letters, digits and "_", starting with a letter, at most 63');
      checks.integer(`roles[${i}].version`, role.version, 1, 1_000_000);
    });
    checks.accountId("accountId", props.accountId);
    checks.integer("timeoutMinutes", timeoutMinutes, 1, 120);
    checks.integer("lockTimeoutSeconds", lockTimeoutSeconds, 1, 300);
    checks.integer("statementTimeoutSeconds", statementTimeoutSeconds, 1, 3600);
    if (check !== undefined) {
      checks.expect(/^[0-9]{1,18}$/.test(check.releaseVersion), "migrationVersionCheck.releaseVersion", check.releaseVersion, "digits only (at most 18: a bigint)");
      checks.expect(/^[a-z_][a-z0-9_]{0,62}$/.test(check.table ?? "schema_migrations"), "migrationVersionCheck.table", check.table, "a lower-case table name");
    }
    checks.throwIfAny();

    const { naming, network } = props;
    const name = naming.name(id);
    const region = network.region;
    this.image = image;

    // ── logging ──
    const logGroup = new CloudwatchLogGroup(this, "log_group", { name: naming.path("ecs", id), retentionInDays: logRetentionDays });

    // ── iam ──
    // An execution role that reads the master secret and the roles' secrets, nothing else.
    const execution = new TaskExecutionRole(this, "execution_role", {
      naming,
      name: id,
      description: `ECS starts the ${name} task with it: the master and role secrets, its log group`,
      region,
      logGroupArn: logGroup.arn,
      secretArns: [props.masterConnection.arn, ...props.roles.map((r) => r.secret.arn)],
      secretsKmsKeyArn: props.secretsKmsKeyArn,
      accountId: props.accountId,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
    });
    this.taskPrerequisites.push(...execution.grants);

    // ── network ──
    // Its own security group; HTTPS out for the image, the database through allowTo.
    const securityGroup = new SecurityGroup(this, "security_group", {
      name: naming.name([id, "tasks"]),
      description: "Database role bootstrap: no ingress, egress to HTTPS and the database only",
      vpcId: network.vpcId,
    });
    this.securityGroupId = securityGroup.id;
    this.taskPrerequisites.push(
      new VpcSecurityGroupEgressRule(this, "https_out", {
        securityGroupId: securityGroup.id,
        description: "HTTPS to the image registry and AWS APIs",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      }),
    );

    // ── time limit ──
    // The backstop for a bootstrap no runner is left to stop, as the migration's.
    this.timeoutMinutes = timeoutMinutes;
    this.containerTimeLimitSeconds = timeoutMinutes * 60 + CONTAINER_TIME_LIMIT_GRACE_SECONDS;
    this.containerCommand = timeLimitedCommand(
      // psql reads the script from the variable: no file to ship, and the passwords only through \getenv.
      ["sh", "-c", 'printf "%s\\n" "$BOOTSTRAP_SQL" | psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -f -'],
      this.containerTimeLimitSeconds,
    );

    // ── task definition ──
    const passwordVariable = (role: DatabaseRole) => `ROLE_${role.username.toUpperCase()}_PASSWORD`;
    const taskDefinition = new EcsTaskDefinition(this, "task_definition", {
      family: naming.name(id, 255),
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: execution.roleArn,
      volume: [{ name: TMP_VOLUME_NAME }],
      containerDefinitions: containerDefinitionsJson([
        appContainerDefinition({
          name: ROLE_BOOTSTRAP_CONTAINER_NAME,
          image,
          command: [...this.containerCommand],
          environment: {
            BOOTSTRAP_SQL: roleBootstrapSql(
              props.roles.map((r) => ({ kind: r.kind, username: r.username, passwordVariable: passwordVariable(r) })),
              { lockTimeoutSeconds, statementTimeoutSeconds, migrationVersionCheck: check },
            ),
            PGSSLMODE: "require",
            PGCONNECT_TIMEOUT: "30",
          },
          // A new password version is a new task definition: the deploy gate then runs the bootstrap again.
          dockerLabels: { "whcsites.secret-versions": props.roles.map((r) => `${r.username}=${r.version}`).join(",") },
          secrets: {
            PGHOST: `${props.masterConnection.arn}:host::`,
            PGPORT: `${props.masterConnection.arn}:port::`,
            PGDATABASE: `${props.masterConnection.arn}:dbname::`,
            PGUSER: `${props.masterConnection.arn}:username::`,
            PGPASSWORD: `${props.masterConnection.arn}:password::`,
            ...Object.fromEntries(props.roles.map((r) => [passwordVariable(r), `${r.secret.arn}:password::`])),
          },
          logGroupName: logGroup.name,
          logRegion: region,
          logStreamPrefix: id,
          logMode: "blocking",
          readonlyRootFilesystem: true,
          stopTimeoutSeconds: 30,
        }),
      ]),
      skipDestroy: true,
    });
    acknowledge(taskDefinition, "WHC.SEC3", "the role bootstrap is the one task that logs in as the master user: it creates the roles everything else logs in as");
    this.taskDefinitionArn = taskDefinition.arn;
    this.runTarget = {
      cluster: props.cluster.clusterName,
      taskDefinitionArn: taskDefinition.arn,
      containerName: ROLE_BOOTSTRAP_CONTAINER_NAME,
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [securityGroup.id],
      region,
      logGroup: logGroup.name,
      logStreamPrefix: id,
      image,
    };
  }

  // ── deploy step ──
  /** This task as a step of the deploy gate, under `name`: its run target with its time limits. */
  public deployStep(name: string): DeployGateStep {
    return { name, target: this.runTarget, timeoutMinutes: this.timeoutMinutes, containerTimeLimitSeconds: this.containerTimeLimitSeconds };
  }

  // ── intent methods ──
  /** Lets the task reach `peer` on `port` (an egress rule on its own security group), for example the database. */
  public allowTo(peer: SecurityGroupPeer, port: number): void {
    requireInteger("PostgresRoleBootstrap", "allowTo port", port, 1, 65535);
    this.taskPrerequisites.push(addEgressTo(this, this.securityGroupId, peer, port));
  }

  /** Adds what the task needs before it starts (the database, its secrets' values, the routes out). */
  public addTaskPrerequisite(...prerequisites: ITerraformDependable[]): void {
    this.taskPrerequisites.push(...prerequisites);
  }
}

// ── sql ──

/** A role for {@link roleBootstrapSql}: its kind, name, and the environment variable that holds its password. */
export interface BootstrapRole {
  readonly kind: DatabaseRoleKind;
  readonly username: string;
  readonly passwordVariable: string;
}

/** Settings of {@link roleBootstrapSql} besides the roles. */
export interface RoleBootstrapSqlOptions {
  /** `lock_timeout` in seconds. @default {@link DEFAULT_LOCK_TIMEOUT_SECONDS} */
  readonly lockTimeoutSeconds?: number;
  /** `statement_timeout` in seconds. @default {@link DEFAULT_STATEMENT_TIMEOUT_SECONDS} */
  readonly statementTimeoutSeconds?: number;
  /** Refuse a release older than the schema first. @default no check */
  readonly migrationVersionCheck?: MigrationVersionCheck;
}

/**
 * The psql script of the bootstrap, run as the master user against the application database (`PGDATABASE`). It is
 * idempotent: every statement can run again. Names and passwords reach SQL only through psql variables (`:"name"`
 * quotes an identifier, `:'value'` a literal), so nothing in them can break out of the statement. It first sets
 * `lock_timeout` and `statement_timeout` (a role change waiting behind an application's transaction would queue every
 * later query behind it), then, with a version check, refuses a release older than the schema before changing anything.
 */
export function roleBootstrapSql(roles: readonly BootstrapRole[], options: RoleBootstrapSqlOptions = {}): string {
  const owner = roles.find((r) => r.kind === "owner");
  if (owner === undefined) throw new Error("roleBootstrapSql: roles got no owner; allowed: exactly one owner role");
  const lines: string[] = [
    `SET lock_timeout = '${options.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS}s';`,
    `SET statement_timeout = '${options.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS}s';`,
    ...migrationVersionCheckSql(options.migrationVersionCheck),
    "\\getenv dbname PGDATABASE",
  ];
  roles.forEach((role, i) => {
    lines.push(
      `\\set r${i} '${role.username}'`,
      `\\getenv p${i} ${role.passwordVariable}`,
      `SELECT format('CREATE ROLE %I LOGIN', :'r${i}') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'r${i}') \\gexec`,
      `ALTER ROLE :"r${i}" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'p${i}';`,
      `GRANT CONNECT ON DATABASE :"dbname" TO :"r${i}";`,
    );
  });
  const o = `r${roles.indexOf(owner)}`;
  lines.push(
    // The master user acts as the owner: to hand over its objects and to set the owner's default privileges.
    `GRANT :"${o}" TO CURRENT_USER;`,
    // A first-wave database: its migrations ran as the master user. Its objects now belong to the owner.
    `REASSIGN OWNED BY CURRENT_USER TO :"${o}";`,
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
    `GRANT USAGE, CREATE ON SCHEMA public TO :"${o}";`,
  );
  roles.forEach((role, i) => {
    if (role.kind !== "readwrite") return;
    lines.push(
      `GRANT USAGE ON SCHEMA public TO :"r${i}";`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"r${i}";`,
      `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO :"r${i}";`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE :"${o}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"r${i}";`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE :"${o}" IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"r${i}";`,
    );
  });
  return `${lines.join("\n")}\n`;
}

/**
 * psql lines that stop the script (exit 3) when the migrations table holds a version newer than the release's, unless
 * accepted; a database without the table (a first deploy) passes. The values are validated digits and a table name.
 */
function migrationVersionCheckSql(check: MigrationVersionCheck | undefined): string[] {
  if (check === undefined) return [];
  const table = check.table ?? "schema_migrations";
  const how = (check.howToAccept ?? "accept it explicitly where the release is configured").replace(/'/g, "''");
  const refusal =
    `'release refused: the database has migration %s, newer than this release''s newest (${check.releaseVersion}): a newer release migrated it. ` +
    `If this release works on that schema (expand/contract), ${how}'`;
  return [
    // A first deploy has no migrations table yet: version 0.
    `SELECT to_regclass('${table}') IS NOT NULL AS has_migrations \\gset`,
    "\\if :has_migrations",
    `SELECT coalesce(max(version), 0)::text AS schema_version FROM ${table} \\gset`,
    "\\else",
    "\\set schema_version 0",
    "\\endif",
    ...(check.acceptNewer === true
      ? [`\\echo 'schema check: the database is at migration ':schema_version'; the release has ${check.releaseVersion} (a newer schema is accepted)'`]
      : [
          `\\echo 'schema check: the database is at migration ':schema_version'; the release has ${check.releaseVersion}'`,
          // RAISE needs a DO block, which psql does not interpolate: format() builds it, \gexec runs it.
          `SELECT format('DO $check$BEGIN RAISE EXCEPTION %L; END$check$', format(${refusal}, :'schema_version')) WHERE :'schema_version'::numeric > ${check.releaseVersion} \\gexec`,
        ]),
  ];
}
