import { TerraformVariable } from "cdktf";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { EcsService, EcsServiceConfig } from "@cdktf/provider-aws/lib/ecs-service";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { acknowledge } from "../../src/core/acknowledge";
import { whcEcsDeploymentAlarms } from "../../src/policies/rules/whc-ecs2-deployment-alarms";
import { whcAlarmActions } from "../../src/policies/rules/whc-ops1-alarm-actions";
import { whcSnsTopicEncryption } from "../../src/policies/rules/whc-sns1-topic-encryption";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts";
const alarm: CloudwatchMetricAlarmConfig = {
  alarmName: "a",
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  evaluationPeriods: 1,
  namespace: "AWS/ECS",
  metricName: "CPUUtilization",
  period: 60,
  statistic: "Average",
  threshold: 80,
};

describe("WHC.OPS1 every alarm notifies when it fires and when it is over", () => {
  test("passes for alarms with alarm and OK actions (a literal ARN or a reference)", () => {
    // GIVEN
    const stack = guardedStack([whcAlarmActions]);
    const topic = new SnsTopic(stack, "topic", { name: "t", kmsMasterKeyId: "alias/k" });
    new CloudwatchMetricAlarm(stack, "literal", { ...alarm, alarmActions: [TOPIC], okActions: [TOPIC] });
    new CloudwatchMetricAlarm(stack, "reference", { ...alarm, alarmActions: [topic.arn], okActions: [topic.arn] });
    // WHEN / THEN
    expectPasses(stack, "WHC.OPS1", ["aws_cloudwatch_metric_alarm.literal", "aws_cloudwatch_metric_alarm.reference"]);
  });

  test.each<[string, Partial<CloudwatchMetricAlarmConfig>, RegExp]>([
    ["no actions at all", {}, /alarm_actions is empty, so nobody learns that it fired.*ok_actions is empty, so nobody learns that it is over/s],
    ["alarm actions without OK actions", { alarmActions: [TOPIC] }, /ok_actions is empty/],
    ["actions switched off", { alarmActions: [TOPIC], okActions: [TOPIC], actionsEnabled: false }, /actions_enabled is false, so the alarm notifies nobody/],
  ])("fails for %s", (_name, config, message) => {
    const stack = guardedStack([whcAlarmActions]);
    new CloudwatchMetricAlarm(stack, "alarm", { ...alarm, ...config });
    expectFails(stack, "WHC.OPS1", "alarm", message);
  });

  test("fails for a whole list known only at apply", () => {
    const stack = guardedStack([whcAlarmActions]);
    const topics = new TerraformVariable(stack, "topics", { type: "list(string)" });
    new CloudwatchMetricAlarm(stack, "alarm", { ...alarm, alarmActions: topics.listValue, okActions: [TOPIC] });
    expectFails(stack, "WHC.OPS1", "alarm", /alarm_actions is "\$\{var\.topics\}", a whole list known only at apply/);
  });

  test("an acknowledged choice of no notification passes synthesis and is reported with its reason", () => {
    // GIVEN an alarm without actions, acknowledged
    const stack = guardedStack([whcAlarmActions]);
    const silent = new CloudwatchMetricAlarm(stack, "alarm", alarm);
    acknowledge(silent, "WHC.OPS1", "demo environment: nobody is on call, the dashboard shows the alarms");
    // WHEN / THEN
    expect(synthError(stack)).toBeUndefined();
    const acknowledged = resultOf(stack, "WHC.OPS1").acknowledged;
    expect(acknowledged.map((a) => a.message)).toEqual([expect.stringMatching(/alarm_actions is empty/), expect.stringMatching(/ok_actions is empty/)]);
    expect(new Set(acknowledged.map((a) => a.acknowledgement.reason))).toEqual(new Set(["demo environment: nobody is on call, the dashboard shows the alarms"]));
  });
});

describe("WHC.SNS1 every SNS topic is encrypted with a customer-managed key", () => {
  test("passes for a topic under a key of the stack, or a key given by alias", () => {
    const stack = guardedStack([whcSnsTopicEncryption]);
    const key = new KmsKey(stack, "key", { enableKeyRotation: true });
    new SnsTopic(stack, "own", { name: "own", kmsMasterKeyId: key.arn });
    new SnsTopic(stack, "alias", { name: "alias", kmsMasterKeyId: "alias/alerts" });
    expectPasses(stack, "WHC.SNS1", ["aws_sns_topic.own", "aws_sns_topic.alias"]);
  });

  test("fails for an unencrypted topic", () => {
    const stack = guardedStack([whcSnsTopicEncryption]);
    new SnsTopic(stack, "topic", { name: "t" });
    expectFails(stack, "WHC.SNS1", "topic", /kms_master_key_id is not set, so messages are stored unencrypted/);
  });

  test.each(["alias/aws/sns", "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"])("fails for the AWS-managed key %s, which CloudWatch alarms cannot use", (key) => {
    const stack = guardedStack([whcSnsTopicEncryption]);
    new SnsTopic(stack, "topic", { name: "t", kmsMasterKeyId: key });
    expectFails(stack, "WHC.SNS1", "topic", /is the AWS-managed key .*alias\/aws\/sns, which CloudWatch alarms may not use/);
  });
});

describe("WHC.ECS2 services behind a load balancer roll back on deployment alarms", () => {
  const service: EcsServiceConfig = { name: "api", loadBalancer: [{ targetGroupArn: "arn:tg", containerName: "api", containerPort: 4000 }] };

  test("passes for a routed service with enable and rollback, and does not apply to a worker", () => {
    // GIVEN
    const stack = guardedStack([whcEcsDeploymentAlarms]);
    new EcsService(stack, "api", { ...service, alarms: { alarmNames: ["api-5xx-rate"], enable: true, rollback: true } });
    new EcsService(stack, "worker", { name: "worker" });
    // WHEN / THEN: the worker passes because it has nothing to check
    expectPasses(stack, "WHC.ECS2", ["aws_ecs_service.api", "aws_ecs_service.worker"]);
  });

  test("fails for a routed service without deployment alarms", () => {
    const stack = guardedStack([whcEcsDeploymentAlarms]);
    new EcsService(stack, "api", service);
    expectFails(stack, "WHC.ECS2", "api", /behind a load balancer but has no deployment alarms, so a release that answers 5xx stays.*Fix: call service\.rollBackOnAlarms/);
  });

  test.each<[string, { enable: boolean; rollback: boolean; alarmNames: string[] }, RegExp]>([
    ["alarms that only watch", { enable: true, rollback: false, alarmNames: ["a"] }, /alarms\.rollback is false/],
    ["alarms switched off", { enable: false, rollback: true, alarmNames: ["a"] }, /alarms\.enable is false/],
    ["no alarm named", { enable: true, rollback: true, alarmNames: [] }, /alarms\.alarm_names is empty/],
  ])("fails for %s", (_name, alarms, message) => {
    const stack = guardedStack([whcEcsDeploymentAlarms]);
    new EcsService(stack, "api", { ...service, alarms });
    expectFails(stack, "WHC.ECS2", "api", message);
  });
});
