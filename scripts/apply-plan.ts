/**
 * `npm run apply-plan -- --stack whcsites-production --plan plan.tfplan --sha256 <hex>`: applies exactly the reviewed
 * plan with the read-write state role (src/operator/saved-plan.ts). Exit 0 applied, 1 Terraform failed, 2 bad input or
 * a file that is not the reviewed plan, 4 the state changed since the plan was made (stale: plan again).
 */
import * as path from "node:path";
import { Command } from "commander";
import { applyPlanFile, SavedPlanError } from "../src/operator/saved-plan";
import { runMain } from "./lib/run-main";
import { stackDir, stateRoleOf } from "./lib/stack/saved-plan-stack";

async function main(): Promise<number> {
  const o = new Command("apply-plan")
    .description("Apply a plan file made by release-plan, exactly, with the read-write state role")
    .requiredOption("--stack <name>", "the environment stack, e.g. whcsites-production")
    .requiredOption("--plan <file>", "the plan file (relative to the stack folder or absolute)")
    .option("--sha256 <hex>", "refuse a plan file with another sha256 (the reviewed plan's, from release-plan)")
    .option("--dir <dir>", "the synthesized stack folder (default: cdktf.out/stacks/<stack>)")
    .parse()
    .opts<{ stack: string; plan: string; sha256?: string; dir?: string }>();
  const dir = stackDir(o.stack, o.dir);
  try {
    await applyPlanFile({ dir, stack: o.stack, planFile: path.resolve(dir, o.plan), expectedSha256: o.sha256, stateRoleArn: stateRoleOf(dir) });
    return 0;
  } catch (error) {
    if (!(error instanceof SavedPlanError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
}

runMain("apply-plan", main);
