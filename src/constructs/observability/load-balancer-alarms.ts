import { Construct } from "constructs";
import { Naming } from "../../core/naming";
import { AlarmSettingOverride, LoadBalancerAlarmSettings, tierDefaults } from "../../domain/tier-defaults";
import { addMetricAlarm, checkAlarmSettings, during, MetricSpec, ThresholdRange, withOverrides } from "./alarm";
import type { Alb } from "../alb";
import type { DashboardWidget } from "./dashboard";
import { PropChecks } from "../shared";

const RANGES: Readonly<Record<keyof LoadBalancerAlarmSettings, ThresholdRange>> = {
  elb5xxCount: { min: 1, max: 1_000_000, unit: "responses per period" },
};

// ── props ──

/** Properties of {@link LoadBalancerAlarms}. */
export interface LoadBalancerAlarmsProps {
  /** Names the alarm `<app>-<environment>-alb-5xx`. */
  readonly naming: Naming;
  /** The load balancer watched. */
  readonly alb: Alb;
  /**
   * Production thresholds.
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * The SNS topic notified when the alarm fires and when it is OK again.
   *
   * @default none: the alarm notifies nobody (acknowledge the policy rule WHC.OPS1 on purpose)
   */
  readonly alarmTopicArn?: string;
  /**
   * Changes to the tier's alarm settings.
   *
   * @default the tier's (docs/operations.md, "Alarms")
   */
  readonly thresholds?: Readonly<Partial<Record<keyof LoadBalancerAlarmSettings, AlarmSettingOverride>>>;
}

/**
 * The alarm on 5xx responses the load balancer generates itself (502, 503, 504: no healthy target, a target that
 * resets or times out), which no service's target metrics see, and the load balancer's dashboard graphs.
 */
export class LoadBalancerAlarms extends Construct {
  /** Names of the alarms. */
  public readonly alarmNames: readonly string[];
  /** ARNs of the alarms. */
  public readonly alarmArns: readonly string[];
  /** The load balancer's dashboard graphs: requests, its own 4xx/5xx, rejected connections. */
  public readonly widgets: readonly DashboardWidget[];

  public constructor(scope: Construct, id: string, props: LoadBalancerAlarmsProps) {
    super(scope, id);
    // ── validation ──
    const settings = withOverrides(tierDefaults(props.production ?? false).alarms.loadBalancer, props.thresholds);
    const checks = new PropChecks("LoadBalancerAlarms");
    checkAlarmSettings(checks, "thresholds", settings, RANGES, props.thresholds);
    checks.throwIfAny();

    // ── alarms ──
    const lb = { LoadBalancer: props.alb.arnSuffix };
    const metric = (metricName: string, statistic: string, label: string): MetricSpec => ({ namespace: "AWS/ApplicationELB", metricName, dimensions: lb, statistic, label });
    const elb5xx = metric("HTTPCode_ELB_5XX_Count", "Sum", "load balancer 5xx");
    const alarm = addMetricAlarm(this, "elb_5xx", {
      name: props.naming.name(["alb", "5xx"], 255),
      description: `The load balancer itself answered ${settings.elb5xxCount.threshold} or more requests with 5xx ${during(settings.elb5xxCount)}: ` +
        "no healthy target for a route (503), targets that reset or time out (502, 504). First look: the services' unhealthy-hosts and tasks-below-desired alarms, " +
        "then the access logs (elb_status_code 5xx with target_status_code -).",
      metric: elb5xx,
      setting: settings.elb5xxCount,
      comparison: "GreaterThanOrEqualToThreshold",
      // The count is published only when there are such responses: no data is no error.
      treatMissingData: "notBreaching",
    }, props.alarmTopicArn);
    this.alarmNames = [alarm.alarmName];
    this.alarmArns = [alarm.arn];

    // ── dashboard ──
    this.widgets = [
      { kind: "metric", title: "load balancer: requests", metrics: [metric("RequestCount", "Sum", "requests")], width: 8 },
      { kind: "metric", title: "load balancer: its own 4xx / 5xx", metrics: [metric("HTTPCode_ELB_4XX_Count", "Sum", "load balancer 4xx"), elb5xx], width: 8 },
      { kind: "metric", title: "load balancer: rejected connections", metrics: [metric("RejectedConnectionCount", "Sum", "rejected")], width: 8 },
    ];
  }
}
