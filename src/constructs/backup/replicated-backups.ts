import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { DbInstanceAutomatedBackupsReplication } from "@cdktf/provider-aws/lib/db-instance-automated-backups-replication";
import type { Rds } from "../rds";
import { PropChecks } from "../shared";
import type { BackupVault } from "./backup-vault";

// ── props ──

/** Properties of {@link ReplicatedBackups}. */
export interface ReplicatedBackupsProps {
  /** The database whose automated backups are replicated. */
  readonly database: Rds;
  /**
   * The vault in the other region whose key encrypts the replicated backups (its `keyServices` include `rds`); the
   * replication is created with the vault's provider, in the vault's region, as RDS requires.
   */
  readonly vault: BackupVault;
  /** Days the replicated backups are kept, 1 to 35 (RDS's range); usually the database's own retention. */
  readonly retentionDays: number;
}

/**
 * Cross-region replication of a database's automated backups: RDS copies its snapshots and transaction logs to the
 * vault's region, so that the database can be restored there to any point in time of the retention period (an RPO of
 * minutes when the primary region is lost). Created in the destination region, encrypted with the vault's key.
 */
export class ReplicatedBackups extends Construct {
  /** ARN of the replicated automated backups (in the destination region). */
  public readonly arn: string;
  /** The destination region. */
  public readonly region: string;
  /** Days the replicated backups are kept. */
  public readonly retentionDays: number;

  public constructor(scope: Construct, id: string, props: ReplicatedBackupsProps) {
    super(scope, id);
    // ── validation ──
    const checks = new PropChecks("ReplicatedBackups");
    checks.integer("retentionDays", props.retentionDays, 1, 35);
    checks.expect(props.vault.provider !== undefined, "vault", props.vault.region, "a vault with a provider of its own, in a region other than the database's");
    checks.throwIfAny();

    const replication = new DbInstanceAutomatedBackupsReplication(this, "Resource", {
      sourceDbInstanceArn: props.database.arn,
      kmsKeyId: props.vault.kmsKeyArn,
      retentionPeriod: props.retentionDays,
      provider: props.vault.provider as TerraformProvider,
    });
    this.arn = replication.id;
    this.region = props.vault.region;
    this.retentionDays = props.retentionDays;
  }
}
