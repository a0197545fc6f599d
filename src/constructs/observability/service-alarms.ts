import { Construct } from "constructs";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { Naming } from "../../core/naming";
import { AlarmSetting, AlarmSettingOverride, ServiceAlarmSettings, tierDefaults } from "../../domain/tier-defaults";
import { addMetricAlarm, AlarmDefinition, checkAlarmSettings, during, MetricSpec, ThresholdRange, withOverrides } from "./alarm";
import type { DashboardWidget } from "./dashboard";
import type { FargateService } from "../ecs-service";
import { PropChecks } from "../shared";

/** The range of each service alarm's threshold. */
const RANGES: Readonly<Record<keyof ServiceAlarmSettings, ThresholdRange>> = {
  cpuPercent: { min: 1, max: 100, unit: "percent" },
  memoryPercent: { min: 1, max: 100, unit: "percent" },
  tasksBelowDesired: { min: 1, max: 5000, unit: "tasks" },
  applicationErrors: { min: 1, max: 1_000_000, unit: "error lines per period" },
  target5xxPercent: { min: 0.1, max: 100, unit: "percent of requests" },
  targetP99LatencySeconds: { min: 0.01, max: 4000, unit: "seconds" },
  unhealthyHosts: { min: 1, max: 1000, unit: "targets" },
};

/** A CloudWatch Logs filter pattern is at most 1024 characters. */
const MAX_FILTER_PATTERN_LENGTH = 1024;

// ── props ──

/** Properties of {@link ServiceAlarms}. */
export interface ServiceAlarmsProps {
  /** Names the alarms `<app>-<environment>-<name>-<what>`. */
  readonly naming: Naming;
  /** The service watched. Behind the load balancer it also gets the target group's alarms. */
  readonly service: FargateService;
  /**
   * The service's part of the alarm names and the application-error metric's namespace.
   *
   * @default the service's name
   */
  readonly name?: string;
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
  readonly thresholds?: Readonly<Partial<Record<keyof ServiceAlarmSettings, AlarmSettingOverride>>>;
  /**
   * CloudWatch Logs filter pattern that matches one application error line in the service's log; the application
   * profile knows it (`PHOENIX_ERROR_LOG_PATTERN`).
   *
   * @default none: no application-error metric and alarm (the log format is unknown)
   */
  readonly errorLogPattern?: string;
  /**
   * Requests per period below which the target 5xx rate counts as 0, so that one error among a handful of requests at
   * night does not page anyone (nor roll back a deployment).
   *
   * @default 10
   */
  readonly minimumRequests?: number;
}

/**
 * The alarms of one Fargate service, of any application: CPU and memory utilization, running tasks below desired,
 * and, with an error pattern, application error lines in its log. Behind the load balancer also the target 5xx rate
 * (metric math: 5xx divided by requests), the p99 target response time and unhealthy targets; the 5xx rate and
 * unhealthy targets are {@link ServiceAlarms.deploymentAlarmNames}, for `service.rollBackOnAlarms(...)`.
 *
 * Each description says what is wrong and what to look at first. {@link ServiceAlarms.widgets} are the service's
 * dashboard graphs: requests, p50/p99 latency, 4xx/5xx, healthy targets, CPU, memory and tasks.
 */
export class ServiceAlarms extends Construct {
  /** Names of every alarm. */
  public readonly alarmNames: readonly string[];
  /** ARNs of every alarm (for an alarm status widget). */
  public readonly alarmArns: readonly string[];
  /** Names of the alarms a deployment of the service rolls back on: target 5xx rate and unhealthy targets. */
  public readonly deploymentAlarmNames: readonly string[];
  /** The service's dashboard graphs. */
  public readonly widgets: readonly DashboardWidget[];
  /** The settings in effect, by alarm. */
  public readonly settings: Readonly<Record<keyof ServiceAlarmSettings, AlarmSetting>>;

  public constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const { service, naming } = props;
    const name = props.name ?? service.name;
    const settings = withOverrides(tierDefaults(props.production ?? false).alarms.service, props.thresholds);
    const minimumRequests = props.minimumRequests ?? 10;

    // ── validation ──
    const checks = new PropChecks("ServiceAlarms");
    checks.expect(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(name), "name", name, "lower-case letters, digits and single hyphens, starting with a letter");
    checkAlarmSettings(checks, "thresholds", settings, RANGES, props.thresholds);
    checks.integer("minimumRequests", minimumRequests, 1, 1_000_000);
    if (props.errorLogPattern !== undefined) {
      checks.expect(props.errorLogPattern.trim().length > 0 && props.errorLogPattern.length <= MAX_FILTER_PATTERN_LENGTH, "errorLogPattern", props.errorLogPattern,
        `a CloudWatch Logs filter pattern of 1 to ${MAX_FILTER_PATTERN_LENGTH} characters`);
    }
    checks.throwIfAny();
    this.settings = settings;

