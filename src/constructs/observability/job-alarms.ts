import { Construct } from "constructs";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { Naming } from "../../core/naming";
import { JOB_LINE_NAME_FIELD, ScheduledJob } from "../jobs";
import { addMetricAlarm, AlarmDefinition, MetricSpec } from "./alarm";
import type { DashboardWidget } from "./dashboard";

/** Seconds per data point of a job's graphs: runs are minutes or hours apart, so hourly buckets. */
const JOB_GRAPH_PERIOD_SECONDS = 3600;

// ── props ──

/** Properties of {@link JobAlarms}. */
export interface JobAlarmsProps {
  /** Names the alarms `<app>-<environment>-<job>-<what>`. */
  readonly naming: Naming;
  /** The job watched. */
  readonly job: ScheduledJob;
  /**
   * The SNS topic notified when an alarm fires and when it is OK again.
   *
   * @default none: the alarms notify nobody (acknowledge the policy rule WHC.OPS1 on purpose)
   */
  readonly alarmTopicArn?: string;
}

/**
 * The alarms and dashboard graphs of one scheduled job: `<job>-failed` counts the runs whose container exited non-zero
 * (the job's failure rule's matches), `<job>-not-started` the runs EventBridge Scheduler could not start and sent to
 * the dead-letter queue. A metric filter reads the duration from the job's last log line. Any failed run fires: a job
 * runs rarely, so one failure is the signal (no threshold to tune).
 *
 * {@link JobAlarms.widgets}: runs (invocations and finished runs), failures (exited non-zero, not started, RunTask
 * errors) and duration (maximum and average, with the time limit).
 */
export class JobAlarms extends Construct {
  /** Names of every alarm. */
  public readonly alarmNames: readonly string[];
  /** ARNs of every alarm (for an alarm status widget). */
  public readonly alarmArns: readonly string[];
  /** The job's dashboard graphs. */
  public readonly widgets: readonly DashboardWidget[];

  public constructor(scope: Construct, id: string, props: JobAlarmsProps) {
    super(scope, id);
    const { job, naming } = props;
    const name = job.name;
    const metric = (namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string, label: string): MetricSpec =>
      ({ namespace, metricName, dimensions, statistic, label });

    // ── metrics ──
    const group = { ScheduleGroup: job.scheduleGroupName };
    const invocations = metric("AWS/Scheduler", "InvocationAttemptCount", group, "Sum", "invocations");
    const runTaskErrors = metric("AWS/Scheduler", "TargetErrorCount", group, "Sum", "RunTask errors");
    const notStarted = metric("AWS/Scheduler", "InvocationsSentToDeadLetterCount", group, "Sum", "not started (dead letters)");
    const exitedNonZero = metric("AWS/Events", "MatchedEvents", { RuleName: job.failureRuleName }, "Sum", "exited non-zero");
    // The job's last line: {"whcsites_job": "<name>", "exit_code": n, "duration_seconds": n}.
    const namespace = `${naming.app}/${naming.environment}/${name}`;
    new CloudwatchLogMetricFilter(this, "duration", {
      name: naming.name([name, "duration"], 512),
      logGroupName: job.logGroupName,
      pattern: `{ $.${JOB_LINE_NAME_FIELD} = "${name}" }`,
      metricTransformation: { name: "JobDurationSeconds", namespace, value: "$.duration_seconds", unit: "Seconds" },
    });
    const longest = metric(namespace, "JobDurationSeconds", {}, "Maximum", "longest run (s)");
    const average = metric(namespace, "JobDurationSeconds", {}, "Average", "average run (s)");
    const finished = metric(namespace, "JobDurationSeconds", {}, "SampleCount", "finished runs");

    // ── alarms ──
    const stopped = `aws ecs list-tasks --cluster ${job.clusterName} --family ${job.family} --desired-status STOPPED`;
    const definitions: Array<[string, AlarmDefinition]> = [
      [
        "failed",
        {
          name: naming.name([name, "failed"], 255),
          description: `${name}: a run of the job exited non-zero (124: stopped after its ${job.timeoutMinutes}-minute limit). ` +
            `First look: the job's log group ${job.logGroupName} (its last line has the exit code and duration), then ${stopped} and describe-tasks for stoppedReason.`,
          metric: exitedNonZero,
          setting: { threshold: 1, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 },
          comparison: "GreaterThanOrEqualToThreshold",
          // The rule publishes only when a run fails: no data is no failure.
          treatMissingData: "notBreaching",
        },
      ],
      [
        "not_started",
        {
          name: naming.name([name, "not-started"], 255),
          description: `${name}: EventBridge Scheduler could not start a run (RunTask refused after its retries) and sent it to the dead-letter queue ${job.deadLetterQueueName}. ` +
            `First look: aws sqs receive-message --queue-url ${job.deadLetterQueueUrl} --attribute-names All --message-attribute-names All (the error is in the message attributes).`,
          metric: notStarted,
          setting: { threshold: 1, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 },
          comparison: "GreaterThanOrEqualToThreshold",
          // Published only when a run went to the queue.
          treatMissingData: "notBreaching",
        },
      ],
    ];
    const alarms = definitions.map(([alarmId, definition]) => addMetricAlarm(this, alarmId, definition, props.alarmTopicArn));
    this.alarmNames = alarms.map((a) => a.alarmName);
    this.alarmArns = alarms.map((a) => a.arn);

    // ── dashboard ──
    const period = JOB_GRAPH_PERIOD_SECONDS;
    this.widgets = [
      { kind: "metric", title: `${name}: runs (per hour)`, metrics: [invocations, finished], width: 8, periodSeconds: period },
      { kind: "metric", title: `${name}: failures (per hour)`, metrics: [exitedNonZero, notStarted, runTaskErrors], width: 8, periodSeconds: period },
      {
        kind: "metric",
        title: `${name}: duration (s)`,
        metrics: [longest, average],
        width: 8,
        periodSeconds: period,
        thresholds: [{ label: "time limit", value: job.timeoutMinutes * 60 }],
      },
    ];
  }
}
