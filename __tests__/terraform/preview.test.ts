import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, type StackResult } from "../../scripts/lib/terraform/check-stacks";
import { formatPlanSummary, summarizePlan, withoutEphemeralStandIns, type PlanJson } from "../../scripts/lib/terraform/plan-summary";
import { COMMITTED_ENVIRONMENTS } from "../../scripts/lib/synth/synth";
import { plannedFolder, planRun } from "./plan-run";

function preview(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/preview.ts", ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const change = (address: string, actions: string[]) => {
  const [type, name] = address.replace(/\[.*$/, "").split(".");
  return { address, mode: "managed", type, name, change: { actions } };
};

describe("summarizePlan: Terraform's counts and the resources by action", () => {
  test("add counts creates and replacements, destroy counts deletes and replacements, change counts updates", () => {
    // GIVEN a plan with every kind of action
    const plan: PlanJson = {
      resource_changes: [
        change("aws_s3_bucket.logs", ["create"]),
        change('aws_route53_record.validation["api.example.org"]', ["create"]),
        change("aws_lb.api", ["update"]),
        change("aws_db_instance.database", ["delete", "create"]),
        change("aws_iam_role.old", ["delete"]),
        change("aws_security_group.kept", ["no-op"]),
      ],
    };
    // WHEN summarized
    const summary = summarizePlan(plan);
    // THEN the counts are Terraform's
    expect([summary.add, summary.change, summary.destroy]).toEqual([3, 1, 2]);
    expect(formatPlanSummary(summary)).toEqual([
      "Plan: 3 to add, 1 to change, 2 to destroy.",
      "+ create: 2",
      "    + aws_route53_record.validation[\"api.example.org\"]",
      "    + aws_s3_bucket.logs",
      "~ update in place: 1",
      "    ~ aws_lb.api",
      "-/+ replace (destroy, then create): 1",
      "    -/+ aws_db_instance.database",
      "- destroy: 1",
      "    - aws_iam_role.old",
    ]);
  });

  test("an offline stand-in is shown under the synthesized address; an unknown action is an error", () => {
    const plan: PlanJson = { resource_changes: [change("terraform_data.random_password_db[0]", ["create"])] };
    expect(summarizePlan(plan, new Map([["terraform_data.random_password_db", "random_password.db"]])).byAction.create).toEqual(["random_password.db[0]"]);
    expect(() => summarizePlan({ resource_changes: [change("aws_lb.api", ["forget"])] })).toThrow(/Unknown plan actions \[forget\]/);
  });
});

const run = planRun();
const describeWithTerraform = run.terraform ? describe : describe.skip;

describeWithTerraform("npm run preview (on the plans of this run)", () => {
  const committed = plannedFolder(run, COMMITTED_ENVIRONMENTS);

  test("prints, per stack, the plan of the offline check: counts and every planned resource, without planning again", () => {
    // GIVEN the committed app, checked by this run's global setup
    // WHEN previewed from the same output and working copies
    const result = preview(["--out", committed.outDir, "--work-dir", committed.workDir]);
    // THEN it exits 0, says what the preview is and is not, and shows each stack's plan
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/every resource is to add/);
    expect(result.stdout).toMatch(/npx cdktf diff <stack> \(needs AWS credentials and the state role\)/);
    for (const r of committed.results) {
      const section = result.stdout.split(/\n(?=whcsites-)/).find((s) => s.startsWith(`${r.stack} `)) as string;
      // (reused: the preview read the check's plan instead of running Terraform)
      expect(section).toMatch(new RegExp(`^${r.stack} \\(plan of npm test, unchanged since\\)`));
      expect(section).toContain(`Plan: ${r.resourceCount} to add, 0 to change, 0 to destroy.`);
      expect(section).toContain(`+ create: ${r.resourceCount}`);
      const listed = section.split("\n").filter((l) => l.startsWith("      + ")).map((l) => l.slice("      + ".length).replace(/\[.*$/, ""));
      expect([...new Set(listed)].sort()).toEqual(r.plannedAddresses);
      // the ephemeral blocks are named apart: never in the state, so not in the count
      const ephemeral = r.swappedRandom.filter((s) => s.from.startsWith("ephemeral.")).map((s) => s.from);
      const environmentStack = !r.stack.endsWith("-state") && !r.stack.endsWith("-github");
      expect([r.stack, ephemeral.length > 0]).toEqual([r.stack, environmentStack]);
      if (environmentStack) expect(section).toContain(`  ephemeral (opened at every plan and apply, never in the state): ${ephemeral.join(", ")}`);
    }
  });

  test("GIVEN npm test's plans WHEN previewed with a work dir of its own (as npm run preview after npm test) THEN every unchanged stack reuses npm test's plan", () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-preview-"));
    try {
      const result = preview(["--out", committed.outDir, "--work-dir", workDir]);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`Plans: ${committed.results.length} of npm test (.tf-check/jest), 0 of the last preview or tf:check, 0 planned now.`);
      for (const r of committed.results) expect(result.stdout).toContain(`\n${r.stack} (plan of npm test, unchanged since)\n`);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  test("GIVEN a stack npm test never planned WHEN previewed THEN it is planned, saying why; a second preview reuses that plan", () => {
    // GIVEN a stack with nothing to install (an output only), so that the plan takes a second
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-preview-"));
    try {
      fs.mkdirSync(path.join(dir, "out", "stacks", "whcsites-tiny"), { recursive: true });
      fs.writeFileSync(path.join(dir, "out", "stacks", "whcsites-tiny", "cdk.tf.json"), JSON.stringify({ output: { greeting: { value: "hello" } } }));
      const args = ["--out", path.join(dir, "out"), "--work-dir", path.join(dir, "work")];
      // WHEN previewed twice
      const first = preview(args);
      const second = preview(args);
      // THEN the first plans it and says why, the second reuses its plan
      expect([first.status, second.status]).toEqual([0, 0]);
      expect(first.stdout).toContain("\nwhcsites-tiny (planned now: no earlier plan of it)\n");
      expect(first.stdout).toMatch(/Plans: 0 of npm test \(\.tf-check\/jest\), 0 of the last preview or tf:check, 1 planned now\./);
      expect(second.stdout).toContain("\nwhcsites-tiny (plan of the last preview or tf:check, unchanged since)\n");
      // WHEN the stack changes THEN it is planned again, saying why
      fs.writeFileSync(path.join(dir, "out", "stacks", "whcsites-tiny", "cdk.tf.json"), JSON.stringify({ output: { greeting: { value: "hello again" } } }));
      expect(preview(args).stdout).toContain("\nwhcsites-tiny (planned now: it changed since the last plan)\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the counts are the plan's own: a summary of each saved plan", () => {
    for (const r of committed.results as StackResult[]) {
      const swaps = new Map(r.swappedRandom.map((s) => [s.to, s.from]));
      const summary = summarizePlan(withoutEphemeralStandIns(JSON.parse(fs.readFileSync(r.planJsonPath as string, "utf8")), swaps));
      expect([summary.add, summary.change, summary.destroy]).toEqual([r.resourceCount, 0, 0]);
    }
  });

  test("an unknown stack: exit 1 and the stacks there are", () => {
    const result = preview(["--out", committed.outDir, "--work-dir", path.join(committed.workDir), "--stack", "whcsites-nope"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/preview could not run: Unknown stack\(s\) whcsites-nope; found: .*whcsites-staging/);
  });
});
