import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import {
  AccessDeniedException,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  Task,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { ExitCode, MigrationRunOptions, Reporter, runMigration } from "../../src/migrations/runner";
import { MigrationTarget } from "../../src/migrations/target";
import { WatchedTask } from "../../src/migrations/watchdog";

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);

const TASK_ID = "0123456789abcdef0123456789abcdef";
const TASK_ARN = `arn:aws:ecs:eu-west-1:111122223333:task/whcsites-staging/${TASK_ID}`;
const OTHER_TASK_ARN = "arn:aws:ecs:eu-west-1:111122223333:task/whcsites-staging/ffffffffffffffffffffffffffffffff";
const TD_ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-staging-migrate:7";
const IMAGE = "ghcr.io/example/whcsites-api:1.4.0";
const DIGEST = `sha256:${"3f".repeat(32)}`;

const TARGET: MigrationTarget = {
  cluster: "whcsites-staging",
  taskDefinition: "whcsites-staging-migrate",
  containerName: "api",
  subnetIds: ["subnet-aaa", "subnet-bbb"],
  securityGroupIds: ["sg-123"],
  region: "eu-west-1",
  logGroup: "/whcsites/staging/api",
  logStreamPrefix: "migrate",
  image: IMAGE,
};

/** Waiter delays of a few milliseconds: every test runs in well under a second. */
const FAST: MigrationRunOptions = { timeoutMs: 5_000, waiterMinDelaySeconds: 0.005, waiterMaxDelaySeconds: 0.01, logPollIntervalMs: 5 };

/** The ECS calls that change something; a dry run or a refusal must make none of them. */
const CHANGING_COMMANDS = ["RunTaskCommand", "StopTaskCommand"];

interface Captured extends Reporter {
  readonly infos: string[];
  readonly logs: string[];
  readonly errors: string[];
}

function capture(): Captured {
  const infos: string[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  return { infos, logs, errors, info: (l) => infos.push(l), log: (l) => logs.push(l), error: (l) => errors.push(l) };
}

function task(lastStatus: string, extra: Partial<Task> = {}): Task {
  return { taskArn: TASK_ARN, lastStatus, desiredStatus: lastStatus === "STOPPED" ? "STOPPED" : "RUNNING", ...extra };
}

function stopped(exitCode: number | undefined, extra: Partial<Task> = {}, containerReason?: string): Task {
  return task("STOPPED", {
    stopCode: "EssentialContainerExited",
    stoppedReason: "Essential container in task exited",
    containers: [{ name: "api", lastStatus: "STOPPED", exitCode, reason: containerReason }],
    ...extra,
  });
}

function givenTaskDefinition(image = IMAGE): void {
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TD_ARN,
      containerDefinitions: [
        {
          name: "api",
          image,
          command: ["/app/bin/migrate"],
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/whcsites/staging/api", "awslogs-stream-prefix": "migrate" } },
        },
      ],
    },
  });
}

function givenNoMigrationRunning(): void {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
}

function givenRunTaskStarts(): void {
  ecsMock.on(RunTaskCommand).resolves({ tasks: [task("PROVISIONING")], failures: [] });
}

/** The task's statuses as DescribeTasks answers them, one per call; the last one repeats. */
function givenTaskGoesThrough(...states: Task[]): void {
  const stub = ecsMock.on(DescribeTasksCommand, { tasks: [TASK_ARN] });
  states.slice(0, -1).forEach((s) => stub.resolvesOnce({ tasks: [s], failures: [] }));
  stub.resolves({ tasks: [states[states.length - 1]], failures: [] });
}

/**
 * The task answers `running` until StopTask; after StopTask, DescribeTasks answers `afterStop` one per call (the last
 * repeats), as ECS does while the container gets SIGTERM and the task deprovisions.
 */
function givenTaskRunsUntilStopped(running: Task, ...afterStop: Task[]): void {
  let stopRequested = false;
  let call = 0;
  ecsMock.on(StopTaskCommand).callsFake(() => {
    stopRequested = true;
    return { task: { ...running, desiredStatus: "STOPPED" } };
  });
  ecsMock
    .on(DescribeTasksCommand, { tasks: [TASK_ARN] })
    .callsFake(() => ({ tasks: [stopRequested ? afterStop[Math.min(call++, afterStop.length - 1)] : running], failures: [] }));
}

