export { RATE_RULE_NAME, REDACTED_HEADERS, WebAcl } from "./web-acl";
export type { ManagedRuleAction, WebAclProps } from "./web-acl";
