import { Construct } from "constructs";
import { BackupPlan as BackupPlanResource, BackupPlanRule } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Naming } from "../../core/naming";
import { DEFAULT_DAILY_RETENTION_DAYS, DEFAULT_MONTHLY_RETENTION_DAYS, MAX_RETENTION_DAYS } from "../../domain/backup";
import { partitionOf } from "../../domain/partition";
import type { AlertTopic } from "../observability";
import { PropChecks } from "../shared";
import type { BackupVault } from "./backup-vault";
import { FailureNotification } from "./failure-notification";

/** The AWS managed policies of the backup role: what AWS Backup needs to back up, copy and restore (restore tests). */
export const BACKUP_ROLE_MANAGED_POLICIES: readonly string[] = [
  "service-role/AWSBackupServiceRolePolicyForBackup",
  "service-role/AWSBackupServiceRolePolicyForRestores",
];

/** A resource AWS Backup protects, by ARN (a database). */
export interface BackupResource extends Construct {
  /** The resource's ARN, which the selection names. */
  readonly arn: string;
}

// ── props ──

/** Properties of {@link BackupPlan}. */
export interface BackupPlanProps {
  /** Names the plan `<app>-<environment>-backups`, its role `<app>-<environment>-backup` and the selections. */
  readonly naming: Naming;
  /** The vault the rules store into, in the stack's region. */
  readonly vault: BackupVault;
  /**
   * A vault in another region that every recovery point is copied to (a `copy_action` in each rule), kept as long as
   * the original.
   *
   * @default no copy
   */
  readonly copyTo?: BackupVault;
  /**
   * Days a daily recovery point is kept: at least the vaults' lock minimum, at most their maximum.
   * @default 35
   */
  readonly dailyRetentionDays?: number;
  /**
   * Days a monthly recovery point is kept: at least the vaults' lock minimum, at most their maximum.
   * @default 365
   */
  readonly monthlyRetentionDays?: number;
  /**
   * When the daily backup starts, an AWS Backup cron expression in UTC. Keep it an hour or more away from the
   * database's own backup and maintenance windows.
   * @default "cron(0 5 ? * * *)" (05:00 UTC, after the Rds construct's 02:00-03:00 backup window and Sunday's 03:30-04:30 maintenance)
   */
  readonly dailySchedule?: string;
  /**
   * When the monthly backup starts, an AWS Backup cron expression in UTC.
   * @default "cron(0 5 1 * ? *)" (05:00 UTC on the 1st; AWS Backup keeps one recovery point when it meets the daily one)
   */
  readonly monthlySchedule?: string;
  /** The 12-digit account id: the role's managed policies are named in its partition. */
  readonly accountId: string;
  /** The stack's region (the plan and the source vault's). */
  readonly region: string;
  /**
   * Permissions boundary of the backup role (the environment's `WorkloadBoundary`, which admits what AWS Backup does with it when given `backups`).
   * @default none
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * An AWS Backup plan: a daily and a monthly rule into a vault, each recovery point copied to a vault in another
 * region, and the role AWS Backup works with (the AWS managed backup and restore policies, capped by the permissions
 * boundary). Nothing is protected until {@link BackupPlan.protect} names a resource, by ARN.
 *
 * Wiring: `plan.protect(database)`; `plan.notifyFailuresTo(alerts)` for failed backup and copy jobs;
 * `RestoreTesting` restores the plan's recovery points with its role.
 */
export class BackupPlan extends Construct {
  /** The plan's id. */
  public readonly planId: string;
  /** ARN of the role AWS Backup backs up, copies and restores with. */
  public readonly roleArn: string;
  /** The vault the rules store into. */
  public readonly vault: BackupVault;
  /** The vault in another region the recovery points are copied to, if any. */
  public readonly copyTo?: BackupVault;
  /** Days a daily recovery point is kept. */
  public readonly dailyRetentionDays: number;
  /** Days a monthly recovery point is kept. */
  public readonly monthlyRetentionDays: number;
  /** The daily rule's schedule (how often the plan backs up: the most data a restore of a backup loses). */
  public readonly dailySchedule: string;
  /** What must exist before a backup can run: the role's policies. */
  public readonly grants: IamRolePolicyAttachment[];

  private readonly naming: Naming;
  private readonly region: string;
  private readonly accountId: string;

  public constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    const dailyRetentionDays = props.dailyRetentionDays ?? DEFAULT_DAILY_RETENTION_DAYS;
    const monthlyRetentionDays = props.monthlyRetentionDays ?? DEFAULT_MONTHLY_RETENTION_DAYS;
    const dailySchedule = props.dailySchedule ?? "cron(0 5 ? * * *)";
    const monthlySchedule = props.monthlySchedule ?? "cron(0 5 1 * ? *)";

