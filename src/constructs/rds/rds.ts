import { Construct } from "constructs";
import { ITerraformDependable, Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { partitionOf } from "../../domain/partition";
import { Naming } from "../../core/naming";
import { DEFAULT_POSTGRES_ENGINE_VERSION, parsePostgresVersion, postgresVersionProblem } from "../../domain/postgres";
import { logicalIdOf } from "../../core/logical-id";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { minimumMaxAllocatedStorageGiB, MONITORING_INTERVALS_SECONDS, rdsPostgresInstanceClassProblem, supportsPerformanceInsights } from "../../domain/rds";
import { Network } from "../network";
import { addIngressFrom, PropChecks, SecurityGroupPeer } from "../shared";
import { tierDefaults } from "../../domain/tier-defaults";

/** Master user names RDS reserves or that every attacker tries first. */
const RESERVED_MASTER_USERNAMES = ["postgres", "admin", "rdsadmin", "rdsrepladmin", "root"];

/** The PostgreSQL port. Fixed: the app, the connection secret and the security group rules agree on it. */
export const POSTGRES_PORT = 5432;


/** The log types exported to CloudWatch Logs. */
const LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** Queries slower than this are logged (`log_min_duration_statement`). */
const SLOW_QUERY_THRESHOLD_MS = 1000;

// ── props ──

/** Properties of {@link Rds}. */
export interface RdsProps {
  /** Names the instance, its security group, subnet group, parameter group and monitoring role. */
  readonly naming: Naming;
  /** The instance goes into the network's isolated database subnets. */
  readonly network: Network;
  /** The master user name (see `AppSecrets.databaseUsername`). */
  readonly masterUsername: string;
  /**
   * The master password, an ephemeral Terraform value (`EphemeralPassword`), set through the write-only `password_wo`
   * so that it never reaches the state. Never a literal: it would sit in the JSON.
   */
  readonly masterPassword: string;
  /**
   * The version of the master password: RDS gets `masterPassword` when the instance is created and whenever this
   * changes (a rotation), never otherwise.
   * @default 1
   */
  readonly masterPasswordVersion?: number;
  /** The database created with the instance. */
  readonly databaseName: string;
  /**
   * Production defaults: Multi-AZ, Performance Insights, enhanced monitoring, 14-day backups, and `prevent_destroy` on
   * the instance; and deletion protection, the final snapshot and kept automated backups cannot be turned off.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Engine version, `"<major>.<minor>"` or `"<major>"`, major 13 to 17. The parameter group family follows the major.
   * With auto minor version upgrades on, a pinned minor must be raised here once RDS has upgraded the instance
   * (otherwise the plan asks for a downgrade, which fails); a major-only version avoids that.
   * @default "16" (major only: RDS picks the current minor; no drift after automatic minor upgrades)
   */
  readonly engineVersion?: string;
  /**
   * Instance class, for example `db.t4g.micro`.
   * @default "db.m7g.large" in production (no burst credits to run out of), "db.t4g.micro" elsewhere
   */
  readonly instanceClass?: string;
  /**
   * Initial gp3 storage in GiB, 20 to 65536.
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Storage autoscaling ceiling in GiB, at least 10% above `allocatedStorageGiB` (an RDS rule), at most 65536; 0 turns
   * storage autoscaling off.
   * @default 5 x allocatedStorageGiB, at least 100, at most 65536; 0 when no ceiling fits (allocated storage above 59578)
   */
    readonly maxAllocatedStorageGiB?: number;
  /**
   * Days of automated backups, 7 to 35.
   * @default 14 in production, 7 elsewhere
   */
  readonly backupRetentionDays?: number;
  /**
   * Standby in a second availability zone.
   * @default production
   */
  readonly multiAz?: boolean;
  /**
   * Refuse to delete the instance through the API. On in every tier unless turned off on purpose (a disposable
   * environment); cannot be turned off in production.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Take a final snapshot, `<identifier>-final`, when the instance is deleted. Cannot be turned off in production.
   * @default true
   */
  readonly finalSnapshot?: boolean;
  /**
   * Keep the automated backups (for their retention period) when the instance is deleted, so that it can still be
   * restored to a point in time. Cannot be turned off in production.
   * @default true
   */
  readonly retainAutomatedBackups?: boolean;
  /**
   * The 12-digit AWS account id: the enhanced monitoring role can then only be assumed on behalf of this instance
   * (aws:SourceAccount and aws:SourceArn conditions, against the confused-deputy problem). Required when
   * `monitoringIntervalSeconds` is not 0.
   * @default none (then enhanced monitoring must be off)
   */
  readonly accountId?: string;
  /**
   * Performance Insights (7 days, free tier). Not available on db.t*.micro and db.t*.small classes.
   * @default production
   */
  readonly performanceInsights?: boolean;
  /**
   * Enhanced monitoring interval: 0 (off), 1, 5, 10, 15, 30 or 60 seconds. Any other value creates the monitoring role.
   * @default 60 in production, 0 elsewhere
   */
  readonly monitoringIntervalSeconds?: number;
  /**
   * Daily backup window, UTC, `hh24:mi-hh24:mi`, at least 30 minutes, not overlapping the maintenance window.
   * @default "02:00-03:00"
   */
  readonly backupWindow?: string;
  /**
   * Weekly maintenance window, UTC, `ddd:hh24:mi-ddd:hh24:mi`.
   * @default "sun:03:30-sun:04:30"
   */
  readonly maintenanceWindow?: string;
  /**
   * Retention of the exported PostgreSQL logs, in days; a value CloudWatch Logs accepts.
   * @default 365 in production, 30 elsewhere
   */
  readonly logRetentionDays?: number;
  /**
   * ARN of a managed policy set as the permissions boundary of every IAM role this construct creates (a deploy role
   * that may only create roles with its boundary needs it: see `GithubDeployRole`).
   *
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * An RDS for PostgreSQL instance in the isolated database subnets: encrypted gp3 storage with autoscaling, SSL
 * required, slow queries and upgrade logs exported to log groups with retention, and its own security group that
 * admits nothing until {@link Rds.allowFrom} is called.
 *
 * It cannot be lost by accident, in any tier unless turned off on purpose: deletion protection, a final snapshot named
 * `<identifier>-final` and automated backups kept after deletion; production also has `prevent_destroy` (which makes
 * `terraform plan -destroy` fail on purpose) and refuses to turn any of them off. The master password is passed in as
 * an ephemeral value and set write-only: it is in neither the JSON, an output nor the state.
 */
export class Rds extends Construct implements SecurityGroupPeer {
  /** The endpoint host name. */
  public readonly address: string;
  /** The port, 5432. */
  public readonly port: number;
  /** The application database name. */
  public readonly databaseName: string;
  /** The instance's security group. */
  public readonly securityGroupId: string;
  /** The DB instance identifier, `<app>-<environment>-db`. */
  public readonly instanceIdentifier: string;
  /** The DB instance ARN. */
  public readonly arn: string;
  /** The instance class, for example `db.t4g.micro` (alarms derive memory and max_connections from it). */
  public readonly instanceClass: string;
  /** The storage allocated at creation, in GiB (storage autoscaling may grow it). */
  public readonly allocatedStorageGiB: number;
  /** The DB subnet group (the isolated subnets): a restored copy goes into the same subnets. */
  public readonly subnetGroupName: string;
  /** The parameter group (SSL required, slow query log): a restored copy takes the same parameters. */
  public readonly parameterGroupName: string;
  /**
   * The DB instance, only to depend on (for example: a migration must wait until the database exists). Typed as a
   * dependable so that no attribute, the password least of all, can be read through it.
   */
  public readonly instance: ITerraformDependable;

  private readonly securityGroup: SecurityGroup;

  public constructor(scope: Construct, id: string, props: RdsProps) {
    super(scope, id);
    const production = props.production ?? false;
    const engineVersion = props.engineVersion ?? DEFAULT_POSTGRES_ENGINE_VERSION;
    const instanceClass = props.instanceClass ?? (production ? "db.m7g.large" : "db.t4g.micro");
    const allocatedStorageGiB = props.allocatedStorageGiB ?? 20;
    // Storage autoscaling needs a ceiling 10% above the allocated storage; near RDS's 65536 GiB there is none, so it is off.
    const defaultCeiling = Math.min(65536, Math.max(100, 5 * allocatedStorageGiB));
    const maxAllocatedStorageGiB = props.maxAllocatedStorageGiB ?? (defaultCeiling >= minimumMaxAllocatedStorageGiB(allocatedStorageGiB) ? defaultCeiling : 0);
    const defaults = tierDefaults(production);
    const backupRetentionDays = props.backupRetentionDays ?? defaults.backupRetentionDays;
    const multiAz = props.multiAz ?? defaults.protective;
    const deletionProtection = props.deletionProtection ?? true;
    const finalSnapshot = props.finalSnapshot ?? true;
    const retainAutomatedBackups = props.retainAutomatedBackups ?? true;
    const performanceInsights = props.performanceInsights ?? defaults.protective;
    const monitoringIntervalSeconds = props.monitoringIntervalSeconds ?? defaults.monitoringIntervalSeconds;
    const backupWindow = props.backupWindow ?? "02:00-03:00";
    const maintenanceWindow = props.maintenanceWindow ?? "sun:03:30-sun:04:30";
    const logRetentionDays = props.logRetentionDays ?? defaults.logRetentionDays;

    // ── validation ──
    const checks = new PropChecks("Rds");
    checks.expect(/^[a-z][a-z0-9_]{0,62}$/.test(props.masterUsername) && !RESERVED_MASTER_USERNAMES.includes(props.masterUsername), "masterUsername", props.masterUsername,
      `1-63 lower-case letters, digits or "_", starting with a letter, and not ${RESERVED_MASTER_USERNAMES.join(", ")}`);
    checks.expect(Token.isUnresolved(props.masterPassword), "masterPassword", "a literal string", "a Terraform reference to a generated password (a literal would sit in the synthesized JSON in plain text)");
    const versionProblem = postgresVersionProblem(engineVersion);
    if (versionProblem !== undefined) checks.add("engineVersion", versionProblem);
    const classProblem = rdsPostgresInstanceClassProblem(instanceClass);
    if (classProblem !== undefined) checks.add("instanceClass", classProblem);
    if (performanceInsights && classProblem === undefined) {
      checks.expect(supportsPerformanceInsights(instanceClass), "performanceInsights", true,
        `false on ${instanceClass}, which has no Performance Insights (db.t4g.medium or larger has it)${production ? "; it is on by default in production" : ""}`);
    }
    if (production) {
      checks.expect(multiAz, "multiAz", multiAz, "true in production (a standby in a second AZ)");
      checks.expect(deletionProtection, "deletionProtection", deletionProtection, "true in production (a production database cannot be deleted by accident)");
      checks.expect(finalSnapshot, "finalSnapshot", finalSnapshot, "true in production (deleting the database keeps a final snapshot)");
      checks.expect(retainAutomatedBackups, "retainAutomatedBackups", retainAutomatedBackups, "true in production (deleting the database keeps its point-in-time backups)");
    }
    checks.accountId("accountId", props.accountId);
    if (monitoringIntervalSeconds > 0) {
      checks.expect(props.accountId !== undefined, "accountId", props.accountId,
        `the 12-digit account id with monitoringIntervalSeconds ${monitoringIntervalSeconds} (the monitoring role trusts RDS only on behalf of this instance)`);
    }
    checks.integer("allocatedStorageGiB", allocatedStorageGiB, 20, 65536);
    if (maxAllocatedStorageGiB !== 0) {
      checks.integer("maxAllocatedStorageGiB", maxAllocatedStorageGiB, minimumMaxAllocatedStorageGiB(allocatedStorageGiB), 65536, `at least 10% above allocatedStorageGiB ${allocatedStorageGiB}, or 0 for no storage autoscaling`);
    }
    checks.integer("backupRetentionDays", backupRetentionDays, 7, 35);
    checks.oneOf("monitoringIntervalSeconds", monitoringIntervalSeconds, MONITORING_INTERVALS_SECONDS);
    const backup = parseWindow(backupWindow, false);
    checks.expect(backup !== undefined && backup.end - backup.start >= 30, "backupWindow", backupWindow, '"hh24:mi-hh24:mi" in UTC, at least 30 minutes long (for example "02:00-03:00")');
    const maintenance = parseWindow(maintenanceWindow, true);
    checks.expect(maintenance !== undefined && maintenance.end - maintenance.start >= 30, "maintenanceWindow", maintenanceWindow,
      '"ddd:hh24:mi-ddd:hh24:mi" in UTC (days mon..sun), at least 30 minutes long (for example "sun:03:30-sun:04:30")');
    if (backup !== undefined && maintenance !== undefined) {
      checks.expect(!windowsOverlap(backup, maintenance), "backupWindow", backupWindow, `a window apart from maintenanceWindow ${JSON.stringify(maintenanceWindow)} (RDS requires them apart)`);
    }
    checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    const identifier = props.naming.name("db", 63);
    checks.expect(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(identifier), "naming", identifier, 'an instance identifier without "--" and not ending with "-" (rename the app or environment)');
    checks.throwIfAny();
    const { major } = parsePostgresVersion(engineVersion);

    // ── network ──
    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: props.naming.name("db", 255),
      description: `PostgreSQL ${identifier}: ingress only from allowed security groups`,
      vpcId: props.network.vpcId,
      // No egress block: Terraform removes AWS's default allow-all egress, and the database initiates nothing.
    });

    const subnetGroup = new DbSubnetGroup(this, "subnet_group", {
      name: props.naming.name("db", 255),
      description: `Isolated database subnets of ${props.naming.prefix}`,
      subnetIds: props.network.databaseSubnetIds,
    });

    // ── parameters ──
    const family = `postgres${major}`;
    const parameterGroup = new DbParameterGroup(this, "parameter_group", {
      // A prefix and create-before-destroy: a major upgrade needs a new group of the new family while the old is in use.
      namePrefix: `${props.naming.name(family, 200)}-`,
      family,
      description: `${identifier}: SSL required, slow query log`,
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: String(SLOW_QUERY_THRESHOLD_MS) },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    // ── logging ──
    // Created by Terraform before the instance; RDS would otherwise create them itself, with no retention.
    const logGroups = LOG_EXPORTS.map(
      (type) =>
        new CloudwatchLogGroup(this, `${type}_logs`, {
          name: `/aws/rds/instance/${identifier}/${type}`,
          retentionInDays: logRetentionDays,
        }),
    );

    // ── monitoring ──
    let monitoringRoleArn: string | undefined;
    const monitoringDependencies: IamRolePolicyAttachment[] = [];
    if (monitoringIntervalSeconds > 0) {
      const role = new IamRole(this, "monitoring_role", {
        name: props.naming.name("rds-monitoring", 64),
        description: `Enhanced monitoring of ${identifier}`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "monitoring.rds.amazonaws.com" },
              Action: "sts:AssumeRole",
              // Only RDS acting for this instance of this account (confused deputy).
              Condition: {
                StringEquals: { "aws:SourceAccount": props.accountId },
                ArnLike: { "aws:SourceArn": `arn:${partitionOf(props.network.region)}:rds:${props.network.region}:${props.accountId}:db:${identifier}` },
              },
            },
          ],
        }),
        permissionsBoundary: props.permissionsBoundaryArn,
      });
      // RDS checks the role's permissions when the instance is created or modified.
      monitoringDependencies.push(
        new IamRolePolicyAttachment(this, "monitoring_policy", {
          role: role.name,
          policyArn: `arn:${partitionOf(props.network.region)}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
        }),
      );
      monitoringRoleArn = role.arn;
    }

    // ── instance ──
    const instance = new DbInstance(this, "Resource", {
      identifier,
      engine: "postgres",
      engineVersion,
      instanceClass,
      username: props.masterUsername,
      // Write-only: the password reaches RDS, never the state (Terraform >= 1.11).
      passwordWo: props.masterPassword,
      passwordWoVersion: props.masterPasswordVersion ?? 1,
      dbName: props.databaseName,
      port: POSTGRES_PORT,
      storageType: "gp3",
      allocatedStorage: allocatedStorageGiB,
      maxAllocatedStorage: maxAllocatedStorageGiB,
      storageEncrypted: true,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: false,
      multiAz,
      parameterGroupName: parameterGroup.name,
      iamDatabaseAuthenticationEnabled: true,
      backupRetentionPeriod: backupRetentionDays,
      backupWindow,
      maintenanceWindow,
      copyTagsToSnapshot: true,
      deletionProtection,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: finalSnapshot ? `${identifier}-final` : undefined,
      deleteAutomatedBackups: !retainAutomatedBackups,
      enabledCloudwatchLogsExports: [...LOG_EXPORTS],
      performanceInsightsEnabled: performanceInsights,
      performanceInsightsRetentionPeriod: performanceInsights ? 7 : undefined,
      monitoringInterval: monitoringIntervalSeconds,
      monitoringRoleArn,
      autoMinorVersionUpgrade: true,
      // A major version change in the environment file must be able to go through (with the new parameter group).
      allowMajorVersionUpgrade: true,
      applyImmediately: false,
      dependsOn: [...logGroups, ...monitoringDependencies],
      lifecycle: production ? { preventDestroy: true } : undefined,
    });

    // ── outputs ──
    this.address = instance.address;
    this.port = instance.port;
    this.databaseName = props.databaseName;
    this.securityGroupId = this.securityGroup.id;
    this.instanceIdentifier = identifier;
    this.arn = instance.arn;
    this.instanceClass = instanceClass;
    this.allocatedStorageGiB = allocatedStorageGiB;
    this.subnetGroupName = subnetGroup.name;
    this.parameterGroupName = parameterGroup.name;
    this.instance = instance;
  }

  // ── intent methods ──
  /** Admits `peer`'s security group on 5432, and nothing else. Calling it twice for the same peer does nothing. */
  public allowFrom(peer: SecurityGroupPeer): ITerraformDependable {
    const id = `allow_${logicalIdOf(peer)}`;
    const existing = this.node.tryFindChild(id);
    if (existing !== undefined) return existing as unknown as ITerraformDependable;
    return addIngressFrom(this, this.securityGroup.id, peer, POSTGRES_PORT, { id, description: `PostgreSQL from ${peer.node.path}` });
  }
}

// ── helpers ──

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** A window as minutes since Monday 00:00 (weekly) or since 00:00 (daily); `end` may pass the wrap-around. */
interface Window {
  readonly start: number;
  readonly end: number;
}

function parseWindow(value: string, weekly: boolean): Window | undefined {
  const point = weekly ? "(mon|tue|wed|thu|fri|sat|sun):([01]\\d|2[0-3]):([0-5]\\d)" : "([01]\\d|2[0-3]):([0-5]\\d)";
  const match = new RegExp(`^${point}-${point}$`).exec(value);
  if (match === null) return undefined;
  const minutes = (parts: string[]): number =>
    weekly ? DAYS.indexOf(parts[0]) * 1440 + Number(parts[1]) * 60 + Number(parts[2]) : Number(parts[0]) * 60 + Number(parts[1]);
  const half = weekly ? 3 : 2;
  const start = minutes(match.slice(1, 1 + half));
  let end = minutes(match.slice(1 + half, 1 + 2 * half));
  const period = weekly ? 7 * 1440 : 1440;
  if (end <= start) end += period;
  return { start, end };
}

/** Whether the daily backup window meets the weekly maintenance window on its day. */
function windowsOverlap(daily: Window, weekly: Window): boolean {
  const week = 7 * 1440;
  for (let day = 0; day < 7; day++) {
    const start = day * 1440 + daily.start;
    const end = day * 1440 + daily.end;
    for (const shift of [-week, 0, week]) {
      if (start < weekly.end + shift && weekly.start + shift < end) return true;
    }
  }
  return false;
}
