import { randomUUID } from "node:crypto";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  ContainerDefinition,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  RunTaskCommandInput,
  StopTaskCommand,
  Task,
  paginateListTasks,
  waitUntilTasksRunning as sdkWaitUntilTasksRunning,
  waitUntilTasksStopped as sdkWaitUntilTasksStopped,
} from "@aws-sdk/client-ecs";
import { describeAwsError, withOperationNames } from "../operator/aws-errors";
import { imageMatches, imageReferenceProblem, imageTagProblem, imageWithTag, parseImageReference } from "../operator/image-reference";
import { formatDuration } from "../operator/duration";
import { LogStreamer } from "./log-streamer";
import { DEFAULT_STARTED_BY, MigrationTarget, validateTarget } from "./target";
import { Watchdog, WatchedTask } from "./watchdog";

/**
 * Process exit codes of the migration runner. Scripts and the deploy gate can tell a refused run (nothing changed)
 * from a failed one.
 */
export const ExitCode = {
  /** The migration container exited 0, or a dry run found nothing wrong. */
  Success: 0,
  /** The migration ran and its container exited non-zero. */
  MigrationFailed: 1,
  /** Invalid arguments or configuration (bad flag, unusable stack output, container not in the task definition). */
  Usage: 2,
  /** A safety rail refused to start: another migration is running, or the image is not the one asked for. Nothing was started. */
  Refused: 3,
  /** The task did not start or stopped without an exit code (RunTask failures, CannotPullContainerError, ResourceInitializationError...). */
  FailedToStart: 4,
  /** The task did not finish in time; it was stopped. */
  TimedOut: 5,
  /** An AWS call failed unexpectedly (credentials, permissions, throttling, network). */
  AwsError: 6,
  /**
   * The runner lost its caller: its parent process exited (Terraform interrupted, local-exec killed the shell), its
   * output broke (EPIPE), or the terminal hung up (SIGHUP). The started task was stopped.
   */
  Detached: 129,
  /** Interrupted by SIGINT (Ctrl-C); the started task was stopped. */
  Interrupted: 130,
  /** Interrupted by SIGTERM; the started task was stopped. */
  Terminated: 143,
} as const;

/**
 * Why a run was cut short: the abort reason of {@link MigrationRunOptions.signal}. Any other reason counts as
 * `"SIGINT"`.
 */
export type InterruptReason = "SIGINT" | "SIGTERM" | "SIGHUP" | "parent-exited" | "output-closed";

const INTERRUPTS: Readonly<Record<InterruptReason, { readonly exitCode: number; readonly text: string }>> = {
  SIGINT: { exitCode: ExitCode.Interrupted, text: "interrupted by operator (SIGINT)" },
  SIGTERM: { exitCode: ExitCode.Terminated, text: "interrupted by operator (SIGTERM)" },
  SIGHUP: { exitCode: ExitCode.Detached, text: "interrupted: the terminal hung up (SIGHUP)" },
  "parent-exited": { exitCode: ExitCode.Detached, text: "interrupted: the runner's parent process exited (Terraform interrupted?)" },
  "output-closed": { exitCode: ExitCode.Detached, text: "interrupted: the runner's output was closed (EPIPE: its reader is gone)" },
};

/** How a run ended. */
export type MigrationOutcome =
  | "succeeded"
  | "dry-run"
  | "failed"
  | "refused"
  | "invalid"
  | "failed-to-start"
  | "timed-out"
  | "interrupted"
  | "error";

/** The result of {@link runMigration}: never thrown, always returned. */
export interface MigrationResult {
  /** How the run ended. */
  readonly outcome: MigrationOutcome;
  /** The process exit code for this outcome (see {@link ExitCode}). */
  readonly exitCode: number;
  /** One human sentence (or a few lines) saying what happened and what to do. */
  readonly message: string;
  /** The task started, if one was. */
  readonly taskArn?: string;
  /** The migration container's exit code, when it ran to the end. */
  readonly containerExitCode?: number;
}

/** Where the runner writes: progress and the task's log lines. */
export interface Reporter {
  /** Progress and plan lines. */
  info(line: string): void;
  /** A line of the migration container's own log. */
  log(line: string): void;
  /** Warnings and the final failure message. */
  error(line: string): void;
}

