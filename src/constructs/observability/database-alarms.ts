import { Construct } from "constructs";
import { Naming } from "../../core/naming";
import { defaultMaxConnections, RDS_POSTGRES_INSTANCE_CLASSES } from "../../domain/rds";
import { AlarmSettingOverride, DatabaseAlarmSettings, tierDefaults } from "../../domain/tier-defaults";
import { addMetricAlarm, AlarmDefinition, checkAlarmSettings, during, MetricSpec, ThresholdRange, withOverrides } from "./alarm";
import type { DashboardWidget } from "./dashboard";
import type { Rds } from "../rds";
import { PropChecks } from "../shared";

const RANGES: Readonly<Record<keyof DatabaseAlarmSettings, ThresholdRange>> = {
  cpuPercent: { min: 1, max: 100, unit: "percent" },
  freeStoragePercent: { min: 1, max: 99, unit: "percent of the allocated storage" },
  freeableMemoryPercent: { min: 1, max: 99, unit: "percent of the instance class's memory" },
  connectionsPercent: { min: 1, max: 100, unit: "percent of max_connections" },
  readLatencySeconds: { min: 0.001, max: 60, unit: "seconds" },
  writeLatencySeconds: { min: 0.001, max: 60, unit: "seconds" },
};

const GIB = 1024 ** 3;

// ── props ──

/** Properties of {@link DatabaseAlarms}. */
export interface DatabaseAlarmsProps {
  /** Names the alarms `<app>-<environment>-db-<what>`. */
  readonly naming: Naming;
  /** The database watched: its instance class gives the memory and `max_connections` the alarms compare with. */
  readonly database: Rds;
  /**
   * Production thresholds.
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * The SNS topic notified when an alarm fires and when it is OK again.
   *
   * @default none: the alarms notify nobody (acknowledge the policy rule WHC.OPS1 on purpose)
   */
  readonly alarmTopicArn?: string;
  /**
   * Changes to the tier's alarm settings, by alarm.
   *
   * @default the tier's (docs/operations.md, "Alarms")
   */
  readonly thresholds?: Readonly<Partial<Record<keyof DatabaseAlarmSettings, AlarmSettingOverride>>>;
}

/**
 * The alarms of an RDS for PostgreSQL instance: CPU, free storage below a share of the allocated storage, freeable
 * memory below a share of the class's memory, connections near the class's default `max_connections` (computed from
 * its memory, as RDS does), read and write latency. {@link DatabaseAlarms.widgets} are its dashboard graphs.
 */
export class DatabaseAlarms extends Construct {
  /** Names of every alarm. */
  public readonly alarmNames: readonly string[];
  /** ARNs of every alarm. */
  public readonly alarmArns: readonly string[];
  /** The database's dashboard graphs: CPU, connections, free storage, freeable memory, latency. */
  public readonly widgets: readonly DashboardWidget[];
  /** The connection count the connections alarm fires at. */
  public readonly connectionsThreshold: number;
  /** RDS's default `max_connections` for the instance class. */
  public readonly maxConnections: number;

  public constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    // ── validation ──
    const { database, naming } = props;
    const settings = withOverrides(tierDefaults(props.production ?? false).alarms.database, props.thresholds);
    const memoryGiB = RDS_POSTGRES_INSTANCE_CLASSES.get(database.instanceClass);
    const maxConnections = defaultMaxConnections(database.instanceClass);

    const checks = new PropChecks("DatabaseAlarms");
    checkAlarmSettings(checks, "thresholds", settings, RANGES, props.thresholds);
    checks.expect(memoryGiB !== undefined && maxConnections !== undefined, "database.instanceClass", database.instanceClass,
      "an RDS for PostgreSQL instance class whose memory is known (src/domain/rds.ts)");
    checks.throwIfAny();
    this.maxConnections = maxConnections as number;
    this.connectionsThreshold = Math.ceil((settings.connectionsPercent.threshold / 100) * this.maxConnections);

    // ── alarms ──
    const identifier = database.instanceIdentifier;
    const metric = (metricName: string, statistic: string, label: string): MetricSpec =>
      ({ namespace: "AWS/RDS", metricName, dimensions: { DBInstanceIdentifier: identifier }, statistic, label });
    const cpu = metric("CPUUtilization", "Average", "CPU %");
    const connections = metric("DatabaseConnections", "Maximum", "connections");
    const freeStorage = metric("FreeStorageSpace", "Minimum", "free storage (bytes)");
    const freeable = metric("FreeableMemory", "Average", "freeable memory (bytes)");
    const readLatency = metric("ReadLatency", "Average", "read s");
    const writeLatency = metric("WriteLatency", "Average", "write s");
    const storageBytes = Math.floor((settings.freeStoragePercent.threshold / 100) * database.allocatedStorageGiB * GIB);
    const memoryBytes = Math.floor((settings.freeableMemoryPercent.threshold / 100) * (memoryGiB as number) * GIB);
    const slowLog = `/aws/rds/instance/${identifier}/postgresql`;
    const alarmName = (what: string): string => naming.name(["db", what], 255);

