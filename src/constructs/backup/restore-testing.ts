import { Construct } from "constructs";
import { BackupRestoreTestingPlan } from "@cdktf/provider-aws/lib/backup-restore-testing-plan";
import { BackupRestoreTestingSelection } from "@cdktf/provider-aws/lib/backup-restore-testing-selection";
import { Naming } from "../../core/naming";
import { DEFAULT_RESTORE_VALIDATION_HOURS, RESTORE_TESTING_NAME, VALIDATION_WINDOW_HOURS } from "../../domain/backup";
import type { AlertTopic } from "../observability";
import type { Rds } from "../rds";
import { PropChecks } from "../shared";
import type { BackupPlan } from "./backup-plan";
import { FailureNotification } from "./failure-notification";

// ── props ──

/** Properties of {@link RestoreTesting}. */
export interface RestoreTestingProps {
  /** Names the plan `<app>_<environment>_restore_test` and the selection `<app>_<environment>_database` (AWS allows no hyphen). */
  readonly naming: Naming;
  /** The backup plan whose vault holds the recovery points, and whose role restores them. */
  readonly plan: BackupPlan;
  /** The database whose newest recovery point is restored. */
  readonly database: Rds;
  /**
   * Security groups of the restored instance: one that admits nothing, or only what checks it (no public access in
   * any case).
   */
  readonly securityGroupIds: readonly string[];
  /**
   * Hours the restored instance is kept for validation before AWS Backup deletes it, 1 to 168.
   * @default 2
   */
  readonly validationWindowHours?: number;
  /**
   * When AWS Backup restores, an AWS Backup cron expression in UTC.
   * @default "cron(0 8 2 * ? *)" (08:00 UTC on the 2nd of every month, the day after the monthly backup, in working hours)
   */
  readonly schedule?: string;
  /** The stack's region (the failure rule's ARN). */
  readonly region: string;
  /** The 12-digit account id (the failure rule's ARN). */
  readonly accountId: string;
}

/**
 * AWS Backup proves a restore works: every month it restores the database's newest recovery point (of the last week)
 * from the plan's vault into the database's own isolated subnets and parameter group, behind the given security
 * groups, never publicly accessible and never Multi-AZ, keeps it for the validation window and deletes it.
 *
 * Wiring: `restoreTesting.notifyFailuresTo(alerts)` for failed restore jobs.
 */
export class RestoreTesting extends Construct {
  /** The restore testing plan's name. */
  public readonly planName: string;
  /** Hours a restored instance is kept. */
  public readonly validationWindowHours: number;
  /** When AWS Backup restores. */
  public readonly schedule: string;

  private readonly naming: Naming;
  private readonly region: string;
  private readonly accountId: string;

  public constructor(scope: Construct, id: string, props: RestoreTestingProps) {
    super(scope, id);
    const validationWindowHours = props.validationWindowHours ?? DEFAULT_RESTORE_VALIDATION_HOURS;
    const schedule = props.schedule ?? "cron(0 8 2 * ? *)";
    const underscored = (part: string): string => props.naming.name(part).replace(/-/g, "_");
    const planName = underscored("restore_test");
    const selectionName = underscored("database");

    // ── validation ──
    const checks = new PropChecks("RestoreTesting");
    checks.integer("validationWindowHours", validationWindowHours, VALIDATION_WINDOW_HOURS.min, VALIDATION_WINDOW_HOURS.max);
    checks.expect(/^cron\(\S+( \S+){5}\)$/.test(schedule), "schedule", schedule, 'an AWS Backup cron expression with six fields, such as "cron(0 8 2 * ? *)"');
    checks.expect(props.securityGroupIds.length > 0, "securityGroupIds", props.securityGroupIds, "at least one security group (without one the restore takes the VPC's default group)");
    checks.expect(RESTORE_TESTING_NAME.test(planName), "naming", planName, "a restore testing plan name of at most 50 letters, digits and underscores (a shorter app or environment name)");
    checks.region("region", props.region);
    checks.accountId("accountId", props.accountId);
    checks.throwIfAny();

    // ── plan ──
    const plan = new BackupRestoreTestingPlan(this, "Resource", {
      name: planName,
      scheduleExpression: schedule,
      // Start within 8 hours of the schedule.
      startWindowHours: 8,
      recoveryPointSelection: [
        {
          algorithm: "LATEST_WITHIN_WINDOW",
          includeVaults: [props.plan.vault.vaultArn],
          recoveryPointTypes: ["SNAPSHOT"],
          selectionWindowDays: 7,
        },
      ],
    });

    // ── selection ──
    // Keys as the AWS Backup guide names them ("Restore testing inferred metadata"); values are strings.
    new BackupRestoreTestingSelection(this, "selection", {
      name: selectionName,
      restoreTestingPlanName: plan.name,
      protectedResourceType: "RDS",
      protectedResourceArns: [props.database.arn],
      iamRoleArn: props.plan.roleArn,
      restoreMetadataOverrides: {
        dbSubnetGroupName: props.database.subnetGroupName,
        dbParameterGroupName: props.database.parameterGroupName,
        vpcSecurityGroupIds: JSON.stringify([...props.securityGroupIds]),
        publiclyAccessible: "false",
        multiAZ: "false",
      },
      validationWindowHours,
      dependsOn: props.plan.grants,
    });

    // ── attributes ──
    this.planName = planName;
    this.validationWindowHours = validationWindowHours;
    this.schedule = schedule;
    this.naming = props.naming;
    this.region = props.region;
    this.accountId = props.accountId;
  }

  // ── intent methods ──
  /** Failed or aborted restore jobs (restore tests among them) notify `alerts` (an EventBridge rule). */
  public notifyFailuresTo(alerts: AlertTopic): FailureNotification {
    return new FailureNotification(this, "failures", {
      naming: this.naming,
      name: "restore-failed",
      description: `Failed restore jobs (monthly restore tests) of ${this.naming.prefix}`,
      region: this.region,
      accountId: this.accountId,
      alerts,
      eventPattern: {
        source: ["aws.backup"],
        "detail-type": ["Restore Job State Change"],
        detail: { status: ["FAILED", "ABORTED"] },
      },
      // Restore job events report `status`.
      statePath: "$.detail.status",
    });
  }
}
