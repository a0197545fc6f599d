import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { ServiceAlarms, ServiceAlarmsProps } from "../../../src/constructs/observability/service-alarms";
import { PHOENIX_ERROR_LOG_PATTERN } from "../../../src/constructs/ecs-service/profiles/phoenix";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testService, TestServiceOptions } from "../../helpers/service";

type Alarm = Record<string, any>;
type Resources = Record<string, Record<string, Record<string, any>>>;

const TOPIC = "arn:aws:sns:eu-west-1:210987654321:whcsites-staging-alerts";
const TG = { LoadBalancer: "${aws_lb.api.arn_suffix}", TargetGroup: "${aws_lb_target_group.service_api_target_group.arn_suffix}" };
const ECS = { ClusterName: "${aws_ecs_cluster.service_cluster.name}", ServiceName: "${aws_ecs_service.service_api.name}" };

interface Built {
  readonly stack: TerraformStack;
  readonly alarms: ServiceAlarms;
  readonly synth: string;
  readonly resources: Resources;
  /** The alarm resources of the service, by construct id. */
  readonly alarm: (id: string) => Alarm;
}

/** The environment's api service (or a worker with `route: null`) and its alarms, construct id "alarms" under it. */
function build(props: Partial<ServiceAlarmsProps> = {}, options: TestServiceOptions = {}): Built {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", options.production ? "production" : "staging");
  const { service } = testService(stack, naming, { database: false, ...options });
  const alarms = new ServiceAlarms(service, "alarms", { naming, service, alarmTopicArn: TOPIC, errorLogPattern: PHOENIX_ERROR_LOG_PATTERN, ...props });
  const synth = Testing.synth(stack);
  const resources = JSON.parse(synth).resource as Resources;
  const id = options.id ?? "api";
  return { stack, alarms, synth, resources, alarm: (alarmId) => resources.aws_cloudwatch_metric_alarm[`service_${id}_alarms_${alarmId}`] };
}

function errorOf(props: Partial<ServiceAlarmsProps>): string {
  try {
    build(props);
  } catch (error) {
    if (!(error instanceof PropError)) throw error;
    return error.message;
  }
  throw new Error("expected a PropError");
}

const resolve = (stack: TerraformStack, value: unknown): unknown =>
  Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });

