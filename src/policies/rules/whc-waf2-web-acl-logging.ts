import { ElementView, PolicyRule, Violation, refersTo } from "../framework";
import { UNKNOWN, asString, block, list } from "../values";

/** The headers WAF logs must never show: credentials and sessions. */
const SENSITIVE_HEADERS = ["authorization", "cookie"];

/** The single headers a logging configuration redacts, lower-case; undefined when that cannot be read before apply. */
function redactedHeaders(logging: ElementView): Set<string> | undefined {
  const fields = list(logging.config.redacted_fields);
  if (fields === UNKNOWN) return undefined;
  const headers = new Set<string>();
  for (const field of fields) {
    const name = asString(block(block(field)?.single_header)?.name);
    if (name === UNKNOWN) return undefined;
    if (typeof name === "string") headers.add(name.toLowerCase());
  }
  return headers;
}

/**
 * WHC.WAF2 (ours; extends Security Hub WAF.11, web ACL logging): every web ACL logs, with the `authorization` and
 * `cookie` headers redacted (WAF logs hold the full request headers otherwise).
 */
export const whcWebAclLogging: PolicyRule = {
  id: "WHC.WAF2",
  title: "WAF web ACLs log, with the authorization and cookie headers redacted",
  productionOnly: false,
  resourceTypes: ["aws_wafv2_web_acl"],
  check(resource, context) {
    const logging = context
      .resourcesOfType("aws_wafv2_web_acl_logging_configuration")
      .find((candidate) => refersTo(candidate.config.resource_arn, resource, ["arn"]));
    const fix = `add an aws_wafv2_web_acl_logging_configuration for it to an aws-waf-logs-* destination, with redacted_fields single_header ${SENSITIVE_HEADERS.join(" and ")} (WebAcl does)`;
    if (logging === undefined) return [{ problem: "the web ACL has no logging configuration, so nobody can see why a request was blocked", fix }];
    const violations: Violation[] = [];
    const destinations = list(logging.config.log_destination_configs);
    if (destinations !== UNKNOWN && destinations.length === 0) violations.push({ problem: `${logging.address} has no log destination`, fix });
    const redacted = redactedHeaders(logging);
    if (redacted === undefined) {
      violations.push({ problem: `${logging.address}: redacted_fields is known only at apply and cannot be verified`, fix });
    } else {
      const missing = SENSITIVE_HEADERS.filter((h) => !redacted.has(h));
      if (missing.length > 0) violations.push({ problem: `${logging.address} logs the ${missing.join(" and ")} header(s) in clear`, fix });
    }
    return violations;
  },
};