/** What ECS reports once a task stopped by StopTask is gone. */
const STOPPED_BY_USER = stopped(undefined, { stopCode: "UserInitiated", stoppedReason: "whcsites migrate: ..." });
const STOPPING = task("DEPROVISIONING", { desiredStatus: "STOPPED" });

/** The DescribeTasks calls for the started task made after StopTask (the wait for STOPPED). */
function describeCallsAfterStop(): number {
  const names = ecsMock.calls().map((c) => (c.args[0] as object).constructor.name);
  const stopAt = names.indexOf("StopTaskCommand");
  return stopAt < 0 ? 0 : names.slice(stopAt).filter((n) => n === "DescribeTasksCommand").length;
}

function givenNoLogStream(): void {
  logsMock.on(GetLogEventsCommand).rejects(new ResourceNotFoundException({ message: "The specified log stream does not exist.", $metadata: {} }));
}

function changingCalls(): string[] {
  return ecsMock.calls().map((c) => (c.args[0] as object).constructor.name).filter((name) => CHANGING_COMMANDS.includes(name));
}

function deps(reporter: Reporter, extra: object = {}) {
  return { ecs: new ECSClient({ region: "eu-west-1" }), logs: new CloudWatchLogsClient({ region: "eu-west-1" }), reporter, ...extra };
}

beforeEach(() => {
  ecsMock.reset();
  logsMock.reset();
});

