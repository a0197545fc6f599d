/**
 * The offline real-Terraform check: for every synthesized stack, a working copy outside cdktf.out, then
 * `terraform init` and `plan` (two stacks at a time), and the plan saved as JSON (`show -json`). No separate
 * `terraform validate`: plan runs the same validation first (the local backend calls Core.Validate before planning), so
 * it proved nothing more and cost a provider start (about 3.5 s of CPU) per stack.
 *
 * No plugin cache: each working copy links hashicorp/aws straight from the read-only filesystem mirror. A shared
 * `plugin_cache_dir` is written by every init of a working copy that has no lock file yet (Terraform >= 1.4 installs
 * into the cache again instead of trusting an entry the lock file does not vouch for: it removes the cached link and
 * creates it anew), so a stack that planned while the next stack's init ran could find its provider gone ("there is
 * no package for registry.terraform.io/hashicorp/aws 5.100.0 cached in .terraform/providers"). Nothing two stacks or
 * two runs share is written now.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { withDirLock } from "./dir-lock";
import { withoutEphemeralStandIns } from "./plan-summary";
import { prepareStackJson, requiredProviders, type RandomSwap, type RequiredProvider, type StackJson } from "../stack/stack-json";
import {
  dedupeDiagnostics,
  findTerraform,
  formatDiagnostic,
  parsePlanStream,
  plainText,
  runCommand,
  type TerraformDiagnostic,
} from "./terraform-cli";

/** Root of the repository (scripts/lib/terraform/../../..). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Where working copies and plans live unless told otherwise (gitignored). */
export const DEFAULT_WORK_DIR = path.join(PROJECT_ROOT, ".tf-check");

/** Where npm test's real-Terraform project keeps its synthesized apps and plans (__tests__/terraform/plan-run.ts). */
export const TEST_PLANS_DIR = path.join(DEFAULT_WORK_DIR, "jest");

/** npm test's work dir (working copies and plans) for a folder of environment files (`environments`, ...). */
export function testPlansWorkDir(folderName: string): string {
  return path.join(TEST_PLANS_DIR, folderName.replace(/[^A-Za-z0-9_.-]+/g, "-"), "work");
}

/** The CLI configuration the project ships: aws from the filesystem mirror, everything else direct. */
export const CLI_CONFIG_TEMPLATE = path.join(PROJECT_ROOT, "terraform", "cli.tfrc");

const RANDOM_SOURCE = "registry.terraform.io/hashicorp/random";

/** How to deal with hashicorp/random, which the offline mirror does not hold. */
export type RandomMode =
  /** Install it if Terraform can; otherwise swap random_* resources for stand-ins. */
  | "auto"
  /** Always swap, without trying to install. */
  | "swap"
  /** Never swap: a stack that needs random fails when the provider cannot be installed. */
  | "install";

/** Options for {@link checkStacks}. */
export interface CheckOptions {
  /** A cdktf output dir (holding `stacks/<name>/cdk.tf.json`) or a dir of stack dirs. */
  readonly outDir: string;
  /**
   * Where the working copies go (`<workDir>/<stack>/`); never inside outDir.
   * @default <project>/.tf-check
   */
  readonly workDir?: string;
  /**
   * Only these stacks.
   * @default every stack found in outDir
   */
  readonly stacks?: readonly string[];
  /**
   * Stacks initialized and planned at the same time.
   * @default 2
   */
  readonly concurrency?: number;
  /**
   * Shares the slots of `concurrency` with other checks running at the same time (see {@link concurrencyLimit});
   * replaces `concurrency` when given.
   * @default a limit of its own, of `concurrency` slots
   */
  readonly limit?: Limit;
  /**
   * What to do about hashicorp/random.
   * @default "auto"
   */
  readonly random?: RandomMode;
  /**
   * Reuse a stack's saved result when its working copy, the terraform version and the CLI config are byte-for-byte
   * the same as in the run that produced it.
   * @default false
   */
  readonly reuse?: boolean;
  /**
   * With `reuse`: other work dirs whose saved result of the same stack may be reused too, when its working copy is the
   * same (`npm run preview` reads npm test's plans, .tf-check/jest/<folder>/work). The stack's own work dir first.
   * @default none
   */
  readonly reuseFrom?: readonly string[];
  /**
   * CLI configuration (provider installation). It must not set `plugin_cache_dir` (see the top of this file).
   * @default terraform/cli.tfrc
   */
  readonly cliConfigTemplate?: string;
  /**
   * Terraform binary.
   * @default TF_CHECK_TERRAFORM, else `terraform` on PATH
   */
  readonly terraformBin?: string;
  /**
   * Progress messages.
   * @default no output
   */
  readonly log?: (message: string) => void;
}

