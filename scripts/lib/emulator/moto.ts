/**
 * The one AWS API emulator of an emulator apply run: moto 5.2.1 in a python process started from
 * scripts/emulator/moto_launcher.py, on a free loopback port, stopped at the end whatever happens.
 *
 * No orphan: {@link Emulator.stop} closes the launcher's standard input and sends SIGTERM (then SIGKILL); a
 * process "exit" hook kills it if the harness exits without stopping it; and the launcher exits by itself when its
 * standard input closes, which also covers a harness killed with SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EMULATOR_SETTINGS } from "./adaptations";

/** The launcher script (committed next to this harness). */
export const LAUNCHER = path.resolve(__dirname, "..", "..", "emulator", "moto_launcher.py");

/** Thrown when the emulator cannot start: no python, no moto, a failed patch. Never a reason to skip. */
export class EmulatorUnavailableError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "EmulatorUnavailableError";
  }
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Where the emulator's own output (request log, tracebacks) goes. */
  readonly logFile: string;
  /**
   * Python interpreter that has moto installed.
   * @default WHCSITES_EMULATOR_PYTHON, else `python3`
   */
  readonly python?: string;
  /**
   * Record every AWS API request into this file, one JSON line each (scripts/emulator/request_recorder.py).
   * @default no recording
   */
  readonly recordFile?: string;
  /**
   * Give up when the emulator is not ready after this long, in milliseconds.
   * @default 60000
   */
  readonly startTimeoutMs?: number;
}

/** A task the emulator was told to finish (see {@link Emulator.finishTasks}). */
export interface FinishedTask {
  readonly taskArn: string;
  readonly cluster: string;
  readonly region: string;
  readonly exitCode: number;
  readonly logLinesWritten: number;
}

/** What {@link Emulator.finishTasks} asks for. */
export interface FinishTasksRequest {
  /** The `startedBy` marker of the tasks to finish. */
  readonly startedBy: string;
  /** Only tasks of this task definition family. @default every family */
  readonly family?: string;
  /** Exit code of the tasks' containers. */
  readonly exitCode: number;
  /** Only tasks that have been running at least this long, in seconds. @default 0 */
  readonly minAgeSeconds?: number;
  /** Lines written to each task's awslogs stream before it stops. @default none */
  readonly logLines?: readonly string[];
}

/** A retry the emulator answered with the earlier attempt's answer instead of running it again. */
export interface ReplayedRequest {
  /** Seconds since the emulator started. */
  readonly at: number;
  /** The API operation (X-Amz-Target, the query protocol's Action, or the REST method and path). */
  readonly action: string;
  /** The SDK's attempt number of the retry. */
  readonly attempt: number;
  /** HTTP status of the answer given again. */
  readonly status: string;
}

/** How the emulator took its requests (scripts/emulator/moto_launcher.py, RequestGate). */
export interface RequestStats {
  /** Requests taken, one at a time. */
  readonly requests: number;
  /** The longest a request waited for its turn, in milliseconds. */
  readonly longestWaitMs: number;
  /** Retries run in moto (after a 4xx or 5xx answer, or a changed request). */
  readonly retriesRun: number;
  /** Retries of a request already answered 2xx: answered again, not run twice. */
  readonly replayed: readonly ReplayedRequest[];
}

/**
 * What the summary says of how the emulator took its requests: one at a time, and the SDK retries of a request it had
 * already answered, which it answered again instead of running twice (scripts/emulator/moto_launcher.py, RequestGate).
 */
export function requestReport(stats: RequestStats | undefined): string[] {
  if (stats === undefined) return ["\nemulator requests: the counters could not be read"];
  const lines = [`\nemulator requests: ${stats.requests}, taken one at a time (longest wait ${stats.longestWaitMs} ms); SDK retries run again: ${stats.retriesRun}`];
  if (stats.replayed.length === 0) {
    lines.push("  no retry of an answered request (no answer lost between the emulator and a client)");
  } else {
    lines.push(`  ${stats.replayed.length} retr(ies) of a request the emulator had already answered, answered again instead of run twice (the first answer was lost on the way to the client):`);
    for (const r of stats.replayed) lines.push(`    ${r.at.toFixed(1)} s: ${r.action} (attempt ${r.attempt}, ${r.status})`);
  }
  return lines;
}

/** What the emulator's request recorder wrote so far. */
export interface RecordingStats {
  readonly recorded: number;
  /** Requests whose API operation it could not resolve (they still ran). */
  readonly unresolved: number;
  /** True when the emulator runs without a recorder. */
  readonly off?: boolean;
}

/** One AWS request the emulator served (its call log), with the role whose credentials signed it. */
export interface EmulatorCall {
  readonly seq: number;
  /** The service of the request's credential scope (`s3`, `dynamodb`, `sts`, ...). */
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** The X-Amz-Target header of a JSON protocol request (`DynamoDB_20120810.GetItem`), else empty. */
  readonly target: string;
  readonly accessKeyId: string;
  /** The role ARN an AssumeRole gave these credentials, or null for other credentials. */
  readonly principal: string | null;
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the python process. */
  readonly pid: number;
  /** moto's version, as the launcher reports it. */
  readonly motoVersion: string;
  /** The gap fills the launcher applied. */
  readonly patches: readonly string[];
  /** Marks running tasks STOPPED with an exit code (ECS never stops a task by itself in the emulator). */
  finishTasks(request: FinishTasksRequest): Promise<FinishedTask[]>;
  /** How the emulator took its requests so far. */
  requestStats(): Promise<RequestStats>;
  /** How many requests the recorder wrote, and how many it could not tell the operation of. */
  recordingStats(): Promise<RecordingStats>;
  /** The number of the last request in the call log (0 when there is none). */
  lastCallSeq(): Promise<number>;
  /** The requests after request `seq`, in order. */
  callsAfter(seq: number): Promise<EmulatorCall[]>;
  /** Stops the emulator and waits for the process to be gone. Safe to call more than once. */
  stop(): Promise<void>;
}

