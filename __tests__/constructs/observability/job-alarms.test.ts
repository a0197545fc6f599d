import { Testing } from "cdktf";
import { ScheduledJob } from "../../../src/constructs/jobs/scheduled-job";
import { JobAlarms } from "../../../src/constructs/observability/job-alarms";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testService } from "../../helpers/service";

function build(alarmTopicArn?: string): { resources: Record<string, Record<string, any>>; alarms: JobAlarms } {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", "staging");
  const { network, cluster, image } = testService(stack, naming);
  const job = new ScheduledJob(stack, "nightly", {
    naming, cluster, network, image, schedule: "rate(6 hours)", command: ["/app/bin/report"], cpu: 256, memoryMiB: 512, timeoutMinutes: 20, accountId: "123456789012",
  });
  const alarms = new JobAlarms(job, "alarms", { naming, job, alarmTopicArn });
  return { resources: JSON.parse(Testing.synth(stack)).resource, alarms };
}

describe("JobAlarms", () => {
  test("GIVEN a job and a topic WHEN synthesized THEN <job>-failed counts its failure rule's matches and <job>-not-started its dead letters, both notifying the topic", () => {
    const { resources } = build("arn:aws:sns:eu-west-1:123456789012:alerts");
    const failed = resources.aws_cloudwatch_metric_alarm.nightly_alarms_failed;
    expect(failed).toMatchObject({
      alarm_name: "whcsites-staging-nightly-failed",
      namespace: "AWS/Events",
      metric_name: "MatchedEvents",
      dimensions: { RuleName: "${aws_cloudwatch_event_rule.nightly_failed_runs.name}" },
      statistic: "Sum",
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: ["arn:aws:sns:eu-west-1:123456789012:alerts"],
      ok_actions: ["arn:aws:sns:eu-west-1:123456789012:alerts"],
    });
    expect(failed.alarm_description).toMatch(/124: stopped after its 20-minute limit/);
    expect(resources.aws_cloudwatch_metric_alarm.nightly_alarms_not_started).toMatchObject({
      alarm_name: "whcsites-staging-nightly-not-started",
      namespace: "AWS/Scheduler",
      metric_name: "InvocationsSentToDeadLetterCount",
      dimensions: { ScheduleGroup: "${aws_scheduler_schedule_group.nightly_schedule_group.name}" },
    });
  });

  test("GIVEN a job WHEN synthesized THEN the duration comes from its closing log line; the widgets show runs, failures and duration against the limit", () => {
    const { resources, alarms } = build();
    const filter = resources.aws_cloudwatch_log_metric_filter.nightly_alarms_duration;
    expect(filter).toMatchObject({ log_group_name: "${aws_cloudwatch_log_group.nightly_log_group.name}", pattern: '{ $.whcsites_job = "nightly" }' });
    expect(filter.metric_transformation).toMatchObject({ name: "JobDurationSeconds", namespace: "whcsites/staging/nightly", value: "$.duration_seconds", unit: "Seconds" });
    expect(alarms.widgets.map((w) => (w.kind === "metric" ? w.title : ""))).toEqual(["nightly: runs (per hour)", "nightly: failures (per hour)", "nightly: duration (s)"]);
    const duration = alarms.widgets[2];
    expect(duration.kind === "metric" && duration.thresholds).toEqual([{ label: "time limit", value: 1200 }]);
    expect(resources.aws_cloudwatch_metric_alarm.nightly_alarms_failed.alarm_actions).toBeUndefined();
  });
});
