/**
 * The migration runner's watchdog: a small detached process that stops the migration task when the runner dies
 * before the task has stopped, even by SIGKILL.
 *
 * Why a second process: Terraform's local-exec kills what it started with SIGKILL when Terraform is interrupted.
 * Where `/bin/sh` is dash (Debian, Ubuntu) that is the shell, and the runner notices its parent is gone (see
 * `lifeline.ts`); where it is bash (macOS, Amazon Linux, RHEL), `sh -c "node ..."` execs node, so the runner itself is
 * killed and no code of its own runs. The watchdog holds a pipe from the runner: when the pipe closes without the
 * runner's "release" line, it calls StopTask and waits for STOPPED. It runs in its own session (detached), so a
 * terminal's Ctrl-C or a kill of the runner's process group does not reach it, and it writes nothing to the runner's
 * output, so Terraform never waits for it.
 */
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import * as path from "node:path";

/** The task a watchdog guards. */
export interface WatchedTask {
  /** ECS cluster name or ARN. */
  readonly cluster: string;
  /** ARN of the migration task. */
  readonly taskArn: string;
  /** AWS region. @default the SDK's default chain (AWS_REGION, profile) */
  readonly region?: string;
}

/** A started watchdog. */
export interface Watchdog {
  /** Process id of the watchdog, when it started. */
  readonly pid: number | undefined;
  /** Tells the watchdog that the task is taken care of: it exits without a call. Safe to call more than once. */
  release(): void;
}

/** Options of {@link startWatchdog}. */
export interface WatchdogOptions {
  /** How long the watchdog waits for STOPPED after its StopTask. @default 600 */
  readonly stopWaitSeconds?: number;
  /** First delay between two DescribeTasks while it waits. @default 2 */
  readonly waiterMinDelaySeconds?: number;
  /** Longest delay between two DescribeTasks while it waits. @default 10 */
  readonly waiterMaxDelaySeconds?: number;
  /** A file the watchdog appends what it does to (it has no terminal). @default nowhere */
  readonly logFile?: string;
  /** The watchdog's environment (credentials, AWS_PROFILE, AWS_ENDPOINT_URL...). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** What the runner hands the watchdog process, as its one argument (JSON). */
interface WatchdogArgs extends WatchedTask {
  readonly runnerPid: number;
  readonly stopWaitSeconds: number;
  readonly minDelay: number;
  readonly maxDelay: number;
}

const RELEASE = "release";
const REGISTER_TS = path.resolve(__dirname, "..", "..", "scripts", "register-ts.cjs");

/**
 * Starts the watchdog for a task the runner has just started. Never throws for a watchdog that fails to start:
 * `pid` is then undefined.
 */
export function startWatchdog(task: WatchedTask, options: WatchdogOptions = {}): Watchdog {
  const args: WatchdogArgs = {
    cluster: task.cluster,
    taskArn: task.taskArn,
    region: task.region,
    runnerPid: process.pid,
    stopWaitSeconds: options.stopWaitSeconds ?? 600,
    minDelay: options.waiterMinDelaySeconds ?? 2,
    maxDelay: options.waiterMaxDelaySeconds ?? 10,
  };
  const log = options.logFile === undefined ? "ignore" : openSync(options.logFile, "a");
  const child = spawn(process.execPath, ["--require", REGISTER_TS, __filename, JSON.stringify(args)], {
    detached: true,
    stdio: ["pipe", log, log],
    env: options.env ?? process.env,
    cwd: path.resolve(__dirname, "..", ".."),
  });
  child.on("error", () => undefined);
  const stdin = child.stdin;
  stdin?.on("error", () => undefined);
  // Neither the process nor the pipe keeps the runner alive.
  child.unref();
  (stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let released = false;
  return {
    pid: child.pid,
    release: () => {
      if (released) return;
      released = true;
      stdin?.end(`${RELEASE}\n`);
    },
  };
}

/** Reads standard input to its end: the runner's release line, or nothing when the runner died. */
function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => (text += chunk));
    process.stdin.on("end", () => resolve(text));
    process.stdin.on("error", () => resolve(text));
  });
}

/** The watchdog process: waits for the runner's pipe to close; stops the task unless it was released. */
async function watchdogMain(raw: string | undefined): Promise<number> {
  const say = (line: string): void => void process.stderr.write(`${new Date().toISOString()} watchdog ${process.pid}: ${line}\n`);
  // Nothing the runner's terminal sends may cut the stop short.
  for (const signal of ["SIGINT", "SIGHUP"] as const) process.on(signal, () => say(`${signal} ignored`));
  const args = JSON.parse(raw ?? "{}") as WatchdogArgs;
  const input = await readStdin();
  if (input.split("\n").includes(RELEASE)) return 0;

  say(`runner ${args.runnerPid} ended before its task stopped; stopping ${args.taskArn}`);
  const { ECSClient, StopTaskCommand, waitUntilTasksStopped } = await import("@aws-sdk/client-ecs");
  const { describeAwsError, withOperationNames } = await import("../operator/aws-errors");
  const ecs = withOperationNames(new ECSClient({ region: args.region }), "ECS");
  try {
    await ecs.send(
      new StopTaskCommand({
        cluster: args.cluster,
        task: args.taskArn,
        reason: `whcsites migrate: the runner (pid ${args.runnerPid}) ended before its task stopped (watchdog)`,
      }),
    );
  } catch (error) {
    say(`${describeAwsError(error)}; stop it by hand: aws ecs stop-task --cluster ${args.cluster} --task ${args.taskArn}`);
    return 1;
  }
  try {
    await waitUntilTasksStopped(
      { client: ecs, maxWaitTime: args.stopWaitSeconds, minDelay: args.minDelay, maxDelay: args.maxDelay },
      { cluster: args.cluster, tasks: [args.taskArn] },
    );
    say(`task ${args.taskArn} STOPPED`);
    return 0;
  } catch (error) {
    say(`task ${args.taskArn} was asked to stop; waiting for STOPPED ended: ${(error as Error).name}`);
    return (error as Error).name === "TimeoutError" ? 1 : 0;
  }
}

if (require.main === module) {
  watchdogMain(process.argv[2]).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`watchdog: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(70);
    },
  );
}
