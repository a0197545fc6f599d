/**
 * `npm run tf:check`: prove every synthesized stack with real Terraform, offline (init, plan, show -json).
 *
 * By default it synthesizes the app into .tf-check/synth (cdktf.out is never touched) and checks every stack.
 * `--no-synth` checks cdktf.out as it is; `--out <dir>` checks another cdktf output dir.
 * Exit code: 0 when every stack plans with no warning outside scripts/lib/terraform/allowed-warnings.ts, 1 otherwise.
 * Without a terraform binary: failure in CI (CI=true), a loud SKIP with exit 0 on a developer machine.
 */
import * as path from "node:path";
import { Command, Option } from "commander";
import { checkStacks, DEFAULT_WORK_DIR, PROJECT_ROOT, TerraformNotFoundError, type RandomMode, type StackResult } from "./lib/terraform/check-stacks";
import { allowedBy, unexpectedWarnings } from "./lib/terraform/allowed-warnings";
import { synthesizeApp } from "./lib/synth/synth";
import { formatDiagnostic, isCi } from "./lib/terraform/terraform-cli";
import { runMain } from "./lib/run-main";

interface CliOptions {
  readonly out?: string;
  readonly synth: boolean;
  readonly workDir: string;
  readonly stack?: string[];
  readonly random: RandomMode;
  readonly reuse: boolean;
  readonly concurrency: string;
}

function banner(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = "#".repeat(width);
  return [rule, ...lines.map((l) => `# ${l.padEnd(width - 4)} #`), rule].join("\n");
}

function summary(results: readonly StackResult[]): string {
  const rows = results.map((r) => {
    const status = r.ok ? "ok" : `FAILED (${r.failedStep})`;
    const d = r.durationsMs;
    const timing = r.cached ? "reused" : `init ${d.init ?? "-"} / plan ${d.plan ?? "-"} / show ${d.show ?? "-"} ms`;
    return `  ${r.stack.padEnd(24)} ${status.padEnd(20)} ${String(r.resourceCount).padStart(4)} resources  ${r.warnings.length} warning(s)  ${timing}`;
  });
  return rows.join("\n");
}

async function main(): Promise<number> {
  const program = new Command()
    .name("tf-check")
    .description("Init and plan every synthesized stack offline with real Terraform")
    .option("--out <dir>", "check this cdktf output dir as it is (no synthesis)")
    .option("--no-synth", "check cdktf.out as it is instead of synthesizing first")
    .option("--work-dir <dir>", "where working copies and plans go", DEFAULT_WORK_DIR)
    .option("--stack <name...>", "only these stacks")
    .addOption(new Option("--random <mode>", "hashicorp/random: install if possible, else swap (auto); always swap; never swap").choices(["auto", "swap", "install"]).default("auto"))
    .option("--reuse", "reuse results of stacks unchanged since the last check", false)
    .option("--concurrency <n>", "stacks initialized and planned at once", "2")
    .parse();
  const options = program.opts<CliOptions>();
  const started = Date.now();

  let outDir = options.out !== undefined ? path.resolve(options.out) : path.join(PROJECT_ROOT, "cdktf.out");
  if (options.out === undefined && options.synth) {
    const synth = await synthesizeApp(path.join(path.resolve(options.workDir), "synth"));
    outDir = synth.outDir;
    console.log(`synthesized the app into ${path.relative(PROJECT_ROOT, outDir)} in ${synth.durationMs} ms`);
  }

  let results: StackResult[];
  try {
    results = await checkStacks({
      outDir,
      workDir: options.workDir,
      ...(options.stack !== undefined ? { stacks: options.stack } : {}),
      random: options.random,
      reuse: options.reuse,
      concurrency: Number(options.concurrency),
      log: (message) => console.log(message),
    });
  } catch (error) {
    if (error instanceof TerraformNotFoundError) {
      if (isCi()) {
        console.error(banner(["FAILED: terraform is not installed, and CI=true.", "The real-Terraform check never skips in CI: install Terraform 1.11.4."]));
        return 1;
      }
      console.warn(banner([
        "SKIPPED: the real-Terraform check did NOT run: terraform is not on PATH.",
        "Nothing was proven about the synthesized stacks. Install Terraform 1.11.4",
        "(or set TF_CHECK_TERRAFORM) and run `npm run tf:check` again.",
      ]));
      return 0;
    }
    throw error;
  }

  for (const r of results) {
    if (r.swappedRandom.length > 0) {
      console.log(`\nNOTE ${r.stack}: the working copy replaced ${r.swappedRandom.length} block(s) with terraform_data stand-ins whose ` +
        "output is unknown at plan time (references rewritten, kept sensitive): ephemeral blocks, which Terraform opens " +
        "during the plan through an API that is not here, and random_* resources when hashicorp/random cannot be installed. " +
        "Neither was checked against its provider:");
      for (const s of r.swappedRandom) console.log(`  ${s.from} -> ${s.to}${s.sensitive ? " (sensitive)" : ""}`);
    }
    for (const w of r.warnings) {
      const allowed = allowedBy(w);
      console.log(`\n[${r.stack}] ${allowed !== undefined ? "(allowed warning)" : "UNEXPECTED WARNING:"} ${formatDiagnostic(w)}`);
    }
    for (const e of r.errors) console.error(`\n[${r.stack}] ${e}`);
  }
  const failed = results.filter((r) => !r.ok || unexpectedWarnings(r.warnings).length > 0);
  console.log(`\n${summary(results)}`);
  console.log(`\ntf-check: ${results.filter((r) => r.ok).length}/${results.length} stack(s) planned; wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failed.length > 0) {
    const why = (r: StackResult) => (r.ok ? "warnings not in scripts/lib/terraform/allowed-warnings.ts" : r.failedStep);
    console.error(`tf-check FAILED: ${failed.map((r) => `${r.stack} (${why(r)})`).join(", ")}`);
    return 1;
  }
  return 0;
}

runMain("tf-check could not run", main);