/** Outcome of the check for one stack. */
export interface StackResult {
  readonly stack: string;
  /** True when init, plan and show all succeeded. */
  readonly ok: boolean;
  /** Step that failed, if any. */
  readonly failedStep?: "prepare" | "init" | "plan" | "show";
  /** Terraform's own error messages, formatted as Terraform prints them. */
  readonly errors: readonly string[];
  /** Warnings from plan (deduplicated). */
  readonly warnings: readonly TerraformDiagnostic[];
  /** `terraform show -json` of the saved plan; undefined unless ok. */
  readonly planJsonPath?: string;
  /** Managed resource instances in the plan (0 unless ok). */
  readonly resourceCount: number;
  /** Config addresses of the planned managed resources, with stand-ins mapped back to their random_* address. */
  readonly plannedAddresses: readonly string[];
  /**
   * random_* resources (when hashicorp/random cannot be installed) and ephemeral blocks (always: Terraform opens them
   * during the plan, and offline there is no API) swapped for stand-ins in the working copy; empty when none.
   */
  readonly swappedRandom: readonly RandomSwap[];
  /** Backend removed from the working copy, if any. */
  readonly droppedBackend?: string;
  /** Provider arguments removed from the working copy. */
  readonly droppedProviderArguments: readonly string[];
  /** Wall time per step, in milliseconds. */
  readonly durationsMs: Readonly<Record<string, number>>;
  /** True when the result was reused from an identical earlier run (see {@link CheckOptions.reuse}). */
  readonly cached: boolean;
  /** When reused: the work dir whose plan it is (the stack's own, or one of {@link CheckOptions.reuseFrom}). */
  readonly reusedFrom?: string;
  /** When `reuse` was asked and the stack was planned again: why no saved result would do. */
  readonly plannedBecause?: string;
}

/** Thrown when there is no terraform binary. The CLI decides whether that is a failure (CI) or a skip. */
export class TerraformNotFoundError extends Error {
  public constructor() {
    super("terraform was not found (set TF_CHECK_TERRAFORM or put terraform on PATH)");
    this.name = "TerraformNotFoundError";
  }
}

/** Stack dirs (name -> absolute dir) in a cdktf output dir or a plain dir of stack dirs. */
export function findStackDirs(outDir: string): Map<string, string> {
  const root = fs.existsSync(path.join(outDir, "stacks")) ? path.join(outDir, "stacks") : outDir;
  if (!fs.existsSync(root)) throw new Error(`No synthesized stacks: ${root} does not exist. Run \`npm run synth\` first.`);
  const stacks = new Map<string, string>();
  for (const entry of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(root, entry.name);
    if (entry.isDirectory() && fs.existsSync(path.join(dir, "cdk.tf.json"))) stacks.set(entry.name, path.resolve(dir));
  }
  return stacks;
}

/** Runs each task it is given, at most a fixed number at once; the others wait their turn (first come, first served). */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A {@link Limit} of `slots` tasks at once. Give the same one to several {@link checkStacks} calls (one per folder of
 * environment files) to keep the machine at that many Terraform stacks in all.
 */
export function concurrencyLimit(slots: number): Limit {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < Math.max(1, slots)) running++;
    // A finishing task hands its slot over directly, so no newcomer can slip in between.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next();
      else running--;
    }
  };
}

/** Files and dirs of a cdktf stack dir that are not copied: Terraform's own state of the real stack. */
const NOT_COPIED = new Set(["cdk.tf.json", "review.tf", ".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"]);

interface Context {
  readonly terraform: string;
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  readonly cliConfig: string;
  readonly versionText: string;
  readonly log: (message: string) => void;
  /** Result of trying to install a non-mirrored provider, by source and version (tried once per run). */
  readonly probes: Map<string, Promise<string | undefined>>;
}

interface Prepared {
  readonly stack: string;
  readonly dir: string;
  readonly json: StackJson;
  readonly swappedRandom: readonly RandomSwap[];
  readonly droppedBackend?: string;
  readonly droppedProviderArguments: readonly string[];
  readonly cacheKey: string;
  readonly durationsMs: Record<string, number>;
}

