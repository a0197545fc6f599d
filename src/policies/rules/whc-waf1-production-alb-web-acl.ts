import { PolicyRule, refersTo } from "../framework";
import { asBool } from "../values";
import { isApplicationLoadBalancer, LOAD_BALANCER_TYPES } from "./common";

/**
 * WHC.WAF1 (ours, production; checkov CKV2_AWS_28): an internet-facing Application Load Balancer is associated with a
 * WAF web ACL in the same stack.
 */
export const whcProductionAlbWebAcl: PolicyRule = {
  id: "WHC.WAF1",
  title: "Internet-facing Application Load Balancers have a WAF web ACL (production)",
  productionOnly: true,
  resourceTypes: LOAD_BALANCER_TYPES,
  check(resource, context) {
    if (!isApplicationLoadBalancer(resource.config) || asBool(resource.config.internal) === true) return [];
    const associated = context
      .resourcesOfType("aws_wafv2_web_acl_association")
      .some((association) => refersTo(association.config.resource_arn, resource, ["arn", "id"]));
    if (associated) return [];
    return [{
      problem: "the internet-facing load balancer has no web ACL, so scanners, known-bad payloads and floods reach the services",
      fix: 'associate a web ACL with it (WebAcl; "webAcl": {"enabled": true} in the environment file, the production default)',
    }];
  },
};
