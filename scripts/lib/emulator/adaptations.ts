/**
 * Every change that the emulator apply (`npm run test:apply`) makes to a stack's working copy, and every setting it
 * gives the emulator, in one place, each with its reason.
 *
 * Everything here is pure: it takes the synthesized JSON and returns a new object. cdktf.out and the harness's own
 * synthesized stacks are never written to (a test and a check at the end of every run prove it).
 *
 * The emulator's own gap fills (calls moto 5.2.1 lacks, fields it drops) live in scripts/emulator/moto_launcher.py;
 * drift that the emulator causes is allowlisted in scripts/lib/emulator/allowlist.ts.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { prepareStackJson, type RandomSwap, type StackJson } from "../stack/stack-json";

/** Environment of the emulator process, with the reason for each setting. */
export const EMULATOR_SETTINGS: ReadonlyArray<{ readonly name: string; readonly value: string; readonly reason: string }> = [
  {
    name: "MOTO_IAM_LOAD_MANAGED_POLICIES",
    value: "true",
    reason: "the stacks attach AWS managed policies (for example AmazonRDSEnhancedMonitoringRole); moto knows them only with this set",
  },
  {
    name: "MOTO_ACM_VALIDATION_WAIT",
    value: "5",
    reason: "moto issues a DNS-validated certificate only after this many seconds (default 60); AWS needs the validation record, which the stack creates",
  },
];

/** One change made to a working copy. */
export interface Adaptation {
  /** Stable id, used in the progress output and docs/testing.md. */
  readonly id: string;
  /** Why the emulator needs it; none of these reach the real output. */
  readonly reason: string;
  /** When it applies: before the first apply, or only before the destroy at the end. */
  readonly phase: "apply" | "teardown";
}

/** The list, in the order they are applied. docs/testing.md, "Working-copy adaptations", repeats it. */
export const ADAPTATIONS: readonly Adaptation[] = [
  {
    id: "local-backend-placeholder-credentials",
    phase: "apply",
    reason:
      "as tf:check (scripts/lib/stack/stack-json.ts): no backend (local state in the working copy), account-bound provider arguments " +
      "(allowed_account_ids, assume_role, profile) dropped, placeholder credentials; the emulator accepts any key",
  },
  {
    id: "emulator-endpoint",
    phase: "apply",
    reason:
      "the provider reaches the emulator through AWS_ENDPOINT_URL (set in Terraform's environment, so the deploy gate's runner uses it too); " +
      "S3 needs path-style addressing on a loopback endpoint (s3_use_path_style); the account id is read from the emulator's STS; the " +
      "placeholder credentials give way to those of Terraform's environment (one access key per stack and phase, which the request " +
      "record tells apart), validated with sts:GetCallerIdentity as a real run does",
  },
  {
    id: "random-stand-ins",
    phase: "apply",
    reason:
      "hashicorp/random is not in the offline mirror: tf:check's own swap (prepareStackJson in scripts/lib/stack/stack-json.ts, the one " +
      "mechanism) turns each random block into a sensitive terraform_data stand-in; the harness only gives each stand-in a value generated " +
      "for this run (tf:check's stand-in is unknown at plan and would change on every plan)",
  },
  {
    id: "hosted-zone-ids",
    phase: "apply",
    reason: "the hosted zone an environment file names is created in the emulator first, which picks its own id; the working copy uses that id",
  },
  {
    id: "no-wait-for-steady-state",
    phase: "apply",
    reason: "moto never starts a service's tasks, so an ECS service never reaches steady state; wait_for_steady_state = false",
  },
  {
    id: "deploy-gate-working-dir",
    phase: "apply",
    reason:
      "the deploy gate's local-exec runs from a path relative to cdktf.out/stacks/<stack> (the repository root); the working copy " +
      "lives elsewhere, so the path is resolved as cdktf deploy would resolve it. Not for a stack deployed with cdktf deploy: its " +
      "working copy is cdktf.out/stacks/<stack> of a project folder laid out like the repository (cdktf-deploy.ts), so the path stays as synthesized",
  },
  {
    id: "lift-prevent-destroy",
    phase: "teardown",
    reason: "stateful resources carry lifecycle.prevent_destroy (production, state stack); destroy at the end of the run must be allowed",
  },
  {
    id: "lift-deletion-protection",
    phase: "teardown",
    reason:
      "deletion protection (RDS, ALB, DynamoDB) and final snapshots stop a destroy; they are applied as synthesized first (so the " +
      "second plan checks them), then turned off by one more apply just before the destroy",
  },
];

