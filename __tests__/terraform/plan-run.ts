/**
 * One real-Terraform plan of every stack per Jest run, shared by the suites that assert on it.
 *
 * The "terraform" Jest project's globalSetup (global-setup.ts) synthesizes every folder of environment files
 * (environments/ and each examples/<name>/environments/, each as its own app) and plans each stack once with
 * checkStacks, several stacks at a time, before any suite starts. An unchanged stack reuses the result of an earlier
 * run (same working copy, Terraform version and CLI config, byte for byte). The suites read the results through
 * {@link planRun}; none of them plans a committed stack again.
 */
import * as fs from "fs";
import * as path from "path";
import { checkStacks, concurrencyLimit, findStackDirs, TEST_PLANS_DIR, testPlansWorkDir, type StackResult } from "../../scripts/lib/terraform/check-stacks";
import { type StackJson } from "../../scripts/lib/stack/stack-json";
import { environmentFolders, synthesizeApp, type EnvironmentFolder } from "../../scripts/lib/synth/synth";
import { findTerraform, isCi } from "../../scripts/lib/terraform/terraform-cli";

/** Where a Jest run keeps its synthesized apps, working copies and plans (gitignored, kept for the next run's reuse). */
export const RUN_DIR = TEST_PLANS_DIR;

/** The results file of the current run, written by the global setup. */
export const RUN_FILE = path.join(RUN_DIR, "run.json");

/** Held from the global setup to the global teardown, so two Jest runs in one checkout do not mix their files. */
export const RUN_LOCK = path.join(RUN_DIR, "run.lock");

/** One environment folder, synthesized and planned. */
export interface PlannedFolder extends EnvironmentFolder {
  /** The cdktf output dir its app was synthesized into. */
  readonly outDir: string;
  /** checkStacks' work dir for its stacks (working copies, plan.json). */
  readonly workDir: string;
  /** One result per stack; empty when Terraform is not installed (and this is not CI). */
  readonly results: readonly StackResult[];
}

/** What the global setup hands the suites. */
export interface PlanRun {
  /** False on a developer machine without terraform: the plan-level suites skip, loudly. */
  readonly terraform: boolean;
  /** The CLI configuration the plans used (for a suite that runs one more plan in a working copy). */
  readonly cliConfig: string;
  readonly folders: readonly PlannedFolder[];
  /** Wall time of the synthesis and the plans. */
  readonly durationMs: number;
}

function slug(folder: EnvironmentFolder): string {
  return folder.name.replace(/[^A-Za-z0-9_.-]+/g, "-");
}

/**
 * Synthesize every environment folder and plan all their stacks, at most `concurrency` Terraform stacks at a time
 * across folders. Throws when synthesis fails, and in CI when terraform is missing.
 */
export async function preparePlanRun(options: { concurrency?: number; log?: (message: string) => void } = {}): Promise<PlanRun> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const folders = environmentFolders();
  // Synthesis is one node process per folder: all at once.
  const synthesized = await Promise.all(folders.map((folder) => synthesizeApp(path.join(RUN_DIR, slug(folder), "out"), { environmentsDir: folder.dir })));
  const terraform = findTerraform() !== undefined || isCi();
  const limit = concurrencyLimit(options.concurrency ?? 2);
  const planned = await Promise.all(
    folders.map(async (folder, i): Promise<PlannedFolder> => {
      // Where npm run preview finds them too.
      const workDir = testPlansWorkDir(folder.name);
      const results = terraform
        ? await checkStacks({ outDir: synthesized[i].outDir, workDir, reuse: true, limit, log: (m) => log(`[${folder.name}] ${m}`) })
        : [];
      return { ...folder, outDir: synthesized[i].outDir, workDir, results };
    }),
  );
  const run: PlanRun = { terraform, cliConfig: path.join(planned[0].workDir, "cli.tfrc"), folders: planned, durationMs: Date.now() - started };
  fs.writeFileSync(RUN_FILE, `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

/** The current run's plans. Only suites of the "terraform" Jest project may call it (its global setup plans). */
export function planRun(): PlanRun {
  if (!fs.existsSync(RUN_FILE) || process.env.WHCSITES_PLAN_RUN !== RUN_FILE) {
    throw new Error(
      "No shared plans for this run: the suite must run in the \"terraform\" Jest project (jest.config.js), whose global setup " +
        "(__tests__/terraform/global-setup.ts) synthesizes and plans every stack once.",
    );
  }
  return JSON.parse(fs.readFileSync(RUN_FILE, "utf8")) as PlanRun;
}

/** The planned folder `name` (`environments` for the committed one). */
export function plannedFolder(run: PlanRun, name: string): PlannedFolder {
  const folder = run.folders.find((f) => f.name === name);
  if (folder === undefined) throw new Error(`No planned folder ${name}; planned: ${run.folders.map((f) => f.name).join(", ")}`);
  return folder;
}

/** The synthesized JSON of every stack of a folder, by stack name. */
export function synthesizedStacks(folder: { readonly outDir: string }): Map<string, StackJson> {
  return new Map(
    [...findStackDirs(folder.outDir)].map(([stack, dir]) => [stack, JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson]),
  );
}
