import { Construct } from "constructs";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmMetricQuery } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ALARM_MAX_EVALUATION_SECONDS, ALARM_PERIOD_STEP_SECONDS } from "../../domain/cloudwatch";
import type { AlarmSetting, AlarmSettingOverride } from "../../domain/tier-defaults";
import type { PropChecks } from "../shared";

/*
 * What the monitoring constructs (ServiceAlarms, LoadBalancerAlarms, DatabaseAlarms, WebAcl) share: the shape of a
 * metric, of an alarm on it, and the checks of alarm settings. Not a construct: each alarm is one
 * aws_cloudwatch_metric_alarm created directly in its construct's scope.
 */

// ── types ──

/** A CloudWatch metric (standard resolution) with the statistic to read it with. */
export interface MetricSpec {
  /** Namespace, for example `AWS/ApplicationELB`. */
  readonly namespace: string;
  /** Metric name, for example `RequestCount`. */
  readonly metricName: string;
  /** Dimensions: name to value (values may be Terraform references). */
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or a percentile such as `p99`. */
  readonly statistic: string;
  /**
   * Label on a dashboard graph.
   *
   * @default the metric name
   */
  readonly label?: string;
}

/** Metric math over named metrics: `expression` refers to them by their keys in `metrics`. */
export interface MetricExpression {
  /** A CloudWatch metric math expression, for example `100 * errors / requests`. */
  readonly expression: string;
  /** What the expression's value means. */
  readonly label: string;
  /** The metrics the expression uses, by id (lower-case letters, digits and `_`, starting with a letter). */
  readonly metrics: Readonly<Record<string, MetricSpec>>;
}

/** How an alarm reads missing data points: chosen per alarm, with the reason in a comment where it is defined. */
export type TreatMissingData = "missing" | "notBreaching" | "breaching" | "ignore";

/** Everything one alarm needs besides its scope and actions. */
export interface AlarmDefinition {
  /** The alarm's full name, `<app>-<environment>-<service or part>-<what>`. */
  readonly name: string;
  /** What is wrong and what to look at first (one runbook line). */
  readonly description: string;
  /** A single metric, or metric math. */
  readonly metric: MetricSpec | MetricExpression;
  /** Period, evaluation periods and data points; its `threshold` unless {@link AlarmDefinition.threshold} is given. */
  readonly setting: AlarmSetting;
  /**
   * The threshold in the metric's own unit, when the setting's is another (bytes from a percentage).
   *
   * @default setting.threshold
   */
  readonly threshold?: number;
  /** At or above, or at or below, the threshold is bad. */
  readonly comparison: "GreaterThanOrEqualToThreshold" | "LessThanOrEqualToThreshold";
  /** How missing data points count. */
  readonly treatMissingData: TreatMissingData;
}

// ── alarms ──

/** True when the metric is metric math. */
export function isExpression(metric: MetricSpec | MetricExpression): metric is MetricExpression {
  return "expression" in metric;
}

const PERCENTILE = /^p\d{1,2}(\.\d+)?$/;

/**
 * Creates the alarm `definition` in `scope`. It notifies `topicArn` when it fires and when it is OK again; without a
 * topic it notifies nobody (a choice the caller acknowledges under the policy rule WHC.OPS1).
 */
export function addMetricAlarm(scope: Construct, id: string, definition: AlarmDefinition, topicArn: string | undefined): CloudwatchMetricAlarm {
  const { setting, metric } = definition;
  const actions = topicArn === undefined ? undefined : [topicArn];
  const common = {
    alarmName: definition.name,
    alarmDescription: definition.description,
    comparisonOperator: definition.comparison,
    threshold: definition.threshold ?? setting.threshold,
    evaluationPeriods: setting.evaluationPeriods,
    datapointsToAlarm: setting.datapointsToAlarm,
    treatMissingData: definition.treatMissingData,
    actionsEnabled: true,
    alarmActions: actions,
    okActions: actions,
  };
  if (isExpression(metric)) {
    const queries: CloudwatchMetricAlarmMetricQuery[] = [
      { id: "e1", expression: metric.expression, label: metric.label, returnData: true },
      ...Object.entries(metric.metrics).map(([queryId, m]) => ({
        id: queryId,
        returnData: false,
        metric: { namespace: m.namespace, metricName: m.metricName, dimensions: { ...m.dimensions }, period: setting.periodSeconds, stat: m.statistic },
      })),
    ];
    return new CloudwatchMetricAlarm(scope, id, { ...common, metricQuery: queries });
  }
  const percentile = PERCENTILE.test(metric.statistic);
  return new CloudwatchMetricAlarm(scope, id, {
    ...common,
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: { ...metric.dimensions },
    period: setting.periodSeconds,
    statistic: percentile ? undefined : metric.statistic,
    extendedStatistic: percentile ? metric.statistic : undefined,
  });
}

