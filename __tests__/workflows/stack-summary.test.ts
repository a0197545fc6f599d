import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { acknowledgementsOf, countPlan, stackSummary } from "../../.github/scripts/stack-summary";
import { findTerraform, isCi } from "../../scripts/lib/terraform/terraform-cli";

const ROOT = path.resolve(__dirname, "..", "..");

/** Runs terraform in `dir` with an empty CLI config (the fixture uses built-in resources only). */
function terraform(dir: string, ...args: string[]): string {
  fs.writeFileSync(path.join(dir, "empty.tfrc"), "");
  const run = spawnSync("terraform", args, {
    cwd: dir,
    env: { ...process.env, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: path.join(dir, "empty.tfrc"), CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`terraform ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

// Synthesizing the app prints its acknowledged exceptions; they are what these tests read, not what they show.
let warn: jest.SpyInstance;
beforeEach(() => {
  warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

const terraformHere = findTerraform() !== undefined;
if (!terraformHere && !isCi()) process.stderr.write("SKIPPED: terraform is not on PATH, so the plan summary was not checked against a real plan.\n");

(terraformHere || isCi() ? describe : describe.skip)("GIVEN a real plan that adds, changes, replaces and destroys (terraform_data, offline)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-summary-"));
  let planLine: string;
  let planJson: string;

  beforeAll(() => {
    fs.writeFileSync(
      path.join(dir, "main.tf"),
      ['resource "terraform_data" "kept" { input = "one" }', 'resource "terraform_data" "replaced" { triggers_replace = "one" }', 'resource "terraform_data" "removed" {}'].join("\n"),
    );
    terraform(dir, "init", "-input=false");
    terraform(dir, "apply", "-input=false", "-auto-approve");
    fs.writeFileSync(
      path.join(dir, "main.tf"),
      ['resource "terraform_data" "kept" { input = "two" }', 'resource "terraform_data" "replaced" { triggers_replace = "two" }', 'resource "terraform_data" "added" {}'].join("\n"),
    );
    const out = terraform(dir, "plan", "-input=false", "-no-color", "-out=plan.tfplan");
    planLine = out.split("\n").find((l) => l.startsWith("Plan: ")) ?? "";
    planJson = path.join(dir, "plan.json");
    fs.writeFileSync(planJson, terraform(dir, "show", "-json", "plan.tfplan"));
  }, 60_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("WHEN it is counted THEN the counts are Terraform's own Plan line, a replacement counting as one add and one destroy", () => {
    const counts = countPlan(JSON.parse(fs.readFileSync(planJson, "utf8")));
    expect(planLine).toBe(`Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`);
    expect(counts).toEqual({
      add: 2,
      change: 1,
      destroy: 2,
      import: 0,
      changes: [
        { address: "terraform_data.added", action: "create" },
        { address: "terraform_data.kept", action: "update" },
        { address: "terraform_data.removed", action: "delete" },
        { address: "terraform_data.replaced", action: "replace" },
      ],
      images: [],
      variables: [],
    });
  });

  test("WHEN the CLI summarizes it for staging THEN the Markdown has the counts, the resources and the acknowledgements", () => {
    const run = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", ".github/scripts/stack-summary.ts", "--stack", "whcsites-staging", "--plan", planJson], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("### whcsites-staging\n\n| to add | to change | to destroy | to import |\n|---:|---:|---:|---:|\n| 2 | 1 | 2 | 0 |\n");
    expect(run.stdout).toContain("- `terraform_data.replaced`: replace");
    // What cannot be undone is listed on its own, never folded away
    expect(run.stdout).toContain("**Replaced (destroyed, then created): 1**\n\n- `terraform_data.replaced`\n");
    expect(run.stdout).toContain("**Destroyed: 1**\n\n- `terraform_data.removed`\n");
    const acknowledged = acknowledgementsOf("whcsites-staging");
    expect(run.stdout).toContain(`**Policy guard: ${acknowledged.length} acknowledged exception(s)**`);
    for (const a of acknowledged) expect(run.stdout).toContain(`- [${a.ruleId}] \`${a.path}\`: `);
  });
});