describe("ServiceAlarms of a service behind the load balancer", () => {
  // GIVEN the api on the default route, with the Phoenix error pattern and a topic
  // WHEN synthesized
  const { stack, alarms, synth, resources, alarm } = build();

  test("THEN it has seven alarms named whcsites-<env>-<service>-<what>, each notifying the topic when it fires and when it is over", () => {
    const all = Object.values(resources.aws_cloudwatch_metric_alarm);
    expect(all.map((a) => a.alarm_name).sort()).toEqual(
      ["5xx-rate", "application-errors", "cpu-high", "memory-high", "p99-latency", "tasks-below-desired", "unhealthy-hosts"].map((w) => `whcsites-staging-api-${w}`),
    );
    for (const a of all) {
      expect(a).toMatchObject({ actions_enabled: true, alarm_actions: [TOPIC], ok_actions: [TOPIC] });
      expect(a.alarm_description).toMatch(/First look: /);
      expect(a.alarm_description.length).toBeLessThanOrEqual(1024);
    }
  });

  test("THEN the 5xx alarm is a rate by metric math (5xx / requests of its target group), quiet below 10 requests a minute", () => {
    expect(alarm("target_5xx_rate")).toMatchObject({
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 10,
      evaluation_periods: 3,
      datapoints_to_alarm: 3,
      treat_missing_data: "notBreaching",
      metric_query: [
        { id: "e1", expression: "IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)", return_data: true },
        { id: "errors", return_data: false, metric: { namespace: "AWS/ApplicationELB", metric_name: "HTTPCode_Target_5XX_Count", dimensions: TG, stat: "Sum", period: 60 } },
        { id: "requests", return_data: false, metric: { namespace: "AWS/ApplicationELB", metric_name: "RequestCount", dimensions: TG, stat: "Sum", period: 60 } },
      ],
    });
    expect(alarm("target_5xx_rate").metric_name).toBeUndefined();
  });

  test("THEN p99 latency uses the extended statistic, unhealthy hosts the maximum, on the service's target group", () => {
    expect(alarm("target_p99_latency")).toMatchObject({ namespace: "AWS/ApplicationELB", metric_name: "TargetResponseTime", extended_statistic: "p99", dimensions: TG, threshold: 5 });
    expect(alarm("target_p99_latency").statistic).toBeUndefined();
    expect(alarm("unhealthy_hosts")).toMatchObject({ metric_name: "UnHealthyHostCount", statistic: "Maximum", dimensions: TG, threshold: 1, treat_missing_data: "notBreaching" });
  });

  test("THEN CPU, memory and tasks below desired read the service's ECS and Container Insights metrics", () => {
    expect(alarm("cpu_high")).toMatchObject({ namespace: "AWS/ECS", metric_name: "CPUUtilization", statistic: "Average", dimensions: ECS, threshold: 90, period: 60, treat_missing_data: "notBreaching" });
    expect(alarm("memory_high")).toMatchObject({ namespace: "AWS/ECS", metric_name: "MemoryUtilization", dimensions: ECS, threshold: 90 });
    expect(alarm("tasks_below_desired")).toMatchObject({
      threshold: 1,
      evaluation_periods: 10,
      // silence from Container Insights means the service or its telemetry is gone
      treat_missing_data: "breaching",
      metric_query: [
        { id: "e1", expression: "desired - running" },
        { id: "desired", metric: { namespace: "ECS/ContainerInsights", metric_name: "DesiredTaskCount", dimensions: ECS } },
        { id: "running", metric: { namespace: "ECS/ContainerInsights", metric_name: "RunningTaskCount", dimensions: ECS } },
      ],
    });
  });

  test("THEN error lines of the log group become a metric, and the alarm counts them", () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      name: "whcsites-staging-api-application-errors",
      log_group_name: "${aws_cloudwatch_log_group.service_api_log_group.name}",
      pattern: PHOENIX_ERROR_LOG_PATTERN,
      metric_transformation: { name: "ApplicationErrors", namespace: "whcsites/staging/api", value: "1", default_value: "0", unit: "Count" },
    });
    expect(alarm("application_errors")).toMatchObject({ namespace: "whcsites/staging/api", metric_name: "ApplicationErrors", statistic: "Sum", threshold: 20, period: 300 });
  });

  test("THEN the deployment alarms are the 5xx rate and unhealthy hosts, by name", () => {
    expect(resolve(stack, alarms.deploymentAlarmNames)).toEqual([
      "${aws_cloudwatch_metric_alarm.service_api_alarms_target_5xx_rate.alarm_name}",
      "${aws_cloudwatch_metric_alarm.service_api_alarms_unhealthy_hosts.alarm_name}",
    ]);
    expect(alarms.alarmArns).toHaveLength(7);
  });

  test("THEN its dashboard graphs are requests, p50/p99, 4xx/5xx, healthy hosts, CPU/memory and tasks", () => {
    expect(alarms.widgets.map((w) => (w.kind === "metric" ? w.metrics.map((m) => `${m.metricName}:${m.statistic}`).join(",") : w.kind))).toEqual([
      "RequestCount:Sum",
      "TargetResponseTime:p50,TargetResponseTime:p99",
      "HTTPCode_Target_4XX_Count:Sum,HTTPCode_Target_5XX_Count:Sum",
      "HealthyHostCount:Minimum,UnHealthyHostCount:Maximum",
      "CPUUtilization:Average,MemoryUtilization:Average",
      "RunningTaskCount:Average,DesiredTaskCount:Average,PendingTaskCount:Average",
    ]);
  });
});

