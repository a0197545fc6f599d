import { Aspects, TerraformStack } from "cdktf";
import { PolicyPackAspect, PolicyRule, PolicyRun, ResolvedAtPreparation, StackPolicyReport } from "./framework";
import { ALL_POLICY_RULES } from "./rules";

/** Options of {@link applyPolicies}. */
export interface ApplyPoliciesOptions {
  /** Whether the stack is production: production-only rules (ELB.5, RDS.5, WHC.SAFE1, ...) run only then. */
  readonly production: boolean;
  /**
   * The rules to apply.
   * @default every rule in ALL_POLICY_RULES
   */
  readonly rules?: readonly PolicyRule[];
  /**
   * The configurations the stack's preparation resolved (see `ReadableStack.takeResolvedAtPreparation`), so that the
   * guard need not resolve every resource a second time.
   * @default none: the guard resolves each resource it checks itself
   */
  readonly resolvedAtPreparation?: ResolvedAtPreparation;
}

const runs = new WeakMap<TerraformStack, PolicyRun>();

/**
 * Guards a stack with the policy pack: at every synthesis each rule checks the stack's resources, and each
 * unacknowledged violation becomes an error annotation, which makes `app.synth()`, `cdktf synth` and
 * `Testing.fullSynth` fail with `[<rule id>] <construct path>: <what is wrong>. Fix: <how>.`
 *
 * Call it once per stack, at the end of the stack's constructor: the guard is an aspect of the stack (aspects of the
 * App are never invoked), and an aspect added later that changes resources would run after the checks.
 *
 * @returns the rules applied (production-only rules left out outside production).
 * @throws Error when the stack is already guarded, or two rules share an id.
 */
export function applyPolicies(stack: TerraformStack, options: ApplyPoliciesOptions): readonly PolicyRule[] {
  if (runs.has(stack)) throw new Error(`applyPolicies: the stack ${stack.node.path} is already guarded; call applyPolicies once per stack.`);
  const candidates = options.rules ?? ALL_POLICY_RULES;
  const ids = new Set<string>();
  for (const rule of candidates) {
    if (ids.has(rule.id)) throw new Error(`applyPolicies: rules holds ${rule.id} twice; each rule id must be unique.`);
    ids.add(rule.id);
  }
  const rules = candidates.filter((rule) => options.production || !rule.productionOnly);
  const run = new PolicyRun(stack, options.production, rules, options.resolvedAtPreparation);
  runs.set(stack, run);

  Aspects.of(stack).add(new PolicyPackAspect(rules, run, new Set([...ALL_POLICY_RULES.map((rule) => rule.id), ...ids])));
  return rules;
}

/** Whether {@link applyPolicies} guards this stack. */
export function isGuarded(stack: TerraformStack): boolean {
  return runs.has(stack);
}

/** The policy outcome of the stack's latest synthesis; undefined when the stack is not guarded. */
export function policyReportOf(stack: TerraformStack): StackPolicyReport | undefined {
  return runs.get(stack)?.report();
}
