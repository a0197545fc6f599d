/**
 * What the second plan of an emulator apply wants to change, attribute by attribute, and which of those differences
 * are known emulator artifacts (scripts/lib/emulator/allowlist.ts). Pure: it reads `terraform show -json` output.
 */

/** The shape of a value before or after, as an allowlist entry names it. */
export type ValueShape =
  /** null, absent, "", [], {} */
  | "empty"
  /** anything that is not "empty" */
  | "non-empty"
  | "non-empty-string"
  | "true"
  | "false"
  | "zero"
  | "positive-number"
  /** exactly this JSON value */
  | { readonly equals: unknown };

/** One emulator artifact: see scripts/lib/emulator/allowlist.ts. */
export interface AllowlistEntry {
  readonly id: string;
  /** Terraform resource type, for example `aws_ecs_service`. */
  readonly resourceType: string;
  /** Top-level attribute whose difference is allowed. */
  readonly attribute: string;
  /** Shape of the value in the state (what the emulator returned). */
  readonly before: ValueShape;
  /** Shape of the planned value (what the configuration asks for). */
  readonly after: ValueShape;
  /** Other attributes of the planned object must have these shapes too (narrows the entry). @default no condition */
  readonly where?: Readonly<Record<string, ValueShape>>;
  /** What the emulator does. */
  readonly emulator: string;
  /** Why AWS behaves otherwise. */
  readonly evidence: string;
  /** Where the evidence is: provider documentation or source, AWS API reference. */
  readonly sources: readonly string[];
}

/** One attribute that differs between the state and the planned object. */
export interface AttributeDiff {
  readonly attribute: string;
  readonly before: unknown;
  readonly after: unknown;
  /** Terraform marks the value sensitive: printed as "(sensitive)". */
  readonly sensitive?: boolean;
  /** The allowlist entry that explains it, if any. */
  readonly allowedBy?: string;
}

/** One resource (or output) the second plan wants to change. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly diffs: readonly AttributeDiff[];
  /** True when every difference is an allowlisted emulator artifact. */
  readonly allowed: boolean;
  /** Why it is not allowed, in one line, when it is not. */
  readonly problem?: string;
}

/** The parts of `terraform show -json <plan>` read here. */
export interface PlanJson {
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly mode: string;
    readonly type: string;
    readonly change: {
      readonly actions: readonly string[];
      readonly before?: Record<string, unknown> | null;
      readonly after?: Record<string, unknown> | null;
      readonly after_unknown?: Record<string, unknown> | null;
      readonly before_sensitive?: Record<string, unknown> | boolean | null;
      readonly after_sensitive?: Record<string, unknown> | boolean | null;
      readonly replace_paths?: ReadonlyArray<ReadonlyArray<string | number>>;
    };
  }>;
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown }>>;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

/** Whether `value` has `shape`. */
export function matchesShape(value: unknown, shape: ValueShape): boolean {
  if (typeof shape === "object") return JSON.stringify(normalize(value)) === JSON.stringify(normalize(shape.equals));
  switch (shape) {
    case "empty":
      return isEmpty(value);
    case "non-empty":
      return !isEmpty(value);
    case "non-empty-string":
      return typeof value === "string" && value !== "";
    case "true":
      return value === true;
    case "false":
      return value === false;
    case "zero":
      return value === 0;
    case "positive-number":
      return typeof value === "number" && value > 0;
  }
}

/** Values Terraform treats alike for this purpose: null, "", [], {} all become null; object keys sorted. */
function normalize(value: unknown): unknown {
  if (isEmpty(value)) return null;
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, normalize(v)] as const)
      .filter(([, v]) => v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? null : Object.fromEntries(entries);
  }
  return value;
}

/** The value with every part that is unknown after apply removed (`unknown` mirrors the value's structure). */
function withoutUnknown(value: unknown, unknown: unknown): unknown {
  if (unknown === true) return undefined;
  if (Array.isArray(unknown) && Array.isArray(value)) return value.map((v, i) => withoutUnknown(v, unknown[i]));
  if (unknown !== null && typeof unknown === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const u = unknown as Record<string, unknown>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUnknown(v, u[k])]));
  }
  return value;
}

function isSensitive(marks: Record<string, unknown> | boolean | null | undefined, attribute: string): boolean {
  if (marks === true) return true;
  if (marks === null || marks === undefined || marks === false) return false;
  const mark = marks[attribute];
  return mark === true || (mark !== null && typeof mark === "object" && JSON.stringify(mark).includes("true"));
}

