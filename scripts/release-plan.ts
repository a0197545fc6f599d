/**
 * `npm run release-plan -- --stack whcsites-production`: the plan a production deploy applies after its approval,
 * made with the read-only state role (src/operator/saved-plan.ts). Prints `plan=`, `json=` and `sha256=` lines for
 * $GITHUB_OUTPUT. Exit 0 planned, 1 Terraform failed, 2 bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { planToFile, readOnlyStateRoleArn, SavedPlanError } from "../src/operator/saved-plan";
import { runMain } from "./lib/run-main";
import { stackDir, stateRoleOf } from "./lib/stack/saved-plan-stack";

async function main(): Promise<number> {
  const o = new Command("release-plan")
    .description("Plan a stack into a file with the read-only state role (no lock, no refresh), for apply-plan after review")
    .requiredOption("--stack <name>", "the environment stack, e.g. whcsites-production")
    .option("--out <file>", "the plan file", "plan.tfplan")
    .option("--dir <dir>", "the synthesized stack folder (default: cdktf.out/stacks/<stack>)")
    .parse()
    .opts<{ stack: string; out: string; dir?: string }>();
  const dir = stackDir(o.stack, o.dir);
  try {
    const planFile = path.resolve(dir, o.out);
    const planned = await planToFile({ dir, planFile, stateRoleArn: readOnlyStateRoleArn(stateRoleOf(dir)) });
    process.stdout.write(`plan=${planFile}\njson=${planned.jsonFile}\nsha256=${planned.sha256}\n`);
    if (!fs.existsSync(planned.jsonFile)) return 1;
    return 0;
  } catch (error) {
    if (!(error instanceof SavedPlanError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
}

runMain("release-plan", main);
