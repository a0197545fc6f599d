/**
 * `npm run review`: synthesizes every stack as `npm run synth` does, then writes beside each stack's cdk.tf.json a
 * review copy, `review.tf`: the same stack as HCL, rendered by cdktf, grouped by construct under separator comments
 * (scripts/lib/review/review-copy.ts). Terraform applies cdk.tf.json; review.tf is for reading.
 *
 * Its own command, not part of `npm run synth`: rendering and formatting the HCL cost about 2.5 times the synthesis
 * (docs/reviewing.md, "What the review copy costs"), beyond the budget of `npm run bench`. A review.tf left beside cdk.tf.json would be read by
 * Terraform too (every .tf file of the folder), so `npm run synth` removes it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import type { App } from "cdktf";
import { installCdktfHclFixes } from "./lib/review/cdktf-fixes";
import { runMain } from "./lib/run-main";

// Before anything loads cdktf: its HCL renderer is fixed as it loads.
installCdktfHclFixes();

interface Manifest {
  readonly stacks: Record<string, { readonly synthesizedStackPath: string }>;
}

async function main(): Promise<number> {
  const options = new Command()
    .name("review")
    .description("Synthesize every stack and write review.tf (HCL, sections by construct) beside each cdk.tf.json")
    .option("--environments <dir>", "folder of environment files", process.env.WHCSITES_ENVIRONMENTS_DIR)
    .addHelpText("after", "\nOutput: <CDKTF_OUTDIR or cdktf.out>/stacks/<stack>/review.tf. Exit code 1 when the synthesis fails.")
    .parse()
    .opts<{ environments?: string }>();

  // Loaded only now, after the fix is in place.
  const [{ TerraformStack }, { buildApp }, { synthesize }, { configureTokenStackTraces }, review, { PROJECT_ROOT }] = await Promise.all([
    import("cdktf"),
    import("../src/app"),
    import("../src/synth"),
    import("../src/token-stack-traces"),
    import("./lib/review/review-copy"),
    import("./lib/terraform/check-stacks"),
  ]);
  configureTokenStackTraces();
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  let app: App | undefined;
  const code = synthesize({ outdir, environmentsDir: options.environments, build: (o) => (app = buildApp(o)) });
  if (code !== 0 || app === undefined) return code === 0 ? 1 : code;

  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  const files = review.classFiles(PROJECT_ROOT);
  for (const stack of app.node.children.filter((c) => TerraformStack.isStack(c))) {
    const copy = await review.renderReviewCopy(stack, files);
    const target = path.join(outdir, path.dirname(manifest.stacks[stack.node.id].synthesizedStackPath), review.REVIEW_FILE);
    fs.writeFileSync(target, copy.text);
    console.log(`review copy: ${target} (${copy.sections.length} sections: ${copy.sections.map((s) => s.label).join(", ")})`);
  }
  return 0;
}

runMain("review", main);
