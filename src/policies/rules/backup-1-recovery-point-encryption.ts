import { ElementView, PolicyContext, PolicyRule, refersTo, Violation } from "../framework";
import { asString, block, isSet, list, UNKNOWN } from "../values";
import { selectionsOf } from "./rds-26-backup-plan";

/** A customer-managed key of the stack, or a key ARN given literally; never an alias (`alias/aws/backup` is AWS's). */
function customerManagedKey(value: unknown, context: PolicyContext): boolean {
  if (context.resourcesOfType("aws_kms_key").some((key) => refersTo(value, key, ["arn"]))) return true;
  const literal = asString(value);
  return typeof literal === "string" && /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/.+$/.test(literal);
}

/** The vault of the stack that `value` refers to (by `attribute`), if any. */
function vaultAt(value: unknown, context: PolicyContext, attribute: "name" | "arn"): ElementView | undefined {
  return context.resourcesOfType("aws_backup_vault").find((vault) => refersTo(value, vault, [attribute]));
}

function planProblems(plan: ElementView, context: PolicyContext): Violation[] {
  const rules = list(plan.config.rule);
  if (rules === UNKNOWN) return [{ problem: "the plan's rules are one expression and cannot be checked", fix: "write each rule as a block" }];
  const violations: Violation[] = [];
  for (const entry of rules) {
    const rule = block(entry);
    const name = String(rule?.rule_name ?? "?");
    const target = vaultAt(rule?.target_vault_name, context, "name");
    if (target === undefined) {
      violations.push({
        problem: `rule ${name} stores into ${JSON.stringify(rule?.target_vault_name)}, not a vault of this stack, whose key cannot be checked (the Default vault uses the AWS managed key aws/backup)`,
        fix: "store into a BackupVault of the stack (its own customer-managed key)",
      });
    }
    const copies = list(rule?.copy_action);
    for (const copy of copies === UNKNOWN ? [] : copies) {
      const destination = block(copy)?.destination_vault_arn;
      if (vaultAt(destination, context, "arn") === undefined) {
        violations.push({
          problem: `rule ${name} copies to ${JSON.stringify(destination)}, not a vault of this stack, whose key cannot be checked`,
          fix: "copy into a BackupVault of the stack, with the provider of its region",
        });
      }
    }
  }
  return violations;
}

/**
 * Backup.1: AWS Backup recovery points are encrypted at rest with a customer-managed key. Every vault of the stack has
 * its own key (`kms_key_arn`: a key of the stack, or a key ARN), every plan stores and copies only into such vaults,
 * and in production a database's recovery points exist: a plan of the stack protects it.
 */
export const backupRecoveryPointEncryption: PolicyRule = {
  id: "Backup.1",
  title: "AWS Backup recovery points are encrypted with a customer-managed key (vaults, plans; production databases have recovery points)",
  productionOnly: false,
  resourceTypes: ["aws_backup_vault", "aws_backup_plan", "aws_db_instance"],
  check(resource, context) {
    switch (resource.type) {
      case "aws_backup_vault": {
        const key = resource.config.kms_key_arn;
        if (isSet(key) && customerManagedKey(key, context)) return [];
        return [{
          problem: isSet(key)
            ? `kms_key_arn is ${JSON.stringify(key)}, not a customer-managed key of this stack or a key ARN`
            : "kms_key_arn is not set, so AWS Backup encrypts the recovery points with the AWS managed key aws/backup",
          fix: "give the vault its own KMS key (BackupVault creates one)",
        }];
      }
      case "aws_backup_plan":
        return planProblems(resource, context);
      default:
        if (!context.production || selectionsOf(resource, context).length > 0) return [];
        return [{
          problem: "the production database has no recovery points in a vault with a customer-managed key: no backup plan of this stack protects it",
          fix: 'protect it with a BackupPlan whose vaults have their own keys ("dr" in the environment file)',
        }];
    }
  },
};
