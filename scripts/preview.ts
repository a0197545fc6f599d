/**
 * `npm run preview`: the plan of every stack, offline, in a few lines per stack: Terraform's "Plan: N to add, N to
 * change, N to destroy." and the resources each action touches.
 *
 * It reuses the plans `npm test` made (its real-Terraform project keeps them in .tf-check/jest/) and those of the
 * offline check (`npm run tf:check`, .tf-check/) wherever the stack is byte for byte the one planned, plans only the
 * other stacks, and says for each why it had to. Offline there is no state, so every resource is "to add":
 * the preview shows what the code asks for. What a deploy would change against what is deployed needs the real
 * state: `npx cdktf diff <stack>`, with AWS credentials and the state role.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { checkStacks, DEFAULT_WORK_DIR, PROJECT_ROOT, TerraformNotFoundError, TEST_PLANS_DIR, testPlansWorkDir } from "./lib/terraform/check-stacks";
import { formatPlanSummary, summarizePlan, withoutEphemeralStandIns, type PlanJson } from "./lib/terraform/plan-summary";
import { COMMITTED_ENVIRONMENTS, synthesizeApp } from "./lib/synth/synth";
import { errorMessage, runMain } from "./lib/run-main";

interface CliOptions {
  readonly out?: string;
  readonly synth: boolean;
  readonly workDir: string;
  readonly stack?: string[];
}

async function main(): Promise<number> {
  const options = new Command()
    .name("preview")
    .description(
      "Offline plan summary of every stack (to add / change / destroy, and the resources by action), from the plans of " +
        "npm run tf:check. No AWS account needed; against an empty state. What a deploy changes: npx cdktf diff <stack> " +
        "(AWS credentials and the state role).",
    )
    .option("--out <dir>", "preview this cdktf output dir as it is (no synthesis)")
    .option("--no-synth", "preview cdktf.out as it is instead of synthesizing first")
    .option("--work-dir <dir>", "where tf:check keeps working copies and plans", DEFAULT_WORK_DIR)
    .option("--stack <name...>", "only these stacks")
    .parse()
    .opts<CliOptions>();

  let outDir = options.out !== undefined ? path.resolve(options.out) : path.join(PROJECT_ROOT, "cdktf.out");
  // Synthesized where tf:check synthesizes, so an unchanged stack reuses tf:check's plan.
  if (options.out === undefined && options.synth) outDir = (await synthesizeApp(path.join(path.resolve(options.workDir), "synth"))).outDir;

  // npm test's plans of the committed environments (the same app, synthesized the same way) are as good as our own.
  const testPlans = testPlansWorkDir(COMMITTED_ENVIRONMENTS);
  const results = await checkStacks({
    outDir,
    workDir: options.workDir,
    ...(options.stack !== undefined ? { stacks: options.stack } : {}),
    reuse: true,
    reuseFrom: [testPlans],
  });
  console.log("Offline preview: each stack planned against an empty state (no AWS account), so every resource is to add.");
  console.log("What a deploy would change in a deployed stack: npx cdktf diff <stack> (needs AWS credentials and the state role).");
  const fromTests = results.filter((r) => r.reusedFrom === path.resolve(testPlans)).length;
  const planned = results.filter((r) => !r.cached).length;
  console.log(
    fs.existsSync(testPlans)
      ? `Plans: ${fromTests} of npm test (${path.relative(PROJECT_ROOT, TEST_PLANS_DIR)}), ${results.length - fromTests - planned} of the last preview or tf:check, ${planned} planned now.`
      : `Plans: npm test has left none (${path.relative(PROJECT_ROOT, TEST_PLANS_DIR)} does not exist: run npm test first to reuse its plans); ${planned} planned now.`,
  );
  let failed = 0;
  for (const r of results) {
    const source = r.reusedFrom === path.resolve(testPlans) ? "plan of npm test, unchanged since" : r.cached ? "plan of the last preview or tf:check, unchanged since" : `planned now: ${r.plannedBecause ?? "no earlier plan"}`;
    console.log(`\n${r.stack} (${source})`);
    if (!r.ok) {
      failed++;
      console.log(`  FAILED at ${r.failedStep}: the stack does not plan (npm run tf:check shows why)`);
      for (const error of r.errors) console.log(error.split("\n").map((l) => `  ${l}`).join("\n"));
      continue;
    }
    const swaps = new Map(r.swappedRandom.map((s) => [s.to, s.from]));
    const plan = withoutEphemeralStandIns(JSON.parse(fs.readFileSync(r.planJsonPath as string, "utf8")) as PlanJson, swaps);
    for (const line of formatPlanSummary(summarizePlan(plan, swaps))) console.log(`  ${line}`);
    const ephemeral = r.swappedRandom.filter((s) => s.from.startsWith("ephemeral.")).map((s) => s.from);
    if (ephemeral.length > 0) console.log(`  ephemeral (opened at every plan and apply, never in the state): ${ephemeral.join(", ")}`);
  }
  return failed > 0 ? 1 : 0;
}

runMain("preview could not run", main, (error) =>
  error instanceof TerraformNotFoundError ? `${error.message}; the preview needs Terraform 1.11.4` : errorMessage(error),
);