describe("runMigration: success", () => {
  it("runs the task on Fargate in the private subnets without a public IP, and exits 0 when the container exits 0", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("PENDING"), task("RUNNING"), stopped(0));
    givenNoLogStream();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, imageTag: "1.4.0" }, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "succeeded", exitCode: ExitCode.Success, taskArn: TASK_ARN, containerExitCode: 0 });
    expect(ecsMock).toHaveReceivedCommandTimes(RunTaskCommand, 1);
    expect(ecsMock).toHaveReceivedCommandWith(RunTaskCommand, {
      cluster: "whcsites-staging",
      taskDefinition: TD_ARN,
      launchType: "FARGATE",
      count: 1,
      startedBy: "whcsites-migrate",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-aaa", "subnet-bbb"], securityGroups: ["sg-123"], assignPublicIp: "DISABLED" } },
    });
    expect(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(ecsMock).not.toHaveReceivedCommand(StopTaskCommand);
    expect(out.infos.at(-1)).toMatch(/Migration succeeded: container api exited 0/);
    expect(out.errors).toEqual([]);
  });

  it("shows each status change of the task with the elapsed time", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("PENDING"), task("RUNNING"), stopped(0));
    givenNoLogStream();
    const out = capture();

    // WHEN
    await runMigration(TARGET, FAST, deps(out));

    // THEN
    const statusLines = out.infos.filter((l) => /^\[\d+s\] task /.test(l));
    expect(statusLines.map((l) => l.replace(/^\[\d+s\] task /, ""))).toEqual([
      "PROVISIONING",
      "PROVISIONING -> PENDING",
      "PENDING -> RUNNING",
      "RUNNING -> STOPPED",
    ]);
  });

  it("prints an elapsed-time line while the task runs quietly", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenNoLogStream();
    const out = capture();
    // The task runs, quietly, until the runner has printed an elapsed-time line: how busy the machine is changes how
    // long that takes, not what the test sees. Without such a line it stops after 500 polls (the THEN fails).
    const heartbeat = (l: string) => /^\[\d+s\] still RUNNING \(timeout 5s\)$/.test(l);
    let polls = 0;
    ecsMock.on(DescribeTasksCommand, { tasks: [TASK_ARN] }).callsFake(() => ({ tasks: [out.infos.some(heartbeat) || ++polls > 500 ? stopped(0) : task("RUNNING")] }));

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, heartbeatIntervalMs: 30 }, deps(out));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(out.infos.some(heartbeat)).toBe(true);
  });

  it("streams the task's log lines in order from <prefix>/<container>/<task id>, once the stream exists", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("PENDING"), task("RUNNING"), task("RUNNING"), stopped(0));
    logsMock
      .on(GetLogEventsCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "The specified log stream does not exist.", $metadata: {} }))
      .resolvesOnce({ events: [{ message: "Running migrations\n" }, { message: "== Migrated 20240101000000 in 0.1s" }], nextForwardToken: "f/1" })
      .resolvesOnce({ events: [{ message: "done" }], nextForwardToken: "f/2" })
      .resolves({ events: [], nextForwardToken: "f/2" });
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(out.logs).toEqual(["  | Running migrations", "  | == Migrated 20240101000000 in 0.1s", "  | done"]);
    expect(logsMock).toHaveReceivedCommandWith(GetLogEventsCommand, {
      logGroupName: "/whcsites/staging/api",
      logStreamName: `migrate/api/${TASK_ID}`,
      startFromHead: true,
    });
    // Reads continue from the forward token, so no line is printed twice.
    expect(logsMock).toHaveReceivedCommandWith(GetLogEventsCommand, { nextToken: "f/1" });
    expect(logsMock).toHaveReceivedCommandWith(GetLogEventsCommand, { nextToken: "f/2" });
    // The log lines come before the verdict.
    expect(out.errors).toEqual([]);
  });

  it("takes the log group and prefix from the task definition when the target has none", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(stopped(0));
    logsMock.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: "f/0" });
    const out = capture();

    // WHEN
    await runMigration({ ...TARGET, logGroup: undefined, logStreamPrefix: undefined }, FAST, deps(out));

    // THEN
    expect(logsMock).toHaveReceivedCommandWith(GetLogEventsCommand, { logGroupName: "/whcsites/staging/api", logStreamName: `migrate/api/${TASK_ID}` });
  });

  it("reports a log read failure once and still judges the migration by its exit code", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("RUNNING"), task("RUNNING"), stopped(0));
    logsMock.on(GetLogEventsCommand).rejects(new Error("User is not authorized to perform: logs:GetLogEvents"));
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(out.errors.filter((l) => l.startsWith("warning: cannot read the task's logs"))).toHaveLength(1);
  });

  it("uses the SDK waiters (RUNNING then STOPPED) bounded by the timeout", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("RUNNING"), stopped(0));
    givenNoLogStream();
    const running = jest.fn(waitUntilTasksRunning);
    const stoppedWaiter = jest.fn(waitUntilTasksStopped);

    // WHEN
    await runMigration(TARGET, FAST, deps(capture(), { waitUntilTasksRunning: running, waitUntilTasksStopped: stoppedWaiter }));

    // THEN
    for (const waiter of [running, stoppedWaiter]) {
      expect(waiter).toHaveBeenCalledTimes(1);
      const [params, input] = waiter.mock.calls[0];
      expect(input).toEqual({ cluster: "whcsites-staging", tasks: [TASK_ARN] });
      expect(params.maxWaitTime).toBeGreaterThan(0);
      expect(params.maxWaitTime).toBeLessThanOrEqual(5);
    }
  });
});

