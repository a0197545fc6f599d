import { PolicyRule, refersTo } from "../framework";
import { asNumber, isSet } from "../values";

/**
 * WHC.BAK1 (ours, production; AWS FSBP RDS.26 with backupVaultLockCheck): every backup vault has a vault lock with a
 * minimum retention, so that no one (an operator's mistake, stolen credentials) can delete its recovery points early.
 */
export const whcVaultLock: PolicyRule = {
  id: "WHC.BAK1",
  title: "Backup vaults are locked with a minimum retention (production)",
  productionOnly: true,
  resourceTypes: ["aws_backup_vault"],
  check(resource, context) {
    const locks = context.resourcesOfType("aws_backup_vault_lock_configuration").filter((lock) => refersTo(lock.config.backup_vault_name, resource, ["name", "id"]));
    if (locks.some((lock) => isSet(lock.config.min_retention_days) && (asNumber(lock.config.min_retention_days) as number) >= 1)) return [];
    return [{
      problem:
        locks.length === 0
          ? "the vault has no vault lock: its recovery points can be deleted at any time by anyone allowed to"
          : "the vault's lock has no min_retention_days, so recovery points can still be deleted at once",
      fix: "lock it (aws_backup_vault_lock_configuration with min_retention_days; BackupVault's lock)",
    }];
  },
};
