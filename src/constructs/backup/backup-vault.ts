import { Construct } from "constructs";
import { Annotations, TerraformProvider } from "cdktf";
import { BackupVault as BackupVaultResource } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Naming } from "../../core/naming";
import { BACKUP_VAULT_NAME, DEFAULT_LOCK_MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, MIN_CHANGEABLE_FOR_DAYS } from "../../domain/backup";
import { accountAdministersKey, accountUsesThroughService, rolesAdministerKey } from "../../domain/kms";
import { partitionOf } from "../../domain/partition";
import { PropChecks } from "../shared";

/** The key operations the account's roles may use through the vault's services (AWS Backup and RDS copy and encrypt with them). */
const VAULT_KEY_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"];

// ── props ──

/**
 * How a vault is locked. Governance mode: the lock holds until someone with `backup:DeleteBackupVaultLockConfiguration`
 * removes it. Compliance mode: after `changeableForDays` nobody can remove it or shorten a recovery point's retention,
 * not the account's root user and not AWS.
 */
export type VaultLock =
  | {
      readonly mode: "governance";
      /** No recovery point can be deleted before this many days. @default 7 */
      readonly minRetentionDays?: number;
      /** No recovery point can be kept longer than this many days. @default no maximum */
      readonly maxRetentionDays?: number;
    }
  | {
      readonly mode: "compliance";
      /** No recovery point can be deleted before this many days. @default 7 */
      readonly minRetentionDays?: number;
      /** No recovery point can be kept longer than this many days. @default no maximum */
      readonly maxRetentionDays?: number;
      /** The cooling-off period in days (at least 3), after which the lock is immutable. @default 3 */
      readonly changeableForDays?: number;
    };

/** Properties of {@link BackupVault}. */
export interface BackupVaultProps {
  /** Names the vault `<app>-<environment>-<name>` and its key's alias `alias/<app>-<environment>-<name>`. */
  readonly naming: Naming;
  /** The name part of the vault, for example `backups`. */
  readonly name: string;
  /** The region the vault lives in: its provider's region (the key policy names the region's services). */
  readonly region: string;
  /** The 12-digit account id: the key policy names it (no data source: plans run offline). */
  readonly accountId: string;
  /** The lock of the vault. */
  readonly lock: VaultLock;
  /**
   * Services besides AWS Backup through which the account's roles may use the vault's key, by their endpoint prefix:
   * `rds` where RDS snapshots are copied into the vault (a cross-region copy of an RDS snapshot is encrypted by RDS
   * with the destination vault's key), or RDS encrypts replicated automated backups with it.
   *
   * @default none: AWS Backup only
   */
  readonly keyServices?: readonly string[];
  /**
   * Roles that administer the key through its own policy, besides the account (the environment's deploy role, whose
   * IAM policies grant nothing on existing keys).
   *
   * @default none
   */
  readonly keyAdministratorArns?: readonly string[];
  /**
   * The provider of the vault's region, for a vault outside the stack's region (the AWS provider 5.x has no
   * per-resource region).
   *
   * @default the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
  /**
   * Production: `prevent_destroy` on the vault and its key (the key is the only way to read the recovery points).
   * @default false
   */
  readonly production?: boolean;
}

/**
 * An AWS Backup vault with its own KMS key (rotated yearly; the account administers it and its roles use it only
 * through AWS Backup and the `keyServices`) and a vault lock. With a compliance-mode lock, synthesis warns that the
 * lock becomes irreversible after its cooling-off period.
 *
 * Wiring: a `BackupPlan` stores into one vault and copies into another; `keyArn` encrypts what RDS replicates into
 * the vault's region.
 */
export class BackupVault extends Construct {
  /** The vault's name. */
  public readonly vaultName: string;
  /** The vault's ARN. */
  public readonly vaultArn: string;
  /** ARN of the vault's KMS key. */
  public readonly kmsKeyArn: string;
  /** The vault's region. */
  public readonly region: string;
  /** The lock's mode. */
  public readonly lockMode: VaultLock["mode"];
  /** The lock's minimum retention in days: no rule may keep a recovery point here for less. */
  public readonly minRetentionDays: number;
  /** The lock's maximum retention in days, if it has one: no rule may keep a recovery point here for longer. */
  public readonly maxRetentionDays?: number;
  /** The provider of the vault's region, when it is not the stack's default. */
  public readonly provider?: TerraformProvider;