describe("runMigration: the migration fails", () => {
  it("exits 1 and reports the exit code when the container exits non-zero", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("RUNNING"), stopped(3));
    givenNoLogStream();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "failed", exitCode: ExitCode.MigrationFailed, containerExitCode: 3 });
    expect(out.errors.at(-1)).toMatch(/migration FAILED: container api exited with code 3 .*Essential container in task exited/);
    expect(ecsMock).not.toHaveReceivedCommand(StopTaskCommand);
  });

  it("exits 4 with the reasons when RunTask returns failures", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: TD_ARN, reason: "RESOURCE:ENI", detail: "no free IP addresses in subnet-aaa" }] });
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "failed-to-start", exitCode: ExitCode.FailedToStart });
    expect(result.message).toMatch(/could not be started: RESOURCE:ENI \(no free IP addresses in subnet-aaa\)/);
    expect(ecsMock).not.toHaveReceivedCommand(StopTaskCommand);
    expect(ecsMock).not.toHaveReceivedCommand(DescribeTasksCommand);
  });

  it("exits 4 with the reason when the task stops before running (CannotPullContainerError)", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    const pullError = "CannotPullContainerError: pull image manifest has been retried 5 time(s): ghcr.io/example/whcsites-api:1.4.0: not found";
    givenTaskGoesThrough(task("PENDING"), stopped(undefined, { stopCode: "TaskFailedToStart", stoppedReason: pullError }, pullError));
    givenNoLogStream();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "failed-to-start", exitCode: ExitCode.FailedToStart, taskArn: TASK_ARN });
    expect(result.message).toMatch(/did not run: TaskFailedToStart; CannotPullContainerError/);
    expect(out.errors.at(-1)).toBe(result.message);
  });

  it("exits 4 on ResourceInitializationError (secrets or network unreachable)", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    const initError = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed";
    givenTaskGoesThrough(stopped(undefined, { stopCode: "TaskFailedToStart", stoppedReason: initError }));
    givenNoLogStream();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.FailedToStart);
    expect(result.message).toContain("ResourceInitializationError");
  });

  it("exits 6 with the AWS error and starts nothing when a read call is denied", async () => {
    // GIVEN
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(new AccessDeniedException({ message: "not authorized to perform ecs:DescribeTaskDefinition", $metadata: {} }));
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "error", exitCode: ExitCode.AwsError });
    expect(out.errors.at(-1)).toBe(
      "AWS error AccessDeniedException in ECS DescribeTaskDefinition: not authorized to perform ecs:DescribeTaskDefinition (the caller lacks an IAM permission)",
    );
    expect(changingCalls()).toEqual([]);
  });

  it("stops the started task when an AWS call fails after the start", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenNoLogStream();
    ecsMock.on(StopTaskCommand).resolves({});
    ecsMock.on(DescribeTasksCommand, { tasks: [TASK_ARN] }).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    // Injected waiters that pass at once, so only the final DescribeTasks meets the error.
    const passes = jest.fn(async () => ({ state: "SUCCESS" }));

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(capture(), { waitUntilTasksRunning: passes, waitUntilTasksStopped: passes }));

    // THEN
    expect(result).toMatchObject({ outcome: "error", exitCode: ExitCode.AwsError });
    expect(result.message).toMatch(/^AWS error ThrottlingException in ECS DescribeTasks: Rate exceeded/);
    expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, { cluster: "whcsites-staging", task: TASK_ARN, reason: "whcsites migrate: runner error (ThrottlingException)" });
  });

  it("refuses a task definition without the migration container (exit 2)", async () => {
    // GIVEN
    givenTaskDefinition();

    // WHEN
    const result = await runMigration({ ...TARGET, containerName: "migrator" }, FAST, deps(capture()));

    // THEN
    expect(result).toMatchObject({ outcome: "invalid", exitCode: ExitCode.Usage });
    expect(result.message).toMatch(/has no container named "migrator" \(containers: api\)/);
    expect(changingCalls()).toEqual([]);
  });

  it("refuses an invalid target before any AWS call (exit 2)", async () => {
    // WHEN
    const result = await runMigration({ ...TARGET, subnetIds: [], startedBy: "x".repeat(37) }, FAST, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Usage);
    expect(result.message).toMatch(/subnetIds must be a non-empty list/);
    expect(result.message).toMatch(/startedBy must be 1-36/);
    expect(ecsMock.calls()).toHaveLength(0);
  });
});