/** A reporter on the console: progress and logs on stdout, problems on stderr. */
export const consoleReporter: Reporter = {
  info: (line) => console.log(line),
  log: (line) => console.log(line),
  error: (line) => console.error(line),
};

/** What the runner does besides the target. */
export interface MigrationRunOptions {
  /** Give up (and stop the task) when it has not stopped this long after RunTask. */
  readonly timeoutMs: number;
  /** Print the plan and make no changing call (no RunTask, no StopTask). @default false */
  readonly dryRun?: boolean;
  /** Refuse unless the task definition runs `<repository>:<imageTag>` (repository of the target's image, else of the task definition's). @default no tag check */
  readonly imageTag?: string;
  /**
   * Refuse unless the task definition runs this image: `<repository>:<tag>` or `<repository>@sha256:<64 hex>` (then
   * the digest decides). Takes precedence over `imageTag` and the target's image.
   * @default the target's `image`, if any
   */
  readonly expectedImage?: string;
  /**
   * Aborting it stops the started task and waits for it to stop. The abort reason is an {@link InterruptReason}: it
   * decides the exit code (SIGINT 130, SIGTERM 143, the others 129).
   * @default none
   */
  readonly signal?: AbortSignal;
  /** After StopTask, how long to wait for the task to reach STOPPED before giving up on it. @default 300000 (5 minutes) */
  readonly stopWaitMs?: number;
  /** First delay between two DescribeTasks of the waiters. @default 2 */
  readonly waiterMinDelaySeconds?: number;
  /** Longest delay between two DescribeTasks of the waiters. @default 10 */
  readonly waiterMaxDelaySeconds?: number;
  /** Pause between two log reads. @default 2000 */
  readonly logPollIntervalMs?: number;
  /** Print an "elapsed" line when nothing was printed for this long. @default 30000 */
  readonly heartbeatIntervalMs?: number;
  /** RunTask idempotency token, so an SDK retry never starts a second task. @default a random UUID */
  readonly clientToken?: string;
  /**
   * Variables given to the container at RunTask (a container override), for a task whose target exists only at run
   * time: the restore drill gives the restored copy's host this way.
   * @default none
   */
  readonly containerEnvironment?: Readonly<Record<string, string>>;
  /** What the task is, in the plan and the final message. @default "migration" */
  readonly label?: string;
}

/** The AWS clients and hooks the runner uses; tests pass mocks. */
export interface MigrationRunnerDeps {
  /** ECS client, in the target's region. */
  readonly ecs: ECSClient;
  /** CloudWatch Logs client, in the target's region. */
  readonly logs: CloudWatchLogsClient;
  /** Output. @default {@link consoleReporter} */
  readonly reporter?: Reporter;
  /** The SDK waiter for RUNNING. @default `waitUntilTasksRunning` of @aws-sdk/client-ecs */
  readonly waitUntilTasksRunning?: typeof sdkWaitUntilTasksRunning;
  /** The SDK waiter for STOPPED. @default `waitUntilTasksStopped` of @aws-sdk/client-ecs */
  readonly waitUntilTasksStopped?: typeof sdkWaitUntilTasksStopped;
  /** Clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
  /**
   * Starts a process that stops the task should this one die before the task has stopped (even by SIGKILL); the
   * runner releases it at the end. @default none (the command line uses {@link startWatchdog})
   */
  readonly startWatchdog?: (task: WatchedTask) => Watchdog;
}

/** The waiters' and StopTask's view of why a run was cut short. */
type WaitEnd = "done" | "timeout" | "aborted";

/**
 * Runs the database migration task once and reports how it ended.
 *
 * Steps: check the target; read the task definition and refuse when its image is not the one asked for; refuse when
 * a task with the migration `startedBy` marker is still RUNNING on the cluster; print the plan (and stop there on a
 * dry run); RunTask on Fargate in the private subnets without a public IP; follow the task with the SDK waiters
 * (RUNNING, then STOPPED) within the timeout while streaming its log; judge the container's exit code.
 * On timeout or abort the task is stopped. Expected failures are returned, not thrown.
 *
 * @param target where the task runs
 * @param options timeout, rails and timings
 * @param deps AWS clients and hooks
 */
export async function runMigration(
  target: MigrationTarget,
  options: MigrationRunOptions,
  deps: MigrationRunnerDeps,
): Promise<MigrationResult> {
  const run = new MigrationRun(target, options, deps);
  return run.execute();
}