/** What the harness knows about one stack when it adapts it. */
export interface AdaptContext {
  /** Stack name, for example `whcsites-staging`. */
  readonly stack: string;
  /** Repository root: where `cdktf deploy` would run this stack from is `<projectRoot>/cdktf.out/stacks/<stack>`. */
  readonly projectRoot: string;
  /** Hosted zone ids named in the configuration -> the ids the emulator gave the zones created for them. */
  readonly hostedZoneIds?: ReadonlyMap<string, string>;
  /**
   * Values of the random stand-ins, by original address (`random_password.x`); generated when missing.
   * @default new values
   */
  readonly randomValues?: ReadonlyMap<string, string>;
  /**
   * Terraform runs in `cdktf.out/stacks/<stack>` of a project folder laid out like the repository (the stacks deployed
   * with `cdktf deploy`): the deploy gate's relative `working_dir` then stays as synthesized.
   * @default false (resolved against `<projectRoot>/cdktf.out/stacks/<stack>`)
   */
  readonly runsInCdktfOut?: boolean;
}

/** One adaptation as applied to one stack. */
export interface AppliedAdaptation {
  readonly id: string;
  /** What changed, for example the addresses touched. */
  readonly details: readonly string[];
}

/** Result of {@link adaptForEmulator}. */
export interface AdaptedStack {
  readonly json: StackJson;
  readonly applied: readonly AppliedAdaptation[];
  readonly swappedRandom: readonly RandomSwap[];
  /** The stand-in value of each swapped random_* resource, by its original address. */
  readonly randomValues: ReadonlyMap<string, string>;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random alphanumeric value (safe in URLs and accepted as an RDS master password). */
export function standInValue(length: number): string {
  const bytes = randomBytes(length);
  let value = "";
  for (let i = 0; i < length; i++) value += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return value;
}

function resourcesOf(json: StackJson): Resources {
  return (json.resource ?? {}) as Resources;
}

/**
 * The synthesized block at a Terraform address: `type.name` (a managed resource) or `ephemeral.type.name` (an
 * ephemeral block). Whatever the swap in stack-json.ts replaces, its original is found here by the address it reports.
 */
export function synthesizedBlock(json: StackJson, address: string): Record<string, unknown> | undefined {
  const parts = address.split(".");
  const [table, type, name] = parts[0] === "ephemeral" ? [json.ephemeral, parts[1], parts[2]] : [json.resource, parts[0], parts[1]];
  return (table as Resources | undefined)?.[type]?.[name];
}

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value.split(from).join(to);
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}

/**
 * The working copy for the emulator: every "apply" adaptation of {@link ADAPTATIONS}. The input is not modified.
 */
export function adaptForEmulator(synthesized: StackJson, context: AdaptContext): AdaptedStack {
  const applied: AppliedAdaptation[] = [];
  const prepared = prepareStackJson(synthesized, { swapRandom: true });
  applied.push({
    id: "local-backend-placeholder-credentials",
    details: [
      ...(prepared.droppedBackend !== undefined ? [`backend ${prepared.droppedBackend} dropped`] : []),
      ...prepared.droppedProviderArguments.map((a) => `provider argument ${a} dropped`),
    ],
  });
  let json = structuredClone(prepared.json) as StackJson & Record<string, unknown>;

  const providers = (json.provider ?? {}) as Record<string, Array<Record<string, unknown>>>;
  const endpointDetails: string[] = [];
  for (const [name, blocks] of Object.entries(providers)) {
    if (name !== "aws") continue;
    for (const block of blocks) {
      block.s3_use_path_style = true;
      block.skip_requesting_account_id = false;
      block.skip_credentials_validation = false;
      delete block.access_key;
      delete block.secret_key;
      endpointDetails.push(`provider.aws${block.alias !== undefined ? `.${String(block.alias)}` : ""}: s3_use_path_style`);
    }
  }
  applied.push({ id: "emulator-endpoint", details: endpointDetails });

  const randomValues = new Map<string, string>();
  const standIns = resourcesOf(json).terraform_data ?? {};
  for (const swap of prepared.swappedRandom) {
    const length = Number(synthesizedBlock(synthesized, swap.from)?.length ?? 32);
    const value = context.randomValues?.get(swap.from) ?? standInValue(Number.isInteger(length) && length > 0 ? length : 32);
    randomValues.set(swap.from, value);
    const standIn = standIns[swap.to.slice("terraform_data.".length)];
    if (standIn === undefined) throw new Error(`random-stand-ins: the swap reported ${swap.from} -> ${swap.to}, but the working copy has no ${swap.to}`);
    standIn.input = value;
  }
  applied.push({ id: "random-stand-ins", details: prepared.swappedRandom.map((s) => `${s.from} -> ${s.to}`) });

  const zoneDetails: string[] = [];
  for (const [configured, emulated] of context.hostedZoneIds ?? []) {
    const before = JSON.stringify(json);
    json = replaceDeep(json, configured, emulated) as typeof json;
    if (JSON.stringify(json) !== before) zoneDetails.push(`${configured} -> ${emulated}`);
  }
  applied.push({ id: "hosted-zone-ids", details: zoneDetails });

  const resources = resourcesOf(json);
  const steady: string[] = [];
  for (const [name, body] of Object.entries(resources.aws_ecs_service ?? {})) {
    if (body.wait_for_steady_state === true) {
      body.wait_for_steady_state = false;
      steady.push(`aws_ecs_service.${name}`);
    }
  }
  applied.push({ id: "no-wait-for-steady-state", details: steady });

  const deployDir = path.join(context.projectRoot, "cdktf.out", "stacks", context.stack);
  const gates: string[] = [];
  for (const [name, body] of Object.entries(resources.terraform_data ?? {})) {
    for (const provisioner of (body.provisioner ?? []) as Array<Record<string, Record<string, unknown>>>) {
      const exec = provisioner["local-exec"];
      if (exec === undefined) continue;
      // Without a working_dir it runs in the stack dir, and the working copy stands in for that.
      const workingDir = exec.working_dir;
      if (typeof workingDir !== "string" || workingDir.includes("${") || path.isAbsolute(workingDir)) continue;
      if (context.runsInCdktfOut === true) {
        gates.push(`terraform_data.${name}: working_dir ${workingDir} kept (Terraform runs in cdktf.out/stacks/${context.stack} of the project folder)`);
        continue;
      }
      exec.working_dir = path.resolve(deployDir, workingDir);
      gates.push(`terraform_data.${name}: working_dir ${workingDir} -> ${exec.working_dir}`);
    }
  }
  applied.push({ id: "deploy-gate-working-dir", details: gates });

  return { json, applied, swappedRandom: prepared.swappedRandom, randomValues };
}