describe("runMigration: timeout", () => {
  it("stops the task, waits until it is STOPPED, and exits 5 when it is still running at the timeout", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskRunsUntilStopped(task("RUNNING"), STOPPING, STOPPING, STOPPED_BY_USER);
    givenNoLogStream();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 200 }, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "timed-out", exitCode: ExitCode.TimedOut, taskArn: TASK_ARN });
    expect(ecsMock).toHaveReceivedCommandTimes(StopTaskCommand, 1);
    expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, { cluster: "whcsites-staging", task: TASK_ARN, reason: "whcsites migrate: timed out after 0s" });
    // It returned only once DescribeTasks said STOPPED: twice DEPROVISIONING, then STOPPED.
    expect(describeCallsAfterStop()).toBe(3);
    expect(out.infos.filter((l) => / task /.test(l)).map((l) => l.replace(/^\[\d+s\] task /, ""))).toEqual(
      expect.arrayContaining(["RUNNING -> DEPROVISIONING", "DEPROVISIONING -> STOPPED"]),
    );
    expect(result.message).toMatch(/^migration timed out after 0s; stopped task \S+\. Read its log/);
  });

  it("stops the task when it never gets to RUNNING", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskRunsUntilStopped(task("PENDING"), STOPPED_BY_USER);
    givenNoLogStream();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 150 }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.TimedOut);
    expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, { task: TASK_ARN });
  });

  it("says how to check the task when it does not reach STOPPED within the stop wait", async () => {
    // GIVEN a task that is asked to stop but keeps RUNNING (a container ignoring SIGTERM until ECS kills it)
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskRunsUntilStopped(task("RUNNING"), task("RUNNING", { desiredStatus: "STOPPED" }));
    givenNoLogStream();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 150, stopWaitMs: 100 }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.TimedOut);
    expect(describeCallsAfterStop()).toBeGreaterThan(1);
    expect(result.message).toContain(
      `The task was asked to stop but did not reach STOPPED within 0s: check it with aws ecs describe-tasks --cluster whcsites-staging --tasks ${TASK_ARN}`,
    );
  });

  it("says how to stop the task by hand when StopTask fails", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("RUNNING"));
    ecsMock.on(StopTaskCommand).rejects(new AccessDeniedException({ message: "not authorized to perform ecs:StopTask", $metadata: {} }));
    givenNoLogStream();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 150 }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.TimedOut);
    expect(result.message).toMatch(/^migration timed out after 0s; task \S+\. Stopping it FAILED/);
    expect(result.message).toContain(`Stopping it FAILED (AWS error AccessDeniedException in ECS StopTask: not authorized to perform ecs:StopTask`);
    expect(result.message).toContain(`aws ecs stop-task --cluster whcsites-staging --task ${TASK_ARN}`);
  });
});

