/**
 * Running Terraform for the emulator apply: output appended to a log file (apply and destroy print a lot), each
 * command in its own process group so that an interrupt reaches Terraform and everything it started (the deploy
 * gate's shell and migration runner), and nothing outlives the harness's abort.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";

/** Result of {@link runLogged}. */
export interface LoggedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Standard output, when asked to keep it (for `show -json`). */
  readonly stdout: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
}

/** Options of {@link runLogged}. */
export interface LoggedRunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Standard output and error are appended here, after a header line with the command. */
  readonly logFile: string;
  /** Kill the command after this long. */
  readonly timeoutMs: number;
  /** Abort: SIGINT to the command's process group (Terraform stops cleanly), SIGKILL 15 s later. */
  readonly signal?: AbortSignal;
  /** Keep standard output in memory (and out of the log). @default false */
  readonly captureStdout?: boolean;
}

const GRACE_MS = 15_000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Runs one command; never rejects for a non-zero exit, a timeout or an abort (read the result). */
export function runLogged(command: string, args: readonly string[], options: LoggedRunOptions): Promise<LoggedRun> {
  const started = Date.now();
  fs.appendFileSync(options.logFile, `\n$ ${[command, ...args].join(" ")}    (in ${options.cwd}, ${new Date().toISOString()})\n`);
  const log = fs.openSync(options.logFile, "a");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", options.captureStdout === true ? "pipe" : log, log],
    });
    const out: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      killGroup(child.pid, "SIGINT");
      killTimer ??= setTimeout(() => killGroup(child.pid, "SIGKILL"), GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      fs.closeSync(log);
    };
    child.once("error", (error) => {
      done();
      reject(error);
    });
    child.once("close", (code, signal) => {
      done();
      // Whatever the command left in its group (a provisioner's children) goes too.
      if (aborted || timedOut) killGroup(child.pid, "SIGKILL");
      const stdout = Buffer.concat(out).toString("utf8");
      fs.appendFileSync(options.logFile, `[exit ${code ?? signal}${timedOut ? ", timed out" : ""}${aborted ? ", aborted" : ""} after ${((Date.now() - started) / 1000).toFixed(1)} s]\n`);
      resolve({ code, signal, stdout, durationMs: Date.now() - started, timedOut, aborted });
    });
  });
}
