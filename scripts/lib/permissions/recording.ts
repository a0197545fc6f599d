/**
 * The committed permission recording of each stack (permissions/<stack>.json, and permissions/examples/<name>/ for an
 * example's app, like addresses/): every AWS call the stack's Terraform runs and its deploy gate make in the emulator
 * apply, per phase, in IAM's terms (scripts/lib/permissions/iam-calls.ts). `npm run test:apply` writes it afresh and
 * fails when the committed one differs; __tests__/permissions/ evaluates it against the roles that make the calls.
 *
 * Deterministic: generated ids become placeholders (`vpc-{id}`, `{account}`, `:{revision}`, `-{suffix}`), names stay,
 * calls are unique and sorted, one per line, so that a change that needs a new permission shows in review.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../terraform/check-stacks";
import type { Caller } from "./caller-keys";
import { iamCallsOf, UnmappedRequestError, type IamCall, type RecordedRequest } from "./iam-calls";

/** Where the committed recordings live. */
export const PERMISSIONS_DIR = path.join(PROJECT_ROOT, "permissions");

/** The command that writes them afresh. */
export const UPDATE_PERMISSIONS_COMMAND = "npm run test:apply -- --update-permissions";

/** The phases of an emulator apply that make AWS calls, in order. */
export const RECORDED_PHASES = ["apply", "ci-plan", "plan", "failed-migration", "teardown", "destroy"] as const;

/** One unique call in a recording. */
export interface RecordedCall extends IamCall {
  /** The phases that made it, in {@link RECORDED_PHASES} order. */
  readonly phases: readonly string[];
  /** Who made it: `terraform` (the AWS provider) and/or `deploy-gate` (scripts/migrate.ts). */
  readonly by: readonly string[];
}

/** Contents of permissions/<stack>.json. */
export interface PermissionRecording {
  readonly "//": string;
  readonly stack: string;
  readonly calls: readonly RecordedCall[];
}

/** The folder of an app's recordings: `permissions/` for `environments`, `permissions/examples/<name>/` for an example. */
export function recordingDir(app: string, root = PERMISSIONS_DIR): string {
  return app === "environments" ? root : path.join(root, app);
}

/** The recording file of a stack. */
export function recordingFile(app: string, stack: string, root = PERMISSIONS_DIR): string {
  return path.join(recordingDir(app, root), `${stack}.json`);
}

/** What normalization needs to know of a stack's run. */
export interface NormalizeContext {
  /** The emulator's account (every ARN of the run names it). */
  readonly account: string;
  /** Hosted zone ids the emulator gave -> the ids the environment file names. */
  readonly hostedZones?: ReadonlyMap<string, string>;
}

