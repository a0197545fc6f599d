/**
 * `npm run policy`: synthesizes every stack of the app and prints the policy report: the rules applied per stack,
 * what passed, every violation, and every acknowledged exception with its reason. Exits 1 when a violation is left
 * or a stack is not guarded. `--help` lists the options.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { buildApp } from "../src/app";
import { ConfigError } from "../src/config/environment";
import { collectPolicyReports, formatPolicyReport, violationCount } from "../src/policies/report";

const options = new Command()
  .name("policy")
  .description("Synthesize every stack and print the policy guard's report (exit 1 on a violation or an unguarded stack)")
  .option("--stack <name...>", "only these stacks (for example whcsites-production)")
  .option("--failures-only", "only failing rules and their violations (and the acknowledged exceptions)", false)
  .option("--all", "also list the rules that had no resource to check (N/A)", false)
  .option("--environments <dir>", "folder of environment files", process.env.WHCSITES_ENVIRONMENTS_DIR)
  .addHelpText("after", "\nExit codes: 0 no violation; 1 a violation, an unguarded stack, or a bad environment file.")
  .parse()
  .opts<{ stack?: string[]; failuresOnly: boolean; all: boolean; environments?: string }>();

// Error annotations would stop synthesis at the first failing stack; collect every stack's findings instead and
// fail below. Each TerraformStack reads it in its constructor, so it is set before the app is built.
process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-policy."));
try {
  const app = buildApp({ outdir, environmentsDir: options.environments });
  app.synth();
  const all = collectPolicyReports(app);
  const known = all.stacks.map((s) => s.stack);
  const unknown = (options.stack ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`policy: --stack got ${unknown.join(", ")}; allowed: ${known.join(", ")}`);
    process.exitCode = 1;
  } else {
    const report = options.stack === undefined ? all : { ...all, stacks: all.stacks.filter((s) => options.stack?.includes(s.stack)) };
    // As at synthesis: one short line per acknowledged exception on stderr (the report below has the details).
    for (const stack of report.stacks) {
      for (const finding of stack.rules.flatMap((r) => r.acknowledged)) {
        console.error(`policy: [${finding.ruleId}] ${finding.path}: acknowledged: ${finding.acknowledgement.reason}`);
      }
    }
    // Error annotations that are not policy findings (another construct's own check) must not pass unnoticed.
    const findings = new Set(report.stacks.flatMap((s) => s.rules.flatMap((r) => r.violations.map((v) => v.message))));
    const otherErrors = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => `[${c.node.path}] ${String(m.data)}`))
      .filter((line) => ![...findings].some((message) => line.endsWith(message)));

    console.log(formatPolicyReport(report, { includeNotApplicable: options.all, failuresOnly: options.failuresOnly }));
    for (const line of otherErrors) console.log(`Other synthesis error: ${line}`);
    process.exitCode = violationCount(report) > 0 || report.unguardedStacks.length > 0 || otherErrors.length > 0 ? 1 : 0;
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`policy: the configuration has ${error.problems.length} problem(s):\n${error.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