class MigrationRun {
  private readonly reporter: Reporter;
  private readonly now: () => number;
  private readonly startedBy: string;
  /** What the task is, in messages ("migration"). */
  private readonly label: string;
  /** The ECS client whose errors name the failed call. */
  private readonly ecs: ECSClient;
  private taskArn: string | undefined;
  private watchdog: Watchdog | undefined;
  private stopRequested = false;
  private runStartedAt = 0;
  private lastStatus: string | undefined;
  private lastOutputAt = 0;
  /** Appended to the final message when StopTask failed. */
  private stopNote = "";

  public constructor(
    private readonly target: MigrationTarget,
    private readonly options: MigrationRunOptions,
    private readonly deps: MigrationRunnerDeps,
  ) {
    this.reporter = deps.reporter ?? consoleReporter;
    this.now = deps.now ?? Date.now;
    this.startedBy = target.startedBy ?? DEFAULT_STARTED_BY;
    this.label = options.label ?? "migration";
    this.ecs = withOperationNames(deps.ecs, "ECS");
  }

  public async execute(): Promise<MigrationResult> {
    const problems = validateTarget(this.target);
    if (!(this.options.timeoutMs > 0)) problems.push(`timeout must be positive (got ${this.options.timeoutMs} ms)`);
    const { expectedImage, imageTag } = this.options;
    const imageProblem = expectedImage === undefined ? undefined : imageReferenceProblem(expectedImage);
    if (imageProblem !== undefined) problems.push(`expected image ${JSON.stringify(expectedImage)}: ${imageProblem}`);
    const tagProblem = imageTag === undefined ? undefined : imageTagProblem(imageTag);
    if (tagProblem !== undefined) problems.push(`image tag ${JSON.stringify(imageTag)}: ${tagProblem}`);
    if (problems.length > 0) {
      return this.finish({ outcome: "invalid", exitCode: ExitCode.Usage, message: `invalid migration target:\n  - ${problems.join("\n  - ")}` });
    }
    try {
      return this.finish(await this.steps());
    } catch (error) {
      // Unexpected failure after a start: never leave a migration running unattended.
      let stopNote = "";
      if (this.taskArn !== undefined && !this.stopRequested) {
        stopNote = await this.stopAndWait(`whcsites migrate: runner error (${errorName(error)})`);
      }
      return this.finish({ outcome: "error", exitCode: ExitCode.AwsError, message: `${describeAwsError(error)}${stopNote}`, taskArn: this.taskArn });
    } finally {
      // Whatever happened, the task is stopped or was asked to stop and waited for: the watchdog has nothing to do.
      this.watchdog?.release();
    }
  }

  private finish(result: MigrationResult): MigrationResult {
    (result.exitCode === ExitCode.Success ? this.reporter.info : this.reporter.error)(result.message);
    return result;
  }

