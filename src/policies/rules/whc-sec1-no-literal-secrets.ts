import { PolicyRule, Violation } from "../framework";
import { isSet, isToken, parseJsonWithTokens, UNKNOWN } from "../values";

/** Keys of a JSON secret whose values are secret themselves. */
const SECRET_KEY = /PASSWORD|PASSWD|SECRET|KEY|TOKEN|CREDENTIAL|URL/i;

function literalSecret(value: unknown, setting: string): Violation[] {
  if (!isSet(value)) return [];
  const fix = `build ${setting} from references (a generated password, the database address), never from a literal in code`;
  if (typeof value !== "string") return [{ problem: `${setting} is a literal`, fix }];
  if (!isToken(value)) return [{ problem: `${setting} is a literal string`, fix }];
  // A JSON secret built from references may still hold one literal secret field next to them.
  const parsed = parseJsonWithTokens(value);
  if (parsed === UNKNOWN || parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return [];
  const literal = Object.entries(parsed as Record<string, unknown>)
    .filter(([key, field]) => SECRET_KEY.test(key) && isSet(field) && !isToken(field))
    .map(([key]) => key);
  return literal.length === 0 ? [] : [{ problem: `${setting} holds literal value(s) for ${literal.join(", ")}`, fix }];
}

/** WHC.SEC1 (ours): no secret value is written as a literal in code (it would sit in git and in the plan). */
export const whcNoLiteralSecrets: PolicyRule = {
  id: "WHC.SEC1",
  title: "Secret values are references (generated or read at apply), never literals",
  productionOnly: false,
  resourceTypes: ["aws_secretsmanager_secret_version", "aws_db_instance"],
  check(resource) {
    const c = resource.config;
    if (resource.type === "aws_db_instance") return [...literalSecret(c.password, "password"), ...literalSecret(c.password_wo, "password_wo")];
    return [
      ...literalSecret(c.secret_string, "secret_string"),
      ...literalSecret(c.secret_string_wo, "secret_string_wo"),
      ...literalSecret(c.secret_binary, "secret_binary"),
    ];
  },
};