describe("ServiceAlarms variants", () => {
  test("GIVEN a worker without an error pattern WHEN synthesized THEN only CPU, memory and tasks, no metric filter, no deployment alarms", () => {
    const { alarms, resources } = build({ errorLogPattern: undefined }, { route: null, id: "worker" });
    expect(Object.keys(resources.aws_cloudwatch_metric_alarm).sort()).toEqual(["service_worker_alarms_cpu_high", "service_worker_alarms_memory_high", "service_worker_alarms_tasks_below_desired"]);
    expect(resources.aws_cloudwatch_log_metric_filter).toBeUndefined();
    expect(alarms.deploymentAlarmNames).toEqual([]);
    expect(alarms.widgets).toHaveLength(2);
  });

  test("GIVEN production WHEN synthesized THEN the stricter production thresholds apply", () => {
    const { alarm } = build({ production: true }, { production: true });
    expect([alarm("cpu_high").threshold, alarm("target_5xx_rate").threshold, alarm("target_p99_latency").threshold, alarm("tasks_below_desired").evaluation_periods]).toEqual([85, 5, 2, 5]);
  });

  test("GIVEN overrides WHEN synthesized THEN each field replaces the tier's; datapoints follow a changed evaluation count", () => {
    const { alarm } = build({ thresholds: { cpuPercent: { threshold: 70 }, target5xxPercent: { evaluationPeriods: 5 }, memoryPercent: { evaluationPeriods: 10, datapointsToAlarm: 7, periodSeconds: 120 } } });
    expect(alarm("cpu_high")).toMatchObject({ threshold: 70, evaluation_periods: 5, datapoints_to_alarm: 5 });
    expect(alarm("target_5xx_rate")).toMatchObject({ threshold: 10, evaluation_periods: 5, datapoints_to_alarm: 5 });
    expect(alarm("memory_high")).toMatchObject({ period: 120, evaluation_periods: 10, datapoints_to_alarm: 7 });
  });

  test("GIVEN no topic WHEN synthesized THEN the alarms exist without actions", () => {
    const { resources } = build({ alarmTopicArn: undefined });
    for (const a of Object.values(resources.aws_cloudwatch_metric_alarm)) {
      expect(a.alarm_actions).toBeUndefined();
      expect(a.ok_actions).toBeUndefined();
    }
  });
});

describe("ServiceAlarms validation", () => {
  test.each<[string, Partial<ServiceAlarmsProps>, string]>([
    ["a percentage above 100", { thresholds: { cpuPercent: { threshold: 120 } } }, "ServiceAlarms: thresholds.cpuPercent.threshold got 120; allowed: a number from 1 to 100 (percent)"],
    ["a period that is not a whole minute", { thresholds: { target5xxPercent: { periodSeconds: 45 } } }, "ServiceAlarms: thresholds.target5xxPercent.periodSeconds got 45; allowed: a multiple of 60 from 60 to 86400"],
    ["more than a day of evaluation", { thresholds: { memoryPercent: { periodSeconds: 3600, evaluationPeriods: 25 } } }, "ServiceAlarms: thresholds.memoryPercent.evaluationPeriods got 25; allowed: an integer from 1 to 24 (evaluationPeriods x periodSeconds at most one day)"],
    ["more data points than periods", { thresholds: { unhealthyHosts: { evaluationPeriods: 3, datapointsToAlarm: 4 } } }, "ServiceAlarms: thresholds.unhealthyHosts.datapointsToAlarm got 4; allowed: an integer from 1 to 3 (at most evaluationPeriods)"],
    ["an unknown alarm", { thresholds: { cpu: { threshold: 50 } } as never }, 'ServiceAlarms: thresholds.cpu got "cpu"; allowed: one of cpuPercent, memoryPercent'],
    ["an empty error pattern", { errorLogPattern: " " }, 'ServiceAlarms: errorLogPattern got " "; allowed: a CloudWatch Logs filter pattern of 1 to 1024 characters'],
    ["a name that is not a name part", { name: "API" }, 'ServiceAlarms: name got "API"; allowed: lower-case letters'],
  ])("GIVEN %s WHEN built THEN it is refused", (_name, props, message) => {
    expect(errorOf(props)).toContain(message);
  });
});
