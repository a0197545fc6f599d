/**
 * A plan in a few lines: what `terraform show -json <plan>` says will be added, changed and destroyed, and which
 * resources each action touches. Used by `npm run preview`.
 */

/** What Terraform will do to one resource instance. */
export type PlanAction = "create" | "update" | "replace" | "delete" | "read" | "no-op";

/** The order and the sign Terraform prints each action with. */
export const PLAN_ACTIONS: ReadonlyArray<{ readonly action: PlanAction; readonly sign: string; readonly label: string }> = [
  { action: "create", sign: "+", label: "create" },
  { action: "update", sign: "~", label: "update in place" },
  { action: "replace", sign: "-/+", label: "replace (destroy, then create)" },
  { action: "delete", sign: "-", label: "destroy" },
  { action: "read", sign: "<=", label: "read (data source)" },
];

/** The parts of `terraform show -json` a summary needs. */
export interface PlanJson {
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly mode: string;
    readonly type: string;
    readonly name: string;
    readonly change: { readonly actions: readonly string[] };
  }>;
}

/** Counts as Terraform's "Plan: N to add, N to change, N to destroy." line, and the addresses by action. */
export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly byAction: Readonly<Record<PlanAction, readonly string[]>>;
}

function actionOf(actions: readonly string[]): PlanAction {
  const key = actions.join(",");
  if (key === "delete,create" || key === "create,delete") return "replace";
  if (["create", "update", "delete", "read", "no-op"].includes(key)) return key as PlanAction;
  throw new Error(`Unknown plan actions [${key}]`);
}

/**
 * Summarize a plan. `rename` maps an address prefix (`type.name`) back to what the synthesized stack calls it (the
 * offline check's stand-ins for random_* resources).
 */
/**
 * The plan without the stand-ins of ephemeral blocks (the offline working copy plans each as a `terraform_data`):
 * they are not resources of the stack, and a real plan has no such change. `swaps` maps stand-in to original address.
 */
export function withoutEphemeralStandIns<P extends { readonly resource_changes?: ReadonlyArray<{ readonly type: string; readonly name: string }> }>(
  plan: P,
  swaps: ReadonlyMap<string, string>,
): P {
  const standIns = new Set([...swaps].filter(([, from]) => from.startsWith("ephemeral.")).map(([to]) => to));
  return { ...plan, resource_changes: (plan.resource_changes ?? []).filter((c) => !standIns.has(`${c.type}.${c.name}`)) };
}

export function summarizePlan(plan: PlanJson, rename: ReadonlyMap<string, string> = new Map()): PlanSummary {
  const byAction: Record<PlanAction, string[]> = { create: [], update: [], replace: [], delete: [], read: [], "no-op": [] };
  for (const change of plan.resource_changes ?? []) {
    const prefix = `${change.type}.${change.name}`;
    const original = rename.get(prefix);
    const address = original === undefined ? change.address : `${original}${change.address.slice(change.address.indexOf(prefix) + prefix.length)}`;
    byAction[actionOf(change.change.actions)].push(address);
  }
  for (const list of Object.values(byAction)) list.sort();
  return {
    add: byAction.create.length + byAction.replace.length,
    change: byAction.update.length,
    destroy: byAction.delete.length + byAction.replace.length,
    byAction,
  };
}

/** The summary as lines: Terraform's count line, then each action with its resources. */
export function formatPlanSummary(summary: PlanSummary): string[] {
  const lines = [`Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.`];
  for (const { action, sign, label } of PLAN_ACTIONS) {
    const addresses = summary.byAction[action];
    if (addresses.length === 0) continue;
    lines.push(`${sign} ${label}: ${addresses.length}`);
    for (const address of addresses) lines.push(`    ${sign} ${address}`);
  }
  return lines;
}