    // RDS publishes every metric below each minute while the instance runs. While it is created, stopped or
    // rebooted there is no data, which says nothing about CPU, storage, memory, connections or latency: "missing"
    // keeps each alarm's state instead of guessing (RDS events report the outage itself).
    const definitions: Array<[string, AlarmDefinition]> = [
      ["cpu_high", {
        name: alarmName("cpu-high"),
        description: `Database ${identifier}: average CPU at or above ${settings.cpuPercent.threshold}% ${during(settings.cpuPercent)}. ` +
          `First look: Performance Insights (top SQL) where the class has it, or slow statements (over 1 s) in ${slowLog}; then the instance class.`,
        metric: cpu,
        setting: settings.cpuPercent,
        comparison: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      }],
      ["free_storage_low", {
        name: alarmName("free-storage-low"),
        description: `Database ${identifier}: free storage at or below ${settings.freeStoragePercent.threshold}% of the ${database.allocatedStorageGiB} GiB allocated (${(storageBytes / GIB).toFixed(1)} GiB) ${during(settings.freeStoragePercent)}. ` +
          "Storage autoscaling grows it up to its ceiling; at the ceiling, writes fail when it is full. First look: FreeStorageSpace on the dashboard and maxAllocatedStorageGiB in the environment file; then table and index bloat.",
        metric: freeStorage,
        setting: settings.freeStoragePercent,
        threshold: storageBytes,
        comparison: "LessThanOrEqualToThreshold",
        treatMissingData: "missing",
      }],
      ["freeable_memory_low", {
        name: alarmName("freeable-memory-low"),
        description: `Database ${identifier}: freeable memory at or below ${settings.freeableMemoryPercent.threshold}% of the ${memoryGiB} GiB of ${database.instanceClass} ${during(settings.freeableMemoryPercent)}; the instance will swap. ` +
          "First look: connections (each one holds memory) and work_mem-heavy queries in Performance Insights; then a larger class.",
        metric: freeable,
        setting: settings.freeableMemoryPercent,
        threshold: memoryBytes,
        comparison: "LessThanOrEqualToThreshold",
        treatMissingData: "missing",
      }],
      ["connections_high", {
        name: alarmName("connections-high"),
        description: `Database ${identifier}: ${this.connectionsThreshold} or more connections (${settings.connectionsPercent.threshold}% of max_connections ${this.maxConnections} for ${database.instanceClass}) ${during(settings.connectionsPercent)}; at the maximum, new connections are refused. ` +
          "First look: each service's POOL_SIZE times its task count (autoscaling adds tasks, each with its own pool), then pg_stat_activity for idle sessions.",
        metric: connections,
        setting: settings.connectionsPercent,
        threshold: this.connectionsThreshold,
        comparison: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      }],
      ["read_latency_high", {
        name: alarmName("read-latency-high"),
        description: `Database ${identifier}: average read latency at or above ${settings.readLatencySeconds.threshold * 1000} ms ${during(settings.readLatencySeconds)}. ` +
          `First look: ReadIOPS against the volume's IOPS (gp3: 3000 baseline) in the RDS console's monitoring tab, then queries reading many rows in ${slowLog}.`,
        metric: readLatency,
        setting: settings.readLatencySeconds,
        comparison: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      }],
      ["write_latency_high", {
        name: alarmName("write-latency-high"),
        description: `Database ${identifier}: average write latency at or above ${settings.writeLatencySeconds.threshold * 1000} ms ${during(settings.writeLatencySeconds)}. ` +
          "First look: WriteIOPS against the volume's IOPS (gp3: 3000 baseline) in the RDS console, a running migration or bulk import, and checkpoints in the postgresql log.",
        metric: writeLatency,
        setting: settings.writeLatencySeconds,
        comparison: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      }],
    ];
    const alarms = definitions.map(([alarmId, definition]) => addMetricAlarm(this, alarmId, definition, props.alarmTopicArn));
    this.alarmNames = alarms.map((a) => a.alarmName);
    this.alarmArns = alarms.map((a) => a.arn);

    // ── dashboard ──
    this.widgets = [
      { kind: "metric", title: "database: CPU (%)", metrics: [cpu], width: 8, thresholds: [{ label: "alarm", value: settings.cpuPercent.threshold }] },
      { kind: "metric", title: `database: connections (max_connections ${this.maxConnections})`, metrics: [connections], width: 8, thresholds: [{ label: "alarm", value: this.connectionsThreshold }] },
      { kind: "metric", title: "database: free storage (bytes)", metrics: [freeStorage], width: 8, thresholds: [{ label: "alarm", value: storageBytes }] },
      { kind: "metric", title: "database: read / write latency (s)", metrics: [readLatency, writeLatency], width: 12 },
      { kind: "metric", title: "database: freeable memory (bytes)", metrics: [freeable], width: 12, thresholds: [{ label: "alarm", value: memoryBytes }] },
    ];
  }
}