    // ── validation ──
    const checks = new PropChecks("BackupPlan");
    checks.region("region", props.region);
    checks.accountId("accountId", props.accountId);
    const vaults = [props.vault, ...(props.copyTo === undefined ? [] : [props.copyTo])];
    for (const [prop, days] of [["dailyRetentionDays", dailyRetentionDays], ["monthlyRetentionDays", monthlyRetentionDays]] as const) {
      // The lock refuses a recovery point kept for less than its minimum, or more than its maximum: every job would fail.
      const min = Math.max(1, ...vaults.map((v) => v.minRetentionDays));
      const max = Math.min(MAX_RETENTION_DAYS, ...vaults.map((v) => v.maxRetentionDays ?? MAX_RETENTION_DAYS));
      const lockedBy = vaults.map((v) => `${v.region} ${v.minRetentionDays}${v.maxRetentionDays === undefined ? "" : ` to ${v.maxRetentionDays}`}`).join(", ");
      checks.integer(prop, days, min, max, `the vault locks' retention: ${lockedBy} days`);
    }
    for (const [prop, schedule] of [["dailySchedule", dailySchedule], ["monthlySchedule", monthlySchedule]] as const) {
      checks.expect(/^cron\(\S+( \S+){5}\)$/.test(schedule), prop, schedule, 'an AWS Backup cron expression with six fields, such as "cron(0 5 ? * * *)"');
    }
    checks.expect(props.copyTo === undefined || props.copyTo.region !== props.region, "copyTo", props.copyTo?.region, `a vault in another region than ${props.region}`);
    checks.throwIfAny();

    const { naming } = props;
    const partition = partitionOf(props.region);

    // ── iam ──
    // AWS Backup assumes it for this account's plans only: passing it to AWS Backup needs iam:PassRole on it. AWS
    // Backup sets no aws:SourceArn a trust condition could check.
    const role = new IamRole(this, "role", {
      name: naming.name("backup", 64),
      description: `AWS Backup backs up, copies and restores (restore tests) the protected resources of ${naming.prefix} with it`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      permissionsBoundary: props.permissionsBoundaryArn,
    });
    this.grants = BACKUP_ROLE_MANAGED_POLICIES.map(
      (policy) =>
        new IamRolePolicyAttachment(this, policy.replace(/^service-role\/AWSBackupServiceRolePolicyFor/, "").toLowerCase(), {
          role: role.name,
          policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
        }),
    );

    // ── plan ──
    const rule = (name: string, schedule: string, days: number): BackupPlanRule => ({
      ruleName: name,
      targetVaultName: props.vault.vaultName,
      schedule,
      // Start within an hour; an RDS snapshot of a large database may take hours.
      startWindow: 60,
      completionWindow: 1440,
      lifecycle: { deleteAfter: days },
      copyAction: props.copyTo === undefined ? undefined : [{ destinationVaultArn: props.copyTo.vaultArn, lifecycle: { deleteAfter: days } }],
    });
    const plan = new BackupPlanResource(this, "Resource", {
      name: naming.name("backups", 50),
      rule: [rule("daily", dailySchedule, dailyRetentionDays), rule("monthly", monthlySchedule, monthlyRetentionDays)],
    });

    // ── attributes ──
    this.planId = plan.id;
    this.roleArn = role.arn;
    this.vault = props.vault;
    this.copyTo = props.copyTo;
    this.dailyRetentionDays = dailyRetentionDays;
    this.monthlyRetentionDays = monthlyRetentionDays;
    this.dailySchedule = dailySchedule;
    this.naming = naming;
    this.region = props.region;
    this.accountId = props.accountId;
  }

  // ── intent methods ──
  /** Backs up `resource` by this plan: a selection that names it by ARN. */
  public protect(resource: BackupResource): BackupSelection {
    const id = `selection_${resource.node.id}`;
    return new BackupSelection(this, id, {
      name: this.naming.name(resource.node.id.replace(/_/g, "-"), 50),
      planId: this.planId,
      iamRoleArn: this.roleArn,
      resources: [resource.arn],
      // The role's policies first: AWS Backup checks the role when the selection is created.
      dependsOn: this.grants,
    });
  }

  /** Failed, aborted or expired backup jobs, and failed or aborted copy jobs, notify `alerts` (an EventBridge rule). */
  public notifyFailuresTo(alerts: AlertTopic): FailureNotification {
    return new FailureNotification(this, "failures", {
      naming: this.naming,
      name: "backup-failed",
      description: `Failed backup and copy jobs of ${this.naming.prefix}`,
      region: this.region,
      accountId: this.accountId,
      alerts,
      eventPattern: {
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change"],
        detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
      },
      // Backup and copy job events report `state`.
      statePath: "$.detail.state",
    });
  }
}
