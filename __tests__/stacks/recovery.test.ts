import * as path from "path";
import { Testing } from "cdktf";
import { EnvironmentConfig, loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { policyReportOf } from "../../src/policies";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { synthError } from "../policies/helpers";

const ROOT = path.join(__dirname, "..", "..");
const state = loadStateConfig(path.join(ROOT, "state.json"));
const production = loadEnvironment(path.join(ROOT, "environments", "production.json"));
const staging = loadEnvironment(path.join(ROOT, "environments", "staging.json"));

function stackOf(config: EnvironmentConfig): EnvironmentStack {
  return new EnvironmentStack(Testing.app(), `whcsites-${config.name}`, { config, state });
}

describe("disaster recovery of the production stack", () => {
  // GIVEN production's file (dr: eu-central-1, RPO 1 hour, RTO 4 hours) WHEN synthesized
  const json = JSON.parse(Testing.synth(stackOf(production)));
  const resources = json.resource;

  test("THEN a second AWS provider, aliased dr, is pinned to the DR region and the account, with the same tags", () => {
    const [primary, dr] = json.provider.aws;
    expect(dr).toEqual({ ...primary, alias: "dr", region: "eu-central-1" });
    expect(primary.alias).toBeUndefined();
  });

  test("THEN the plan backs up daily and monthly into the primary vault, each rule copying to the DR vault, kept as long", () => {
    const plan = resources.aws_backup_plan.backup_plan;
    expect(plan.rule.map((r: any) => [r.rule_name, r.schedule, r.target_vault_name, r.lifecycle.delete_after, r.copy_action])).toEqual([
      ["daily", "cron(0 5 ? * * *)", "${aws_backup_vault.backup_vault.name}", 35, [{ destination_vault_arn: "${aws_backup_vault.dr_backup_vault.arn}", lifecycle: { delete_after: 35 } }]],
      ["monthly", "cron(0 5 1 * ? *)", "${aws_backup_vault.backup_vault.name}", 365, [{ destination_vault_arn: "${aws_backup_vault.dr_backup_vault.arn}", lifecycle: { delete_after: 365 } }]],
    ]);
    expect(resources.aws_backup_vault.backup_vault.provider).toBeUndefined();
    expect(resources.aws_backup_vault.dr_backup_vault.provider).toBe("aws.dr");
  });

  test("THEN each vault has its own key in its region, and a governance-mode lock (no changeable_for_days)", () => {
    expect(resources.aws_backup_vault.backup_vault.kms_key_arn).toBe("${aws_kms_key.backup_vault_key.arn}");
    expect(resources.aws_backup_vault.dr_backup_vault.kms_key_arn).toBe("${aws_kms_key.dr_backup_vault_key.arn}");
    expect(resources.aws_kms_key.dr_backup_vault_key.provider).toBe("aws.dr");
    expect(resources.aws_backup_vault_lock_configuration.backup_vault_lock).toEqual({ backup_vault_name: "${aws_backup_vault.backup_vault.name}", min_retention_days: 7 });
    expect(resources.aws_backup_vault_lock_configuration.dr_backup_vault_lock).toEqual({ backup_vault_name: "${aws_backup_vault.dr_backup_vault.name}", min_retention_days: 7, provider: "aws.dr" });
  });

  test("THEN the selection names the database by ARN", () => {
    expect(resources.aws_backup_selection.backup_plan_selection_database).toMatchObject({
      plan_id: "${aws_backup_plan.backup_plan.id}",
      resources: ["${aws_db_instance.database.arn}"],
      iam_role_arn: "${aws_iam_role.backup_plan_role.arn}",
    });
  });

  test("THEN the automated backups are replicated to the DR region, encrypted with the DR vault's key, as long as the database keeps them", () => {
    expect(resources.aws_db_instance_automated_backups_replication.replicated_backups).toEqual({
      provider: "aws.dr",
      source_db_instance_arn: "${aws_db_instance.database.arn}",
      kms_key_id: "${aws_kms_key.dr_backup_vault_key.arn}",
      retention_period: 14,
    });
  });

  test("THEN AWS Backup restores the newest recovery point monthly, into the isolated subnets behind the restored-copy group, never public", () => {
    expect(resources.aws_backup_restore_testing_plan.restore_testing).toMatchObject({
      name: "whcsites_production_restore_test",
      schedule_expression: "cron(0 8 2 * ? *)",
      recovery_point_selection: [{ algorithm: "LATEST_WITHIN_WINDOW", include_vaults: ["${aws_backup_vault.backup_vault.arn}"], recovery_point_types: ["SNAPSHOT"] }],
    });
    expect(resources.aws_backup_restore_testing_selection.restore_testing_selection).toMatchObject({
      protected_resource_type: "RDS",
      protected_resource_arns: ["${aws_db_instance.database.arn}"],
      validation_window_hours: 2,
      restore_metadata_overrides: {
        dbSubnetGroupName: "${aws_db_subnet_group.database_subnet_group.name}",
        dbParameterGroupName: "${aws_db_parameter_group.database_parameter_group.name}",
        vpcSecurityGroupIds: '["${aws_security_group.restore_check_restored_database.id}"]',
        publiclyAccessible: "false",
        multiAZ: "false",
      },
    });
  });

  test("THEN failed backup, copy and restore jobs reach the alert topic, whose policy and key admit exactly those two rules", () => {
    const rules = resources.aws_cloudwatch_event_rule;
    expect(JSON.parse(rules.restore_testing_failures_rule.event_pattern)).toEqual({
      source: ["aws.backup"],
      "detail-type": ["Restore Job State Change"],
      detail: { status: ["FAILED", "ABORTED"] },
    });
    expect(JSON.parse(rules.backup_plan_failures_rule.event_pattern).detail).toEqual({ state: ["FAILED", "ABORTED", "EXPIRED"] });
    for (const target of Object.values(resources.aws_cloudwatch_event_target) as any[]) expect(target.arn).toBe("${aws_sns_topic.alerts_topic.arn}");
    const topicPolicy = JSON.parse(resources.aws_sns_topic.alerts_topic.policy);
    const events = topicPolicy.Statement.find((s: any) => s.Principal?.Service === "events.amazonaws.com");
    expect(events.Condition).toEqual({
      ArnEquals: {
        "aws:SourceArn": [
          "arn:aws:events:eu-west-1:123456789012:rule/whcsites-production-backup-failed",
          "arn:aws:events:eu-west-1:123456789012:rule/whcsites-production-restore-failed",
        ],
      },
    });
    const key = JSON.parse(resources.aws_kms_key.alerts_key.policy);
    expect(key.Statement.map((s: any) => s.Sid)).toContain("EventBridgeEncryptsNotifications");
  });

  test("THEN restored copies admit the restore check task only, on 5432, and the task reaches them only", () => {
    expect(resources.aws_vpc_security_group_ingress_rule.restore_check_restored_database_from_check).toMatchObject({
      security_group_id: "${aws_security_group.restore_check_restored_database.id}",
      referenced_security_group_id: "${aws_security_group.restore_check_security_group.id}",
      from_port: 5432,
      to_port: 5432,
    });
    expect(resources.aws_vpc_security_group_egress_rule.restore_check_to_restored_database.referenced_security_group_id).toBe(
      "${aws_security_group.restore_check_restored_database.id}",
    );
    const [container] = JSON.parse(resources.aws_ecs_task_definition.restore_check_task_definition.container_definitions);
    expect(container.environment).toContainEqual({ name: "CHECK_SQL", value: "SELECT max(version)::text FROM schema_migrations" });
    expect(Object.fromEntries(container.secrets.map((s: any) => [s.name, s.valueFrom]))).toEqual({
      PGUSER: "${aws_secretsmanager_secret.secrets_database_app.arn}:username::",
      PGPASSWORD: "${aws_secretsmanager_secret.secrets_database_app.arn}:password::",
      PGDATABASE: "${aws_secretsmanager_secret.secrets_database_app.arn}:dbname::",
    });
  });

  test("THEN the restore drill's output names the database, where its copy goes, the check task and the targets", () => {
    expect(json.output.restore_drill.value).toMatchObject({
      sourceInstanceIdentifier: "whcsites-production-db",
      region: "eu-west-1",
      drRegion: "eu-central-1",
      subnetGroupName: "${aws_db_subnet_group.database_subnet_group.name}",
      securityGroupIds: ["${aws_security_group.restore_check_restored_database.id}"],
      rpoHours: 1,
      rtoHours: 4,
      check: { containerName: "psql", taskDefinitionArn: "${aws_ecs_task_definition.restore_check_task_definition.arn}", logStreamPrefix: "restore_check" },
    });
  });

  test("THEN the backup role carries the workload boundary", () => {
    expect(resources.aws_iam_role.backup_plan_role.permissions_boundary).toBe("arn:aws:iam::123456789012:policy/whcsites-production-workload-boundary");
    expect(JSON.parse(resources.aws_iam_role.backup_plan_role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });
});

describe("the policy guard on production and on a copy without the backup plan", () => {
  test("GIVEN production THEN RDS.26, Backup.1 and WHC.BAK1 check its database and vaults and pass", () => {
    const stack = stackOf(production);
    expect(synthError(stack)).toBeUndefined();
    const rules = Object.fromEntries((policyReportOf(stack)?.rules ?? []).map((r) => [r.id, r]));
    expect(rules["RDS.26"]).toMatchObject({ passed: ["aws_db_instance.database"], violations: [] });
    expect(rules["Backup.1"].passed).toEqual(
      expect.arrayContaining(["aws_db_instance.database", "aws_backup_vault.backup_vault", "aws_backup_vault.dr_backup_vault", "aws_backup_plan.backup_plan"]),
    );
    expect(rules["Backup.1"].violations).toEqual([]);
    expect(rules["WHC.BAK1"]).toMatchObject({ violations: [] });
    expect([...rules["WHC.BAK1"].passed].sort()).toEqual(["aws_backup_vault.backup_vault", "aws_backup_vault.dr_backup_vault"]);
  });

  test("GIVEN a copy of production without the plan (its config without dr) THEN synthesis fails on RDS.26 and Backup.1 for the database", () => {
    const error = synthError(stackOf({ ...production, dr: undefined }));
    expect(error).toMatch(/\[RDS\.26\] whcsites-production\/database\/Resource: no backup plan protects the database/);
    expect(error).toMatch(/\[Backup\.1\] whcsites-production\/database\/Resource: the production database has no recovery points in a vault with a customer-managed key/);
  });
});

describe("an environment without dr, and compliance mode", () => {
  test("GIVEN staging (no dr) THEN it has no backup resource, no DR provider and no restore drill output", () => {
    const json = JSON.parse(Testing.synth(stackOf(staging)));
    expect(Object.keys(json.resource).filter((type) => type.startsWith("aws_backup") || type.includes("automated_backups"))).toEqual([]);
    expect(json.provider.aws).toHaveLength(1);
    expect(json.output.restore_drill).toBeUndefined();
  });

  test("GIVEN a compliance-mode lock THEN both locks have the cooling-off period and synthesis warns that they become irreversible", () => {
    const dr = production.dr as NonNullable<EnvironmentConfig["dr"]>;
    const stack = stackOf({ ...production, dr: { ...dr, vaultLock: { ...dr.vaultLock, mode: "compliance", changeableForDays: 3 } } });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.aws_backup_vault_lock_configuration.backup_vault_lock.changeable_for_days).toBe(3);
    expect(json.resource.aws_backup_vault_lock_configuration.dr_backup_vault_lock.changeable_for_days).toBe(3);
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === "@cdktf/warn")
      .map((m) => String(m.data));
    expect(warnings).toEqual([
      expect.stringMatching(/^backup vault whcsites-production-backups gets a compliance-mode lock: 3 days after it is applied it becomes irreversible\. Nobody/),
      expect.stringMatching(/^backup vault whcsites-production-backups-dr gets a compliance-mode lock/),
    ]);
  });
});
