import { Testing } from "cdktf";
import { BackupVault as BackupVaultResource } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { BackupVault, BackupVaultProps } from "../../../src/constructs/backup/backup-vault";
import { ACCOUNT, backupStack, NAMING, propErrorOf, resourcesOf, vaults } from "./helpers";

describe("BackupVault", () => {
  describe("GIVEN a governance-mode vault here and one in the DR region whose key RDS may use", () => {
    const { stack, dr } = backupStack();
    const { vault, drVault } = vaults(stack, dr);
    const synth = Testing.synth(stack);
    const resources = resourcesOf(stack);

    test("THEN each vault is named for the environment, encrypted with its own key, protected from destroy", () => {
      expect(synth).toHaveResourceWithProperties(BackupVaultResource, {
        name: "whcsites-production-backups",
        kms_key_arn: "${aws_kms_key.backup_vault_key.arn}",
        force_destroy: false,
        lifecycle: { prevent_destroy: true },
      });
      expect(synth).toHaveResourceWithProperties(BackupVaultResource, { name: "whcsites-production-backups-dr", provider: "aws.dr" });
      expect(synth).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
      expect(resources.aws_kms_alias.dr_backup_vault_key_alias).toEqual({ name: "alias/whcsites-production-backups-dr", target_key_id: "${aws_kms_key.dr_backup_vault_key.key_id}", provider: "aws.dr" });
    });

    test("THEN the key is administered by the account and used only through AWS Backup (and RDS, in the DR region), in its own region", () => {
      const sids = (address: string) => JSON.parse(resources.aws_kms_key[address].policy).Statement.map((s: any) => [s.Sid, s.Condition?.StringEquals?.["kms:ViaService"]]);
      expect(sids("backup_vault_key")).toEqual([["AccountAdministersKey", undefined], ["UseThroughBackupOnly", "backup.eu-west-1.amazonaws.com"]]);
      expect(sids("dr_backup_vault_key")).toEqual([
        ["AccountAdministersKey", undefined],
        ["UseThroughBackupOnly", "backup.eu-central-1.amazonaws.com"],
        ["UseThroughRdsOnly", "rds.eu-central-1.amazonaws.com"],
      ]);
    });

    test("THEN the lock keeps recovery points 7 days at least, with no cooling-off period (governance mode)", () => {
      expect(synth).toHaveResourceWithProperties(BackupVaultLockConfiguration, { backup_vault_name: "${aws_backup_vault.backup_vault.name}", min_retention_days: 7 });
      expect(Object.values(resources.aws_backup_vault_lock_configuration).map((l) => l.changeable_for_days)).toEqual([undefined, undefined]);
      expect([vault.lockMode, vault.minRetentionDays, drVault.region, drVault.provider === dr]).toEqual(["governance", 7, "eu-central-1", true]);
      expect(stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === "@cdktf/warn")).toEqual([]);
    });
  });

  describe("GIVEN a compliance-mode lock", () => {
    const { stack, dr } = backupStack();
    vaults(stack, dr, { mode: "compliance", minRetentionDays: 14, maxRetentionDays: 400, changeableForDays: 5 });
    const resources = resourcesOf(stack);

    test("THEN the lock has the cooling-off period, and synthesis warns, per vault, that it becomes irreversible", () => {
      expect(resources.aws_backup_vault_lock_configuration.backup_vault_lock).toEqual({
        backup_vault_name: "${aws_backup_vault.backup_vault.name}",
        min_retention_days: 14,
        max_retention_days: 400,
        changeable_for_days: 5,
      });
      const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
      expect(warnings).toEqual([
        "backup vault whcsites-production-backups gets a compliance-mode lock: 5 days after it is applied it becomes irreversible. Nobody (not the account's root user, not AWS) can then remove it, delete the vault, or delete a recovery point before its 14-day minimum retention.",
        expect.stringMatching(/^backup vault whcsites-production-backups-dr gets a compliance-mode lock: 5 days/),
      ]);
    });
  });

  describe("GIVEN a vault outside production", () => {
    test("THEN neither the vault nor its key is protected from destroy", () => {
      const { stack } = backupStack();
      new BackupVault(stack, "backup_vault", { naming: NAMING, name: "backups", region: "eu-west-1", accountId: ACCOUNT, lock: { mode: "governance" } });
      const resources = resourcesOf(stack);
      expect([resources.aws_backup_vault.backup_vault.lifecycle, resources.aws_kms_key.backup_vault_key.lifecycle]).toEqual([undefined, undefined]);
    });
  });

  describe("GIVEN bad props", () => {
    const props: BackupVaultProps = { naming: NAMING, name: "backups", region: "eu-west-1", accountId: ACCOUNT, lock: { mode: "governance" } };
    test.each<[string, Partial<BackupVaultProps>, string]>([
      ["a cooling-off period below 72 hours", { lock: { mode: "compliance", changeableForDays: 2 } }, "BackupVault: lock.changeableForDays got 2; allowed: an integer from 3 to 36500 (AWS's shortest cooling-off period is 72 hours)"],
      ["a maximum below the minimum", { lock: { mode: "governance", minRetentionDays: 30, maxRetentionDays: 7 } }, "BackupVault: lock.maxRetentionDays got 7; allowed: an integer from 30 to 36500 (at least lock.minRetentionDays 30)"],
      ["a minimum of zero days", { lock: { mode: "governance", minRetentionDays: 0 } }, "BackupVault: lock.minRetentionDays got 0; allowed: an integer from 1 to 36500"],
      ["a name AWS Backup refuses", { name: "backups!" }, 'BackupVault: name got "backups!"; allowed: letters, digits, hyphens and underscores'],
      ["the backup service as an extra key service", { keyServices: ["backup"] }, 'BackupVault: keyServices got "backup"; allowed: a service endpoint prefix other than "backup"'],
      ["a region that is not one", { region: "europe" }, 'BackupVault: region got "europe"; allowed: an AWS region name such as "eu-west-1"'],
    ])("WHEN %s THEN it is refused with one line", (_what, change, message) => {
      const error = propErrorOf(() => new BackupVault(backupStack().stack, "backup_vault", { ...props, ...change }));
      expect(error).toContain(message);
      expect(error.split("\n")).toHaveLength(1);
    });
  });
});
