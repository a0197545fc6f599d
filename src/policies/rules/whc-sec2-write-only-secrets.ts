import { PolicyRule } from "../framework";
import { isSet } from "../values";

/**
 * WHC.SEC2 (ours): no secret value is kept in the Terraform state. A database password goes in through the
 * write-only `password_wo` (or RDS manages it), a secret's value through `secret_string_wo`; `password`,
 * `secret_string` and `secret_binary` would store the value in the state, where every reader of the state sees it.
 */
export const whcWriteOnlySecrets: PolicyRule = {
  id: "WHC.SEC2",
  title: "Secret values are write-only: never stored in the Terraform state",
  productionOnly: false,
  resourceTypes: ["aws_db_instance", "aws_secretsmanager_secret_version"],
  check(resource) {
    const c = resource.config;
    if (resource.type === "aws_db_instance") {
      return isSet(c.password)
        ? [{ problem: "password stores the master password in the state", fix: "set password_wo from an ephemeral password, with password_wo_version" }]
        : [];
    }
    return ["secret_string", "secret_binary"]
      .filter((attribute) => isSet(c[attribute]))
      .map((attribute) => ({
        problem: `${attribute} stores the secret's value in the state`,
        fix: "set secret_string_wo from an ephemeral value, with secret_string_wo_version, or let an operator put the value (no version resource)",
      }));
  },
};
