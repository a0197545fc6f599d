import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { Naming } from "../../core/naming";
import { RESTORE_CHECK_MARKER } from "../../domain/backup";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { tierDefaults } from "../../domain/tier-defaults";
import type { Cluster } from "../ecs-service";
import { appContainerDefinition, containerDefinitionsJson, TaskExecutionRole, TMP_VOLUME_NAME } from "../ecs-service";
import type { ServiceNetwork } from "../network/interfaces";
import { DEFAULT_PSQL_IMAGE } from "../release";
import type { MigrationRunTarget } from "../release";
import type { ServiceSecret } from "../secrets/interfaces";
import { addIngressFrom, PropChecks, SecurityGroupPeer } from "../shared";

/** Name of the container that runs the check; its exit code decides success. */
export const RESTORE_CHECK_CONTAINER_NAME = "psql";

/** The PostgreSQL port the restored instance listens on (the source's). */
const POSTGRES_PORT = 5432;

// ── props ──

/** Properties of {@link RestoreCheckTask}. */
export interface RestoreCheckTaskProps {
  /** Naming context: task family and log group `<app>-<env>-restore-check`, security groups, execution role. */
  readonly naming: Naming;
  /** The cluster the one-off task runs in. */
  readonly cluster: Cluster;
  /** The network whose private subnets run the task (the restored instance is in its isolated subnets). */
  readonly network: ServiceNetwork;
  /**
   * The connection secret of the role the check logs in as: JSON with `username`, `password` and `dbname` (the
   * restored instance has the roles and passwords of its source at the recovery point). A role that may only read.
   */
  readonly connection: ServiceSecret;
  /**
   * The query that proves the restored schema: it must return one non-empty value (for example the newest migration
   * version). The task prints `restore-check: <value>` and fails when the query fails or returns nothing.
   */
  readonly checkSql: string;
  /**
   * The psql client image.
   * @default the role bootstrap's (`DEFAULT_PSQL_IMAGE`: `postgres:17-alpine` pinned by digest)
   */
  readonly image?: string;
  /**
   * ARN of the customer-managed key of the secrets.
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
   * Permissions boundary of the execution role (the environment's `WorkloadBoundary`).
   * @default none
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * A one-off ECS task that checks a restored copy of the database: it connects with psql (SSL required) as a role that
 * may only read, runs the check query and prints its value; its exit code says whether the copy is usable. The
 * restored instance's host and port are given at RunTask as container overrides (`PGHOST`, `PGPORT`): the copy does
 * not exist when the task definition is registered.
 *
 * It also owns the security group of restored instances: it admits this task on 5432 and nothing else, and has no
 * egress. A restore drill and AWS Backup's restore tests put their copies behind it.
 */
export class RestoreCheckTask extends Construct implements SecurityGroupPeer {
  /** Id of the task's security group. */
  public readonly securityGroupId: string;
  /** Id of the security group of restored instances (admits the task only). */
  public readonly restoredDatabaseSecurityGroupId: string;
  /** ARN with revision of the task definition. */
  public readonly taskDefinitionArn: string;
  /** Everything RunTask needs; the caller adds `PGHOST` and `PGPORT` as container overrides. */
  public readonly runTarget: MigrationRunTarget;
  /** What must exist before the task starts: its grants and rules. */
  public readonly taskPrerequisites: ITerraformDependable[] = [];

  public constructor(scope: Construct, id: string, props: RestoreCheckTaskProps) {
    super(scope, id);
    const image = props.image ?? DEFAULT_PSQL_IMAGE;
    const logRetentionDays = props.logRetentionDays ?? tierDefaults(props.production ?? false).logRetentionDays;

    // ── validation ──
    const checks = new PropChecks("RestoreCheckTask");
    checks.imageReference("image", image);
    checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    checks.expect(props.checkSql.trim().length > 0, "checkSql", props.checkSql, "a query that returns one value");
    checks.accountId("accountId", props.accountId);
    checks.throwIfAny();

    const { naming, network } = props;
    const region = network.region;

    // ── logging ──
    const logGroup = new CloudwatchLogGroup(this, "log_group", { name: naming.path("ecs", id), retentionInDays: logRetentionDays });

    // ── iam ──
    const execution = new TaskExecutionRole(this, "execution_role", {
      naming,
      name: id,
      description: `ECS starts the ${naming.name(id)} task with it: the checking role's secret, its log group`,
      region,
      logGroupArn: logGroup.arn,
      secretArns: [props.connection.arn],
      secretsKmsKeyArn: props.secretsKmsKeyArn,
      accountId: props.accountId,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
    });
    this.taskPrerequisites.push(...execution.grants);

    // ── network ──
    const securityGroup = new SecurityGroup(this, "security_group", {
      name: naming.name([id, "tasks"]),
      description: "Restore check: no ingress, egress to HTTPS and restored databases only",
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
    // Restored instances: reached by this task only; they initiate nothing (no egress rule).
    const restored = new SecurityGroup(this, "restored_database", {
      name: naming.name("restored-db"),
      description: "Restored copies of the database (restore drills and tests): PostgreSQL from the restore check only",
      vpcId: network.vpcId,
    });
    this.restoredDatabaseSecurityGroupId = restored.id;
    this.taskPrerequisites.push(
      new VpcSecurityGroupEgressRule(this, "to_restored_database", {
        securityGroupId: securityGroup.id,
        description: "PostgreSQL to restored copies of the database",
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        referencedSecurityGroupId: restored.id,
      }),
      addIngressFrom(this, restored.id, this, POSTGRES_PORT, { id: "restored_database_from_check", description: "PostgreSQL from the restore check task" }),
    );

    // ── task definition ──
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
          name: RESTORE_CHECK_CONTAINER_NAME,
          image,
          command: ["sh", "-c", restoreCheckScript()],
          environment: { CHECK_SQL: props.checkSql, PGSSLMODE: "require", PGCONNECT_TIMEOUT: "30" },
          secrets: {
            PGUSER: `${props.connection.arn}:username::`,
            PGPASSWORD: `${props.connection.arn}:password::`,
            PGDATABASE: `${props.connection.arn}:dbname::`,
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
    this.taskDefinitionArn = taskDefinition.arn;
    this.runTarget = {
      cluster: props.cluster.clusterName,
      taskDefinitionArn: taskDefinition.arn,
      containerName: RESTORE_CHECK_CONTAINER_NAME,
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [securityGroup.id],
      region,
      logGroup: logGroup.name,
      logStreamPrefix: id,
      image,
    };
  }
}

/**
 * The container's shell script, one line: refuse to run without the host override, run the query (read-only
 * transaction, no psqlrc, stop on error), print `restore-check: <value>`; exit 2 when the query returns nothing.
 */
export function restoreCheckScript(): string {
  return [
    'if [ -z "$PGHOST" ]; then echo "restore check: PGHOST is not set (give the restored instance\'s address as a container override)" >&2; exit 3; fi',
    'value=$(printf "%s\\n" "$CHECK_SQL" | PGOPTIONS="-c default_transaction_read_only=on" psql --no-psqlrc -X -q -t -A -v ON_ERROR_STOP=1 -f -) || exit 1',
    `if [ -z "$value" ]; then echo "restore check: the query returned nothing" >&2; exit 2; fi`,
    `echo "${RESTORE_CHECK_MARKER}$value"`,
  ].join("; ");
}
