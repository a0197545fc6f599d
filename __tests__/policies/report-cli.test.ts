import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const policy = (...args: string[]) =>
  spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/policy-report.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

describe("npm run policy (quiet by default, --help, --stack, --failures-only)", () => {
  test("--help lists the options and the exit codes", () => {
    const run = policy("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--stack <name\.\.\.>/);
    expect(run.stdout).toMatch(/--failures-only/);
    expect(run.stdout).toMatch(/--all/);
    expect(run.stdout).toMatch(/Exit codes: 0 no violation; 1 /);
  });

  test("--stack narrows the report; rules without resources stay hidden", () => {
    const run = policy("--stack", "whcsites-staging");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Stack whcsites-staging \(non-production\)/m);
    expect(run.stdout).not.toMatch(/^Stack whcsites-production/m);
    expect(run.stdout).not.toMatch(/N\/A/);
    // each acknowledgement printed at synthesis is one short line: rule, construct, reason; never the fix text
    const lines = run.stderr.trim().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^policy: \[WHC\.SEC3\] whcsites-staging\/database_roles\/task_definition: acknowledged: /));
    expect(run.stderr).not.toMatch(/whcsites-production/);
    for (const line of lines) expect(line).toMatch(/^policy: \[[A-Z0-9]+\.[A-Z0-9]+\] \S+: acknowledged: [^\n]+$/);
    expect(run.stderr).not.toMatch(/Fix:/);
  });

  test("an unknown stack is an error naming the stacks there are", () => {
    const run = policy("--stack", "whcsites-nowhere");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/policy: --stack got whcsites-nowhere; allowed: .*whcsites-production.*whcsites-staging/);
  });
});
