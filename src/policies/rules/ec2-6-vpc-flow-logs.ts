import { PolicyRule, refersTo } from "../framework";

/** EC2.6 (production): every VPC records flow logs. */
export const ec2VpcFlowLogs: PolicyRule = {
  id: "EC2.6",
  title: "VPC flow logging is enabled in every VPC (production)",
  productionOnly: true,
  resourceTypes: ["aws_vpc"],
  check(resource, context) {
    const logged = context.resourcesOfType("aws_flow_log").some((log) => refersTo(log.config.vpc_id, resource, ["id"]));
    return logged
      ? []
      : [{ problem: "the VPC has no flow log", fix: `add an aws_flow_log with vpc_id = ${resource.address}.id (traffic_type REJECT or ALL)` }];
  },
};
