import { Construct } from "constructs";
import { BackupPlan, BackupPlanRule } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { backupRecoveryPointEncryption } from "../../src/policies/rules/backup-1-recovery-point-encryption";
import { rdsBackupPlan } from "../../src/policies/rules/rds-26-backup-plan";
import { whcVaultLock } from "../../src/policies/rules/whc-bak1-vault-lock";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

const ROLE = "arn:aws:iam::123456789012:role/backup";

function database(scope: Construct, id = "database"): DbInstance {
  return new DbInstance(scope, id, { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, storageEncrypted: true });
}

function vault(scope: Construct, id = "vault", withKey = true): BackupVault {
  const key = withKey ? new KmsKey(scope, `${id}_key`, { enableKeyRotation: true }) : undefined;
  return new BackupVault(scope, id, { name: id, kmsKeyArn: key?.arn });
}

function rule(target: string, copyTo?: string): BackupPlanRule {
  return {
    ruleName: "daily",
    targetVaultName: target,
    schedule: "cron(0 5 ? * * *)",
    lifecycle: { deleteAfter: 35 },
    copyAction: copyTo === undefined ? undefined : [{ destinationVaultArn: copyTo, lifecycle: { deleteAfter: 35 } }],
  };
}

function plan(scope: Construct, rules: BackupPlanRule[], id = "plan"): BackupPlan {
  return new BackupPlan(scope, id, { name: id, rule: rules });
}

describe("RDS.26 a production database is protected by a backup plan", () => {
  test("passes for a database a selection of the stack's plan names by ARN", () => {
    // GIVEN a database, a plan into a vault, and a selection of that plan naming the database
    const stack = guardedStack([rdsBackupPlan], true);
    const db = database(stack);
    const v = vault(stack);
    new BackupSelection(stack, "selection", { name: "db", planId: plan(stack, [rule(v.name)]).id, iamRoleArn: ROLE, resources: [db.arn] });
    // WHEN / THEN
    expectPasses(stack, "RDS.26", ["aws_db_instance.database"]);
  });

  test("fails for a database no selection names, even when another database of the stack is protected", () => {
    const stack = guardedStack([rdsBackupPlan], true);
    const protectedDb = database(stack, "protected");
    database(stack, "forgotten");
    new BackupSelection(stack, "selection", { name: "db", planId: plan(stack, [rule(vault(stack).name)]).id, iamRoleArn: ROLE, resources: [protectedDb.arn] });
    expectFails(stack, "RDS.26", "forgotten", /no backup plan protects the database: no aws_backup_selection of a plan in this stack names its ARN.*Fix: protect it with a BackupPlan/);
  });

  test("fails for a selection whose plan is not the stack's (a plan id given literally)", () => {
    const stack = guardedStack([rdsBackupPlan], true);
    const db = database(stack);
    new BackupSelection(stack, "selection", { name: "db", planId: "0123-4567", iamRoleArn: ROLE, resources: [db.arn] });
    expectFails(stack, "RDS.26", "database", /no backup plan protects the database/);
  });

  test("is not applied outside production", () => {
    const stack = guardedStack([rdsBackupPlan], false);
    database(stack);
    expect(synthError(stack)).toBeUndefined();
    expect(() => resultOf(stack, "RDS.26")).toThrow(/was not applied/);
  });
});

describe("Backup.1 recovery points are encrypted with a customer-managed key", () => {
  test("passes for vaults with their own keys and a plan that stores and copies only into them, and a protected production database", () => {
    const stack = guardedStack([backupRecoveryPointEncryption], true);
    const here = vault(stack, "here");
    const there = vault(stack, "there");
    const db = database(stack);
    const p = plan(stack, [rule(here.name, there.arn)]);
    new BackupSelection(stack, "selection", { name: "db", planId: p.id, iamRoleArn: ROLE, resources: [db.arn] });
    expectPasses(stack, "Backup.1", ["aws_backup_vault.here", "aws_backup_vault.there", "aws_backup_plan.plan", "aws_db_instance.database"]);
  });

  test("fails for a vault without a key of its own (AWS Backup's aws/backup)", () => {
    const stack = guardedStack([backupRecoveryPointEncryption]);
    vault(stack, "plain", false);
    expectFails(stack, "Backup.1", "plain", /kms_key_arn is not set, so AWS Backup encrypts the recovery points with the AWS managed key aws\/backup/);
  });

  test("fails for a vault encrypted under an alias", () => {
    const stack = guardedStack([backupRecoveryPointEncryption]);
    new BackupVault(stack, "aliased", { name: "aliased", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/aws/backup" });
    expectFails(stack, "Backup.1", "aliased", /kms_key_arn is "arn:aws:kms:eu-west-1:123456789012:alias\/aws\/backup", not a customer-managed key/);
  });

  test("fails for a plan that stores into the Default vault, and for one that copies to a vault outside the stack", () => {
    const stack = guardedStack([backupRecoveryPointEncryption]);
    plan(stack, [rule("Default")], "into_default");
    plan(stack, [rule(vault(stack).name, "arn:aws:backup:eu-central-1:123456789012:backup-vault:elsewhere")], "copy_elsewhere");
    const error = expectFails(stack, "Backup.1", "into_default", /rule daily stores into "Default", not a vault of this stack/);
    expect(error).toMatch(/\[Backup\.1\] test\/copy_elsewhere: rule daily copies to "arn:aws:backup:eu-central-1:123456789012:backup-vault:elsewhere", not a vault of this stack/);
  });

  test("fails for a production database that no plan protects, and passes it outside production", () => {
    const production = guardedStack([backupRecoveryPointEncryption], true);
    database(production);
    expectFails(production, "Backup.1", "database", /the production database has no recovery points in a vault with a customer-managed key/);
    const staging = guardedStack([backupRecoveryPointEncryption], false);
    database(staging);
    expectPasses(staging, "Backup.1", ["aws_db_instance.database"]);
  });
});

describe("WHC.BAK1 production vaults are locked", () => {
  test("passes for a vault with a lock that sets a minimum retention", () => {
    const stack = guardedStack([whcVaultLock], true);
    const v = vault(stack);
    new BackupVaultLockConfiguration(stack, "lock", { backupVaultName: v.name, minRetentionDays: 7 });
    expectPasses(stack, "WHC.BAK1", ["aws_backup_vault.vault"]);
  });

  test("fails for a vault without a lock, even when another vault has one", () => {
    const stack = guardedStack([whcVaultLock], true);
    new BackupVaultLockConfiguration(stack, "lock", { backupVaultName: vault(stack, "locked").name, minRetentionDays: 7 });
    vault(stack, "open");
    expectFails(stack, "WHC.BAK1", "open", /the vault has no vault lock: its recovery points can be deleted at any time.*Fix: lock it/);
  });

  test("fails for a lock without a minimum retention", () => {
    const stack = guardedStack([whcVaultLock], true);
    new BackupVaultLockConfiguration(stack, "lock", { backupVaultName: vault(stack).name, maxRetentionDays: 400 });
    expectFails(stack, "WHC.BAK1", "vault", /the vault's lock has no min_retention_days/);
  });

  test("is not applied outside production", () => {
    const stack = guardedStack([whcVaultLock], false);
    vault(stack);
    expect(synthError(stack)).toBeUndefined();
    expect(() => resultOf(stack, "WHC.BAK1")).toThrow(/was not applied/);
  });
});
