import { spawn } from "node:child_process";
import { jobContainerCommand } from "../../../src/constructs/jobs/job-command";

/** What one run of a job's container command printed and how it ended, run with this machine's sh, date and timeout. */
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly lastLine: { whcsites_job: string; exit_code: number; duration_seconds: number };
}

/**
 * Runs the container command the job would run (sh -c <the job's shell> <name> timeout -k 30 <limit> <command>) with the
 * real sh, date and timeout, optionally sending SIGTERM to the shell after `termAfterMs` (what ECS does on stop-task).
 */
function run(command: string[], options: { limitSeconds?: number; termAfterMs?: number } = {}): Promise<Run> {
  const [program, ...args] = jobContainerCommand("nightly", command, 1);
  if (options.limitSeconds !== undefined) args[args.indexOf("60")] = String(options.limitSeconds);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    if (options.termAfterMs !== undefined) setTimeout(() => child.kill("SIGTERM"), options.termAfterMs);
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stdout.trim().split("\n");
      try {
        resolve({ code, stdout, lastLine: JSON.parse(lines[lines.length - 1]) as Run["lastLine"] });
      } catch (error) {
        reject(new Error(`the last line is not the job's JSON line: ${stdout}`, { cause: error }));
      }
    });
  });
}

describe("the job's container command (real sh, date and timeout)", () => {
  it("GIVEN a command that succeeds WHEN run THEN its output passes through, the last line reports exit code 0, and the container exits 0", async () => {
    const result = await run(["sh", "-c", "echo cleaned 42 rows"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("cleaned 42 rows\n");
    expect(result.lastLine).toEqual({ whcsites_job: "nightly", exit_code: 0, duration_seconds: expect.any(Number) });
  });

  it("GIVEN a command that fails WHEN run THEN the container exits with its code (what the failure rule matches) and the last line says so", async () => {
    const result = await run(["sh", "-c", "exit 3"]);
    expect(result.code).toBe(3);
    expect(result.lastLine.exit_code).toBe(3);
  });

  it("GIVEN a command that runs past its limit WHEN run THEN timeout stops it with 124 and the duration is the limit", async () => {
    const result = await run(["sleep", "30"], { limitSeconds: 1 });
    expect(result.code).toBe(124);
    expect(result.lastLine.exit_code).toBe(124);
    expect(result.lastLine.duration_seconds).toBeGreaterThanOrEqual(1);
    expect(result.lastLine.duration_seconds).toBeLessThan(10);
  }, 20_000);

  it("GIVEN SIGTERM from ECS WHEN the job runs THEN the shell forwards it to the command, which ends at once, and still prints its last line", async () => {
    const started = Date.now();
    const result = await run(["sleep", "30"], { termAfterMs: 500 });
    expect(Date.now() - started).toBeLessThan(10_000);
    // timeout passes the SIGTERM on to sleep and exits 124 (GNU) or with the signal's status; never 0.
    expect(result.code).not.toBe(0);
    expect(result.lastLine.exit_code).toBe(result.code);
  }, 20_000);

  it("GIVEN arguments with spaces and shell characters WHEN run THEN they reach the command unchanged (never re-parsed)", async () => {
    const result = await run(["printf", "%s|%s|%s\\n", "two words", "$HOME", "a;b"]);
    expect(result.stdout.split("\n")[0]).toBe("two words|$HOME|a;b");
  });
});
