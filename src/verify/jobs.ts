import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand, OutputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { describeAwsError, withOperationNames } from "../operator/aws-errors";
import { formatDuration } from "../operator/duration";
import type { VerifyReporter } from "./verifier";

/** The name of the Terraform output, on an environment stack with jobs, that describes them. */
export const JOBS_OUTPUT_NAME = "jobs";

/** The field that names the job in the last line a job's container prints (`src/constructs/jobs/job-command.ts`). */
const JOB_LINE_NAME_FIELD = "whcsites_job";

/** One scheduled job, as the stack's `jobs` output describes it (written by src/stacks/environment-stack.ts). */
export interface JobTarget {
  /** The key in the `jobs` map, for example `nightly-cleanup`. */
  readonly name: string;
  /** `cron(...)` or `rate(...)` (`schedule`). */
  readonly schedule: string;
  /** The schedule's time zone (`timezone`). */
  readonly timezone: string;
  /** The ECS cluster its tasks run in (`cluster`). */
  readonly cluster: string;
  /** Its task definition family (`task_definition_family`). */
  readonly taskDefinitionFamily: string;
  /** Its log group (`log_group_name`). */
  readonly logGroupName: string;
  /** Minutes a run may take (`timeout_minutes`). */
  readonly timeoutMinutes: number;
}

/** What verify says about one job: its last run. */
export interface JobReport {
  readonly job: string;
  /** `ok`: the last run exited 0 (or one runs now); `failed`: it exited non-zero or ended without its last line; `error`: AWS could not be asked; `skipped`: no run yet. */
  readonly status: "ok" | "failed" | "error" | "skipped";
  readonly message: string;
}

/** The AWS clients the job report uses; tests pass mocks. */
export interface JobReportDeps {
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  readonly reporter: VerifyReporter;
}

/**
 * Builds the jobs from the `jobs` output value (a map from job name to its fields); an absent output is no job.
 *
 * @throws Error listing every missing or malformed field, one line each
 */
export function jobsFromOutput(value: unknown, source: string): JobTarget[] {
  if (value === undefined || value === null) return [];
  const where = `${source}: the "${JOBS_OUTPUT_NAME}" output`;
  if (typeof value !== "object" || Array.isArray(value)) throw new Error(`${where} must be a map from job name to its settings, got ${JSON.stringify(value)}`);
  const problems: string[] = [];
  const jobs = Object.entries(value as Record<string, unknown>).map(([name, raw]): JobTarget => {
    const v = (raw ?? {}) as Record<string, unknown>;
    const text = (field: string): string => {
      if (typeof v[field] !== "string" || (v[field] as string).length === 0) problems.push(`${name}.${field}: got ${JSON.stringify(v[field])}; allowed: a non-empty string`);
      return v[field] as string;
    };
    const timeout = Number(v.timeout_minutes);
    if (!Number.isInteger(timeout) || timeout < 1) problems.push(`${name}.timeout_minutes: got ${JSON.stringify(v.timeout_minutes)}; allowed: a whole number of minutes`);
    return {
      name,
      schedule: text("schedule"),
      timezone: text("timezone"),
      cluster: text("cluster"),
      taskDefinitionFamily: text("task_definition_family"),
      logGroupName: text("log_group_name"),
      timeoutMinutes: timeout,
    };
  });
  if (problems.length > 0) throw new Error(`${where} is not usable:\n  - ${problems.join("\n  - ")}`);
  return jobs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The job's last line in a log stream's latest events: `{"whcsites_job": name, "exit_code": n, "duration_seconds": n}`. */
function lastLineOf(events: readonly OutputLogEvent[], job: string): { exitCode: number; seconds: number; at: number } | undefined {
  for (const event of [...events].reverse()) {
    try {
      const line = JSON.parse(event.message ?? "") as Record<string, unknown>;
      if (line[JOB_LINE_NAME_FIELD] === job && typeof line.exit_code === "number") {
        return { exitCode: line.exit_code, seconds: Number(line.duration_seconds ?? 0), at: event.timestamp ?? 0 };
      }
    } catch {
      // not the job's line
    }
  }
  return undefined;
}

/**
 * Reports each job's last run: the newest log stream of its log group (one per task, `<job>/<job>/<task id>`) and the
 * last line the job's shell printed there (exit code, duration), and the tasks of its family running now. Stopped ECS
 * tasks are kept only about an hour; the log keeps every run for the group's retention.
 */
export async function reportJobs(jobs: readonly JobTarget[], deps: JobReportDeps, now: () => number = Date.now): Promise<JobReport[]> {
  const ecs = withOperationNames(deps.ecs, "ECS");
  const logs = withOperationNames(deps.logs, "CloudWatchLogs");
  const reports: JobReport[] = [];
  for (const job of jobs) {
    const report = (status: JobReport["status"], message: string): JobReport => ({ job: job.name, status, message });
    let result: JobReport;
    try {
      const running = (await ecs.send(new ListTasksCommand({ cluster: job.cluster, family: job.taskDefinitionFamily, desiredStatus: "RUNNING" }))).taskArns ?? [];
      const streams = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: job.logGroupName, orderBy: "LastEventTime", descending: true, limit: 1 }))).logStreams ?? [];
      const stream = streams[0];
      const task = stream?.logStreamName?.split("/").pop();
      const runningNote = running.length > 0 ? `; running now: ${running.map((arn) => arn.split("/").pop()).join(", ")}` : "";
      if (stream?.logStreamName === undefined) {
        result = running.length > 0 ? report("ok", `first run under way${runningNote}`) : report("skipped", `no run yet (no log stream in ${job.logGroupName})`);
      } else {
        const events = (await logs.send(new GetLogEventsCommand({ logGroupName: job.logGroupName, logStreamName: stream.logStreamName, startFromHead: false, limit: 50 }))).events ?? [];
        const last = lastLineOf(events, job.name);
        if (last === undefined) {
          const when = stream.lastEventTimestamp === undefined ? "" : ` at ${new Date(stream.lastEventTimestamp).toISOString()}`;
          result = running.some((arn) => arn.endsWith(`/${task}`))
            ? report("ok", `running now (task ${task}, last log line${when})`)
            : report("failed", `last run (task ${task}, last log line${when}) ended without its closing line: killed (out of memory, stopped) before the job's shell could report; see aws ecs describe-tasks and the log stream ${stream.logStreamName}${runningNote}`);
        } else {
          const ago = formatDuration(Math.max(0, now() - last.at));
          const what = `last run ended ${new Date(last.at).toISOString()} (${ago} ago, task ${task}): exit code ${last.exitCode} after ${last.seconds} s`;
          result =
            last.exitCode === 0
              ? report("ok", `${what}${runningNote}`)
              : report("failed", `${what}${last.exitCode === 124 ? ` (stopped at its ${job.timeoutMinutes}-minute limit)` : ""}; log stream ${stream.logStreamName}${runningNote}`);
        }
      }
    } catch (error) {
      result = report("error", describeAwsError(error));
    }
    deps.reporter.info(`job ${job.name} (${job.schedule}${job.timezone === "UTC" ? "" : ` ${job.timezone}`}, family ${job.taskDefinitionFamily})`);
    (result.status === "ok" || result.status === "skipped" ? deps.reporter.info : deps.reporter.error)(`  ${LABEL[result.status]} last run: ${result.message}`);
    reports.push(result);
  }
  return reports;
}

const LABEL: Readonly<Record<JobReport["status"], string>> = { ok: "ok     ", failed: "FAILED ", error: "ERROR  ", skipped: "-      " };
