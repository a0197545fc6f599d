import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { main } from "../../src/verify/cli";
import { JobReport, JobTarget, jobsFromOutput, reportJobs } from "../../src/verify/jobs";
import { ExitCode } from "../../src/verify/verifier";

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);

const JOB: JobTarget = {
  name: "nightly-cleanup",
  schedule: "cron(0 2 * * ? *)",
  timezone: "Europe/Paris",
  cluster: "whcsites-kinds-service",
  taskDefinitionFamily: "whcsites-kinds-nightly-cleanup",
  logGroupName: "/whcsites/kinds/ecs/nightly-cleanup",
  timeoutMinutes: 30,
};
const TASK = "0123456789abcdef0123456789abcdef";
const STREAM = `nightly-cleanup/nightly-cleanup/${TASK}`;
const ENDED = Date.UTC(2026, 11, 8, 1, 0, 42);
const NOW = ENDED + 3_600_000;
const closingLine = (exitCode: number, seconds = 42) => JSON.stringify({ whcsites_job: "nightly-cleanup", exit_code: exitCode, duration_seconds: seconds });

/** The emulated AWS state: tasks running now, the newest stream, its last events. */
function given(state: { running?: string[]; stream?: boolean; lines?: string[] }): void {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: (state.running ?? []).map((id) => `arn:aws:ecs:eu-west-1:210987654321:task/whcsites-kinds-service/${id}`) });
  logsMock.on(DescribeLogStreamsCommand).resolves({ logStreams: state.stream === false ? [] : [{ logStreamName: STREAM, lastEventTimestamp: ENDED }] });
  const lines = state.lines ?? [];
  logsMock.on(GetLogEventsCommand).resolves({ events: lines.map((message, i) => ({ message, timestamp: ENDED - (lines.length - 1 - i) * 1000 })) });
}

async function report(): Promise<{ result: JobReport; lines: string[] }> {
  const lines: string[] = [];
  const [result] = await reportJobs([JOB], { ecs: new ECSClient({ region: "eu-west-1" }), logs: new CloudWatchLogsClient({ region: "eu-west-1" }), reporter: { info: (l) => lines.push(l), error: (l) => lines.push(`ERR ${l}`) } }, () => NOW);
  return { result, lines };
}

beforeEach(() => {
  ecsMock.reset();
  logsMock.reset();
});

describe("verify: each scheduled job's last run", () => {
  it("GIVEN a last run that exited 0 WHEN reported THEN ok, with when it ended, its task and duration, read from the job's newest log stream", async () => {
    given({ lines: ["cleaned 42 rows", closingLine(0)] });
    const { result, lines } = await report();
    expect(result).toEqual({ job: "nightly-cleanup", status: "ok", message: `last run ended 2026-12-08T01:00:42.000Z (1h00m ago, task ${TASK}): exit code 0 after 42 s` });
    expect(lines[0]).toBe("job nightly-cleanup (cron(0 2 * * ? *) Europe/Paris, family whcsites-kinds-nightly-cleanup)");
    expect(logsMock).toHaveReceivedCommandWith(DescribeLogStreamsCommand, { logGroupName: JOB.logGroupName, orderBy: "LastEventTime", descending: true, limit: 1 });
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, { cluster: JOB.cluster, family: JOB.taskDefinitionFamily, desiredStatus: "RUNNING" });
  });

  it.each<[number, RegExp]>([
    [3, /exit code 3 after 42 s; log stream nightly-cleanup\/nightly-cleanup\//],
    [124, /exit code 124 after 42 s \(stopped at its 30-minute limit\)/],
  ])("GIVEN a last run that exited %i WHEN reported THEN it fails, saying so", async (code, message) => {
    given({ lines: [closingLine(code)] });
    const { result, lines } = await report();
    expect(result.status).toBe("failed");
    expect(result.message).toMatch(message);
    expect(lines[1]).toMatch(/^ERR {3}FAILED {2}last run: /);
  });

  it("GIVEN a stream without the closing line and no task running WHEN reported THEN it fails: the run was killed before its shell could report", async () => {
    given({ lines: ["cleaning..."] });
    const { result } = await report();
    expect(result.status).toBe("failed");
    expect(result.message).toMatch(/ended without its closing line: killed \(out of memory, stopped\)/);
  });

  it("GIVEN the newest stream's task still running WHEN reported THEN ok: it runs now", async () => {
    given({ running: [TASK], lines: ["cleaning..."] });
    const { result } = await report();
    expect(result).toEqual({ job: "nightly-cleanup", status: "ok", message: `running now (task ${TASK}, last log line at 2026-12-08T01:00:42.000Z)` });
  });

  it("GIVEN no log stream yet WHEN reported THEN noted, not failed", async () => {
    given({ stream: false });
    const { result } = await report();
    expect(result).toEqual({ job: "nightly-cleanup", status: "skipped", message: "no run yet (no log stream in /whcsites/kinds/ecs/nightly-cleanup)" });
  });

  it("GIVEN CloudWatch Logs refuses WHEN reported THEN an error result naming the call, never a throw", async () => {
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    logsMock.on(DescribeLogStreamsCommand).rejects(new ResourceNotFoundException({ message: "The specified log group does not exist.", $metadata: {} }));
    const { result } = await report();
    expect(result.status).toBe("error");
    expect(result.message).toMatch(/DescribeLogStreams/);
  });

  it("GIVEN the jobs output WHEN read THEN each job's fields; a malformed one is refused one line per field", () => {
    const output = { "nightly-cleanup": { schedule: JOB.schedule, timezone: JOB.timezone, cluster: JOB.cluster, task_definition_family: JOB.taskDefinitionFamily, log_group_name: JOB.logGroupName, timeout_minutes: 30 } };
    expect(jobsFromOutput(output, "stack whcsites-kinds")).toEqual([JOB]);
    expect(jobsFromOutput(undefined, "stack whcsites-staging")).toEqual([]);
    expect(() => jobsFromOutput({ x: { schedule: "rate(1 hour)", timeout_minutes: "soon" } }, "stack s")).toThrow(
      /stack s: the "jobs" output is not usable:\n {2}- x\.timeout_minutes: got "soon"; allowed: a whole number of minutes\n {2}- x\.timezone: got undefined; allowed: a non-empty string\n/,
    );
  });
});

