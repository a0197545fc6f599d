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
  /** Thresholds, periods and evaluation counts of the alarms (docs/operations.md, "Alarms"). */
  readonly alarms: AlarmDefaults;
  /** The web application firewall on the load balancer. */
  readonly webAcl: WebAclDefaults;
}

/**
 * When an alarm fires: the statistic crosses `threshold` in `datapointsToAlarm` of the last `evaluationPeriods`
 * periods of `periodSeconds`. The unit of `threshold` is in the setting's name (`cpuPercent`, `readLatencySeconds`).
 */
export interface AlarmSetting {
  /** The value that counts as bad, in the unit the setting's name says. */
  readonly threshold: number;
  /** Length of one period, in seconds: a multiple of 60 (the metrics are standard resolution). */
  readonly periodSeconds: number;
  /** How many recent periods are looked at. */
  readonly evaluationPeriods: number;
  /** How many of those must be bad (M of N). */
  readonly datapointsToAlarm: number;
}

/** A change to some of an alarm's settings (from the environment file). */
export type AlarmSettingOverride = Partial<AlarmSetting>;

/** The alarms of one service. */
export interface ServiceAlarmSettings {
  /** Average CPU utilization of the service's tasks, at or above (percent). */
  readonly cpuPercent: AlarmSetting;
  /** Average memory utilization of the service's tasks, at or above (percent). */
  readonly memoryPercent: AlarmSetting;
  /** Desired minus running tasks, at or above (tasks). */
  readonly tasksBelowDesired: AlarmSetting;
  /** Error lines in the service's log, at or above (lines per period). */
  readonly applicationErrors: AlarmSetting;
  /** Target 5xx responses as a share of requests, at or above (percent); behind the load balancer only. */
  readonly target5xxPercent: AlarmSetting;
  /** p99 of the target response time, at or above (seconds); behind the load balancer only. */
  readonly targetP99LatencySeconds: AlarmSetting;
  /** Unhealthy targets of the service's target group, at or above (targets); behind the load balancer only. */
  readonly unhealthyHosts: AlarmSetting;
}

/** The alarms of the load balancer itself. */
export interface LoadBalancerAlarmSettings {
  /** 5xx responses the load balancer generates itself (no healthy target, timeouts), at or above (per period). */
  readonly elb5xxCount: AlarmSetting;
}

/** The alarms of the database. */
export interface DatabaseAlarmSettings {
  /** Average CPU utilization, at or above (percent). */
  readonly cpuPercent: AlarmSetting;
  /** Free storage as a share of the allocated storage, at or below (percent). */
  readonly freeStoragePercent: AlarmSetting;
  /** Freeable memory as a share of the instance class's memory, at or below (percent). */
  readonly freeableMemoryPercent: AlarmSetting;
  /** Connections as a share of the instance class's default max_connections, at or above (percent). */
  readonly connectionsPercent: AlarmSetting;
  /** Average read latency, at or above (seconds). */
  readonly readLatencySeconds: AlarmSetting;
  /** Average write latency, at or above (seconds). */
  readonly writeLatencySeconds: AlarmSetting;
}

/** The alarms of the web application firewall. */
export interface WebAclAlarmSettings {
  /** Requests the web ACL blocked (counted, in count mode), at or above (per period). */
  readonly blockedRequests: AlarmSetting;
}

/** Every alarm's setting, by part. The environment file's `alerts.thresholds` has the same shape. */
export interface AlarmDefaults {
  readonly service: ServiceAlarmSettings;
  readonly loadBalancer: LoadBalancerAlarmSettings;
  readonly database: DatabaseAlarmSettings;
  readonly webAcl: WebAclAlarmSettings;
}

/** Overrides of some alarm settings: any field of any alarm, by part (`alerts.thresholds` in the environment file). */
export type AlarmOverrides = {
  readonly [P in keyof AlarmDefaults]?: { readonly [K in keyof AlarmDefaults[P]]?: AlarmSettingOverride };
};

/** Whether the web ACL only counts what it would block (`count`, to observe a rollout) or blocks it (`block`). */
export type WebAclMode = "count" | "block";

/** The web application firewall's defaults. */
export interface WebAclDefaults {
  /** Whether the load balancer has a web ACL. */
  readonly enabled: boolean;
  /** Count or block. */
  readonly mode: WebAclMode;
  /** Requests one client IP may send in 5 minutes before the rate rule acts on it. */
  readonly rateLimit: number;
}

/** `threshold` for `evaluationPeriods` periods of `periodSeconds`, every one of them bad. */
const sustained = (threshold: number, periodSeconds: number, evaluationPeriods: number): AlarmSetting => ({
  threshold,
  periodSeconds,
  evaluationPeriods,
  datapointsToAlarm: evaluationPeriods,
});

const PRODUCTION: TierDefaults = {
  logRetentionDays: 365,
  backupRetentionDays: 14,
  monitoringIntervalSeconds: 60,
  secretRecoveryWindowDays: 30,
  protective: true,
  enableExecuteCommand: false,
  natGateways: "one-per-az",
  alarms: {
    service: {
      cpuPercent: sustained(85, 60, 5),
      memoryPercent: sustained(85, 60, 5),
      tasksBelowDesired: sustained(1, 60, 5),
      applicationErrors: sustained(10, 300, 1),
      target5xxPercent: sustained(5, 60, 3),
      targetP99LatencySeconds: sustained(2, 60, 5),
      unhealthyHosts: sustained(1, 60, 3),
    },
    loadBalancer: { elb5xxCount: sustained(10, 300, 1) },
    database: {
      cpuPercent: sustained(80, 300, 3),
      freeStoragePercent: sustained(10, 300, 2),
      freeableMemoryPercent: sustained(10, 300, 3),
      connectionsPercent: sustained(80, 300, 2),
      readLatencySeconds: sustained(0.05, 300, 3),
      writeLatencySeconds: sustained(0.05, 300, 3),
    },
    webAcl: { blockedRequests: sustained(1000, 300, 1) },
  },
  webAcl: { enabled: true, mode: "block", rateLimit: 2000 },
};

const NON_PRODUCTION: TierDefaults = {
  logRetentionDays: 30,
  backupRetentionDays: 7,
  monitoringIntervalSeconds: 0,
  secretRecoveryWindowDays: 7,
  protective: false,
  enableExecuteCommand: true,
  natGateways: "single",
  // Looser than production: small instances, Fargate Spot reclaims and test traffic are noisier.
  alarms: {
    service: {
      cpuPercent: sustained(90, 60, 5),
      memoryPercent: sustained(90, 60, 5),
      tasksBelowDesired: sustained(1, 60, 10),
      applicationErrors: sustained(20, 300, 1),
      target5xxPercent: sustained(10, 60, 3),
      targetP99LatencySeconds: sustained(5, 60, 5),
      unhealthyHosts: sustained(1, 60, 3),
    },
    loadBalancer: { elb5xxCount: sustained(25, 300, 1) },
    database: {
      cpuPercent: sustained(90, 300, 3),
      freeStoragePercent: sustained(10, 300, 2),
      freeableMemoryPercent: sustained(5, 300, 3),
      connectionsPercent: sustained(90, 300, 2),
      readLatencySeconds: sustained(0.1, 300, 3),
      writeLatencySeconds: sustained(0.1, 300, 3),
    },
    webAcl: { blockedRequests: sustained(1000, 300, 1) },
  },
  webAcl: { enabled: false, mode: "block", rateLimit: 2000 },
};

/** The defaults of production, or of every other tier. */
export function tierDefaults(production: boolean): TierDefaults {
  return production ? PRODUCTION : NON_PRODUCTION;
}