/** Init a throwaway config that needs only `provider`, to learn whether Terraform can install it here. */
async function probeProvider(ctx: Context, provider: RequiredProvider): Promise<string | undefined> {
  const key = `${provider.source}@${provider.version ?? ""}`;
  let probe = ctx.probes.get(key);
  if (probe === undefined) {
    probe = (async () => {
      const dir = path.join(ctx.workDir, "_probe", provider.source.replace(/[^A-Za-z0-9]+/g, "_"));
      fs.mkdirSync(dir, { recursive: true });
      const config = {
        terraform: { required_providers: { probe: { source: provider.source, ...(provider.version !== undefined ? { version: provider.version } : {}) } } },
      };
      fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
      // Another run with the same work dir may probe at the same moment: one at a time in this dir.
      const run = await withDirLock(`${dir}.lock`, () =>
        runCommand(ctx.terraform, ["init", "-input=false", "-no-color"], { cwd: dir, env: ctx.env, timeoutMs: 120_000 }),
      );
      return run.code === 0 ? undefined : plainText(`${run.stderr}\n${run.stdout}`).trim();
    })();
    ctx.probes.set(key, probe);
  }
  return probe;
}

async function prepare(ctx: Context, stack: string, sourceDir: string, random: RandomMode): Promise<Prepared> {
  const started = Date.now();
  const original = JSON.parse(fs.readFileSync(path.join(sourceDir, "cdk.tf.json"), "utf8")) as StackJson;
  let swapRandom = false;
  const randomProvider = requiredProviders(original).find((p) => p.source === RANDOM_SOURCE);
  if (randomProvider !== undefined && random !== "install") {
    if (random === "swap") {
      swapRandom = true;
    } else {
      const failure = await probeProvider(ctx, randomProvider);
      swapRandom = failure !== undefined;
      if (swapRandom) ctx.log(`${stack}: hashicorp/random cannot be installed here (${firstLine(failure)})`);
    }
  }
  const prepared = prepareStackJson(original, { swapRandom, swapEphemeral: true });
  const dir = path.join(ctx.workDir, stack);
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of fs.readdirSync(sourceDir)) {
    if (NOT_COPIED.has(entry)) continue;
    fs.cpSync(path.join(sourceDir, entry), path.join(dir, entry), { recursive: true, dereference: true });
  }
  const text = `${JSON.stringify(prepared.json, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), text);
  const cacheKey = createHash("sha256").update(text).update(ctx.versionText).update(ctx.cliConfig).digest("hex");
  return {
    stack,
    dir,
    json: prepared.json,
    swappedRandom: [...prepared.swappedRandom, ...prepared.swappedEphemeral],
    ...(prepared.droppedBackend !== undefined ? { droppedBackend: prepared.droppedBackend } : {}),
    droppedProviderArguments: prepared.droppedProviderArguments,
    cacheKey,
    durationsMs: { prepare: Date.now() - started },
  };
}

function firstLine(text: string | undefined): string {
  const line = (text ?? "").split("\n").find((l) => /error/i.test(l)) ?? (text ?? "").split("\n")[0];
  return line.replace(/^[│╷╵\s]+/, "").trim();
}

function failure(p: Prepared, step: NonNullable<StackResult["failedStep"]>, errors: string[], warnings: TerraformDiagnostic[] = []): StackResult {
  return {
    stack: p.stack,
    ok: false,
    failedStep: step,
    errors,
    warnings,
    resourceCount: 0,
    plannedAddresses: [],
    swappedRandom: p.swappedRandom,
    ...(p.droppedBackend !== undefined ? { droppedBackend: p.droppedBackend } : {}),
    droppedProviderArguments: p.droppedProviderArguments,
    durationsMs: p.durationsMs,
    cached: false,
  };
}

function commandFailure(what: string, run: { stdout: string; stderr: string; timedOut: boolean }): string {
  const text = plainText(`${run.stderr}\n${run.stdout}`).trim();
  return run.timedOut ? `${what} timed out\n${text}` : `${what} failed\n${text}`;
}

async function init(ctx: Context, p: Prepared): Promise<string | undefined> {
  const started = Date.now();
  // Writes only inside this stack's working copy (no plugin cache), so inits of different stacks may overlap.
  const run = await runCommand(ctx.terraform, ["init", "-input=false", "-no-color"], { cwd: p.dir, env: ctx.env, timeoutMs: 180_000 });
  p.durationsMs.init = Date.now() - started;
  return run.code === 0 && !run.timedOut ? undefined : commandFailure("terraform init", run);
}

interface PlanJson {
  readonly resource_changes?: ReadonlyArray<{ readonly address: string; readonly mode: string; readonly type: string; readonly name: string }>;
}

async function planStack(ctx: Context, p: Prepared): Promise<StackResult> {
  const run = (args: string[]) => runCommand(ctx.terraform, args, { cwd: p.dir, env: ctx.env, timeoutMs: 300_000 });

  let started = Date.now();
  const planFile = path.join(p.dir, "tfplan");
  fs.rmSync(planFile, { force: true });
  // -refresh=false: there is no state to refresh, and it keeps the plan from asking AWS anything.
  const plan = await run(["plan", "-json", "-input=false", "-no-color", "-lock=false", "-refresh=false", `-out=${planFile}`]);
  p.durationsMs.plan = Date.now() - started;
  const planDiagnostics = parsePlanStream(plan.stdout);
  const warnings = dedupeDiagnostics(planDiagnostics.filter((d) => d.severity === "warning"));
  const planErrors = planDiagnostics.filter((d) => d.severity === "error");
  if (plan.code !== 0 || planErrors.length > 0 || !fs.existsSync(planFile)) {
    const errors = planErrors.length > 0 ? planErrors.map(formatDiagnostic) : [commandFailure("terraform plan", plan)];
    return failure(p, "plan", errors, warnings);
  }

  started = Date.now();
  const show = await run(["show", "-json", "-no-color", planFile]);
  p.durationsMs.show = Date.now() - started;
  if (show.code !== 0) return failure(p, "show", [commandFailure("terraform show -json", show)], warnings);
  const planJsonPath = path.join(p.dir, "plan.json");
  fs.writeFileSync(planJsonPath, show.stdout);

  const planJson = JSON.parse(show.stdout) as PlanJson;
  const back = new Map(p.swappedRandom.map((s) => [s.to, s.from]));
  // Stand-ins of ephemeral blocks are not resources of the stack: neither counted nor listed.
  const managed = (withoutEphemeralStandIns(planJson, back).resource_changes ?? []).filter((c) => c.mode === "managed");
  const plannedAddresses = [...new Set(managed.map((c) => back.get(`${c.type}.${c.name}`) ?? `${c.type}.${c.name}`))].sort();
  return {
    stack: p.stack,
    ok: true,
    errors: [],
    warnings,
    planJsonPath,
    resourceCount: managed.length,
    plannedAddresses,
    swappedRandom: p.swappedRandom,
    ...(p.droppedBackend !== undefined ? { droppedBackend: p.droppedBackend } : {}),
    droppedProviderArguments: p.droppedProviderArguments,
    durationsMs: p.durationsMs,
    cached: false,
  };
}

const RESULT_FILE = "check-result.json";

/**
 * A saved result of the stack whose working copy is the same as this one's, from its own work dir or one of
 * `others` (each a work dir holding `<stack>/`), or why there is none.
 */
function readCached(p: Prepared, others: readonly string[]): { result: StackResult } | { because: string } {
  let because = "no earlier plan of it";
  for (const dir of [p.dir, ...others.map((other) => path.join(other, p.stack))]) {
    let saved: { key: string; result: StackResult };
    try {
      saved = JSON.parse(fs.readFileSync(path.join(dir, RESULT_FILE), "utf8")) as { key: string; result: StackResult };
    } catch {
      continue;
    }
    // The plan beside the result, wherever the work dir is now (a copy of it reuses its plans: the recipe test).
    const planJsonPath = path.join(dir, "plan.json");
    if (saved.key !== p.cacheKey) because = "it changed since the last plan";
    else if (saved.result.ok && fs.existsSync(planJsonPath)) {
      return { result: { ...saved.result, planJsonPath, cached: true, reusedFrom: path.dirname(dir), plannedBecause: undefined } };
    }
  }
  return { because };
}

/**
 * Throws when a CLI configuration sets a plugin cache: its entries are rewritten by every init of a working copy
 * without a lock file, while other stacks plan through them (see the top of this file).
 */
export function assertNoPluginCache(cliConfig: string, where: string): void {
  const line = cliConfig.split("\n").find((l) => /^\s*plugin_cache_dir\s*=/.test(l));
  if (line !== undefined) {
    throw new Error(
      `${where} sets plugin_cache_dir (${line.trim()}); the check links providers from the filesystem mirror instead, ` +
        "because Terraform rewrites a shared cache entry on every init without a lock file while other stacks plan through it.",
    );
  }
}

/**
 * Check every stack in `options.outDir` with real Terraform, offline. Resolves with one result per stack (failures
 * included); rejects only when the check itself cannot run (no terraform, no stacks, an unknown stack name).
 */
export async function checkStacks(options: CheckOptions): Promise<StackResult[]> {
  const log = options.log ?? (() => undefined);
  const terraform = options.terraformBin ?? findTerraform();
  if (terraform === undefined) throw new TerraformNotFoundError();

  const outDir = path.resolve(options.outDir);
  const workDir = path.resolve(options.workDir ?? DEFAULT_WORK_DIR);
  const relative = path.relative(outDir, workDir);
  if (relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative))) {
    throw new Error(`The work dir ${workDir} is inside ${outDir}; working copies must live outside the synthesized output.`);
  }

  const all = findStackDirs(outDir);
  const names = options.stacks ?? [...all.keys()];
  const unknown = names.filter((n) => !all.has(n));
  if (unknown.length > 0) throw new Error(`Unknown stack(s) ${unknown.join(", ")}; found: ${[...all.keys()].join(", ") || "none"}`);
  if (names.length === 0) throw new Error(`No stacks (dirs with cdk.tf.json) in ${outDir}`);

  const template = options.cliConfigTemplate ?? CLI_CONFIG_TEMPLATE;
  const cliConfig = fs.readFileSync(template, "utf8");
  assertNoPluginCache(cliConfig, template);
  fs.mkdirSync(workDir, { recursive: true });
  const cliConfigPath = path.join(workDir, "cli.tfrc");
  fs.writeFileSync(cliConfigPath, cliConfig);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigPath,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
  };
  // The working copy is all the check needs: a user's TF_* settings must not change what it plans, nor bring back a
  // shared plugin cache (TF_PLUGIN_CACHE_DIR).
  const dropped = ["TF_DATA_DIR", "TF_WORKSPACE", "TF_CLI_ARGS", "TF_PLUGIN_CACHE_DIR", "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"];
  for (const key of Object.keys(env)) {
    if (dropped.includes(key) || key.startsWith("TF_CLI_ARGS_") || key.startsWith("TF_VAR_")) delete env[key];
  }

  const version = await runCommand(terraform, ["version", "-json"], { cwd: workDir, env, timeoutMs: 30_000 });
  const ctx: Context = { terraform, env, workDir, cliConfig, versionText: version.stdout, log, probes: new Map() };

  // Each stack's working copy is locked for the whole run, so an overlapping run waits instead of mixing files.
  const stackLocks = names.map((name) => path.join(workDir, `${name}.lock`));
  const lockAll = async <T>(i: number, fn: () => Promise<T>): Promise<T> =>
    i >= stackLocks.length ? fn() : withDirLock(stackLocks[i], () => lockAll(i + 1, fn));

  const checkOne = async (name: string): Promise<StackResult> => {
    let p: Prepared;
    try {
      p = await prepare(ctx, name, all.get(name) as string, options.random ?? "auto");
    } catch (error) {
      return {
        stack: name, ok: false, failedStep: "prepare", errors: [String(error)], warnings: [], resourceCount: 0,
        plannedAddresses: [], swappedRandom: [], droppedProviderArguments: [], durationsMs: {}, cached: false,
      };
    }
    if (p.swappedRandom.length > 0) {
      log(`${name}: SWAPPED ${p.swappedRandom.length} random_* resource(s) or ephemeral block(s) for terraform_data stand-ins (output unknown at plan` +
        `${p.swappedRandom.some((s) => s.sensitive) ? ", kept sensitive" : ""}): ${p.swappedRandom.map((s) => `${s.from} -> ${s.to}`).join(", ")}`);
    }
    const cached = options.reuse === true ? readCached(p, options.reuseFrom ?? []) : undefined;
    if (cached !== undefined && "result" in cached) {
      log(`${name}: unchanged since the last check; reusing its result (${cached.result.reusedFrom})`);
      return cached.result;
    }
    // Outputs of an earlier run must not pass for this run's if a step fails before writing them.
    for (const file of [RESULT_FILE, "plan.json", "tfplan"]) fs.rmSync(path.join(p.dir, file), { force: true });
    const initError = await init(ctx, p);
    if (initError !== undefined) return failure(p, "init", [initError]);
    log(`${name}: init ${p.durationsMs.init} ms`);
    const result = { ...(await planStack(ctx, p)), ...(cached !== undefined && "because" in cached ? { plannedBecause: cached.because } : {}) };
    if (result.ok) fs.writeFileSync(path.join(p.dir, RESULT_FILE), JSON.stringify({ key: p.cacheKey, result }, null, 2));
    log(`${name}: ${result.ok ? `planned ${result.resourceCount} resource(s)` : `FAILED at ${result.failedStep}`} ` +
      `(plan ${p.durationsMs.plan ?? "-"} ms, show ${p.durationsMs.show ?? "-"} ms)`);
    return result;
  };

  const limit = options.limit ?? concurrencyLimit(options.concurrency ?? 2);
  return lockAll(0, () => Promise.all(names.map((name) => limit(() => checkOne(name)))));
}
