/**
 * `npm run policy`: synthesizes every stack of the app and prints the policy report: the rules applied per stack,
 * what passed, every violation, and every acknowledged exception with its reason. Exits 1 when a violation is left
 * or a stack is not guarded.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { buildApp } from "../src/app";
import { collectPolicyReports, formatPolicyReport, violationCount } from "../src/policies/report";

// Error annotations would stop synthesis at the first failing stack; collect every stack's findings instead and
// fail below. Each TerraformStack reads it in its constructor, so it is set before the app is built.
process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-policy."));
try {
  const app = buildApp({ outdir });
  app.synth();
  const report = collectPolicyReports(app);

  // Error annotations that are not policy findings (another construct's own check) must not pass unnoticed.
  const findings = new Set(report.stacks.flatMap((s) => s.rules.flatMap((r) => r.violations.map((v) => v.message))));
  const otherErrors = app.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => `[${c.node.path}] ${String(m.data)}`))
    .filter((line) => ![...findings].some((message) => line.endsWith(message)));

  console.log(formatPolicyReport(report));
  for (const line of otherErrors) console.log(`Other synthesis error: ${line}`);
  process.exitCode = violationCount(report) > 0 || report.unguardedStacks.length > 0 || otherErrors.length > 0 ? 1 : 0;
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
