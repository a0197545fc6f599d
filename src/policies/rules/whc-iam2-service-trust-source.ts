import { PolicyRule, Violation } from "../framework";
import { isToken, parseJsonWithTokens, UNKNOWN } from "../values";

/**
 * AWS services that assume our roles on behalf of a resource of this account and put its account and ARN in the
 * request context, so that the trust can require them (the confused-deputy protection AWS recommends).
 */
export const SERVICES_WITH_SOURCE_CONTEXT: readonly string[] = ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com", "scheduler.amazonaws.com"];

const ARN_TESTS = ["ArnEquals", "ArnLike", "StringEquals", "StringLike"];

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** The values of `key` under any of `tests` in a statement's Condition. */
function conditionValues(condition: unknown, tests: readonly string[], key: string): string[] {
  if (condition === null || typeof condition !== "object") return [];
  return Object.entries(condition as Record<string, unknown>)
    .filter(([test]) => tests.includes(test))
    .flatMap(([, keys]) =>
      keys !== null && typeof keys === "object"
        ? Object.entries(keys as Record<string, unknown>).filter(([k]) => k.toLowerCase() === key.toLowerCase()).flatMap(([, v]) => strings(v))
        : [],
    );
}

/**
 * WHC.IAM2 (ours): a role that one of {@link SERVICES_WITH_SOURCE_CONTEXT} assumes trusts it only on behalf of this
 * account's resources: `aws:SourceAccount` (StringEquals, an account id) and `aws:SourceArn` (an ARN of that account).
 */
export const whcServiceTrustSource: PolicyRule = {
  id: "WHC.IAM2",
  title: "Roles assumed by AWS services (ECS tasks, RDS monitoring, VPC flow logs, EventBridge Scheduler) trust them only for this account's resources (aws:SourceAccount, aws:SourceArn)",
  productionOnly: false,
  resourceTypes: ["aws_iam_role"],
  check(resource) {
    const document = parseJsonWithTokens(resource.config.assume_role_policy);
    if (document === UNKNOWN || document === null || typeof document !== "object") {
      return [{ problem: "assume_role_policy cannot be read before apply", fix: "build the trust policy with JSON.stringify so that its conditions can be checked" }];
    }
    const statements = (document as Record<string, unknown>).Statement;
    const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
    const violations: Violation[] = [];
    list.forEach((entry, index) => {
      if (entry === null || typeof entry !== "object") return;
      const s = entry as Record<string, unknown>;
      if (s.Effect !== "Allow") return;
      const principal = s.Principal as Record<string, unknown> | undefined;
      const services = strings(principal?.Service).filter((service) => SERVICES_WITH_SOURCE_CONTEXT.includes(service));
      if (services.length === 0) return;
      const accounts = conditionValues(s.Condition, ["StringEquals"], "aws:SourceAccount");
      const arns = conditionValues(s.Condition, ARN_TESTS, "aws:SourceArn");
      const missing: string[] = [];
      if (accounts.length === 0 || !accounts.every((a) => /^[0-9]{12}$/.test(a) || isToken(a))) missing.push("aws:SourceAccount (StringEquals, the account id)");
      if (arns.length === 0 || !arns.every((a) => /^arn:[^:]+:[^:]+:[^:]*:([0-9]{12}|\$\{[^}]+\}):.+/.test(a))) missing.push("aws:SourceArn (an ARN naming this account)");
      if (missing.length > 0) {
        violations.push({
          problem: `trust statement #${index + 1} lets ${services.join(", ")} assume the role for any account's resources: it lacks ${missing.join(" and ")}`,
          fix: 'add Condition: { StringEquals: { "aws:SourceAccount": "<account id>" }, ArnLike: { "aws:SourceArn": "arn:<partition>:<service>:<region>:<account id>:<resource>" } }',
        });
      }
    });
    return violations;
  },
};