describe("verify CLI with jobs", () => {
  const outputs = {
    services: { api: { service_name: "whcsites-kinds-service", cluster: JOB.cluster, image: "ghcr.io/whc-example/whcsites:1.4.2", task_definition_family: "whcsites-kinds-service" } },
    jobs: { "nightly-cleanup": { schedule: JOB.schedule, timezone: JOB.timezone, cluster: JOB.cluster, task_definition_family: JOB.taskDefinitionFamily, log_group_name: JOB.logGroupName, timeout_minutes: 30 } },
    migration: { region: "eu-west-1" },
  };
  const run = async (args: string[], servicesExit: number = ExitCode.Success) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["node", "scripts/verify.ts", "--stack", "whcsites-kinds", ...args], {
      writeOut: (s) => out.push(s),
      writeErr: (s) => err.push(s),
      reporter: { info: (l) => out.push(l), error: (l) => err.push(l) },
      readOutputs: async () => outputs,
      createClients: () => ({ ecs: new ECSClient({ region: "eu-west-1" }), elb: new ElasticLoadBalancingV2Client({ region: "eu-west-1" }) }),
      createLogsClient: () => new CloudWatchLogsClient({ region: "eu-west-1" }),
      run: async () => ({ checks: [], exitCode: servicesExit }),
    });
    return { code, out, err };
  };

  it("GIVEN healthy services and a job whose last run failed WHEN verified THEN exit 1, naming the job", async () => {
    given({ lines: [closingLine(3)] });
    const { code, err } = await run([]);
    expect(code).toBe(ExitCode.CheckFailed);
    expect(err).toContain("FAILED: the last run of nightly-cleanup failed");
  });

  it("GIVEN a job that succeeded WHEN verified THEN exit 0; with --service only, the jobs are not read", async () => {
    given({ lines: [closingLine(0)] });
    expect((await run([])).code).toBe(ExitCode.Success);
    logsMock.reset();
    const onlyService = await run(["--service", "api"]);
    expect(onlyService.code).toBe(ExitCode.Success);
    expect(logsMock).not.toHaveReceivedCommand(DescribeLogStreamsCommand);
  });

  it("GIVEN a job whose last run failed WHEN verified with --no-jobs (as the deploy workflow does) THEN exit 0 and the jobs are not read", async () => {
    given({ lines: [closingLine(3)] });
    const { code, err } = await run(["--no-jobs"]);
    expect({ code, err }).toEqual({ code: ExitCode.Success, err: [] });
    expect(logsMock).not.toHaveReceivedCommand(DescribeLogStreamsCommand);
  });

  it("GIVEN --no-jobs with --job WHEN verified THEN exit 2, the options conflict", async () => {
    const { code, err } = await run(["--no-jobs", "--job", "nightly-cleanup"]);
    expect(code).toBe(ExitCode.Usage);
    expect(err.join("")).toMatch(/option '--no-jobs' cannot be used with option '--job <names\.\.\.>'/);
  });

  it("GIVEN --help THEN it documents --no-jobs and why the deploy workflow uses it", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(ExitCode.Success);
    expect(out.join("")).toMatch(/--no-jobs +services only: skip the scheduled jobs' last/);
    expect(out.join("")).toMatch(/The deploy workflow verifies with --no-jobs/);
  });

  it("GIVEN --job with a name the environment does not have WHEN verified THEN exit 2 naming its jobs", async () => {
    const { code, err } = await run(["--job", "weekly"]);
    expect(code).toBe(ExitCode.Usage);
    expect(err.join("")).toMatch(/--job "weekly": no such job; the environment has nightly-cleanup/);
  });
});
