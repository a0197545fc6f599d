/**
 * The CI job summary of one stack: what its plan adds, changes and destroys (counted as `terraform plan` counts them:
 * a replacement is one add and one destroy), which resources, and the policy guard's acknowledged exceptions.
 *
 *   node --require ./scripts/register-ts.cjs .github/scripts/stack-summary.ts --stack whcsites-staging --plan plan.json
 *
 * `--plan` is `terraform show -json` of the saved plan. The acknowledgements come from the policy guard itself (the
 * app is synthesized into a temporary directory), as `npm run policy` prints them. Prints Markdown for
 * $GITHUB_STEP_SUMMARY; exits 1 when the stack is not in the app or the plan file is not a plan.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { buildApp } from "../../src/app";
import { collectPolicyReports } from "../../src/policies/report";

/** Resource counts of a plan, as Terraform's "Plan:" line gives them. */
export interface PlanCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly import: number;
  /** Managed resources that change, with their action: `create`, `update`, `delete`, `replace` or `import`. */
  readonly changes: ReadonlyArray<{ readonly address: string; readonly action: string }>;
  /** Container images a task definition change moves from one reference to another. */
  readonly images: ReadonlyArray<{ readonly address: string; readonly before: string; readonly after: string }>;
  /** Variables set to something else than empty (the emergency override). */
  readonly variables: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/** The images of a task definition's container definitions (a JSON string in the plan), in order. */
function imagesOf(containerDefinitions: unknown): string[] {
  if (typeof containerDefinitions !== "string") return [];
  try {
    return (JSON.parse(containerDefinitions) as Array<{ image?: unknown }>).map((c) => String(c.image ?? ""));
  } catch {
    return [];
  }
}

/** One acknowledged exception of a stack, as the policy report prints it. */
export interface StackAcknowledgement {
  readonly ruleId: string;
  readonly path: string;
  readonly reason: string;
}

/** Counts the managed resource changes of a plan (`terraform show -json`); data source reads are not changes. */
export function countPlan(plan: unknown): PlanCounts {
  if (plan === null || typeof plan !== "object" || !("format_version" in plan)) {
    throw new Error("stack-summary: --plan is not `terraform show -json` of a plan (no format_version)");
  }
  const changes = (plan as { resource_changes?: unknown }).resource_changes;
  let add = 0;
  let change = 0;
  let destroy = 0;
  let imported = 0;
  const listed: { address: string; action: string }[] = [];
  const images: { address: string; before: string; after: string }[] = [];
  for (const rc of Array.isArray(changes) ? changes : []) {
    if (rc.mode !== "managed") continue;
    if (rc.type === "aws_ecs_task_definition") {
      const before = imagesOf(rc.change?.before?.container_definitions);
      const after = imagesOf(rc.change?.after?.container_definitions);
      after.forEach((image, i) => {
        if (image !== (before[i] ?? "")) images.push({ address: String(rc.address), before: before[i] ?? "(new)", after: image });
      });
    }
    const actions: string[] = rc.change?.actions ?? [];
    const importing = rc.change?.importing !== undefined && rc.change?.importing !== null;
    if (importing) imported++;
    let action: string | undefined;
    if (actions.includes("create") && actions.includes("delete")) {
      add++;
      destroy++;
      action = "replace";
    } else if (actions.includes("create")) {
      add++;
      action = "create";
    } else if (actions.includes("update")) {
      change++;
      action = "update";
    } else if (actions.includes("delete")) {
      destroy++;
      action = "delete";
    } else if (importing) {
      action = "import";
    }
    if (action !== undefined) listed.push({ address: String(rc.address), action });
  }
  const variables = Object.entries(((plan as { variables?: Record<string, { value?: unknown }> }).variables ?? {}))
    .filter(([, v]) => v.value !== "" && v.value !== null && v.value !== undefined)
    .map(([name, v]) => ({ name, value: String(v.value) }));
  return { add, change, destroy, import: imported, changes: listed, images, variables };
}

/** The acknowledged exceptions of `stack`, read from the policy guard after synthesizing the app. */
export function acknowledgementsOf(stack: string): StackAcknowledgement[] {
  const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  // As in `npm run policy`: a violation is reported, not thrown, so that the summary can still be written.
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-summary."));
  try {
    const app = buildApp({ outdir });
    app.synth();
    const report = collectPolicyReports(app).stacks.find((s) => s.stack === stack);
    if (report === undefined) throw new Error(`stack-summary: --stack got ${JSON.stringify(stack)}, which the app does not have (or does not guard)`);
    return report.rules.flatMap((rule) => rule.acknowledged.map((a) => ({ ruleId: a.ruleId, path: a.path, reason: a.acknowledgement.reason })));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
  }
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|");

/** The Markdown summary of one stack; `counts` is undefined when there is no plan (the plan step failed). */
export function stackSummary(stack: string, counts: PlanCounts | undefined, acknowledgements: readonly StackAcknowledgement[]): string {
  const lines = [`### ${escape(stack)}`, ""];
  if (counts === undefined) {
    lines.push("No plan: the plan step failed (see its log).", "");
  } else {
    lines.push("| to add | to change | to destroy | to import |", "|---:|---:|---:|---:|", `| ${counts.add} | ${counts.change} | ${counts.destroy} | ${counts.import} |`, "");
    for (const v of counts.variables) lines.push(`**⚠ Variable \`${escape(v.name)}\` is set: \`${escape(v.value)}\`** (an emergency override: the environment file does not say this)`, "");
    if (counts.images.length > 0) {
      lines.push("**Images**", "");
      for (const i of counts.images) lines.push(`- \`${escape(i.address)}\`: \`${escape(i.before)}\` → \`${escape(i.after)}\``);
      lines.push("");
    }
    // What cannot be undone by applying the previous plan: read first, never folded away.
    for (const [action, title] of [["replace", "Replaced (destroyed, then created)"], ["delete", "Destroyed"]] as const) {
      const these = counts.changes.filter((c) => c.action === action);
      if (these.length === 0) continue;
      lines.push(`**${title}: ${these.length}**`, "");
      for (const c of these) lines.push(`- \`${escape(c.address)}\``);
      lines.push("");
    }
    if (counts.changes.length > 0) {
      lines.push(`<details><summary>${counts.changes.length} resource(s)</summary>`, "");
      for (const c of counts.changes) lines.push(`- \`${escape(c.address)}\`: ${c.action}`);
      lines.push("", "</details>", "");
    }
  }
  lines.push(`**Policy guard: ${acknowledgements.length} acknowledged exception(s)**`, "");
  for (const a of acknowledgements) lines.push(`- [${escape(a.ruleId)}] \`${escape(a.path)}\`: ${escape(a.reason)}`);
  if (acknowledgements.length > 0) lines.push("");
  return lines.join("\n");
}

function main(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { stack: { type: "string" }, plan: { type: "string" } }, strict: true });
  if (values.stack === undefined || values.plan === undefined) {
    process.stderr.write("usage: stack-summary --stack <stack> --plan <terraform show -json of the plan>\n");
    return 2;
  }
  try {
    const counts = fs.existsSync(values.plan) ? countPlan(JSON.parse(fs.readFileSync(values.plan, "utf8"))) : undefined;
    process.stdout.write(`${stackSummary(values.stack, counts, acknowledgementsOf(values.stack))}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