    // ── metrics ──
    const alarmName = (what: string): string => naming.name([name, what], 255);
    const ecs = { ClusterName: service.clusterName, ServiceName: service.serviceName };
    const metric = (namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string, label?: string): MetricSpec =>
      ({ namespace, metricName, dimensions, statistic, label });
    const cpu = metric("AWS/ECS", "CPUUtilization", ecs, "Average", "CPU %");
    const memory = metric("AWS/ECS", "MemoryUtilization", ecs, "Average", "memory %");
    // Container Insights (on for every cluster of this project) publishes the task counts every minute.
    const running = metric("ECS/ContainerInsights", "RunningTaskCount", ecs, "Average", "running");
    const desired = metric("ECS/ContainerInsights", "DesiredTaskCount", ecs, "Average", "desired");
    const pending = metric("ECS/ContainerInsights", "PendingTaskCount", ecs, "Average", "pending");

    // ── alarm definitions ──
    const definitions: Array<[string, AlarmDefinition]> = [
      [
        "cpu_high",
        {
          name: alarmName("cpu-high"),
          description: `${name}: average CPU of its tasks at or above ${settings.cpuPercent.threshold}% ${during(settings.cpuPercent)}, although autoscaling adds tasks up to its maximum. ` +
            `First look: the task count against the maximum (dashboard, ${name} tasks) and the request rate; then raise maxCount or cpu.`,
          metric: cpu,
          setting: settings.cpuPercent,
          comparison: "GreaterThanOrEqualToThreshold",
          // No data means no running task: the tasks-below-desired alarm reports that, this one stays quiet.
          treatMissingData: "notBreaching",
        },
      ],
      [
        "memory_high",
        {
          name: alarmName("memory-high"),
          description: `${name}: average memory of its tasks at or above ${settings.memoryPercent.threshold}% ${during(settings.memoryPercent)}; tasks near their limit are killed (OutOfMemoryError). ` +
            `First look: stopped tasks' reasons (aws ecs describe-tasks) and the log group ${service.logGroupName}; then raise memoryMiB.`,
          metric: memory,
          setting: settings.memoryPercent,
          comparison: "GreaterThanOrEqualToThreshold",
          // As CPU: no data means no running task, which the tasks-below-desired alarm reports.
          treatMissingData: "notBreaching",
        },
      ],
      [
        "tasks_below_desired",
        {
          name: alarmName("tasks-below-desired"),
          description: `${name}: ${settings.tasksBelowDesired.threshold} or more tasks fewer running than desired ${during(settings.tasksBelowDesired)}: tasks fail to start or keep stopping. ` +
            `First look: the service's events and stopped tasks (aws ecs list-tasks --cluster ${service.clusterName} --service-name ${service.serviceName} --desired-status STOPPED, then describe-tasks for stoppedReason).`,
          metric: { expression: "desired - running", label: "tasks below desired", metrics: { desired, running } },
          setting: settings.tasksBelowDesired,
          comparison: "GreaterThanOrEqualToThreshold",
          // Container Insights reports both counts every minute while the service exists: silence means the service or
          // its telemetry is gone, which deserves a look.
          treatMissingData: "breaching",
        },
      ],
    ];

    // ── application errors ──
    if (props.errorLogPattern !== undefined) {
      const namespace = `${naming.app}/${naming.environment}/${name}`;
      new CloudwatchLogMetricFilter(this, "error_lines", {
        name: naming.name([name, "application-errors"], 512),
        logGroupName: service.logGroupName,
        pattern: props.errorLogPattern,
        // 0 for each log event that is not an error, so the graph shows 0 rather than gaps while the service logs.
        metricTransformation: { name: "ApplicationErrors", namespace, value: "1", defaultValue: "0", unit: "Count" },
      });
      definitions.push([
        "application_errors",
        {
          name: alarmName("application-errors"),
          description: `${name}: ${settings.applicationErrors.threshold} or more error lines in its log ${during(settings.applicationErrors)}. ` +
            `First look: aws logs tail ${service.logGroupName} --since 30m --filter-pattern '${props.errorLogPattern}'.`,
          metric: metric(namespace, "ApplicationErrors", {}, "Sum", "error lines"),
          setting: settings.applicationErrors,
          comparison: "GreaterThanOrEqualToThreshold",
          // The filter publishes only when the service logs something: no log line, no error.
          treatMissingData: "notBreaching",
        },
      ]);
    }