  public constructor(scope: Construct, id: string, props: BackupVaultProps) {
    super(scope, id);
    const lock = props.lock;
    const minRetentionDays = lock.minRetentionDays ?? DEFAULT_LOCK_MIN_RETENTION_DAYS;
    const changeableForDays = lock.mode === "compliance" ? (lock.changeableForDays ?? MIN_CHANGEABLE_FOR_DAYS) : undefined;

    // ── validation ──
    const checks = new PropChecks("BackupVault");
    checks.region("region", props.region);
    checks.accountId("accountId", props.accountId);
    checks.oneOf("lock.mode", lock.mode, ["governance", "compliance"]);
    checks.integer("lock.minRetentionDays", minRetentionDays, 1, MAX_RETENTION_DAYS);
    if (lock.maxRetentionDays !== undefined) {
      checks.integer("lock.maxRetentionDays", lock.maxRetentionDays, minRetentionDays, MAX_RETENTION_DAYS, `at least lock.minRetentionDays ${minRetentionDays}`);
    }
    if (changeableForDays !== undefined) {
      checks.integer("lock.changeableForDays", changeableForDays, MIN_CHANGEABLE_FOR_DAYS, MAX_RETENTION_DAYS, "AWS's shortest cooling-off period is 72 hours");
    }
    for (const service of props.keyServices ?? []) {
      checks.expect(/^[a-z][a-z0-9-]*$/.test(service) && service !== "backup", "keyServices", service, 'a service endpoint prefix other than "backup", such as "rds"');
    }
    const name = props.naming.name(props.name, 50);
    checks.expect(BACKUP_VAULT_NAME.test(name), "name", props.name, "letters, digits, hyphens and underscores (the vault name is <app>-<environment>-<name>, 2 to 50 characters)");
    checks.throwIfAny();

    const production = props.production ?? false;
    const protect = production ? { preventDestroy: true } : undefined;
    const rootArn = `arn:${partitionOf(props.region)}:iam::${props.accountId}:root`;

    // ── encryption ──
    // The vault's own key: what it encrypts can be read only with it, and only through the vault's services.
    const services = ["backup", ...(props.keyServices ?? [])];
    const key = new KmsKey(this, "key", {
      description: `Backup vault ${name} (${props.region})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          accountAdministersKey(rootArn),
          ...[rolesAdministerKey(props.keyAdministratorArns ?? [])].filter((x) => x !== undefined),
          ...services.map((service) =>
            accountUsesThroughService(`UseThrough${capitalized(service)}Only`, rootArn, props.accountId, `${service}.${props.region}.amazonaws.com`, VAULT_KEY_USE),
          ),
        ],
      }),
      provider: props.provider,
      lifecycle: protect,
    });
    new KmsAlias(this, "key_alias", { name: `alias/${name}`, targetKeyId: key.keyId, provider: props.provider });

    // ── vault ──
    const vault = new BackupVaultResource(this, "Resource", {
      name,
      kmsKeyArn: key.arn,
      // A vault that holds recovery points cannot be deleted; never empty it to delete it.
      forceDestroy: false,
      provider: props.provider,
      lifecycle: protect,
    });

    // ── lock ──
    new BackupVaultLockConfiguration(this, "lock", {
      backupVaultName: vault.name,
      minRetentionDays,
      maxRetentionDays: lock.maxRetentionDays,
      // Set only in compliance mode: its presence is what makes the lock a compliance lock.
      changeableForDays,
      provider: props.provider,
    });
    if (changeableForDays !== undefined) {
      Annotations.of(this).addWarning(
        `backup vault ${name} gets a compliance-mode lock: ${changeableForDays} days after it is applied it becomes irreversible. ` +
          `Nobody (not the account's root user, not AWS) can then remove it, delete the vault, or delete a recovery point before its ${minRetentionDays}-day minimum retention.`,
      );
    }

    // ── attributes ──
    this.vaultName = vault.name;
    this.vaultArn = vault.arn;
    this.kmsKeyArn = key.arn;
    this.region = props.region;
    this.lockMode = lock.mode;
    this.minRetentionDays = minRetentionDays;
    this.maxRetentionDays = lock.maxRetentionDays;
    this.provider = props.provider;
  }
}

function capitalized(service: string): string {
  return service
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
