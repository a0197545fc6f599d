/**
 * Emulator artifacts: attribute differences in the second plan of `npm run test:apply` that come from moto 5.2.1, not
 * from the stacks. Each entry matches one attribute of one resource type, and only when the values before and after
 * have the recorded shapes; a whole resource is never allowlisted, and neither is a create or a delete.
 *
 * Each entry says what the emulator does and why AWS does otherwise, with the sources. A real perpetual diff never
 * goes here: it is fixed in src/constructs with a test. Where an artifact would also break a check (ECS services lost
 * fields, so the provider replaced them, deleting them before the deploy gate ran), the gap is filled in the emulator
 * (scripts/emulator/moto_launcher.py) instead.
 */
import type { AllowlistEntry } from "./drift";

const RDS_INSTANCE_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html";
const RDS_INSTANCE_SOURCE = "hashicorp/terraform-provider-aws internal/service/rds/instance.go (resourceInstanceRead sets the attribute from DescribeDBInstances)";

export const EMULATOR_ALLOWLIST: readonly AllowlistEntry[] = [
  {
    id: "db-parameter-group-parameters",
    resourceType: "aws_db_parameter_group",
    attribute: "parameter",
    before: "empty",
    after: "non-empty",
    emulator: "moto's DescribeDBParameters returns the modified parameters without their Source field",
    evidence:
      "the provider keeps only parameters whose Source is \"user\" or that appear in the configuration, and skips any parameter without a Source; " +
      "AWS always returns Source (user | system | engine-default)",
    sources: [
      "hashicorp/terraform-provider-aws internal/service/rds/parameter_group.go (resourceParameterGroupRead: parameter.Source == nil -> continue)",
      "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html",
    ],
  },
  {
    id: "db-instance-monitoring-interval",
    resourceType: "aws_db_instance",
    attribute: "monitoring_interval",
    before: "zero",
    after: "positive-number",
    emulator: "moto does not store MonitoringInterval; DescribeDBInstances omits it (read as 0)",
    evidence: "AWS returns DBInstance.MonitoringInterval as set; the provider reads it back",
    sources: [RDS_INSTANCE_API, RDS_INSTANCE_SOURCE],
  },
  {
    id: "db-instance-monitoring-role-arn",
    resourceType: "aws_db_instance",
    attribute: "monitoring_role_arn",
    before: "empty",
    after: "non-empty-string",
    emulator: "moto does not store MonitoringRoleArn; DescribeDBInstances omits it",
    evidence: "AWS returns DBInstance.MonitoringRoleArn as set; the provider reads it back",
    sources: [RDS_INSTANCE_API, RDS_INSTANCE_SOURCE],
  },
  {
    id: "db-instance-performance-insights-enabled",
    resourceType: "aws_db_instance",
    attribute: "performance_insights_enabled",
    before: "false",
    after: "true",
    emulator: "moto does not store PerformanceInsightsEnabled; DescribeDBInstances omits it (read as false)",
    evidence: "AWS returns DBInstance.PerformanceInsightsEnabled as set; the provider reads it back",
    sources: [RDS_INSTANCE_API, RDS_INSTANCE_SOURCE],
  },
  {
    id: "db-instance-performance-insights-retention",
    resourceType: "aws_db_instance",
    attribute: "performance_insights_retention_period",
    before: "zero",
    after: "positive-number",
    emulator: "moto does not store PerformanceInsightsRetentionPeriod; DescribeDBInstances omits it (read as 0)",
    evidence: "AWS returns DBInstance.PerformanceInsightsRetentionPeriod (7 days by default when enabled); the provider reads it back",
    sources: [RDS_INSTANCE_API, RDS_INSTANCE_SOURCE],
  },
  ...(["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"] as const).map(
    (resourceType): AllowlistEntry => ({
      id: `${resourceType.replace(/^aws_vpc_security_group_|_rule$/g, "")}-rule-description-with-referenced-group`,
      resourceType,
      attribute: "description",
      before: "empty",
      after: "non-empty-string",
      where: { referenced_security_group_id: "non-empty-string" },
      emulator:
        "moto stores the description of a rule that references a security group with the group, and DescribeSecurityGroupRules returns it " +
        "only for CIDR rules (CIDR rules of the same stacks read back fine)",
      evidence: "AWS returns SecurityGroupRule.Description for every rule; the provider reads description from DescribeSecurityGroupRules",
      sources: ["https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html"],
    }),
  ),
];