    // ── target group ──
    const deploymentAlarmIds: string[] = [];
    const widgets: DashboardWidget[] = [];
    const targetGroup = service.targetGroupArnSuffix;
    const loadBalancer = service.loadBalancerArnSuffix;
    if (targetGroup !== undefined && loadBalancer !== undefined) {
      const tg = { TargetGroup: targetGroup, LoadBalancer: loadBalancer };
      const requests = metric("AWS/ApplicationELB", "RequestCount", tg, "Sum", "requests");
      const errors5xx = metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", tg, "Sum", "5xx");
      const errors4xx = metric("AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", tg, "Sum", "4xx");
      const p99 = metric("AWS/ApplicationELB", "TargetResponseTime", tg, "p99", "p99 s");
      const p50 = metric("AWS/ApplicationELB", "TargetResponseTime", tg, "p50", "p50 s");
      const unhealthy = metric("AWS/ApplicationELB", "UnHealthyHostCount", tg, "Maximum", "unhealthy");
      const healthy = metric("AWS/ApplicationELB", "HealthyHostCount", tg, "Minimum", "healthy");
      definitions.push(
        [
          "target_5xx_rate",
          {
            name: alarmName("5xx-rate"),
            description: `${name}: ${settings.target5xxPercent.threshold}% or more of its requests answered 5xx ${during(settings.target5xxPercent)} (periods with fewer than ${minimumRequests} requests count as 0). ` +
              `A deployment of ${name} rolls back on this alarm. First look: is a deployment running (ECS service events), then the log group ${service.logGroupName}.`,
            // The 5xx count is published only when there are errors (FILL makes it 0), and a rate over a handful of
            // requests is noise (IF).
            metric: {
              expression: `IF(requests >= ${minimumRequests}, 100 * FILL(errors, 0) / requests, 0)`,
              label: "5xx % of requests",
              metrics: { errors: errors5xx, requests },
            },
            setting: settings.target5xxPercent,
            comparison: "GreaterThanOrEqualToThreshold",
            // No requests in a period publish no data: no traffic is no error (unhealthy targets and the load
            // balancer's own 5xx cover a service nobody can reach).
            treatMissingData: "notBreaching",
          },
        ],
        [
          "target_p99_latency",
          {
            name: alarmName("p99-latency"),
            description: `${name}: the slowest 1% of its requests took ${settings.targetP99LatencySeconds.threshold} s or more ${during(settings.targetP99LatencySeconds)}. ` +
              `First look: the dashboard's database section (connections, CPU, latency; slow queries are in the database's postgresql log group) and ${name}'s CPU.`,
            metric: p99,
            setting: settings.targetP99LatencySeconds,
            comparison: "GreaterThanOrEqualToThreshold",
            // No requests, no response time: nothing to judge.
            treatMissingData: "notBreaching",
          },
        ],
        [
          "unhealthy_hosts",
          {
            name: alarmName("unhealthy-hosts"),
            description: `${name}: ${settings.unhealthyHosts.threshold} or more of its targets fail the load balancer's health check (${service.healthCheckPath}) ${during(settings.unhealthyHosts)}. ` +
              `A deployment of ${name} rolls back on this alarm. First look: aws elbv2 describe-target-health --target-group-arn ${service.targetGroupArn} (the reason per target), then the log group ${service.logGroupName}.`,
            metric: unhealthy,
            setting: settings.unhealthyHosts,
            comparison: "GreaterThanOrEqualToThreshold",
            // No data means no registered target, which the tasks-below-desired alarm reports.
            treatMissingData: "notBreaching",
          },
        ],
      );
      deploymentAlarmIds.push("target_5xx_rate", "unhealthy_hosts");
      widgets.push(
        { kind: "metric", title: `${name}: requests`, metrics: [requests] },
        { kind: "metric", title: `${name}: latency p50 / p99 (s)`, metrics: [p50, p99], thresholds: [{ label: "p99 alarm", value: settings.targetP99LatencySeconds.threshold }] },
        { kind: "metric", title: `${name}: 4xx / 5xx`, metrics: [errors4xx, errors5xx] },
        { kind: "metric", title: `${name}: healthy / unhealthy targets`, metrics: [healthy, unhealthy] },
      );
    }

    // ── dashboard ──
    widgets.push(
      { kind: "metric", title: `${name}: CPU / memory (%)`, metrics: [cpu, memory], width: 12, thresholds: [{ label: "CPU alarm", value: settings.cpuPercent.threshold }] },
      { kind: "metric", title: `${name}: tasks`, metrics: [running, desired, pending], width: 12 },
    );

    // ── alarms ──
    const alarms = new Map(definitions.map(([alarmId, definition]) => [alarmId, addMetricAlarm(this, alarmId, definition, props.alarmTopicArn)]));
    this.alarmNames = [...alarms.values()].map((a) => a.alarmName);
    this.alarmArns = [...alarms.values()].map((a) => a.arn);
    this.deploymentAlarmNames = deploymentAlarmIds.map((alarmId) => alarms.get(alarmId)?.alarmName as string);
    this.widgets = widgets;
  }
}