describe("runMigration: safety rails", () => {
  it("refuses to start while another migration of the environment is running, naming its task", async () => {
    // GIVEN
    givenTaskDefinition();
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [OTHER_TASK_ARN] });
    ecsMock.on(DescribeTasksCommand, { tasks: [OTHER_TASK_ARN] }).resolves({
      tasks: [{ taskArn: OTHER_TASK_ARN, lastStatus: "RUNNING", desiredStatus: "RUNNING", startedAt: new Date("2026-01-01T10:00:00Z") }],
    });
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "refused", exitCode: ExitCode.Refused });
    expect(result.message).toContain(`another migration (startedBy=whcsites-migrate) is running or still stopping on cluster whcsites-staging`);
    expect(result.message).toContain(`${OTHER_TASK_ARN} (RUNNING, started 2026-01-01T10:00:00.000Z)`);
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, { cluster: "whcsites-staging", startedBy: "whcsites-migrate", desiredStatus: "RUNNING" });
    expect(ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
    expect(changingCalls()).toEqual([]);
  });

  it("refuses while a migration that was asked to stop has not stopped yet (an interrupted deploy's task)", async () => {
    // GIVEN a task stopped by a previous run's StopTask, still deprovisioning
    givenTaskDefinition();
    ecsMock.on(ListTasksCommand, { desiredStatus: "RUNNING" }).resolves({ taskArns: [] });
    ecsMock.on(ListTasksCommand, { desiredStatus: "STOPPED" }).resolves({ taskArns: [OTHER_TASK_ARN] });
    ecsMock.on(DescribeTasksCommand, { tasks: [OTHER_TASK_ARN] }).resolves({ tasks: [{ taskArn: OTHER_TASK_ARN, lastStatus: "DEPROVISIONING", desiredStatus: "STOPPED" }] });

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(capture()));

    // THEN
    expect(result).toMatchObject({ outcome: "refused", exitCode: ExitCode.Refused });
    expect(result.message).toContain(`${OTHER_TASK_ARN} (DEPROVISIONING, stopping)`);
    expect(result.message).toContain("It was asked to stop and has not stopped yet");
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, { cluster: "whcsites-staging", startedBy: "whcsites-migrate", desiredStatus: "STOPPED" });
    expect(changingCalls()).toEqual([]);
  });

  it("does not count migrations that have STOPPED", async () => {
    // GIVEN
    givenTaskDefinition();
    ecsMock.on(ListTasksCommand, { desiredStatus: "RUNNING" }).resolves({ taskArns: [] });
    ecsMock.on(ListTasksCommand, { desiredStatus: "STOPPED" }).resolves({ taskArns: [OTHER_TASK_ARN] });
    ecsMock.on(DescribeTasksCommand, { tasks: [OTHER_TASK_ARN] }).resolves({ tasks: [{ taskArn: OTHER_TASK_ARN, lastStatus: "STOPPED", desiredStatus: "STOPPED" }] });
    givenRunTaskStarts();
    givenTaskGoesThrough(stopped(0));
    givenNoLogStream();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(ecsMock).toHaveReceivedCommandTimes(RunTaskCommand, 1);
  });

  it("looks for running migrations with the target's own marker", async () => {
    // GIVEN
    givenTaskDefinition();
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [OTHER_TASK_ARN] });
    ecsMock.on(DescribeTasksCommand, { tasks: [OTHER_TASK_ARN] }).resolves({ tasks: [{ taskArn: OTHER_TASK_ARN, lastStatus: "PENDING", desiredStatus: "RUNNING" }] });

    // WHEN
    const result = await runMigration({ ...TARGET, startedBy: "whcsites-staging-migrate" }, FAST, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, { startedBy: "whcsites-staging-migrate" });
  });

  it("refuses when the task definition does not run <repository>:<image tag>", async () => {
    // GIVEN
    givenTaskDefinition("ghcr.io/example/whcsites-api:1.4.0");
    givenNoMigrationRunning();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, imageTag: "1.5.0" }, deps(capture()));

    // THEN
    expect(result).toMatchObject({ outcome: "refused", exitCode: ExitCode.Refused });
    expect(result.message).toContain(`task definition ${TD_ARN} runs ghcr.io/example/whcsites-api:1.4.0, but ghcr.io/example/whcsites-api:1.5.0 was asked for`);
    expect(changingCalls()).toEqual([]);
  });

  it("refuses when the task definition runs another repository with the asked tag", async () => {
    // GIVEN
    givenTaskDefinition("ghcr.io/attacker/other:1.4.0");

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, imageTag: "1.4.0" }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(result.message).toContain("but ghcr.io/example/whcsites-api:1.4.0 was asked for");
  });

  it("refuses when the task definition's image is not the --expected-image", async () => {
    // GIVEN
    givenTaskDefinition("ghcr.io/example/whcsites-api:1.4.0");

    // WHEN
    const result = await runMigration({ ...TARGET, image: undefined }, { ...FAST, expectedImage: "ghcr.io/example/whcsites-api:1.4.1" }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it("runs when the task definition pins the digest asked for with --expected-image", async () => {
    // GIVEN
    givenTaskDefinition(`ghcr.io/example/whcsites-api@${DIGEST}`);
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(stopped(0));
    givenNoLogStream();

    // WHEN
    const result = await runMigration({ ...TARGET, image: undefined }, { ...FAST, expectedImage: `ghcr.io/example/whcsites-api@${DIGEST}` }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(ecsMock).toHaveReceivedCommandTimes(RunTaskCommand, 1);
  });

  it("runs when the stack's configured image is a digest and the task definition runs it", async () => {
    // GIVEN
    givenTaskDefinition(`ghcr.io/example/whcsites-api@${DIGEST}`);
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(stopped(0));
    givenNoLogStream();

    // WHEN
    const result = await runMigration({ ...TARGET, image: `ghcr.io/example/whcsites-api@${DIGEST}` }, FAST, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
  });

  it("refuses when the task definition pins another digest", async () => {
    // GIVEN
    const other = `sha256:${"0".repeat(64)}`;
    givenTaskDefinition(`ghcr.io/example/whcsites-api@${other}`);

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, expectedImage: `ghcr.io/example/whcsites-api@${DIGEST}` }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(result.message).toContain(`runs ghcr.io/example/whcsites-api@${other}, but ghcr.io/example/whcsites-api@${DIGEST} was asked for`);
    expect(changingCalls()).toEqual([]);
  });

  it("refuses a tag check against a task definition that pins a digest, saying to ask for the digest", async () => {
    // GIVEN
    givenTaskDefinition(`ghcr.io/example/whcsites-api@${DIGEST}`);

    // WHEN
    const result = await runMigration({ ...TARGET, image: undefined }, { ...FAST, imageTag: "1.4.0" }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(result.message).toContain("The task definition pins a digest, which a tag cannot be checked against here: ask for that digest with --expected-image.");
  });

  it.each([
    [{ expectedImage: "ghcr.io/example/whcsites-api@sha256:abc" }, /expected image "ghcr\.io\/example\/whcsites-api@sha256:abc": digest "sha256:abc" is not sha256:<64 lowercase hex digits>/],
    [{ imageTag: `sha256:${"a".repeat(64)}` }, /image tag "sha256:a+": that is a digest, not a tag: give the full reference with --expected-image/],
  ])("refuses a malformed image (%j) before any AWS call (exit 2)", async (options, message) => {
    // WHEN
    const result = await runMigration(TARGET, { ...FAST, ...options }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Usage);
    expect(result.message).toMatch(message);
    expect(ecsMock.calls()).toHaveLength(0);
  });

  it("refuses when the task definition drifted from the stack's configured image", async () => {
    // GIVEN
    givenTaskDefinition("ghcr.io/example/whcsites-api:1.3.9");

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
  });

  it("dry run prints the plan and makes no changing call", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, dryRun: true, imageTag: "1.4.0" }, deps(out));

    // THEN
    expect(result).toMatchObject({ outcome: "dry-run", exitCode: ExitCode.Success });
    expect(changingCalls()).toEqual([]);
    expect(logsMock.calls()).toHaveLength(0);
    const printed = out.infos.join("\n");
    for (const expected of ["whcsites-staging", TD_ARN, "/app/bin/migrate", "subnet-aaa, subnet-bbb", "sg-123", IMAGE, "Dry run: would call RunTask", '"assignPublicIp": "DISABLED"', '"launchType": "FARGATE"']) {
      expect(printed).toContain(expected);
    }
  });

  it("dry run still applies the rails (a running migration is reported)", async () => {
    // GIVEN
    givenTaskDefinition();
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [OTHER_TASK_ARN] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: OTHER_TASK_ARN, lastStatus: "RUNNING", desiredStatus: "RUNNING" }] });

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, dryRun: true }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Refused);
    expect(changingCalls()).toEqual([]);
  });
});

