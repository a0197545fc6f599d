import { PolicyRule, refersTo } from "../framework";
import { list, UNKNOWN } from "../values";

/**
 * EC2.2: the VPC default security group allows no traffic. Every VPC must adopt its default security group with an
 * `aws_default_security_group` (Terraform then strips its rules), and that resource must declare no rules.
 */
export const ec2DefaultSecurityGroup: PolicyRule = {
  id: "EC2.2",
  title: "VPC default security groups allow no inbound or outbound traffic",
  productionOnly: false,
  resourceTypes: ["aws_vpc", "aws_default_security_group"],
  check(resource, context) {
    if (resource.type === "aws_vpc") {
      const adopted = context
        .resourcesOfType("aws_default_security_group")
        .some((group) => refersTo(group.config.vpc_id, resource, ["id"]));
      return adopted
        ? []
        : [{
            problem: "the VPC's default security group is not managed, so it keeps AWS's default rules (all egress, ingress from itself)",
            fix: `add an aws_default_security_group with vpc_id = ${resource.address}.id and no ingress or egress blocks`,
          }];
    }
    const violations = [];
    for (const direction of ["ingress", "egress"] as const) {
      const rules = list(resource.config[direction]);
      if (rules === UNKNOWN || rules.length > 0) {
        violations.push({
          problem: `the default security group declares ${direction} rules`,
          fix: `remove the ${direction} blocks; give workloads their own security groups`,
        });
      }
    }
    return violations;
  },
};