  private async steps(): Promise<MigrationResult> {
    const { ecs, target, options } = this;

    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: target.taskDefinition }));
    const definition = described.taskDefinition;
    const taskDefinitionArn = definition?.taskDefinitionArn ?? target.taskDefinition;
    const container = definition?.containerDefinitions?.find((c) => c.name === target.containerName);
    if (container === undefined) {
      const names = (definition?.containerDefinitions ?? []).map((c) => c.name).join(", ") || "none";
      return {
        outcome: "invalid",
        exitCode: ExitCode.Usage,
        message: `task definition ${taskDefinitionArn} has no container named "${target.containerName}" (containers: ${names})`,
      };
    }

    const actualImage = container.image ?? "";
    const expectedImage =
      options.expectedImage ?? (options.imageTag !== undefined ? imageWithTag(target.image ?? actualImage, options.imageTag) : target.image);
    if (expectedImage !== undefined && !imageMatches(actualImage, expectedImage)) {
      const pinned = parseImageReference(actualImage);
      const hint =
        pinned.tag === undefined && pinned.digest !== undefined && parseImageReference(expectedImage).digest === undefined
          ? "The task definition pins a digest, which a tag cannot be checked against here: ask for that digest with --expected-image."
          : "A migration must run the version about to be deployed: apply the stack with that image first (its deploy gate runs the migration), " +
            "or ask for the image the task definition runs.";
      return {
        outcome: "refused",
        exitCode: ExitCode.Refused,
        message: `refusing to migrate: task definition ${taskDefinitionArn} runs ${actualImage || "no image"}, but ${expectedImage} was asked for. ${hint}`,
      };
    }

    const running = await this.findRunningMigrations();
    if (running.length > 0) {
      const lines = running.map(
        (t) =>
          `  ${t.taskArn} (${t.lastStatus ?? "?"}${t.desiredStatus === "STOPPED" ? ", stopping" : ""}${t.startedAt ? `, started ${t.startedAt.toISOString()}` : ""})`,
      );
      const stopHint = running.some((t) => t.desiredStatus !== "STOPPED")
        ? `Wait for it to finish, or stop it first: aws ecs stop-task --cluster ${target.cluster} --task ${running[0].taskArn}`
        : "It was asked to stop and has not stopped yet (its container may still be rolling back a transaction): wait for it to reach STOPPED.";
      return {
        outcome: "refused",
        exitCode: ExitCode.Refused,
        message: `refusing to start: another ${this.label} (startedBy=${this.startedBy}) is running or still stopping on cluster ${target.cluster}:\n${lines.join("\n")}\n${stopHint}`,
      };
    }

    const logLocation = this.logLocation(container);
    const input: RunTaskCommandInput = {
      cluster: target.cluster,
      taskDefinition: taskDefinitionArn,
      launchType: "FARGATE",
      count: 1,
      startedBy: this.startedBy,
      clientToken: options.clientToken ?? randomUUID(),
      networkConfiguration: {
        awsvpcConfiguration: { subnets: [...target.subnetIds], securityGroups: [...target.securityGroupIds], assignPublicIp: "DISABLED" },
      },
      ...(options.containerEnvironment === undefined
        ? {}
        : {
            overrides: {
              containerOverrides: [
                { name: target.containerName, environment: Object.entries(options.containerEnvironment).map(([name, value]) => ({ name, value })) },
              ],
            },
          }),
    };
    this.printPlan(input, container, logLocation);

    if (options.dryRun === true) {
      this.reporter.info(`Dry run: would call RunTask with\n${JSON.stringify({ ...input, clientToken: undefined }, null, 2)}`);
      return { outcome: "dry-run", exitCode: ExitCode.Success, message: "Dry run: nothing was started or stopped." };
    }
    if (options.signal?.aborted) return this.interrupted(" before starting the task; nothing was started");

    const started = await ecs.send(new RunTaskCommand(input));
    const task = started.tasks?.[0];
    this.taskArn = task?.taskArn;
    if (this.taskArn !== undefined) this.guard(this.taskArn);
    if ((started.failures ?? []).length > 0 || task?.taskArn === undefined) {
      const failures = (started.failures ?? []).map((f) => `${f.reason ?? "unknown"}${f.detail ? ` (${f.detail})` : ""}${f.arn ? ` [${f.arn}]` : ""}`);
      const stopNote = this.taskArn !== undefined ? await this.stopAndWait("whcsites migrate: RunTask reported failures") : "";
      return {
        outcome: "failed-to-start",
        exitCode: ExitCode.FailedToStart,
        message: `the ${this.label} task could not be started: ${failures.join("; ") || "RunTask returned no task"}${stopNote}`,
        taskArn: this.taskArn,
      };
    }
    const taskArn = task.taskArn;
    this.runStartedAt = this.now();
    this.lastOutputAt = this.runStartedAt;
    this.reporter.info(`Started task ${taskArn}`);
    this.observeStatus(task);

    const end = await this.follow(taskArn, logLocation);
    if (end === "aborted") return this.interrupted(this.stopNote === "" ? `; stopped task ${taskArn}` : `; task ${taskArn}`);
    if (end === "timeout") {
      const limit = formatDuration(options.timeoutMs);
      return {
        outcome: "timed-out",
        exitCode: ExitCode.TimedOut,
        message:
          `${this.label} timed out after ${limit}; ${this.stopNote === "" ? `stopped task ${taskArn}.` : `task ${taskArn}.${this.stopNote}`}` +
          " Read its log before running it again: a migration cut short may have left part of its work done.",
        taskArn,
      };
    }
    const final = await ecs.send(new DescribeTasksCommand({ cluster: target.cluster, tasks: [taskArn] }));
    return this.verdict(final.tasks?.[0], taskArn);
  }

  /**
   * Tasks with the migration marker that run or are still stopping: desired status RUNNING, or asked to stop but not
   * STOPPED yet (a stopped migration's container may still be rolling back when the next deploy starts).
   */
  private async findRunningMigrations(): Promise<Task[]> {
    const { ecs } = this;
    const arns = new Set<string>();
    for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
      for await (const page of paginateListTasks({ client: ecs }, { cluster: this.target.cluster, startedBy: this.startedBy, desiredStatus })) {
        for (const arn of page.taskArns ?? []) arns.add(arn);
      }
    }
    const all = [...arns];
    const tasks: Task[] = [];
    for (let i = 0; i < all.length; i += 100) {
      const out = await ecs.send(new DescribeTasksCommand({ cluster: this.target.cluster, tasks: all.slice(i, i + 100) }));
      tasks.push(...(out.tasks ?? []));
    }
    return tasks.filter((t) => t.desiredStatus === "RUNNING" || (t.desiredStatus === "STOPPED" && t.lastStatus !== "STOPPED"));
  }

  /** Starts the watchdog for the task, if the caller gave one; a watchdog that cannot start is only a warning. */
  private guard(taskArn: string): void {
    if (this.deps.startWatchdog === undefined) return;
    const warn = (why: string): void => this.reporter.error(`warning: the watchdog did not start (${why}); the task is not stopped if this runner is killed`);
    try {
      this.watchdog = this.deps.startWatchdog({ cluster: this.target.cluster, taskArn, region: this.target.region });
      if (this.watchdog.pid === undefined) warn("no process");
      else this.reporter.info(`Watchdog ${this.watchdog.pid} stops the task should this runner die before it has stopped`);
    } catch (error) {
      warn((error as Error).message);
    }
  }

  private logLocation(container: ContainerDefinition): { group: string; prefix: string } | undefined {
    const awslogs = container.logConfiguration?.logDriver === "awslogs" ? (container.logConfiguration.options ?? {}) : {};
    const group = this.target.logGroup ?? awslogs["awslogs-group"];
    const prefix = this.target.logStreamPrefix ?? awslogs["awslogs-stream-prefix"];
    return group !== undefined && prefix !== undefined ? { group, prefix } : undefined;
  }

  private printPlan(input: RunTaskCommandInput, container: ContainerDefinition, log: { group: string; prefix: string } | undefined): void {
    const vpc = input.networkConfiguration?.awsvpcConfiguration;
    const command = container.command !== undefined ? container.command.join(" ") : "(the image's default command)";
    const lines = [
      `Database ${this.label}`,
      `  cluster          ${input.cluster}`,
      `  task definition  ${input.taskDefinition}`,
      `  container        ${container.name}`,
      `  image            ${container.image}`,
      `  command          ${command}`,
      `  subnets          ${vpc?.subnets?.join(", ")}`,
      `  security groups  ${vpc?.securityGroups?.join(", ")}`,
      "  public IP        no (FARGATE, awsvpc)",
      `  startedBy        ${input.startedBy}`,
      `  logs             ${log ? `${log.group} ${log.prefix}/${container.name}/<task id>` : "not streamed (no awslogs settings)"}`,
      `  timeout          ${formatDuration(this.options.timeoutMs)}`,
    ];
    this.reporter.info(lines.join("\n"));
  }

  /** Waits for RUNNING then STOPPED within the timeout, streaming logs meanwhile; stops the task on timeout or abort. */
  private async follow(taskArn: string, log: { group: string; prefix: string } | undefined): Promise<WaitEnd> {
    const { options } = this;
    const streamer =
      log === undefined
        ? undefined
        : new LogStreamer({
            logs: this.deps.logs,
            logGroup: log.group,
            logStream: `${log.prefix}/${this.target.containerName}/${taskArn.split("/").pop()}`,
            pollIntervalMs: options.logPollIntervalMs,
            onLine: (line) => {
              this.lastOutputAt = this.now();
              this.reporter.log(`  | ${line}`);
            },
            onWarning: (message) => this.reporter.error(`warning: ${message}`),
          });
    const streaming = streamer?.run();
    const heartbeat = setInterval(() => this.heartbeat(), options.heartbeatIntervalMs ?? 30_000);
    heartbeat.unref();
    const deadline = this.runStartedAt + options.timeoutMs;
    let end: WaitEnd;
    try {
      end = await this.waitPhase(this.deps.waitUntilTasksRunning ?? sdkWaitUntilTasksRunning, taskArn, deadline);
      // A task that stopped before RUNNING makes the RUNNING waiter fail; the STOPPED waiter then returns at once.
      if (end === "done") end = await this.waitPhase(this.deps.waitUntilTasksStopped ?? sdkWaitUntilTasksStopped, taskArn, deadline);
      if (end === "timeout") {
        this.stopNote = await this.stopAndWait(`whcsites migrate: timed out after ${formatDuration(options.timeoutMs)}`);
      } else if (end === "aborted") {
        this.stopNote = await this.stopAndWait(`whcsites migrate: ${interruptOf(options.signal).text}`);
      }
    } finally {
      clearInterval(heartbeat);
      streamer?.finish();
      await streaming;
    }
    return end;
  }

  /**
   * StopTask, then the STOPPED waiter (bounded by `stopWaitMs`, and deaf to the abort signal that may have caused
   * the stop), so that the task is really gone when the runner exits. Returns a note for the final message, "" when
   * the task stopped.
   */
  private async stopAndWait(reason: string): Promise<string> {
    const taskArn = this.taskArn;
    const stopNote = await this.stopTask(reason);
    if (taskArn === undefined || stopNote !== "") return stopNote;
    const limitMs = this.options.stopWaitMs ?? 300_000;
    this.reporter.info(`Waiting up to ${formatDuration(limitMs)} for task ${taskArn} to stop...`);
    const minDelay = this.options.waiterMinDelaySeconds ?? 2;
    const maxDelay = Math.max(minDelay, this.options.waiterMaxDelaySeconds ?? 10);
    const wait = this.deps.waitUntilTasksStopped ?? sdkWaitUntilTasksStopped;
    try {
      await wait(
        { client: this.observingClient(taskArn), maxWaitTime: Math.max(limitMs / 1_000, minDelay * 2), minDelay, maxDelay },
        { cluster: this.target.cluster, tasks: [taskArn] },
      );
      return "";
    } catch (error) {
      // The waiter retries failed DescribeTasks calls itself; besides its timeout it only fails on MISSING, when ECS
      // no longer knows the task, which is as stopped as it gets.
      return errorName(error) === "TimeoutError" ? this.notStoppedNote(taskArn, limitMs) : "";
    }
  }

  private notStoppedNote(taskArn: string, limitMs: number): string {
    return (
      ` The task was asked to stop but did not reach STOPPED within ${formatDuration(limitMs)}: ` +
      `check it with aws ecs describe-tasks --cluster ${this.target.cluster} --tasks ${taskArn}`
    );
  }

  private async waitPhase(wait: typeof sdkWaitUntilTasksStopped, taskArn: string, deadline: number): Promise<WaitEnd> {
    const minDelay = this.options.waiterMinDelaySeconds ?? 2;
    const maxDelay = Math.max(minDelay, this.options.waiterMaxDelaySeconds ?? 10);
    const maxWaitTime = (deadline - this.now()) / 1_000;
    if (this.options.signal?.aborted) return "aborted";
    // The SDK refuses a wait no longer than its first delay.
    if (maxWaitTime <= minDelay) return "timeout";
    try {
      await wait(
        { client: this.observingClient(taskArn), maxWaitTime, minDelay, maxDelay, abortSignal: this.options.signal },
        { cluster: this.target.cluster, tasks: [taskArn] },
      );
      return "done";
    } catch (error) {
      if (this.options.signal?.aborted || errorName(error) === "AbortError") return "aborted";
      if (errorName(error) === "TimeoutError") return "timeout";
      // FAILURE (task STOPPED or MISSING): the final DescribeTasks tells why.
      return "done";
    }
  }

  /** The ECS client as the waiters see it: every DescribeTasks answer also feeds the progress display. */
  private observingClient(taskArn: string): ECSClient {
    const ecs = this.ecs;
    const send = async (...args: Parameters<ECSClient["send"]>): Promise<unknown> => {
      // Called on the client itself: the SDK's send reads its own config and middleware stack.
      const out: unknown = await Reflect.apply(ecs.send, ecs, args);
      if (args[0] instanceof DescribeTasksCommand) {
        const task = (out as { tasks?: Task[] } | undefined)?.tasks?.find((t) => t.taskArn === taskArn);
        if (task !== undefined) this.observeStatus(task);
      }
      return out;
    };
    return new Proxy(ecs, { get: (obj, prop, receiver) => (prop === "send" ? send : Reflect.get(obj, prop, receiver)) });
  }

  private observeStatus(task: Task): void {
    const status = task.lastStatus;
    if (status === undefined || status === this.lastStatus) return;
    const from = this.lastStatus;
    this.lastStatus = status;
    this.lastOutputAt = this.now();
    this.reporter.info(`[${this.elapsed()}] task ${from === undefined ? "" : `${from} -> `}${status}`);
  }

  private heartbeat(): void {
    if (this.now() - this.lastOutputAt < (this.options.heartbeatIntervalMs ?? 30_000)) return;
    this.lastOutputAt = this.now();
    this.reporter.info(`[${this.elapsed()}] still ${this.lastStatus ?? "waiting"} (timeout ${formatDuration(this.options.timeoutMs)})`);
  }

  private elapsed(): string {
    return formatDuration(this.now() - this.runStartedAt);
  }

  /** StopTask, best effort: returns a note for the final message ("" when it worked). Makes the call at most once. */
  private async stopTask(reason: string): Promise<string> {
    if (this.taskArn === undefined || this.stopRequested) return "";
    this.stopRequested = true;
    try {
      await this.ecs.send(new StopTaskCommand({ cluster: this.target.cluster, task: this.taskArn, reason: reason.slice(0, 255) }));
      this.reporter.info(`Stop requested for task ${this.taskArn}: ${reason}`);
      return "";
    } catch (error) {
      return ` Stopping it FAILED (${describeAwsError(error)}): stop it by hand with aws ecs stop-task --cluster ${this.target.cluster} --task ${this.taskArn}`;
    }
  }

  private interrupted(what: string): MigrationResult {
    const interrupt = interruptOf(this.options.signal);
    return {
      outcome: "interrupted",
      exitCode: interrupt.exitCode,
      message: `${this.label} ${interrupt.text}${what}.${this.stopNote}`,
      taskArn: this.taskArn,
    };
  }

  private verdict(task: Task | undefined, taskArn: string): MigrationResult {
    if (task === undefined) {
      return { outcome: "failed-to-start", exitCode: ExitCode.FailedToStart, message: `task ${taskArn} is missing: ECS no longer knows it`, taskArn };
    }
    const container = task.containers?.find((c) => c.name === this.target.containerName);
    const reasons = [task.stopCode, task.stoppedReason, container?.reason].filter((r): r is string => r !== undefined && r.length > 0);
    const why = reasons.length > 0 ? ` (${reasons.join("; ")})` : "";
    const took = `after ${this.elapsed()}`;
    if (task.lastStatus !== "STOPPED") {
      return { outcome: "error", exitCode: ExitCode.AwsError, message: `task ${taskArn} is ${task.lastStatus}, expected STOPPED`, taskArn };
    }
    if (container?.exitCode === 0) {
      return { outcome: "succeeded", exitCode: ExitCode.Success, message: `${capitalized(this.label)} succeeded: container ${this.target.containerName} exited 0 ${took}.`, taskArn, containerExitCode: 0 };
    }
    if (typeof container?.exitCode === "number") {
      return {
        outcome: "failed",
        exitCode: ExitCode.MigrationFailed,
        message: `${this.label} FAILED: container ${this.target.containerName} exited with code ${container.exitCode} ${took}${why}. Task: ${taskArn}`,
        taskArn,
        containerExitCode: container.exitCode,
      };
    }
    return {
      outcome: "failed-to-start",
      exitCode: ExitCode.FailedToStart,
      message: `${this.label} task did not run: ${reasons.join("; ") || "stopped without an exit code"}. Task: ${taskArn}`,
      taskArn,
    };
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** What an abort signal's reason means for the message and the exit code. */
function interruptOf(signal: AbortSignal | undefined): { readonly exitCode: number; readonly text: string } {
  const reason: unknown = signal?.reason;
  return typeof reason === "string" && reason in INTERRUPTS ? INTERRUPTS[reason as InterruptReason] : INTERRUPTS.SIGINT;
}
