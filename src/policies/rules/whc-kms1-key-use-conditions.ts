import { KMS_KEY_USE_ACTIONS } from "../../domain/kms";
import { PolicyRule, Violation } from "../framework";
import { PolicyStatement, readPolicyDocument } from "../policy-document";
import { isSet, UNKNOWN } from "../values";

/** The data operations checked (CreateGrant is not: a grant's use still meets the key policy's Deny statements). */
const DATA_OPERATIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"];

/** Whether an IAM action pattern (`kms:*`, `kms:Decrypt*`, `*`) matches `action`, case-insensitively. */
function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return regex.test(action);
}

function covers(s: PolicyStatement, action: string): boolean {
  if (s.notActions.length > 0) return !s.notActions.some((p) => matches(p, action));
  return s.actions.some((p) => matches(p, action));
}

/**
 * WHC.KMS1 (ours): a KMS key's policy gives its data operations (Decrypt, Encrypt, GenerateDataKey, ReEncrypt) only
 * under a condition (a service through `kms:ViaService`, an encryption context), or a conditional Deny in the same
 * policy narrows them (the state key: only the state roles). `kms:*` to the account root with nothing else lets any
 * IAM policy of the account decrypt directly, so "use only through Secrets Manager" would not hold. A key without a
 * policy gets AWS's default, which is exactly that.
 */
export const whcKeyUseConditions: PolicyRule = {
  id: "WHC.KMS1",
  title: "KMS key policies give Decrypt, Encrypt, GenerateDataKey and ReEncrypt only under conditions (administration is separate from use)",
  productionOnly: false,
  resourceTypes: ["aws_kms_key"],
  check(resource, context) {
    const fix = `give the account administration only (${KMS_KEY_USE_ACTIONS.join(", ")} left out) and the use to a statement with a condition such as kms:ViaService`;
    if (!isSet(resource.config.policy)) {
      return [{ problem: "the key has no policy, so AWS's default gives kms:* (every use) to the account without condition", fix }];
    }
    const statements = readPolicyDocument(resource.config.policy, context);
    if (statements === UNKNOWN) return [{ problem: "the key policy cannot be read before apply", fix: "build it with JSON.stringify so that it can be checked" }];
    const list: readonly PolicyStatement[] = statements;
    const narrowed = (action: string) => list.some((s) => s.effect === "Deny" && s.conditions.length > 0 && covers(s, action));
    const violations: Violation[] = [];
    list.forEach((s, index) => {
      if (s.effect !== "Allow" || s.conditions.length > 0) return;
      const open = DATA_OPERATIONS.filter((action) => covers(s, action) && !narrowed(action));
      if (open.length > 0) {
        violations.push({ problem: `Allow statement #${index + 1} gives ${open.join(", ")} with no condition (and no conditional Deny narrows it)`, fix });
      }
    });
    return violations;
  },
};