function isReplacement(actions: readonly string[]): boolean {
  return actions.includes("create") && actions.includes("delete");
}

function allowlistEntryFor(
  type: string,
  diff: Omit<AttributeDiff, "allowedBy">,
  after: Record<string, unknown>,
  allowlist: readonly AllowlistEntry[],
): AllowlistEntry | undefined {
  return allowlist.find(
    (e) =>
      e.resourceType === type &&
      e.attribute === diff.attribute &&
      matchesShape(diff.before, e.before) &&
      matchesShape(diff.after, e.after) &&
      Object.entries(e.where ?? {}).every(([attribute, shape]) => matchesShape(after[attribute], shape)),
  );
}

/**
 * Every change in a plan, with its attribute differences and whether the allowlist explains all of them.
 * Creates, deletes, reads of managed resources outside a replacement, and output changes are never allowed.
 */
export function classifyPlan(plan: PlanJson, allowlist: readonly AllowlistEntry[]): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions;
    if (rc.mode !== "managed" || actions.length === 0 || (actions.length === 1 && (actions[0] === "no-op" || actions[0] === "read"))) continue;
    const replacement = isReplacement(actions);
    if (!replacement && actions.length === 1 && (actions[0] === "create" || actions[0] === "delete")) {
      const problem = actions[0] === "create" ? "the resource is missing after apply (planned for creation)" : "the resource is planned for deletion";
      changes.push({ address: rc.address, type: rc.type, actions, diffs: [], allowed: false, problem });
      continue;
    }
    const before = rc.change.before ?? {};
    const afterKnown = (withoutUnknown(rc.change.after ?? {}, rc.change.after_unknown ?? {}) ?? {}) as Record<string, unknown>;
    const unknown = (rc.change.after_unknown ?? {}) as Record<string, unknown>;
    const diffs: AttributeDiff[] = [];
    for (const attribute of [...new Set([...Object.keys(before), ...Object.keys(afterKnown)])].sort()) {
      // Wholly unknown after apply: a consequence of the change (computed attributes), never its cause.
      if (unknown[attribute] === true) continue;
      const beforeValue = withoutUnknown(before[attribute], unknown[attribute]);
      const afterValue = afterKnown[attribute];
      if (JSON.stringify(normalize(beforeValue)) === JSON.stringify(normalize(afterValue))) continue;
      const sensitive = isSensitive(rc.change.before_sensitive, attribute) || isSensitive(rc.change.after_sensitive, attribute);
      const diff = { attribute, before: before[attribute], after: afterValue, ...(sensitive ? { sensitive } : {}) };
      const entry = allowlistEntryFor(rc.type, diff, afterKnown, allowlist);
      diffs.push(entry === undefined ? diff : { ...diff, allowedBy: entry.id });
    }
    const unexplained = diffs.filter((d) => d.allowedBy === undefined);
    const problem =
      diffs.length === 0
        ? `planned ${actions.join("/")} with no attribute that differs (only values unknown until apply)`
        : unexplained.length > 0
          ? `${unexplained.map((d) => d.attribute).join(", ")} differ(s) and no allowlist entry matches`
          : undefined;
    changes.push({ address: rc.address, type: rc.type, actions, diffs, allowed: problem === undefined, ...(problem !== undefined ? { problem } : {}) });
  }
  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) {
    if (oc.actions.length === 1 && oc.actions[0] === "no-op") continue;
    changes.push({
      address: `output.${name}`,
      type: "output",
      actions: oc.actions,
      diffs: [{ attribute: "value", before: oc.before, after: oc.after }],
      allowed: false,
      problem: "an output changes on a plan right after apply",
    });
  }
  return changes;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** Human lines for one change: the resource, its actions, and each attribute before -> after with its verdict. */
export function describeChange(change: PlannedChange): string[] {
  const lines = [`${change.address} (${change.actions.join("/")}): ${change.allowed ? "emulator artifacts only (allowlisted)" : `NOT ALLOWED: ${change.problem}`}`];
  for (const d of change.diffs) {
    const [before, after] = d.sensitive === true ? ["(sensitive)", "(sensitive)"] : [short(d.before), short(d.after)];
    lines.push(`    ${d.attribute}: ${before} -> ${after}  ${d.allowedBy !== undefined ? `[allowlist: ${d.allowedBy}]` : "[real difference]"}`);
  }
  return lines;
}