describe("GIVEN the app's policy guard", () => {
  // The same acknowledgements `npm run policy` prints: the summary and the report must agree.
  const report = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/policy-report.ts"], { cwd: ROOT, encoding: "utf8" });
  const printed = (stack: string) => {
    const block = report.stdout.split("\n\n").find((b) => b.startsWith(`Stack ${stack} (`)) ?? "";
    return block
      .split("\n")
      .filter((l) => l.startsWith("    ["))
      .map((l) => l.trim());
  };

  test.each([["whcsites-staging"], ["whcsites-production"], ["whcsites-state"]])("WHEN %s is summarized THEN its acknowledgements are those npm run policy prints", (stack) => {
    expect(report.status).toBe(0);
    const fromGuard = acknowledgementsOf(stack).map((a) => `[${a.ruleId}] ${a.path}: ${a.reason}`);
    expect(fromGuard).toEqual(printed(stack).map((l) => l.replace(/ \(acknowledged on [^)]*\)$/, "")));
  });

  test("WHEN a stack the app does not have is summarized THEN it fails naming the stack", () => {
    expect(() => acknowledgementsOf("whcsites-nowhere")).toThrow('stack-summary: --stack got "whcsites-nowhere", which the app does not have (or does not guard)');
  });
});

describe("GIVEN no plan or a file that is not a plan", () => {
  test("WHEN there is no plan THEN the summary says the plan step failed", () => {
    expect(stackSummary("whcsites-staging", undefined, [])).toBe("### whcsites-staging\n\nNo plan: the plan step failed (see its log).\n\n**Policy guard: 0 acknowledged exception(s)**\n");
  });

  test("WHEN the file is not terraform show -json THEN counting refuses it", () => {
    expect(() => countPlan({ resources: [] })).toThrow("stack-summary: --plan is not `terraform show -json` of a plan (no format_version)");
  });

  test("WHEN the arguments are missing THEN the CLI prints its usage and exits 2", () => {
    const run = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", ".github/scripts/stack-summary.ts", "--stack", "whcsites-staging"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("usage: stack-summary --stack <stack> --plan <terraform show -json of the plan>\n");
  });

  test("WHEN an acknowledgement reason holds Markdown or HTML THEN it is escaped", () => {
    const text = stackSummary("s", undefined, [{ ruleId: "X.1", path: "s/a", reason: "a <b> | c" }]);
    expect(text).toContain("- [X.1] `s/a`: a &lt;b&gt; \\| c");
  });
});

describe("GIVEN a release plan: a task definition's image changes, and the emergency override is set", () => {
  const before = JSON.stringify([{ name: "app", image: "ghcr.io/o/api@sha256:aaa" }]);
  const after = JSON.stringify([{ name: "app", image: "ghcr.io/o/api@sha256:bbb" }]);
  const plan = {
    format_version: "1.2",
    variables: { emergency_image: { value: "ghcr.io/o/api@sha256:bbb" } },
    resource_changes: [
      { address: "aws_ecs_task_definition.api", mode: "managed", type: "aws_ecs_task_definition", change: { actions: ["delete", "create"], before: { container_definitions: before }, after: { container_definitions: after } } },
    ],
  };

  test("WHEN summarized THEN it names the image before and after, and warns about the override", () => {
    const text = stackSummary("whcsites-production", countPlan(plan), []);
    expect(text).toContain("**Images**\n\n- `aws_ecs_task_definition.api`: `ghcr.io/o/api@sha256:aaa` → `ghcr.io/o/api@sha256:bbb`\n");
    expect(text).toContain("**⚠ Variable `emergency_image` is set: `ghcr.io/o/api@sha256:bbb`** (an emergency override: the environment file does not say this)");
  });

  test("WHEN the override is empty THEN there is no warning", () => {
    expect(stackSummary("whcsites-production", countPlan({ ...plan, variables: { emergency_image: { value: "" } } }), [])).not.toContain("⚠");
  });
});