/** Attributes that protect a resource from deletion, and the value that lifts the protection. */
const PROTECTIONS: ReadonlyArray<{ readonly type: string; readonly attribute: string; readonly lifted: unknown; readonly protectsWhenAbsent: boolean }> = [
  { type: "aws_db_instance", attribute: "deletion_protection", lifted: false, protectsWhenAbsent: false },
  // Absent means false: a destroy then needs final_snapshot_identifier and leaves a snapshot behind.
  { type: "aws_db_instance", attribute: "skip_final_snapshot", lifted: true, protectsWhenAbsent: true },
  { type: "aws_lb", attribute: "enable_deletion_protection", lifted: false, protectsWhenAbsent: false },
  { type: "aws_dynamodb_table", attribute: "deletion_protection_enabled", lifted: false, protectsWhenAbsent: false },
];

/** Result of {@link liftProtections}. */
export interface TeardownStack {
  readonly json: StackJson;
  readonly applied: readonly AppliedAdaptation[];
  /** True when an attribute changed, so an apply must run before the destroy (prevent_destroy alone needs none). */
  readonly needsApply: boolean;
  /** Addresses whose protection attributes changed: the targets of that apply. */
  readonly targets: readonly string[];
}

/**
 * The working copy for the destroy at the end: every "teardown" adaptation of {@link ADAPTATIONS}, on top of the
 * adapted stack. The input is not modified.
 */
export function liftProtections(adapted: StackJson): TeardownStack {
  const json = structuredClone(adapted) as StackJson;
  const resources = resourcesOf(json);
  const lifecycle: string[] = [];
  const attributes: string[] = [];
  const targets = new Set<string>();
  for (const [type, byName] of Object.entries(resources)) {
    for (const [name, body] of Object.entries(byName)) {
      const cycle = body.lifecycle as Record<string, unknown> | undefined;
      if (cycle?.prevent_destroy === true) {
        delete cycle.prevent_destroy;
        if (Object.keys(cycle).length === 0) delete body.lifecycle;
        lifecycle.push(`${type}.${name}`);
      }
      for (const p of PROTECTIONS.filter((x) => x.type === type)) {
        const present = p.attribute in body;
        if ((present || p.protectsWhenAbsent) && body[p.attribute] !== p.lifted) {
          attributes.push(`${type}.${name}.${p.attribute}: ${JSON.stringify(body[p.attribute])} -> ${JSON.stringify(p.lifted)}`);
          body[p.attribute] = p.lifted;
          targets.add(`${type}.${name}`);
        }
      }
    }
  }
  return {
    json,
    applied: [
      { id: "lift-prevent-destroy", details: lifecycle },
      { id: "lift-deletion-protection", details: attributes },
    ],
    needsApply: targets.size > 0,
    targets: [...targets].sort(),
  };
}
