/*
 * Facts about AWS WAF (v2) that the web ACL construct and its validation rely on.
 *
 * Sources: AWS WAF Developer Guide, "AWS Managed Rules rule groups list": "Baseline rule groups" (core rule set,
 * known bad inputs), "IP reputation rule groups" and "Use-case specific rule groups" (SQL database), each group's
 * rule table; the same tables in the archived awsdocs/aws-waf-and-shield-advanced-developer-guide (doc_source/
 * aws-managed-rule-groups-*.md), plus SQLi_URIPATH, which the current guide lists for the SQL database group.
 * "AWS WAF quotas" for the web ACL capacity and the rate limit. Checked 2026-11. AWS adds rules to a group in new
 * versions; a name missing here is refused with this list, so update it from the guide (or
 * `aws wafv2 describe-managed-rule-group --vendor-name AWS --name <group> --scope REGIONAL`).
 */

/** An AWS managed rule group as a web ACL uses it. */
export interface ManagedRuleGroupFacts {
  /** The group's name, as `managed_rule_group_statement.name` and the environment file's `ruleOverrides` key. */
  readonly name: string;
  /** Always `AWS` for AWS Managed Rules. */
  readonly vendorName: "AWS";
  /** Web ACL capacity units (WCU) the group uses. */
  readonly capacityWcu: number;
  /** The rules in the group, by name: what a per-rule override may name. */
  readonly ruleNames: readonly string[];
  /** What it blocks, in a few words (docs/operations.md, "What is blocked"). */
  readonly blocks: string;
}

/** Core rule set (CRS): OWASP Top 10 style patterns in any web application. */
export const COMMON_RULE_SET: ManagedRuleGroupFacts = {
  name: "AWSManagedRulesCommonRuleSet",
  vendorName: "AWS",
  capacityWcu: 700,
  ruleNames: [
    "NoUserAgent_HEADER",
    "UserAgent_BadBots_HEADER",
    "SizeRestrictions_QUERYSTRING",
    "SizeRestrictions_Cookie_HEADER",
    "SizeRestrictions_BODY",
    "SizeRestrictions_URIPATH",
    "EC2MetaDataSSRF_BODY",
    "EC2MetaDataSSRF_COOKIE",
    "EC2MetaDataSSRF_URIPATH",
    "EC2MetaDataSSRF_QUERYARGUMENTS",
    "GenericLFI_QUERYARGUMENTS",
    "GenericLFI_URIPATH",
    "GenericLFI_BODY",
    "RestrictedExtensions_URIPATH",
    "RestrictedExtensions_QUERYARGUMENTS",
    "GenericRFI_QUERYARGUMENTS",
    "GenericRFI_BODY",
    "GenericRFI_URIPATH",
    "CrossSiteScripting_COOKIE",
    "CrossSiteScripting_QUERYARGUMENTS",
    "CrossSiteScripting_BODY",
    "CrossSiteScripting_URIPATH",
  ],
  blocks: "missing or bad-bot User-Agent, oversized query strings, cookies, bodies (over 8 KB) and paths, EC2 metadata SSRF, local and remote file inclusion, cross-site scripting",
};

/** Known bad inputs: request patterns of known exploits (Log4j, Java deserialization, exploitable paths). */
export const KNOWN_BAD_INPUTS_RULE_SET: ManagedRuleGroupFacts = {
  name: "AWSManagedRulesKnownBadInputsRuleSet",
  vendorName: "AWS",
  capacityWcu: 200,
  ruleNames: [
    "JavaDeserializationRCE_HEADER",
    "JavaDeserializationRCE_BODY",
    "JavaDeserializationRCE_URIPATH",
    "JavaDeserializationRCE_QUERYSTRING",
    "Host_localhost_HEADER",
    "PROPFIND_METHOD",
    "ExploitablePaths_URIPATH",
    "Log4JRCE_HEADER",
    "Log4JRCE_QUERYSTRING",
    "Log4JRCE_BODY",
    "Log4JRCE_URIPATH",
  ],
  blocks: "Log4j and Java deserialization exploits, Host: localhost, PROPFIND, exploitable paths such as web-inf",
};

/** Amazon IP reputation list: sources Amazon threat intelligence has seen as bots, scanners or DDoS participants. */
export const IP_REPUTATION_LIST: ManagedRuleGroupFacts = {
  name: "AWSManagedRulesAmazonIpReputationList",
  vendorName: "AWS",
  capacityWcu: 25,
  // AWSManagedIPDDoSList only counts by default (its rule action is Count); an override to block makes it block.
  ruleNames: ["AWSManagedIPReputationList", "AWSManagedReconnaissanceList", "AWSManagedIPDDoSList"],
  blocks: "client addresses Amazon threat intelligence lists as bots or reconnaissance sources",
};

/** SQL database: SQL injection in query arguments, body, cookies and path (the API sits on PostgreSQL). */
export const SQL_DATABASE_RULE_SET: ManagedRuleGroupFacts = {
  name: "AWSManagedRulesSQLiRuleSet",
  vendorName: "AWS",
  capacityWcu: 200,
  ruleNames: [
    "SQLi_QUERYARGUMENTS",
    "SQLiExtendedPatterns_QUERYARGUMENTS",
    "SQLi_BODY",
    "SQLiExtendedPatterns_BODY",
    "SQLi_COOKIE",
    "SQLi_URIPATH",
  ],
  blocks: "SQL injection patterns in query arguments, bodies, cookies and paths",
};

/** The managed rule groups every web ACL of this project uses, in evaluation order after the rate rule. */
export const MANAGED_RULE_GROUPS: readonly ManagedRuleGroupFacts[] = [IP_REPUTATION_LIST, COMMON_RULE_SET, KNOWN_BAD_INPUTS_RULE_SET, SQL_DATABASE_RULE_SET];

/** Web ACL capacity units included in the web ACL's price; more costs extra per request (AWS WAF pricing, quotas). */
export const WEB_ACL_INCLUDED_CAPACITY_WCU = 1500;

/** Capacity of a rate-based rule per IP with an IP set scope-down: 2 for the rate rule, 1 for the IP set match. */
export const RATE_RULE_CAPACITY_WCU = 3;

/** The smallest and largest rate limit (requests per client in the evaluation window) AWS WAF accepts. */
export const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

/** The evaluation window of the rate-based rule, in seconds (AWS WAF allows 60, 120, 300 and 600). */
export const WAF_RATE_WINDOW_SECONDS = 300;

/** Log groups that receive AWS WAF logs must have names starting with this. */
export const WAF_LOG_GROUP_PREFIX = "aws-waf-logs-";
