/** Running `npm run test:apply` (scripts/test-apply.ts) as a child process in the emulator tests. */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.join(__dirname, "..", "..");
export const FIXTURES = path.join(ROOT, "__tests__", "fixtures", "apply");

/** A running or finished CLI. */
export interface CliRun {
  readonly child: ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or the signal name) when the process is gone. */
  readonly exited: Promise<number | string>;
  /** Resolves when the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const workDirs: string[] = [];

/** Removes the work dirs of every CLI started by this test file (call in afterAll). */
export function removeWorkDirs(): void {
  for (const dir of workDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Starts the CLI with `args`, in a fresh work dir under the OS temp dir (returned as `workDir`). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun & { workDir: string } {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "test-apply-"));
  workDirs.push(workDir);
  const child = spawn(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/test-apply.ts", "--work-dir", workDir, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | string>((resolve) => child.once("close", (code, signal) => resolve(code ?? signal ?? "unknown")));
  return {
    child,
    workDir,
    output: () => text,
    exited,
    waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (match !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in:\n${text}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`the CLI exited before printing ${pattern}:\n${text}`));
          }
        });
        check();
      });
    },
  };
}

/** Whether a process exists (zombies of an exited parent are reaped by init). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Waits until the process is gone; false when it is still there after `timeoutMs`. */
export async function gone(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !alive(pid);
}

/** Pids of processes whose command line contains `text`. */
export function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Pids of processes whose working directory is `dir` or below it (Terraform runs in the working copies). */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}${path.sep}`)) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

/** The emulator's pid, from the CLI's "emulator: moto ... (pid N)" line. */
export async function emulatorPid(run: CliRun): Promise<number> {
  const match = await run.waitFor(/emulator: moto \S+ on http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/);
  return Number(match[1]);
}


/** The summary.json a run wrote. */
export function summaryOf(workDir: string): { results: Array<Record<string, any>> } {
  return JSON.parse(fs.readFileSync(path.join(workDir, "summary.json"), "utf8")) as { results: Array<Record<string, any>> };
}
