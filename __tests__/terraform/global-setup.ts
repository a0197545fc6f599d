import * as fs from "fs";
import * as path from "path";
import { acquireDirLock } from "../../scripts/lib/terraform/dir-lock";
import { isolateTempDir } from "../global/temp-dir";
import { preparePlanRun, RUN_DIR, RUN_FILE, RUN_LOCK } from "./plan-run";

/**
 * Global setup of the "terraform" Jest project (it runs only when a suite of that project is selected): synthesize
 * every environment folder and plan every stack once, for all the suites (plan-run.ts).
 */
export default async function setup(): Promise<void> {
  isolateTempDir();
  // Released by global-teardown.ts; a run killed on the way leaves it to the next run's stale-lock check (by pid).
  await acquireDirLock(RUN_LOCK);
  const lines: string[] = [];
  // Three stacks at a time on two cores: while one waits on its provider, the others use the CPUs.
  const run = await preparePlanRun({ concurrency: 3, log: (m) => lines.push(m) });
  const logFile = path.join(RUN_DIR, "run.log");
  fs.writeFileSync(logFile, `${lines.join("\n")}\n`);
  if (!run.terraform) {
    console.warn("\nSKIPPED: terraform is not on PATH, so no stack was planned and the plan-level suites did not run.");
  } else {
    const stacks = run.folders.flatMap((f) => f.results);
    const reused = stacks.filter((r) => r.cached).length;
    process.stdout.write(
      `\nreal-Terraform plans: ${stacks.length} stack(s) in ${run.folders.length} folder(s), ${stacks.length - reused} planned, ${reused} reused ` +
        `(unchanged), ${stacks.filter((r) => !r.ok).length} failed, ${(run.durationMs / 1000).toFixed(1)} s (log: ${path.relative(process.cwd(), logFile)})\n`,
    );
  }
  process.env.WHCSITES_PLAN_RUN = RUN_FILE;
}