describe("runMigration: interruption", () => {
  it.each([
    ["SIGINT", ExitCode.Interrupted, "interrupted by operator (SIGINT)"],
    ["SIGTERM", ExitCode.Terminated, "interrupted by operator (SIGTERM)"],
    ["SIGHUP", ExitCode.Detached, "interrupted: the terminal hung up (SIGHUP)"],
    ["parent-exited", ExitCode.Detached, "interrupted: the runner's parent process exited (Terraform interrupted?)"],
    ["output-closed", ExitCode.Detached, "interrupted: the runner's output was closed (EPIPE: its reader is gone)"],
  ])("on %s: stops the task it started, waits until it is STOPPED, and exits %i", async (reason, exitCode, text) => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    const controller = new AbortController();
    ecsMock.on(RunTaskCommand).callsFake(() => {
      setTimeout(() => controller.abort(reason), 30);
      return { tasks: [task("PROVISIONING")], failures: [] };
    });
    givenTaskRunsUntilStopped(task("RUNNING"), STOPPING, STOPPED_BY_USER);
    givenNoLogStream();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, signal: controller.signal }, deps(capture()));

    // THEN
    expect(result).toMatchObject({ outcome: "interrupted", exitCode, taskArn: TASK_ARN });
    expect(result.message).toBe(`migration ${text}; stopped task ${TASK_ARN}.`);
    expect(ecsMock).toHaveReceivedCommandTimes(StopTaskCommand, 1);
    expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, { cluster: "whcsites-staging", task: TASK_ARN, reason: `whcsites migrate: ${text}` });
    // The abort that caused the stop does not cut the wait for STOPPED short: DEPROVISIONING, then STOPPED (the
    // aborted waiter may poll once more on its own).
    expect(describeCallsAfterStop()).toBeGreaterThanOrEqual(2);
  });

  it("starts nothing when interrupted before RunTask", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    const controller = new AbortController();
    controller.abort("SIGINT");

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, signal: controller.signal }, deps(capture()));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Interrupted);
    expect(changingCalls()).toEqual([]);
  });
});

