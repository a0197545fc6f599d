import { Testing } from "cdktf";
import { BackupPlan as BackupPlanResource } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { BackupPlan, BackupPlanProps } from "../../../src/constructs/backup/backup-plan";
import { AlertTopic } from "../../../src/constructs/observability/alert-topic";
import { ACCOUNT, backupStack, NAMING, propErrorOf, resourcesOf, testDatabase, vaults } from "./helpers";

const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/whcsites-production-github-deploy-boundary`;

describe("BackupPlan", () => {
  describe("GIVEN a plan into the vault here, copying to the DR vault, protecting the database, its failures to the alert topic", () => {
    const { stack, dr } = backupStack();
    const { vault, drVault } = vaults(stack, dr);
    const { database } = testDatabase(stack);
    const alerts = new AlertTopic(stack, "alerts", { naming: NAMING, accountId: ACCOUNT, region: "eu-west-1", emails: ["ops@example.org"] });
    const plan = new BackupPlan(stack, "backup_plan", { naming: NAMING, vault, copyTo: drVault, accountId: ACCOUNT, region: "eu-west-1", permissionsBoundaryArn: BOUNDARY });
    plan.protect(database);
    plan.notifyFailuresTo(alerts);
    const synth = Testing.synth(stack);
    const resources = resourcesOf(stack);

    test("THEN a daily (35 days) and a monthly (365 days) rule store into the vault and copy to the DR vault, kept as long", () => {
      expect(synth).toHaveResourceWithProperties(BackupPlanResource, {
        name: "whcsites-production-backups",
        rule: [
          {
            rule_name: "daily",
            target_vault_name: "${aws_backup_vault.backup_vault.name}",
            schedule: "cron(0 5 ? * * *)",
            start_window: 60,
            completion_window: 1440,
            lifecycle: { delete_after: 35 },
            copy_action: [{ destination_vault_arn: "${aws_backup_vault.dr_backup_vault.arn}", lifecycle: { delete_after: 35 } }],
          },
          {
            rule_name: "monthly",
            target_vault_name: "${aws_backup_vault.backup_vault.name}",
            schedule: "cron(0 5 1 * ? *)",
            start_window: 60,
            completion_window: 1440,
            lifecycle: { delete_after: 365 },
            copy_action: [{ destination_vault_arn: "${aws_backup_vault.dr_backup_vault.arn}", lifecycle: { delete_after: 365 } }],
          },
        ],
      });
    });

    test("THEN the database is selected by ARN, with the role, after the role's policies", () => {
      expect(synth).toHaveResourceWithProperties(BackupSelection, {
        name: "whcsites-production-database",
        plan_id: "${aws_backup_plan.backup_plan.id}",
        iam_role_arn: "${aws_iam_role.backup_plan_role.arn}",
        resources: ["${aws_db_instance.database.arn}"],
        depends_on: ["aws_iam_role_policy_attachment.backup_plan_backup", "aws_iam_role_policy_attachment.backup_plan_restores"],
      });
    });

    test("THEN AWS Backup assumes the role, which has the AWS managed backup and restore policies under the boundary", () => {
      expect(resources.aws_iam_role.backup_plan_role).toMatchObject({ name: "whcsites-production-backup", permissions_boundary: BOUNDARY });
      expect(JSON.parse(resources.aws_iam_role.backup_plan_role.assume_role_policy).Statement[0].Principal).toEqual({ Service: "backup.amazonaws.com" });
      expect(synth).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" });
      expect(synth).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores" });
    });

    test("THEN failed, aborted or expired backup jobs and failed copy jobs go to the topic, as one line", () => {
      const rule = resources.aws_cloudwatch_event_rule.backup_plan_failures_rule;
      expect(rule.name).toBe("whcsites-production-backup-failed");
      expect(JSON.parse(rule.event_pattern)).toEqual({ source: ["aws.backup"], "detail-type": ["Backup Job State Change", "Copy Job State Change"], detail: { state: ["FAILED", "ABORTED", "EXPIRED"] } });
      expect(resources.aws_cloudwatch_event_target.backup_plan_failures_target).toMatchObject({ arn: "${aws_sns_topic.alerts_topic.arn}", rule: "${aws_cloudwatch_event_rule.backup_plan_failures_rule.name}" });
      expect(plan.dailyRetentionDays).toBe(35);
    });
  });

  describe("GIVEN bad props", () => {
    const build = (change: Partial<BackupPlanProps>, lock?: { minRetentionDays: number; maxRetentionDays?: number }) => {
      const { stack, dr } = backupStack();
      const { vault, drVault } = vaults(stack, dr, lock === undefined ? undefined : { mode: "governance", ...lock });
      return new BackupPlan(stack, "backup_plan", { naming: NAMING, vault, copyTo: drVault, accountId: ACCOUNT, region: "eu-west-1", ...change });
    };

    test("WHEN a daily retention is shorter than the vault lock's minimum THEN it is refused, naming both vaults' locks", () => {
      expect(propErrorOf(() => build({ dailyRetentionDays: 5 }, { minRetentionDays: 14 }))).toBe(
        "BackupPlan: dailyRetentionDays got 5; allowed: an integer from 14 to 36500 (the vault locks' retention: eu-west-1 14, eu-central-1 14 days)",
      );
    });

    test("WHEN a monthly retention is longer than the vault lock's maximum THEN it is refused", () => {
      expect(propErrorOf(() => build({}, { minRetentionDays: 7, maxRetentionDays: 100 }))).toBe(
        "BackupPlan: monthlyRetentionDays got 365; allowed: an integer from 7 to 100 (the vault locks' retention: eu-west-1 7 to 100, eu-central-1 7 to 100 days)",
      );
    });

    test("WHEN the copy's vault is in the plan's own region THEN it is refused", () => {
      expect(propErrorOf(() => build({ region: "eu-central-1" }))).toBe('BackupPlan: copyTo got "eu-central-1"; allowed: a vault in another region than eu-central-1');
    });

    test("WHEN a schedule is not an AWS Backup cron expression THEN it is refused", () => {
      expect(propErrorOf(() => build({ dailySchedule: "rate(1 day)" }))).toBe(
        'BackupPlan: dailySchedule got "rate(1 day)"; allowed: an AWS Backup cron expression with six fields, such as "cron(0 5 ? * * *)"',
      );
    });
  });
});
