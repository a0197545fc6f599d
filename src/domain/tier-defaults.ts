import type { NatGatewayMode } from "./nat-gateways";

/**
 * The defaults that differ between production and the other tiers. The environment file loader and the constructs
 * both take them from here, so that a tier default cannot drift between the two.
 */
export interface TierDefaults {
  /** Retention of container, database and VPC flow logs, and expiry of ALB access logs, in days. */
  readonly logRetentionDays: number;
  /** Days of automated database backups. */
  readonly backupRetentionDays: number;
  /** RDS enhanced monitoring interval in seconds (0 is off). */
  readonly monitoringIntervalSeconds: number;
  /** Days a deleted secret can still be restored. */
  readonly secretRecoveryWindowDays: number;
  /** Multi-AZ database, deletion protection, Performance Insights and ALB access logs. */
  readonly protective: boolean;
  /** ECS Exec into running tasks (it needs a writable root filesystem, so never in production). */
  readonly enableExecuteCommand: boolean;
  /** NAT gateways of the private tier. */
  readonly natGateways: NatGatewayMode;
}

const PRODUCTION: TierDefaults = {
  logRetentionDays: 365,
  backupRetentionDays: 14,
  monitoringIntervalSeconds: 60,
  secretRecoveryWindowDays: 30,
  protective: true,
  enableExecuteCommand: false,
  natGateways: "one-per-az",
};

const NON_PRODUCTION: TierDefaults = {
  logRetentionDays: 30,
  backupRetentionDays: 7,
  monitoringIntervalSeconds: 0,
  secretRecoveryWindowDays: 7,
  protective: false,
  enableExecuteCommand: true,
  natGateways: "single",
};

/** The defaults of production, or of every other tier. */
export function tierDefaults(production: boolean): TierDefaults {
  return production ? PRODUCTION : NON_PRODUCTION;
}