interface ReadyLine {
  readonly ready: boolean;
  readonly port: number;
  readonly pid: number;
  readonly moto: string;
  readonly patches: string[];
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

/**
 * Starts the emulator and resolves once it answers on its port.
 *
 * @throws EmulatorUnavailableError when python or moto is missing or the launcher fails, with its message
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const python = options.python ?? (process.env.WHCSITES_EMULATOR_PYTHON || "python3");
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logFd = fs.openSync(options.logFile, "w");
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: "1" };
  for (const s of EMULATOR_SETTINGS) env[s.name] = s.value;
  delete env.WHCSITES_EMULATOR_RECORD;
  if (options.recordFile !== undefined) env.WHCSITES_EMULATOR_RECORD = options.recordFile;
  let child: ChildProcess;
  try {
    // Its own process group: a Ctrl-C in the terminal reaches the harness, which stops Terraform first, then this.
    child = spawn(python, [LAUNCHER], { stdio: ["pipe", "pipe", logFd], env, detached: true });
  } finally {
    fs.closeSync(logFd);
  }
  // If this process exits without stop() (an uncaught error, process.exit), the emulator goes with it.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);

  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    let buffered = "";
    const fail = (message: string): void => {
      clearTimeout(timer);
      killOnExit();
      process.off("exit", killOnExit);
      reject(new EmulatorUnavailableError(message));
    };
    const timer = setTimeout(
      () => fail(`the emulator did not start within ${(options.startTimeoutMs ?? 60_000) / 1000} s; its output (${options.logFile}):\n${tail(options.logFile)}`),
      options.startTimeoutMs ?? 60_000,
    );
    child.once("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ENOENT" ? `${python} was not found: the emulator needs python3 with moto 5.2.1 (set WHCSITES_EMULATOR_PYTHON to another interpreter)` : `${python}: ${error.message}`),
    );
    child.once("exit", (code, signal) =>
      fail(`the emulator exited before it was ready (${signal ?? `exit code ${code}`}):\n${tail(options.logFile) || "(no output)"}`),
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.removeAllListeners("error");
      try {
        const line = JSON.parse(buffered.slice(0, newline)) as ReadyLine;
        if (line.ready !== true || !Number.isInteger(line.port)) throw new Error("not a ready line");
        resolve(line);
      } catch {
        fail(`the emulator printed something unexpected instead of its ready line: ${buffered.slice(0, 200)}`);
      }
    });
  });
  // Keep reading stdout so the launcher never blocks on a full pipe.
  child.stdout?.resume();

  const endpoint = `http://127.0.0.1:${ready.port}`;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port: ready.port,
    pid: ready.pid,
    motoVersion: ready.moto,
    patches: ready.patches,
    async finishTasks(request: FinishTasksRequest): Promise<FinishedTask[]> {
      const response = await fetch(`${endpoint}/__whcsites/ecs/finish-tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      });
      const body = (await response.json()) as { finished?: FinishedTask[]; error?: string };
      if (!response.ok) throw new Error(`emulator control endpoint: HTTP ${response.status}: ${body.error ?? "no message"}`);
      return body.finished ?? [];
    },
    async requestStats(): Promise<RequestStats> {
      const response = await fetch(`${endpoint}/__whcsites/requests`);
      if (!response.ok) throw new Error(`emulator control endpoint: HTTP ${response.status}`);
      return (await response.json()) as RequestStats;
    },
    async recordingStats(): Promise<RecordingStats> {
      const response = await fetch(`${endpoint}/__whcsites/recording`);
      if (!response.ok) throw new Error(`emulator control endpoint: HTTP ${response.status}`);
      return (await response.json()) as RecordingStats;
    },
    async lastCallSeq(): Promise<number> {
      return (await callLog(endpoint, 0)).at(-1)?.seq ?? 0;
    },
    callsAfter(seq: number): Promise<EmulatorCall[]> {
      return callLog(endpoint, seq);
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        child.stdin?.end();
        child.kill("SIGTERM");
        if (!(await waitForExit(child, 5_000))) {
          child.kill("SIGKILL");
          await waitForExit(child, 5_000);
        }
        process.off("exit", killOnExit);
      })();
      return stopping;
    },
  };
}

/** The emulator's call log after request `after`. */
async function callLog(endpoint: string, after: number): Promise<EmulatorCall[]> {
  const response = await fetch(`${endpoint}/__whcsites/calls?after=${after}`);
  const body = (await response.json()) as { calls?: EmulatorCall[]; error?: string };
  if (!response.ok) throw new Error(`emulator control endpoint: HTTP ${response.status}: ${body.error ?? "no message"}`);
  return body.calls ?? [];
}
