import { DbInstance, DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { PolicyRule } from "../../src/policies/framework";
import { rdsNotPublic } from "../../src/policies/rules/rds-2-not-public";
import { rdsStorageEncrypted } from "../../src/policies/rules/rds-3-storage-encrypted";
import { rdsMultiAz } from "../../src/policies/rules/rds-5-multi-az";
import { rdsDeletionProtection } from "../../src/policies/rules/rds-8-deletion-protection";
import { rdsLogExports } from "../../src/policies/rules/rds-9-log-exports";
import { rdsBackupRetention } from "../../src/policies/rules/rds-11-backup-retention";
import { rdsMinorVersionUpgrade } from "../../src/policies/rules/rds-13-minor-version-upgrade";
import { rdsCopyTagsToSnapshot } from "../../src/policies/rules/rds-17-copy-tags";
import { rdsAdminUsername } from "../../src/policies/rules/rds-25-admin-username";
import { expectFails, expectPasses, guardedStack } from "./helpers";

const compliant: DbInstanceConfig = {
  engine: "postgres",
  instanceClass: "db.t4g.micro",
  allocatedStorage: 20,
  username: "whcsites_admin",
  manageMasterUserPassword: true,
  publiclyAccessible: false,
  storageEncrypted: true,
  multiAz: true,
  deletionProtection: true,
  enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
  backupRetentionPeriod: 7,
  copyTagsToSnapshot: true,
};

type Case = [string, PolicyRule, boolean, Partial<DbInstanceConfig>, RegExp];
const cases: Case[] = [
  ["RDS.2", rdsNotPublic, false, { publiclyAccessible: true }, /publicly_accessible is true/],
  ["RDS.3", rdsStorageEncrypted, false, { storageEncrypted: undefined }, /storage_encrypted is not set \(the default is false\)/],
  ["RDS.3", rdsStorageEncrypted, false, { storageEncrypted: false }, /storage_encrypted is false/],
  ["RDS.5", rdsMultiAz, true, { multiAz: false }, /multi_az is false/],
  ["RDS.8", rdsDeletionProtection, true, { deletionProtection: undefined }, /deletion_protection is not set/],
  ["RDS.9", rdsLogExports, false, { enabledCloudwatchLogsExports: ["upgrade"] }, /enabled_cloudwatch_logs_exports lacks postgresql.*Fix: set enabled_cloudwatch_logs_exports to \["postgresql"\]/],
  ["RDS.9", rdsLogExports, false, { enabledCloudwatchLogsExports: undefined }, /enabled_cloudwatch_logs_exports is empty/],
  ["RDS.11", rdsBackupRetention, false, { backupRetentionPeriod: 1 }, /backup_retention_period is 1 day\(s\).*Fix: set backup_retention_period to at least 7/],
  ["RDS.11", rdsBackupRetention, false, { backupRetentionPeriod: undefined }, /backup_retention_period is not set/],
  ["RDS.13", rdsMinorVersionUpgrade, false, { autoMinorVersionUpgrade: false }, /auto_minor_version_upgrade is false/],
  ["RDS.17", rdsCopyTagsToSnapshot, false, { copyTagsToSnapshot: false }, /copy_tags_to_snapshot is false/],
  ["RDS.25", rdsAdminUsername, false, { username: "postgres" }, /username "postgres" is a default administrator name/],
  ["RDS.25", rdsAdminUsername, false, { username: "Admin" }, /username "Admin" is a default administrator name/],
];

describe.each(cases)("%s", (id, rule, production, broken, message) => {
  test(`passes for a compliant instance${production ? " (production)" : ""}`, () => {
    // GIVEN a compliant instance WHEN synthesizing THEN the rule checked and passed it
    const stack = guardedStack([rule], production);
    new DbInstance(stack, "database", compliant);
    expectPasses(stack, id, ["aws_db_instance.database"]);
  });

  test(`fails for ${JSON.stringify(broken)}`, () => {
    // GIVEN the instance with one setting broken WHEN synthesizing THEN it fails with the rule id
    const stack = guardedStack([rule], production);
    new DbInstance(stack, "database", { ...compliant, ...broken });
    expectFails(stack, id, "database", message);
  });
});

describe("RDS values known only at apply", () => {
  test("a security switch from a variable cannot be verified and fails", () => {
    const stack = guardedStack([rdsStorageEncrypted]);
    new DbInstance(stack, "database", compliant).addOverride("storage_encrypted", "${var.encrypt}");
    expectFails(stack, "RDS.3", "database", /storage_encrypted is "\$\{var\.encrypt\}", which is known only at apply.*Fix: set storage_encrypted to the literal true/);
  });

  test("a username from a reference counts as custom", () => {
    const stack = guardedStack([rdsAdminUsername]);
    new DbInstance(stack, "database", compliant).addOverride("username", "${var.admin_name}");
    expectPasses(stack, "RDS.25", ["aws_db_instance.database"]);
  });

  test("RDS.13 passes when auto_minor_version_upgrade is unset (the default is true)", () => {
    const stack = guardedStack([rdsMinorVersionUpgrade]);
    new DbInstance(stack, "database", { ...compliant, autoMinorVersionUpgrade: undefined });
    expectPasses(stack, "RDS.13", ["aws_db_instance.database"]);
  });

  test("RDS.9 asks MySQL for its own log types", () => {
    const stack = guardedStack([rdsLogExports]);
    new DbInstance(stack, "database", { ...compliant, engine: "mysql", enabledCloudwatchLogsExports: ["error"] });
    expectFails(stack, "RDS.9", "database", /lacks general, slowquery/);
  });
});