describe("runMigration: watchdog", () => {
  function recordingWatchdog() {
    const started: WatchedTask[] = [];
    let releases = 0;
    const startWatchdog = (t: WatchedTask) => {
      started.push(t);
      return { pid: 4242, release: () => void releases++ };
    };
    return { started, releases: () => releases, startWatchdog };
  }

  it("guards the started task with a watchdog and releases it once the task has stopped", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(task("RUNNING"), stopped(0));
    givenNoLogStream();
    const watchdog = recordingWatchdog();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out, { startWatchdog: watchdog.startWatchdog }));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(watchdog.started).toEqual([{ cluster: "whcsites-staging", taskArn: TASK_ARN, region: "eu-west-1" }]);
    expect(watchdog.releases()).toBe(1);
    expect(out.infos).toContain("Watchdog 4242 stops the task should this runner die before it has stopped");
  });

  it("releases the watchdog only after the task stopped on a timeout", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskRunsUntilStopped(task("RUNNING"), STOPPING, STOPPED_BY_USER);
    givenNoLogStream();
    let describeCallsAtRelease = -1;
    const startWatchdog = () => ({ pid: 1, release: () => void (describeCallsAtRelease = describeCallsAfterStop()) });

    // WHEN
    await runMigration(TARGET, { ...FAST, timeoutMs: 150 }, deps(capture(), { startWatchdog }));

    // THEN
    expect(describeCallsAtRelease).toBeGreaterThanOrEqual(2);
  });

  it("releases the watchdog when an AWS call fails after the start", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenNoLogStream();
    ecsMock.on(StopTaskCommand).resolves({});
    ecsMock.on(DescribeTasksCommand, { tasks: [TASK_ARN] }).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const passes = jest.fn(async () => ({ state: "SUCCESS" }));
    const watchdog = recordingWatchdog();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(capture(), { waitUntilTasksRunning: passes, waitUntilTasksStopped: passes, startWatchdog: watchdog.startWatchdog }));

    // THEN
    expect(result.exitCode).toBe(ExitCode.AwsError);
    expect(watchdog.releases()).toBe(1);
  });

  it("starts no watchdog when nothing is started (dry run, refusal)", async () => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    const watchdog = recordingWatchdog();

    // WHEN
    await runMigration(TARGET, { ...FAST, dryRun: true }, deps(capture(), { startWatchdog: watchdog.startWatchdog }));
    await runMigration(TARGET, { ...FAST, imageTag: "9.9.9" }, deps(capture(), { startWatchdog: watchdog.startWatchdog }));

    // THEN
    expect(watchdog.started).toEqual([]);
  });

  it.each([
    ["throws", () => {
      throw new Error("spawn ENOMEM");
    }, "spawn ENOMEM"],
    ["has no process", () => ({ pid: undefined, release: () => undefined }), "no process"],
  ])("goes on with a warning when the watchdog cannot start (it %s)", async (_case, startWatchdog, why) => {
    // GIVEN
    givenTaskDefinition();
    givenNoMigrationRunning();
    givenRunTaskStarts();
    givenTaskGoesThrough(stopped(0));
    givenNoLogStream();
    const out = capture();

    // WHEN
    const result = await runMigration(TARGET, FAST, deps(out, { startWatchdog }));

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(out.errors).toContain(`warning: the watchdog did not start (${why}); the task is not stopped if this runner is killed`);
    expect(out.infos.some((l) => l.startsWith("Watchdog"))).toBe(false);
  });
});