const ID_RULES: ReadonlyArray<[RegExp, string]> = [
  [/\b(vpc|subnet|sgr|sg|rtbassoc|rtb|igw|nat|eipalloc|eipassoc|aclassoc|acl|vpce|fl|eni|eigw|dopt|pl)-[0-9a-f]{8,17}\b/g, "$1-{id}"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "{id}"],
  [/\b[0-9a-f]{32}\b/g, "{id}"],
  // Load balancer, listener, rule and target group ids.
  [/(:elasticloadbalancing:[^"]*?\/)[0-9a-f]{16}(?=\/|"|$)/g, "$1{id}"],
  [/(:elasticloadbalancing:[^"]*?\/)[0-9a-f]{16}(?=\/|"|$)/g, "$1{id}"],
  [/(:elasticloadbalancing:[^"]*?\/)[0-9a-f]{16}(?=\/|"|$)/g, "$1{id}"],
  [/(:task-definition\/[^:"]+):\d+\b/g, "$1:{revision}"],
  [/(:secret:[^"]+?)-[A-Za-z0-9]{6}(?="|$)/g, "$1-{suffix}"],
  [/(:change\/)[A-Z0-9]+\b/g, "$1{id}"],
  [/(:scalable-target\/)[a-z0-9]{36}\b/g, "$1{id}"],
  // A Cloud Map namespace's id.
  [/(:namespace\/)ns-[a-z0-9]{16,32}\b/g, "$1ns-{id}"],
  // A database read by its resource id (DbiResourceId), which RDS generates.
  [/(:db:)db-[A-Z0-9]{26}\b/g, "$1db-{resource-id}"],
  // A replicated automated backup's id (ab-...), which RDS generates.
  [/(:auto-backup:)ab-[a-z0-9]{26}\b/g, "$1ab-{id}"],
  // Names Terraform makes unique (name_prefix): a timestamp and a counter.
  [/\b([A-Za-z0-9-]*?)\d{18}[0-9a-f]{8}\b/g, "$1{unique}"],
];

/** The same value with object keys sorted, so that the order a request happened to send them in does not matter. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** Replaces generated ids in a call with placeholders (see the module's docstring). */
export function normalizeCall<T extends IamCall>(call: T, context: NormalizeContext): T {
  let text = JSON.stringify(call);
  text = text.split(`:${context.account}:`).join(":{account}:");
  for (const [emulated, configured] of context.hostedZones ?? []) text = text.split(emulated).join(configured);
  for (const [pattern, replacement] of ID_RULES) text = text.replace(pattern, replacement);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const field of ["requestTags", "resourceTags", "context"]) if (parsed[field] !== undefined) parsed[field] = sortedKeys(parsed[field]);
  return parsed as T;
}

/** Reads the emulator's request record (one JSON line per request). */
export function readRequests(file: string): RecordedRequest[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RecordedRequest);
}

const AGENTS: Readonly<Record<string, string>> = { terraform: "terraform", "aws-sdk-js": "deploy-gate" };

function callKey(call: IamCall): string {
  const { action, resource, requestTags, resourceTags, context, implied, keyDescription } = call;
  return JSON.stringify([action, resource, requestTags ?? null, resourceTags ?? null, context ?? null, implied ?? null, keyDescription ?? null]);
}

/** Result of {@link buildRecordings}. */
export interface BuiltRecordings {
  /** By stack id (`<app>/<stack>`). */
  readonly recordings: ReadonlyMap<string, RecordedCall[]>;
  /** Requests that could not be put in IAM terms, with why (the recording is incomplete while there are any). */
  readonly unmapped: readonly string[];
  /** Requests signed with a key that no stack's phase was given (the harness's own). */
  readonly harnessRequests: number;
}

/**
 * Groups the recorded requests by stack, turns each into IAM calls and merges equal calls (after normalization) into
 * one with the phases and callers that made it.
 */
export async function buildRecordings(
  requests: readonly RecordedRequest[],
  callerOf: (key: string) => Caller | undefined,
  normalizeContextOf: (stackId: string, request: RecordedRequest) => NormalizeContext,
): Promise<BuiltRecordings> {
  const byStack = new Map<string, Map<string, { call: IamCall; phases: Set<string>; by: Set<string> }>>();
  const unmapped = new Set<string>();
  let harnessRequests = 0;
  for (const request of requests) {
    const caller = callerOf(request.key);
    if (caller === undefined) {
      harnessRequests++;
      continue;
    }
    let calls: IamCall[];
    try {
      calls = await iamCallsOf(request, { account: request.account, partition: "aws" });
    } catch (error) {
      if (!(error instanceof UnmappedRequestError)) throw error;
      unmapped.add(`${caller.stackId} (${caller.phase}): ${error.message}`);
      continue;
    }
    const calls2 = byStack.get(caller.stackId) ?? new Map();
    byStack.set(caller.stackId, calls2);
    for (const raw of calls) {
      const call = normalizeCall(raw, normalizeContextOf(caller.stackId, request));
      const key = callKey(call);
      const entry = calls2.get(key) ?? { call, phases: new Set<string>(), by: new Set<string>() };
      entry.phases.add(caller.phase);
      entry.by.add(AGENTS[request.agent] ?? request.agent);
      calls2.set(key, entry);
    }
  }
  const recordings = new Map<string, RecordedCall[]>();
  for (const [stackId, calls] of byStack) {
    const order = (phase: string) => (RECORDED_PHASES as readonly string[]).indexOf(phase);
    recordings.set(
      stackId,
      [...calls.values()]
        .map(({ call, phases, by }) => ({ ...call, phases: [...phases].sort((a, b) => order(a) - order(b)), by: [...by].sort() }))
        .sort((a, b) => (callKey(a) < callKey(b) ? -1 : callKey(a) > callKey(b) ? 1 : 0)),
    );
  }
  return { recordings, unmapped: [...unmapped].sort(), harnessRequests };
}

/** The committed text of a stack's recording: one call per line, so that review shows each added or removed call. */
export function formatRecording(stack: string, calls: readonly RecordedCall[]): string {
  const head = {
    "//": `Every AWS call of the ${stack} stack in the emulator apply (Terraform and the deploy gate), in IAM's terms. Written by \`${UPDATE_PERMISSIONS_COMMAND}\`; evaluated against the roles that make them by __tests__/permissions/.`,
    stack,
  };
  const ordered = calls.map((c) => {
    const { action, resource, phases, by, requestTags, resourceTags, context, keyDescription, implied } = c;
    return JSON.stringify({ action, resource, phases, by, requestTags, resourceTags, context, keyDescription, implied });
  });
  return `{\n  "//": ${JSON.stringify(head["//"])},\n  "stack": ${JSON.stringify(stack)},\n  "calls": [\n${ordered.map((l) => `    ${l}`).join(",\n")}\n  ]\n}\n`;
}

/** Reads a committed recording; undefined when there is none. */
export function readRecording(file: string): PermissionRecording | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PermissionRecording) : undefined;
}

/** How a fresh recording differs from the committed one: call lines added and removed. */
export function recordingDiff(committedText: string | undefined, freshText: string): { added: string[]; removed: string[] } {
  const lines = (text: string) => new Set(text.split("\n").filter((l) => l.trimStart().startsWith('{"action"')).map((l) => l.trim().replace(/,$/, "")));
  const before = committedText === undefined ? new Set<string>() : lines(committedText);
  const after = lines(freshText);
  return { added: [...after].filter((l) => !before.has(l)), removed: [...before].filter((l) => !after.has(l)) };
}

/** A stack of the run, as {@link settleRecordings} needs it. */
export interface RecordedStack {
  /** `<app>/<stack>`. */
  readonly id: string;
  readonly app: string;
  readonly stack: string;
  /** Whether every phase passed: only then is its recording complete. */
  readonly ok: boolean;
}

/** Options of {@link settleRecordings}. */
export interface SettleOptions {
  readonly stacks: readonly RecordedStack[];
  readonly recordings: ReadonlyMap<string, readonly RecordedCall[]>;
  /** Write the fresh recordings instead of comparing them. */
  readonly update: boolean;
  /** Every stack of every app ran: recordings of stacks the apps no longer have are stale too. */
  readonly allStacks: boolean;
  /** @default {@link PERMISSIONS_DIR} */
  readonly root?: string;
}

/**
 * Compares each passed stack's fresh recording with the committed one, or writes it (`update`). A stack that failed
 * is neither compared nor written: its recording stops where the stack did.
 *
 * @returns ok: false when a committed recording is stale (not updating); lines: what to print
 */
export function settleRecordings(options: SettleOptions): { ok: boolean; lines: string[] } {
  const root = options.root ?? PERMISSIONS_DIR;
  const lines: string[] = [];
  let ok = true;
  const expected = new Set<string>();
  for (const stack of options.stacks) {
    const file = recordingFile(stack.app, stack.stack, root);
    expected.add(file);
    const shown = path.relative(PROJECT_ROOT, file);
    if (!stack.ok) {
      lines.push(`  ${shown}: not compared (${stack.id} did not pass every phase, so its recording is incomplete)`);
      continue;
    }
    const fresh = formatRecording(stack.stack, options.recordings.get(stack.id) ?? []);
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    const count = options.recordings.get(stack.id)?.length ?? 0;
    if (committed === fresh) {
      lines.push(`  ${shown}: up to date (${count} calls)`);
      continue;
    }
    const diff = recordingDiff(committed, fresh);
    const detail = [...diff.added.map((l) => `      + ${l}`), ...diff.removed.map((l) => `      - ${l}`)];
    if (options.update) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, fresh);
      lines.push(`  ${shown}: ${committed === undefined ? "written" : "updated"} (${count} calls; ${diff.added.length} added, ${diff.removed.length} removed)`, ...detail);
    } else {
      ok = false;
      lines.push(
        `  ${shown}: STALE: ${committed === undefined ? "not committed" : `${diff.added.length} call(s) added, ${diff.removed.length} removed`}; review the calls, then run \`${UPDATE_PERMISSIONS_COMMAND}\` and commit the file`,
        ...detail,
      );
    }
  }
  if (options.allStacks) {
    const walk = (dir: string): string[] =>
      fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".json") ? [path.join(dir, e.name)] : [])) : [];
    for (const file of walk(root).filter((f) => !expected.has(f))) {
      const shown = path.relative(PROJECT_ROOT, file);
      if (options.update) {
        fs.rmSync(file);
        lines.push(`  ${shown}: removed (no stack of the run has it)`);
      } else {
        ok = false;
        lines.push(`  ${shown}: STALE: no stack of the run has it; run \`${UPDATE_PERMISSIONS_COMMAND}\` to remove it`);
      }
    }
  }
  return { ok, lines };
}
