/**
 * The emulator's life cycle, through the real CLI: it fails loudly without moto, and no python process outlives a
 * run, whether it ends normally, is interrupted (SIGINT, SIGTERM) or is killed (SIGKILL).
 * Needs python3 with moto 5.2.1 and terraform (run by `npm run test:apply`, not by `npm test`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator } from "../../scripts/lib/emulator/moto";
import { alive, emulatorPid, gone, processesIn, processesWith, removeWorkDirs, startCli } from "./helpers";

const SLOW = ["--out", "__tests__/fixtures/apply", "--stack", "slow"];

describe("the emulator", () => {
  afterAll(removeWorkDirs);

  it("GIVEN moto 5.2.1 WHEN started THEN it listens on loopback, reports its gap fills, and is gone after stop", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-"));
    const emulator = await startEmulator({ logFile: path.join(dir, "emulator.log") });
    try {
      expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emulator.motoVersion).toBe("5.2.1");
      for (const gap of ["application-autoscaling: ListTagsForResource", "s3: lifecycle rules keep", "rds: every DB instance", "ecs: RunTask accepts", "ecs: services keep", "ecs: tasks stay RUNNING"]) {
        expect(emulator.patches.some((p) => p.startsWith(gap))).toBe(true);
      }
      const health = (await (await fetch(`${emulator.endpoint}/__whcsites/health`)).json()) as { moto: string };
      expect(health.moto).toBe("5.2.1");
      await expect(emulator.finishTasks({ startedBy: "nobody", exitCode: 0 })).resolves.toEqual([]);
    } finally {
      await emulator.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(await gone(emulator.pid)).toBe(true);
  }, 60_000);

  it("GIVEN python3 cannot import moto WHEN the check runs THEN it fails loudly with exit 1 and applies nothing", async () => {
    // GIVEN a fake moto package first on the path, which fails to import as a missing one would
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), "no-moto-"));
    fs.mkdirSync(path.join(fake, "moto"));
    fs.writeFileSync(path.join(fake, "moto", "__init__.py"), 'raise ImportError("No module named \'moto\' (test stand-in)")\n');
    // WHEN
    const run = startCli(SLOW, { PYTHONPATH: fake });
    // THEN
    try {
      expect(await run.exited).toBe(1);
    } finally {
      fs.rmSync(fake, { recursive: true, force: true });
    }
    expect(run.output()).toContain("FAILED: the AWS API emulator could not start; nothing was applied.");
    expect(run.output()).toContain("moto (with its server extras) cannot be imported: No module named 'moto' (test stand-in)");
    expect(run.output()).not.toContain("apply started");
  }, 60_000);

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("GIVEN an apply in progress WHEN the check gets %s THEN it stops Terraform and the emulator and exits %i, leaving no process behind", async (signal, code) => {
    const run = startCli(SLOW);
    const pid = await emulatorPid(run);
    await run.waitFor(/apply started/);
    // the fixture's local-exec is running
    const deadline = Date.now() + 30_000;
    while (processesWith("sleep 187").length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(processesWith("sleep 187").length).toBeGreaterThan(0);
    // WHEN
    run.child.kill(signal);
    // THEN
    expect(await run.exited).toBe(code);
    expect(await gone(pid)).toBe(true);
    expect(processesWith("sleep 187")).toEqual([]);
    expect(processesIn(run.workDir)).toEqual([]);
    expect(run.output()).toContain(`test-apply: ${signal}: stopping Terraform and the emulator`);
  }, 120_000);

  it("GIVEN a running check WHEN it is killed with SIGKILL (no handler runs) THEN the emulator still exits by itself", async () => {
    const run = startCli(SLOW);
    const pid = await emulatorPid(run);
    run.child.kill("SIGKILL");
    expect(await run.exited).toBe("SIGKILL");
    // the launcher sees its standard input close
    expect(await gone(pid, 20_000)).toBe(true);
    // whatever Terraform had started (init of the fixture) finishes on its own; do not leave it to the next test
    for (const p of processesIn(run.workDir)) if (alive(p)) process.kill(p, "SIGKILL");
  }, 120_000);
});
