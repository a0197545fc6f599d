import { Testing } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Alb } from "../../../src/constructs/alb/alb";
import { LoadBalancerAlarms, LoadBalancerAlarmsProps } from "../../../src/constructs/observability/load-balancer-alarms";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

const TOPIC = "arn:aws:sns:eu-west-1:210987654321:whcsites-staging-alerts";

function build(props: Partial<LoadBalancerAlarmsProps> = {}): { synth: string; alarms: LoadBalancerAlarms } {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", "staging");
  const alb = new Alb(stack, "api", { naming, network: testNetwork(stack, naming), region: "eu-west-1" });
  const alarms = new LoadBalancerAlarms(stack, "load_balancer_alarms", { naming, alb, alarmTopicArn: TOPIC, ...props });
  return { synth: Testing.synth(stack), alarms };
}

describe("LoadBalancerAlarms", () => {
  test("GIVEN the load balancer WHEN synthesized THEN one alarm watches the 5xx it generates itself, notifying both ways", () => {
    // GIVEN / WHEN
    const { synth } = build();
    // THEN
    expect(synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "whcsites-staging-alb-5xx",
      namespace: "AWS/ApplicationELB",
      metric_name: "HTTPCode_ELB_5XX_Count",
      dimensions: { LoadBalancer: "${aws_lb.api.arn_suffix}" },
      statistic: "Sum",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 25,
      period: 300,
      evaluation_periods: 1,
      treat_missing_data: "notBreaching",
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
    expect(JSON.parse(synth).resource.aws_cloudwatch_metric_alarm.load_balancer_alarms_elb_5xx.alarm_description).toMatch(/First look: /);
  });

  test("GIVEN production and an override WHEN synthesized THEN the production threshold, then the override", () => {
    expect(build({ production: true }).synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, { threshold: 10 });
    expect(build({ thresholds: { elb5xxCount: { threshold: 3, periodSeconds: 60 } } }).synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, { threshold: 3, period: 60 });
  });

  test("GIVEN a threshold of 0 WHEN built THEN it is refused", () => {
    expect(() => build({ thresholds: { elb5xxCount: { threshold: 0 } } })).toThrow("LoadBalancerAlarms: thresholds.elb5xxCount.threshold got 0; allowed: a number from 1 to 1000000 (responses per period)");
  });

  test("its dashboard graphs are the load balancer's requests, own 4xx/5xx and rejected connections", () => {
    expect(build().alarms.widgets.map((w) => w.kind === "metric" && w.metrics.map((m) => m.metricName).join(","))).toEqual([
      "RequestCount",
      "HTTPCode_ELB_4XX_Count,HTTPCode_ELB_5XX_Count",
      "RejectedConnectionCount",
    ]);
  });
});
