import { Testing } from "cdktf";
import { BackupRestoreTestingPlan } from "@cdktf/provider-aws/lib/backup-restore-testing-plan";
import { BackupRestoreTestingSelection } from "@cdktf/provider-aws/lib/backup-restore-testing-selection";
import { BackupPlan } from "../../../src/constructs/backup/backup-plan";
import { RestoreTesting, RestoreTestingProps } from "../../../src/constructs/backup/restore-testing";
import { AlertTopic } from "../../../src/constructs/observability/alert-topic";
import { Naming } from "../../../src/core/naming";
import { ACCOUNT, backupStack, NAMING, propErrorOf, resourcesOf, testDatabase, vaults } from "./helpers";

function build(change: Partial<RestoreTestingProps> = {}) {
  const { stack, dr } = backupStack();
  const { vault, drVault } = vaults(stack, dr);
  const { database } = testDatabase(stack);
  const plan = new BackupPlan(stack, "backup_plan", { naming: NAMING, vault, copyTo: drVault, accountId: ACCOUNT, region: "eu-west-1" });
  const testing = new RestoreTesting(stack, "restore_testing", {
    naming: NAMING,
    plan,
    database,
    securityGroupIds: ["sg-0123456789abcdef0"],
    region: "eu-west-1",
    accountId: ACCOUNT,
    ...change,
  });
  return { stack, testing };
}

describe("RestoreTesting", () => {
  describe("GIVEN the defaults, and failures sent to the alert topic", () => {
    const { stack, testing } = build();
    testing.notifyFailuresTo(new AlertTopic(stack, "alerts", { naming: NAMING, accountId: ACCOUNT, region: "eu-west-1", emails: ["ops@example.org"] }));
    const synth = Testing.synth(stack);
    const resources = resourcesOf(stack);

    test("THEN the newest recovery point of the last week in the plan's vault is restored every month, on the 2nd at 08:00 UTC", () => {
      expect(synth).toHaveResourceWithProperties(BackupRestoreTestingPlan, {
        name: "whcsites_production_restore_test",
        schedule_expression: "cron(0 8 2 * ? *)",
        start_window_hours: 8,
        recovery_point_selection: [
          { algorithm: "LATEST_WITHIN_WINDOW", include_vaults: ["${aws_backup_vault.backup_vault.arn}"], recovery_point_types: ["SNAPSHOT"], selection_window_days: 7 },
        ],
      });
    });

    test("THEN the database is restored into its own subnets and parameters, behind the given groups, not public, not Multi-AZ, kept 2 hours", () => {
      expect(synth).toHaveResourceWithProperties(BackupRestoreTestingSelection, {
        name: "whcsites_production_database",
        restore_testing_plan_name: "${aws_backup_restore_testing_plan.restore_testing.name}",
        protected_resource_type: "RDS",
        protected_resource_arns: ["${aws_db_instance.database.arn}"],
        iam_role_arn: "${aws_iam_role.backup_plan_role.arn}",
        validation_window_hours: 2,
        restore_metadata_overrides: {
          dbSubnetGroupName: "${aws_db_subnet_group.database_subnet_group.name}",
          dbParameterGroupName: "${aws_db_parameter_group.database_parameter_group.name}",
          vpcSecurityGroupIds: '["sg-0123456789abcdef0"]',
          publiclyAccessible: "false",
          multiAZ: "false",
        },
      });
    });

    test("THEN failed or aborted restore jobs (their status) reach the topic", () => {
      const rule = resources.aws_cloudwatch_event_rule.restore_testing_failures_rule;
      expect(rule.name).toBe("whcsites-production-restore-failed");
      expect(JSON.parse(rule.event_pattern).detail).toEqual({ status: ["FAILED", "ABORTED"] });
      expect(resources.aws_cloudwatch_event_target.restore_testing_failures_target.input_transformer.input_paths.state).toBe("$.detail.status");
    });
  });

  describe("GIVEN bad props", () => {
    test.each<[string, () => unknown, string]>([
      ["a validation window beyond a week", () => build({ validationWindowHours: 169 }), "RestoreTesting: validationWindowHours got 169; allowed: an integer from 1 to 168"],
      ["no security group", () => build({ securityGroupIds: [] }), "RestoreTesting: securityGroupIds got []; allowed: at least one security group (without one the restore takes the VPC's default group)"],
      ["a schedule AWS Backup does not read", () => build({ schedule: "monthly" }), 'RestoreTesting: schedule got "monthly"; allowed: an AWS Backup cron expression with six fields'],
      [
        "names too long for a restore testing plan",
        () => build({ naming: new Naming("whcsites-restore-drills-for", "production-eu1") }),
        'RestoreTesting: naming got "whcsites_restore_drills_for_production_eu1_restore_test"; allowed: a restore testing plan name of at most 50 letters, digits and underscores',
      ],
    ])("WHEN %s THEN it is refused with one line", (_what, make, message) => {
      const error = propErrorOf(make);
      expect(error).toContain(message);
      expect(error.split("\n")).toHaveLength(1);
    });
  });
});
