import { Construct } from "constructs";
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupVault, BackupVaultProps } from "../../../src/constructs/backup/backup-vault";
import { Network } from "../../../src/constructs/network/network";
import { Rds } from "../../../src/constructs/rds/rds";
import { AppSecrets } from "../../../src/constructs/secrets/secrets";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

export type Resources = Record<string, Record<string, Record<string, any>>>;
export const ACCOUNT = "123456789012";
export const NAMING = new Naming("whcsites", "production");

/** A stack with readable addresses, its default provider in eu-west-1 and a `dr` provider in eu-central-1. */
export function backupStack(): { stack: TerraformStack; dr: AwsProvider } {
  const stack = new ReadableStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const dr = new AwsProvider(stack, "aws_dr", { region: "eu-central-1", alias: "dr" });
  return { stack, dr };
}

/** The vault pair the environment stack builds: `backup_vault` here, `dr_backup_vault` in eu-central-1 (RDS may use its key). */
export function vaults(scope: Construct, dr: AwsProvider, lock: BackupVaultProps["lock"] = { mode: "governance" }): { vault: BackupVault; drVault: BackupVault } {
  const vault = new BackupVault(scope, "backup_vault", { naming: NAMING, name: "backups", region: "eu-west-1", accountId: ACCOUNT, lock, production: true });
  const drVault = new BackupVault(scope, "dr_backup_vault", { naming: NAMING, name: "backups-dr", region: "eu-central-1", accountId: ACCOUNT, lock, keyServices: ["rds"], provider: dr, production: true });
  return { vault, drVault };
}

/** The resources of the stack's synthesized JSON. */
export function resourcesOf(stack: TerraformStack): Resources {
  return JSON.parse(Testing.synth(stack)).resource ?? {};
}

/** The message of the PropError `build` throws. */
export function propErrorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (!(error instanceof PropError)) throw error;
    return error.message;
  }
  throw new Error("expected a PropError");
}

/** The production database on the test network, construct id "database", as the environment stack builds it. */
export function testDatabase(scope: Construct): { database: Rds; secrets: AppSecrets; network: Network } {
  const network = testNetwork(scope, NAMING);
  const secrets = new AppSecrets(scope, "secrets", { naming: NAMING, production: true, databaseCredentials: true, databaseRoles: ["app", "migrator"] });
  const database = new Rds(scope, "database", {
    naming: NAMING,
    network,
    masterUsername: secrets.databaseUsername,
    masterPassword: secrets.databasePasswordValue as string,
    databaseName: secrets.databaseName,
    production: true,
    accountId: ACCOUNT,
  });
  return { database, secrets, network };
}
