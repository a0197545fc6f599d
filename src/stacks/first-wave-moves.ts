import { Construct } from "constructs";
import { TerraformResource } from "cdktf";

/**
 * Where the first wave's resources of the single service went when environments got `services` (several services): the api
 * service moved from the construct `service` to `service/api`, its target group from the load balancer to itself, and
 * its secrets grant from the secrets to itself. Its AWS names did not change, so a `moved` block is all Terraform
 * needs: no resource is replaced. Keep these until every environment has applied them (docs/environments.md, "Upgrading from one service").
 */
export const FIRST_WAVE_MOVES: Readonly<Record<string, string>> = {
  "aws_appautoscaling_policy.service_api_scale_on_cpu": "aws_appautoscaling_policy.service_scale_on_cpu",
  "aws_appautoscaling_policy.service_api_scale_on_requests": "aws_appautoscaling_policy.service_scale_on_requests",
  "aws_appautoscaling_target.service_api_scaling_target": "aws_appautoscaling_target.service_scaling_target",
  "aws_cloudwatch_log_group.service_api_log_group": "aws_cloudwatch_log_group.service_log_group",
  "aws_ecs_service.service_api": "aws_ecs_service.service",
  "aws_ecs_task_definition.service_api_task_definition": "aws_ecs_task_definition.service_task_definition",
  "aws_iam_role.service_api_execution_role": "aws_iam_role.service_execution_role",
  "aws_iam_role.service_api_task_role": "aws_iam_role.service_task_role",
  "aws_iam_role_policy.service_api_execution_role_logs": "aws_iam_role_policy.service_execution_role_logs",
  "aws_iam_role_policy.service_api_execution_role_secrets": "aws_iam_role_policy.secrets_read_service_execution_role",
  "aws_iam_role_policy.service_api_task_role_exec": "aws_iam_role_policy.service_task_role_exec",
  "aws_lb_target_group.service_api_target_group": "aws_lb_target_group.api_target_group",
  "aws_security_group.service_api_security_group": "aws_security_group.service_security_group",
  "aws_vpc_security_group_egress_rule.api_to_service_api_4000": "aws_vpc_security_group_egress_rule.api_to_service_4000",
  "aws_vpc_security_group_egress_rule.service_api_https_out": "aws_vpc_security_group_egress_rule.service_https_out",
  "aws_vpc_security_group_egress_rule.service_api_to_database_5432": "aws_vpc_security_group_egress_rule.service_to_database_5432",
  "aws_vpc_security_group_ingress_rule.database_allow_service_api": "aws_vpc_security_group_ingress_rule.database_allow_service",
  "aws_vpc_security_group_ingress_rule.service_api_from_api_4000": "aws_vpc_security_group_ingress_rule.service_from_api_4000",
};

/**
 * Adds a `moved` block for each resource of `scope` (the stack) that {@link FIRST_WAVE_MOVES} lists. A block whose
 * old address is not in a state is ignored by Terraform, so new environments are unaffected.
 *
 * @returns the moves added, new address to old
 */
export function addFirstWaveMoves(scope: Construct): ReadonlyMap<string, string> {
  const added = new Map<string, string>();
  for (const construct of scope.node.findAll()) {
    if (!TerraformResource.isTerraformResource(construct)) continue;
    const address = `${construct.terraformResourceType}.${construct.friendlyUniqueId}`;
    const from = FIRST_WAVE_MOVES[address];
    if (from === undefined) continue;
    construct.moveFromId(from);
    added.set(address, from);
  }
  return added;
}
