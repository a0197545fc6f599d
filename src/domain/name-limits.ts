/**
 * The length limits AWS puts on the names this project sets, by Terraform resource type and argument. A name over its
 * limit passes `terraform plan` and fails only at apply, so the tests check every synthesized name against this table
 * (`__tests__/name-limits.test.ts`), and the constructs pass the same limits to `Naming.name`.
 *
 * Sources: the AWS service quotas and API references of each service (for example ELB `CreateLoadBalancer`: 32
 * characters; IAM `CreateRole`: 64; RDS `DBInstanceIdentifier`: 63), and the AWS provider's own argument checks for
 * prefixes (a prefix leaves room for the 26-character unique suffix Terraform appends).
 */
export const AWS_NAME_LIMITS: Readonly<Record<string, number>> = {
  "aws_lb.name": 32,
  "aws_lb_target_group.name": 32,
  "aws_lb_target_group.name_prefix": 6,
  "aws_iam_role.name": 64,
  "aws_iam_role.name_prefix": 38,
  "aws_iam_policy.name": 128,
  "aws_iam_role_policy.name": 128,
  "aws_db_instance.identifier": 63,
  "aws_db_instance.final_snapshot_identifier": 255,
  "aws_db_subnet_group.name": 255,
  "aws_db_parameter_group.name": 255,
  "aws_db_parameter_group.name_prefix": 229,
  "aws_s3_bucket.bucket": 63,
  "aws_s3_bucket.bucket_prefix": 37,
  "aws_dynamodb_table.name": 255,
  "aws_ecs_cluster.name": 255,
  "aws_ecs_service.name": 255,
  "aws_ecs_task_definition.family": 255,
  "aws_security_group.name": 255,
  "aws_cloudwatch_log_group.name": 512,
  "aws_cloudwatch_metric_alarm.alarm_name": 255,
  "aws_cloudwatch_dashboard.dashboard_name": 255,
  "aws_cloudwatch_log_metric_filter.name": 512,
  "aws_secretsmanager_secret.name": 512,
  "aws_appautoscaling_policy.name": 255,
  "aws_kms_alias.name": 256,
  "aws_sns_topic.name": 256,
  "aws_wafv2_web_acl.name": 128,
  "aws_iam_openid_connect_provider.url": 255,
  // AWS Backup: BackupVaultName, BackupPlanName, SelectionName, RestoreTestingPlanName and RestoreTestingSelectionName.
  "aws_backup_vault.name": 50,
  "aws_backup_plan.name": 50,
  "aws_backup_selection.name": 50,
  "aws_backup_restore_testing_plan.name": 50,
  "aws_backup_restore_testing_selection.name": 50,
  "aws_cloudwatch_event_rule.name": 64,
};