// ── alarm settings ──

/**
 * The settings of a group of alarms: the defaults with the overrides applied field by field. An override that sets
 * `evaluationPeriods` without `datapointsToAlarm` makes every period count (N of N).
 */
export function withOverrides<K extends string>(
  defaults: Readonly<Record<K, AlarmSetting>>,
  overrides: Readonly<Partial<Record<K, AlarmSettingOverride>>> | undefined,
): Record<K, AlarmSetting> {
  const result = { ...defaults } as Record<K, AlarmSetting>;
  for (const [key, override] of Object.entries(overrides ?? {}) as Array<[K, AlarmSettingOverride | undefined]>) {
    if (override === undefined || !(key in defaults)) continue;
    const base = defaults[key];
    const evaluationPeriods = override.evaluationPeriods ?? base.evaluationPeriods;
    result[key] = {
      threshold: override.threshold ?? base.threshold,
      periodSeconds: override.periodSeconds ?? base.periodSeconds,
      evaluationPeriods,
      datapointsToAlarm: override.datapointsToAlarm ?? (override.evaluationPeriods === undefined ? base.datapointsToAlarm : evaluationPeriods),
    };
  }
  return result;
}

/** The range of an alarm's threshold, in its own unit, and why. */
export interface ThresholdRange {
  readonly min: number;
  readonly max: number;
  /** The unit, for the message: `percent`, `seconds`, `tasks`. */
  readonly unit: string;
}

/**
 * Checks a group of alarm settings (`<prop>.<key>.<field>`): thresholds in range, periods CloudWatch accepts for
 * standard-resolution metrics, M of N data points, at most a day of evaluation. Also refuses keys that are not alarms
 * of the group.
 */
export function checkAlarmSettings(
  checks: PropChecks,
  prop: string,
  settings: Readonly<Record<string, AlarmSetting>>,
  ranges: Readonly<Record<string, ThresholdRange>>,
  overrides?: Readonly<Record<string, unknown>>,
): void {
  for (const key of Object.keys(overrides ?? {})) {
    checks.expect(key in ranges, `${prop}.${key}`, key, `one of ${Object.keys(ranges).join(", ")}`);
  }
  for (const [key, range] of Object.entries(ranges)) {
    const s = settings[key];
    if (s === undefined) continue;
    const at = `${prop}.${key}`;
    checks.expect(Number.isFinite(s.threshold) && s.threshold >= range.min && s.threshold <= range.max, `${at}.threshold`, s.threshold,
      `a number from ${range.min} to ${range.max} (${range.unit})`);
    const periodOk = checks.expect(Number.isInteger(s.periodSeconds) && s.periodSeconds >= ALARM_PERIOD_STEP_SECONDS && s.periodSeconds % ALARM_PERIOD_STEP_SECONDS === 0 &&
      s.periodSeconds <= ALARM_MAX_EVALUATION_SECONDS, `${at}.periodSeconds`, s.periodSeconds, `a multiple of 60 from 60 to ${ALARM_MAX_EVALUATION_SECONDS} (the metrics are standard resolution)`);
    if (periodOk) {
      const most = Math.floor(ALARM_MAX_EVALUATION_SECONDS / s.periodSeconds);
      if (checks.integer(`${at}.evaluationPeriods`, s.evaluationPeriods, 1, most, `evaluationPeriods x periodSeconds at most one day`)) {
        checks.integer(`${at}.datapointsToAlarm`, s.datapointsToAlarm, 1, s.evaluationPeriods, "at most evaluationPeriods");
      }
    }
  }
}

/** How long an alarm looks, for its description: `for 3 of the last 3 minutes`, `in 5 minutes`, `in 2 of the last 3 periods of 5 minutes`. */
export function during(setting: AlarmSetting): string {
  const { periodSeconds, evaluationPeriods, datapointsToAlarm } = setting;
  if (periodSeconds === 60) return `for ${datapointsToAlarm} of the last ${evaluationPeriods} minutes`;
  const minutes = periodSeconds / 60;
  if (evaluationPeriods === 1) return `in ${minutes} minutes`;
  return `in ${datapointsToAlarm} of the last ${evaluationPeriods} periods of ${minutes} minutes`;
}
