import { PolicyRule, Violation } from "../framework";
import { isStar, readPolicyDocument } from "../policy-document";
import { isSet, UNKNOWN } from "../values";

/**
 * WHC.NET1 (ours): a VPC endpoint has its own policy, and each of its Allow statements is narrowed by a resource or a
 * condition. Without a policy an endpoint allows every action on every resource of every account, so credentials
 * from inside the VPC could move data to another account's bucket or secrets through it.
 */
export const whcEndpointPolicy: PolicyRule = {
  id: "WHC.NET1",
  title: "VPC endpoints have a policy narrower than the default full access (resources or conditions of this account)",
  productionOnly: false,
  resourceTypes: ["aws_vpc_endpoint"],
  check(resource, context) {
    const fix = "give the endpoint a policy that allows only this account's resources (for example Condition StringEquals aws:ResourceAccount = <account id>)";
    if (!isSet(resource.config.policy)) return [{ problem: "the endpoint has no policy, so it allows full access to every account's resources", fix }];
    const statements = readPolicyDocument(resource.config.policy, context);
    if (statements === UNKNOWN) return [{ problem: "the endpoint policy cannot be read before apply", fix: "build it with JSON.stringify so that it can be checked" }];
    const violations: Violation[] = [];
    statements.forEach((s, index) => {
      if (s.effect !== "Allow") return;
      const everyResource = s.resources.length === 0 || s.resources.some(isStar);
      if (everyResource && s.conditions.length === 0) {
        violations.push({ problem: `Allow statement #${index + 1} covers every resource with no condition (the default full access)`, fix });
      }
    });
    return violations;
  },
};
