/**
 * The policy guard: AWS Foundational Security Best Practices controls and our own rules, run as cdktf aspects at
 * every synthesis. See applyPolicies (guard a stack), acknowledge (record an exception with a reason) and
 * formatPolicyReport (the `npm run policy` report).
 */
export { acknowledge, findAcknowledgement } from "../core/acknowledge";
export type { Acknowledgement } from "../core/acknowledge";
export { applyPolicies, isGuarded, policyReportOf } from "./apply";
export type { ApplyPoliciesOptions } from "./apply";
export { violationMessage } from "./framework";
export type {
  AcknowledgedFinding,
  ElementView,
  PolicyContext,
  PolicyFinding,
  PolicyRule,
  RuleResult,
  StackPolicyReport,
  Violation,
} from "./framework";
export { collectPolicyReports, formatPolicyReport, violationCount } from "./report";
export type { AppPolicyReport } from "./report";
export { ALL_POLICY_RULES } from "./rules";
