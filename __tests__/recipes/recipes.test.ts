/**
 * The recipes of the guides work as written, and change no test file: every recipe step written in a guide (the
 * `<!-- recipe ... -->` comments beside the steps, with the JSON blocks the reader sees: recipe-steps.ts) is applied
 * to a copy of the repository, the documented commands run there (npm run synth, npm run refresh), and then the suites
 * that read the committed files run in the copy, as they would after the operator's commit.
 *
 * Process-level and slow (a copy, a refresh, a nested Jest run with real Terraform): the "cli" Jest project.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applySteps, recipeSteps, runDocumented, type RecipeStep } from "./recipe-steps";

const ROOT = path.join(__dirname, "..", "..");
const GUIDES = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);

/** Every recipe step of every guide, in guide order. */
const STEPS: RecipeStep[] = GUIDES.flatMap((guide) => recipeSteps(fs.readFileSync(path.join(ROOT, guide), "utf8"), guide));
const RECIPES = [...new Set(STEPS.flatMap((s) => s.recipes))];

/**
 * The suites to run in the copy: every test file that reads the committed environment files, the workflows, the
 * guides or what is generated from them (by what it calls), so that none can list them by hand unnoticed. The
 * process-level suites (this one among them) are left out.
 */
const READS_COMMITTED_FILES = /\b(COMMITTED_ENVIRONMENTS|environmentFolders?|loadEnvironments|parseRepositoryFiles|readRepositoryFile|buildApp|planRun)\(|\bCOMMITTED_ENVIRONMENTS\b|["'`]environments["'`/]/;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { projects } = require(path.join(ROOT, "jest.config.js")) as { projects: Array<{ displayName: string; testMatch: string[] }> };
const PROCESS_SUITES = (projects.find((p) => p.displayName === "cli")?.testMatch ?? []).map((s) => path.join(ROOT, s.replace("<rootDir>/", "")));

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}
/**
 * Suites that read the AWS calls the emulator apply records (permissions/): after a recipe they pass once its
 * documented emulator step (`npm run test:apply -- --update-permissions`, about ten minutes with moto) has run, which
 * this test does not do; CI's npm run test:apply runs the apply and fails on a stale or missing recording.
 */
const READS_EMULATOR_RECORDINGS = /\breadRecording\(/;
const AFFECTED_SUITES = testFiles(path.join(ROOT, "__tests__"))
  .filter((f) => !PROCESS_SUITES.includes(f))
  .filter((f) => {
    const text = fs.readFileSync(f, "utf8");
    return READS_COMMITTED_FILES.test(text) && !(STEPS.some((s) => s.action === "emulator") && READS_EMULATOR_RECORDINGS.test(text));
  })
  .map((f) => path.relative(ROOT, f))
  .sort();

/** Files the copy leaves out: installed, generated or local state (node_modules comes as a link). */
function repositoryFiles(): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  return listed.stdout.split("\0").filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
}

/** The environment of a nested run: none of this Jest run's own settings (its temporary directory, its plans). */
function nestedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ["WHCSITES_JEST_TMPDIR", "WHCSITES_JEST_SYSTEM_TMPDIR", "WHCSITES_PLAN_RUN", "JEST_WORKER_ID", "NODE_OPTIONS"]) delete env[key];
  return env;
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=recipes", "-c", "user.email=recipes@example.org", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

describe("the recipes of the guides, applied as written to a copy of the repository", () => {
  let copy: string;
  afterAll(() => {
    if (copy !== undefined) fs.rmSync(copy, { recursive: true, force: true });
  });

  test("the guides hold the recipes the operators follow, each with steps and the documented refresh", () => {
    expect(RECIPES).toEqual(expect.arrayContaining(["add-a-service", "add-a-route", "add-a-job", "add-an-environment", "add-an-environment-after-production"]));
    for (const recipe of RECIPES) {
      const commands = STEPS.filter((s) => s.recipes.includes(recipe) && s.action === "run").map((s) => s.args.join(" "));
      expect([recipe, commands]).toEqual([recipe, expect.arrayContaining(["npm run refresh"])]);
    }
    expect(AFFECTED_SUITES).toEqual(expect.arrayContaining(["__tests__/config/environment.test.ts", "__tests__/terraform/app-plan.test.ts", "__tests__/workflows/workflows.test.ts"]));
  });

  test("GIVEN every recipe applied to a copy WHEN npm run synth and npm run refresh run there THEN no test file changed, and the suites that read the committed files pass", () => {
    // GIVEN a copy of the repository, committed in a repository of its own (so that git tells what changed)
    copy = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-recipes-"));
    for (const file of repositoryFiles()) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(copy, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
    // The plans this run's terraform project just made: stacks a recipe does not change are not planned again.
    const plans = path.join(ROOT, ".tf-check", "jest");
    if (fs.existsSync(plans)) fs.cpSync(plans, path.join(copy, ".tf-check", "jest"), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.endsWith(".lock") && path.basename(src) !== "run.json" });
    git(copy, "init", "-q");
    git(copy, "add", "-A");
    git(copy, "commit", "-q", "-m", "before the recipes");

    // WHEN every recipe's edits are applied in guide order, then its commands run (each once, in guide order)
    const env = nestedEnv();
    const edits = STEPS.filter((s) => s.action !== "run" && s.action !== "emulator");
    const commands = STEPS.filter((s, i) => s.action === "run" && STEPS.findIndex((t) => t.action === "run" && t.args.join(" ") === s.args.join(" ")) === i);
    applySteps(copy, edits, () => undefined);
    applySteps(copy, commands, (argv, step) => runDocumented(copy, argv, env, step));

    // THEN the recipes changed environment files, workflows and generated files, and no test file (the snapshots are
    // generated: npm run refresh writes them)
    const changed = git(copy, "status", "--porcelain", "--untracked-files=all").split("\n").filter((l) => l !== "").map((l) => l.slice(3));
    expect(changed).toEqual(expect.arrayContaining(["environments/staging.json", "environments/qa.json", "addresses/whcsites-qa.json", ".github/workflows/deploy.yml"]));
    expect(changed.filter((f) => f.startsWith("__tests__/") && !f.startsWith("__tests__/stacks/__snapshots__/"))).toEqual([]);
    // AND each job a recipe adds is scheduled in its environment's stack (the refreshed address list names its schedule)
    const addedJobs = STEPS.filter((s) => s.action === "merge" && s.args[1] === "jobs").flatMap((s) => Object.keys(s.value as object).map((job) => [s.args[0], job]));
    expect(addedJobs.length).toBeGreaterThan(0);
    for (const [file, job] of addedJobs) {
      const { addresses } = JSON.parse(fs.readFileSync(path.join(copy, "addresses", `whcsites-${path.basename(file, ".json")}.json`), "utf8")) as { addresses: string[] };
      expect(addresses).toContain(`aws_scheduler_schedule.job_${job.replace(/-/g, "_")}_schedule`);
    }

    // AND the suites that read the committed files pass in the copy, with the recipes in it
    const jest = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--ci", "--", ...AFFECTED_SUITES], { cwd: copy, env, encoding: "utf8", timeout: 1_500_000 });
    const output = `${jest.stdout}${jest.stderr}`;
    expect({ status: jest.status, output: jest.status === 0 ? "" : output }).toEqual({ status: 0, output: "" });
    expect(output).toMatch(/^Tests: +\d+ passed, \d+ total$/m);
  }, 1_800_000);
});
