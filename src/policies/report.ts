import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { isGuarded, policyReportOf } from "./apply";
import { StackPolicyReport } from "./framework";

/** The policy outcome of every stack in the app (or below any construct); unguarded stacks have no report. */
export interface AppPolicyReport {
  /** Reports of the guarded stacks, in tree order. */
  readonly stacks: readonly StackPolicyReport[];
  /** Ids of the stacks that {@link applyPolicies} does not guard. */
  readonly unguardedStacks: readonly string[];
}

/** Collects the policy reports of all stacks below `root` (usually the App), after it was synthesized. */
export function collectPolicyReports(root: IConstruct): AppPolicyReport {
  const stacks = root.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  return {
    stacks: stacks.map(policyReportOf).filter((r): r is StackPolicyReport => r !== undefined),
    unguardedStacks: stacks.filter((s) => !isGuarded(s)).map((s) => s.node.id),
  };
}

/** Number of unacknowledged violations in the report. */
export function violationCount(report: AppPolicyReport): number {
  return report.stacks.reduce((sum, stack) => sum + stack.rules.reduce((n, rule) => n + rule.violations.length, 0), 0);
}

/** What {@link formatPolicyReport} shows. */
export interface PolicyReportFormat {
  /**
   * List the rules that had no resource to check (N/A).
   * @default false
   */
  readonly includeNotApplicable?: boolean;
  /**
   * List only failing rules, their violations, and the acknowledged exceptions.
   * @default false
   */
  readonly failuresOnly?: boolean;
}

/**
 * Renders the report as text: per stack, each applied rule with PASS / FAIL / ACK (and N/A when asked) and the
 * resources it checked, every violation, and every acknowledged exception with its reason.
 */
export function formatPolicyReport(report: AppPolicyReport, format: PolicyReportFormat = {}): string {
  const lines: string[] = [];
  for (const stack of report.stacks) {
    const violations = stack.rules.flatMap((r) => r.violations);
    const acknowledged = stack.rules.flatMap((r) => r.acknowledged);
    const checkedRules = stack.rules.filter((r) => r.checked.length > 0);
    lines.push(
      `Stack ${stack.stack} (${stack.production ? "production" : "non-production"}): ${stack.rules.length} rules applied, ` +
        `${checkedRules.length} with resources to check, ${violations.length} violation(s), ${acknowledged.length} acknowledged`,
    );
    for (const rule of stack.rules) {
      if (rule.checked.length === 0 && !format.includeNotApplicable) continue;
      if (format.failuresOnly && rule.violations.length === 0) continue;
      const status = rule.violations.length > 0 ? "FAIL" : rule.checked.length === 0 ? "N/A " : rule.acknowledged.length > 0 ? "ACK " : "PASS";
      const counts = rule.checked.length === 0 ? "no resources" : `${rule.passed.length}/${rule.checked.length} resources pass`;
      lines.push(`  ${status} ${rule.id.padEnd(10)} ${rule.title} (${counts})`);
    }
    if (violations.length > 0) {
      lines.push("  Violations:");
      for (const v of violations) lines.push(`    ${v.message}`);
    }
    if (acknowledged.length > 0) {
      lines.push("  Acknowledged exceptions:");
      for (const a of acknowledged) {
        lines.push(`    [${a.ruleId}] ${a.path}: ${a.acknowledgement.reason} (acknowledged on ${a.acknowledgement.scopePath})`);
        lines.push(`      suppressed: ${a.message}`);
      }
    }
    lines.push("");
  }
  for (const id of report.unguardedStacks) lines.push(`Stack ${id}: NOT GUARDED (applyPolicies was not called for it)`);
  const total = violationCount(report);
  lines.push(
    total === 0 && report.unguardedStacks.length === 0
      ? "Policy check passed: no unacknowledged violation."
      : `Policy check failed: ${total} violation(s), ${report.unguardedStacks.length} unguarded stack(s).`,
  );
  return lines.join("\n");
}
