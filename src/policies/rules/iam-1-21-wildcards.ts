import { ElementView, PolicyContext, PolicyRule, Violation } from "../framework";
import { PolicyStatement, isStar, readPolicyDocument } from "../policy-document";
import { UNKNOWN, block, isToken, list } from "../values";

const POLICY_TYPES = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"];

interface NamedDocument {
  readonly label: string;
  readonly statements: readonly PolicyStatement[] | typeof UNKNOWN;
}

// Identity policies only: trust policies (assume_role_policy) and resource policies (bucket policies, which deny
// s3:* on purpose) are not IAM permission grants.
function documentsOf(resource: ElementView, context: PolicyContext): NamedDocument[] {
  if (resource.type !== "aws_iam_role") return [{ label: "the policy", statements: readPolicyDocument(resource.config.policy, context) }];
  const inline = list(resource.config.inline_policy);
  if (inline === UNKNOWN) return [{ label: "inline_policy", statements: UNKNOWN }];
  return inline
    .map(block)
    .filter((p) => p?.policy !== undefined && p.policy !== null)
    .map((p, index) => ({ label: `inline policy ${String(p?.name ?? `#${index + 1}`)}`, statements: readPolicyDocument(p?.policy, context) }));
}

const UNREADABLE = {
  fix: "build the policy with JSON.stringify or an aws_iam_policy_document data source in the same stack, so its actions can be checked",
};

function allowStatements(resource: ElementView, context: PolicyContext, each: (label: string, s: PolicyStatement) => Violation[]): Violation[] {
  return documentsOf(resource, context).flatMap(({ label, statements }) => {
    if (statements === UNKNOWN) return [{ problem: `${label} cannot be read before apply`, ...UNREADABLE }];
    return statements.filter((s) => s.effect === "Allow").flatMap((s, index) => each(`${label}, Allow statement #${index + 1}`, s));
  });
}

/** A literal service-wide wildcard action such as `s3:*`. */
function isServiceWildcard(action: string): boolean {
  return !isToken(action) && /^[A-Za-z0-9-]+:\*$/.test(action.trim());
}

/** True when the IAM action pattern (with `*` and `?` wildcards) covers `action`. */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.trim().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return regex.test(action);
}

const ALL_SECRETS = /^arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:\*$/;

/** IAM.1: no policy allows every action (`"*"`, or an Allow with NotAction). */
export const iamNoFullAdmin: PolicyRule = {
  id: "IAM.1",
  title: 'IAM policies never allow every action ("Action": "*" or Allow with NotAction)',
  productionOnly: false,
  resourceTypes: POLICY_TYPES,
  check: (resource, context) =>
    allowStatements(resource, context, (label, s): Violation[] => {
      const violations: Violation[] = [];
      if (s.actions.some(isStar)) violations.push({ problem: `${label} allows Action "*"`, fix: "list the exact actions the workload needs" });
      if (s.notActions.length > 0) {
        violations.push({ problem: `${label} allows everything except NotAction ${s.notActions.join(", ")}`, fix: "replace NotAction with the exact actions the workload needs" });
      }
      return violations;
    }),
};

/** IAM.21: no service-wide wildcard action (`s3:*`), and `secretsmanager:GetSecretValue` only on named secrets. */
export const iamNoServiceWildcards: PolicyRule = {
  id: "IAM.21",
  title: 'IAM policies allow no service wildcard ("s3:*") and never GetSecretValue on Resource "*"',
  productionOnly: false,
  resourceTypes: POLICY_TYPES,
  check: (resource, context) =>
    allowStatements(resource, context, (label, s): Violation[] => {
      const violations: Violation[] = [];
      const wildcards = s.actions.filter(isServiceWildcard);
      if (wildcards.length > 0) {
        violations.push({
          problem: `${label} allows the wildcard action(s) ${wildcards.join(", ")}`,
          fix: 'list the exact actions (for ECS Exec: "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel")',
        });
      }
      const readsSecrets = s.actions.some((action) => !isToken(action) && covers(action, "secretsmanager:GetSecretValue"));
      const everySecret = s.resources.filter((r) => isStar(r) || ALL_SECRETS.test(r));
      if (readsSecrets && everySecret.length > 0) {
        violations.push({
          problem: `${label} allows secretsmanager:GetSecretValue on ${everySecret.join(", ")}`,
          fix: "name the secret ARNs the workload reads in Resource",
        });
      }
      return violations;
    }),
};
