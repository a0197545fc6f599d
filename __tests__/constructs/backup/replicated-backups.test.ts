import { Testing } from "cdktf";
import { DbInstanceAutomatedBackupsReplication } from "@cdktf/provider-aws/lib/db-instance-automated-backups-replication";
import { ReplicatedBackups } from "../../../src/constructs/backup/replicated-backups";
import { backupStack, propErrorOf, testDatabase, vaults } from "./helpers";

describe("ReplicatedBackups", () => {
  test("GIVEN the DR vault THEN the database's automated backups are replicated there with the DR provider and the vault's key", () => {
    const { stack, dr } = backupStack();
    const { drVault } = vaults(stack, dr);
    const { database } = testDatabase(stack);
    const replicated = new ReplicatedBackups(stack, "replicated_backups", { database, vault: drVault, retentionDays: 14 });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(DbInstanceAutomatedBackupsReplication, {
      provider: "aws.dr",
      source_db_instance_arn: "${aws_db_instance.database.arn}",
      kms_key_id: "${aws_kms_key.dr_backup_vault_key.arn}",
      retention_period: 14,
    });
    expect(replicated.region).toBe("eu-central-1");
  });

  test.each<[string, "vault" | "retention", string]>([
    ["a vault of the stack's own region (no provider of its own)", "vault", 'ReplicatedBackups: vault got "eu-west-1"; allowed: a vault with a provider of its own, in a region other than the database\'s'],
    ["a retention RDS does not keep", "retention", "ReplicatedBackups: retentionDays got 36; allowed: an integer from 1 to 35"],
  ])("GIVEN %s THEN it is refused", (_what, mistake, message) => {
    const { stack, dr } = backupStack();
    const { vault, drVault } = vaults(stack, dr);
    const { database } = testDatabase(stack);
    const error = propErrorOf(() => new ReplicatedBackups(stack, "replicated_backups", mistake === "vault" ? { database, vault, retentionDays: 7 } : { database, vault: drVault, retentionDays: 36 }));
    expect(error).toContain(message);
  });
});
