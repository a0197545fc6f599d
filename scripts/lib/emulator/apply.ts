/**
 * The emulator apply of one or more synthesized stacks: for each, a working copy adapted for the emulator
 * (scripts/lib/emulator/adaptations.ts), then `terraform init`, `apply` (the deploy gate runs the real migration
 * runner against the emulator's ECS API), a second `plan` that must show no change apart from allowlisted emulator
 * artifacts, a deploy whose migration fails (it must stop before any ECS service changes), and `destroy`.
 *
 * Progress goes to `log`, one line as each phase of each stack starts and ends; every command's full output goes to
 * `<workDir>/logs/<app>/<stack>/`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_STARTED_BY } from "../../../src/migrations/target";
import { parseImageReference } from "../../../src/operator/image-reference";
import { adaptForEmulator, liftProtections, type AdaptedStack, type AppliedAdaptation } from "./adaptations";
import { cdktfArgs, cdktfEnvironment, cdktfProject, cdktfSettings, checkOutputsFile, filesystemMirror, layOutProject, type CdktfProject, type TerraformOutputs } from "./cdktf-deploy";
import { runLogged, type LoggedRun } from "./commands";
import { classifyPlan, describeChange, type AllowlistEntry, type PlanJson, type PlannedChange } from "./drift";
import type { Emulator } from "./moto";
import { createHostedZones, deleteHostedZones, hostedZonesInEnvironmentFile, type CreatedHostedZone } from "./prerequisites";
import { secretValuesInEmulator } from "./secrets";
import { createStateBackend, type EnvironmentJson, loggedTerraform, resize, resizeFindings, savedPlanRun, synthesizeVariant, withTerraformBlock } from "./release-phases";
import type { StackJson } from "../stack/stack-json";

/** One synthesized stack to apply. */
export interface StackSource {
  /** The app it was synthesized from: `environments`, `examples/multi-service`, ... (two apps may both have `whcsites-state`). */
  readonly app: string;
  /** Stack name, for example `whcsites-staging`. */
  readonly stack: string;
  /** The synthesized stack dir (holding cdk.tf.json); never written to. */
  readonly dir: string;
  /** The environment file the stack comes from, when there is one (hosted zones are read from it). */
  readonly environmentFile?: string;
}

/** Options of {@link applyStacks}. */
export interface ApplyStacksOptions {
  readonly stacks: readonly StackSource[];
  /** Working copies under `<workDir>/stacks`, logs under `<workDir>/logs`. */
  readonly workDir: string;
  readonly emulator: Emulator;
  /** The terraform binary. */
  readonly terraform: string;
  /** Terraform CLI configuration (offline mirror, no plugin cache). */
  readonly cliConfigPath: string;
  /** Repository root (where the deploy gate runs `scripts/migrate.ts`). */
  readonly projectRoot: string;
  readonly allowlist: readonly AllowlistEntry[];
  /** Stacks applied at the same time (stacks with the same name never run at once: they share AWS names). */
  readonly concurrency: number;
  /** Exit code of the emulated migration task in the main apply. */
  readonly migrationExitCode: number;
  /** Run the deploy-with-a-failing-migration phase on stacks with a deploy gate. */
  readonly gateFailureCheck: boolean;
  /** Values to look for in each state after apply (reported, never failing), besides the random stand-ins' values. */
  readonly findInState: readonly string[];
  readonly log: (line: string) => void;
  /** Aborting stops every running Terraform (SIGINT, then SIGKILL) and skips what is left. */
  readonly signal?: AbortSignal;
  /** Progress timestamps are relative to this. @default now */
  readonly startedAt?: number;
  /**
   * The access key each Terraform run of a stack's phase signs with (and so the deploy gate it starts), by stack id
   * (`<app>/<stack>`) and phase: the emulator's request recorder tells the runs apart by it.
   * @default one key for everything
   */
  readonly callerKey?: (stackId: string, phase: string) => string;
  /**
   * The stacks (by id, `<app>/<stack>`) deployed as an operator deploys them: their apply and failed-migration phases
   * run `cdktf deploy <stack> --skip-synth --auto-approve` and their destroy `cdktf destroy`, with the real cdktf CLI
   * (cdktf-deploy.ts), in a project folder under `<workDir>/cdktf/`; their other phases run Terraform in the same folder.
   * @default none
   */
  readonly cdktf?: { readonly stacks: ReadonlySet<string>; readonly bin: string };
}

/** One phase of one stack. */
export interface PhaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why it failed, or what it found. */
  readonly detail?: string;
  /** The cdktf command the phase ran, when it ran one (`cdktf deploy whcsites-staging --skip-synth ...`). */
  readonly cdktf?: string;
}

/** Where a value was found in a state. */
export interface StateFinding {
  /** What was searched for: a random stand-in's original address, or "given value #n". */
  readonly what: string;
  /** `address.attribute.path` of every place the value appears. */
  readonly places: readonly string[];
}

/** The outcome for one stack. */
export interface StackApplyResult {
  readonly id: string;
  readonly app: string;
  readonly stack: string;
  readonly ok: boolean;
  readonly phases: readonly PhaseResult[];
  /** Managed resource instances in the state after the first apply. */
  readonly resources: number;
  /** Addresses in the state right after the first apply, also when it failed (what a failed deploy left behind). */
  readonly addressesAfterApply: readonly string[];
  /** What the second plan wanted to change (allowlisted or not). */
  readonly secondPlan: readonly PlannedChange[];
  readonly adaptations: readonly AppliedAdaptation[];
  /** Values found in the state after apply (no secret may be in the state; reported only). */
  readonly stateFindings: readonly StateFinding[];
  readonly logDir: string;
  readonly workingCopy: string;
  /** The hosted zones created for it: the id the environment file names, and the one the emulator gave. */
  readonly hostedZones: ReadonlyArray<{ readonly hostedZoneId: string; readonly emulatorZoneId: string }>;
  /**
   * Set when the stack was deployed and destroyed with the cdktf CLI: its project folder, the outputs checked in the
   * outputs file, and the deploy-gate tasks that ran during `cdktf deploy`.
   */
  readonly cdktf?: { readonly project: string; readonly outputsChecked: readonly string[]; readonly gateTasks: number };
}

class PhaseFailed extends Error {}

function slug(app: string): string {
  return app.replace(/[^A-Za-z0-9._-]+/g, "_");
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The deploy gates of a stack: terraform_data resources whose local-exec runs scripts/migrate.ts. */
export interface DeployGateInfo {
  readonly address: string;
  /** Family of the migration task definition it runs (literal in the stack). */
  readonly family: string;
  /** Address of that task definition. */
  readonly taskDefinition: string;
  /** The runner's startedBy marker. */
  readonly startedBy: string;
  /**
   * Whether the task runs the release image (its container definitions use `local.release_image`, which the
   * `emergency_image` override feeds): the migration, which
   * the failed-migration phase makes fail. A gate may first run setup tasks on another image (the database roles),
   * which always succeed in the emulator.
   */
  readonly runsRelease: boolean;
}

/** Whether `value` references `var.emergency_image`, directly or through locals (`local.release_image`). */
function referencesImageTag(value: unknown, locals: Readonly<Record<string, unknown>>, seen: ReadonlySet<string> = new Set()): boolean {
  const text = JSON.stringify(value);
  if (/\bvar\.emergency_image\b/.test(text)) return true;
  for (const [, name] of text.matchAll(/\blocal\.([A-Za-z_][\w-]*)/g)) {
    if (!seen.has(name) && name in locals && referencesImageTag(locals[name], locals, new Set([...seen, name]))) return true;
  }
  return false;
}

/**
 * Finds the deploy gates and every task they run, in order: one entry per `scripts/migrate.ts` call of a gate's
 * local-exec (a gate may chain several with `&&`, for example the database roles, then the migration).
 */
export function findDeployGates(json: StackJson): DeployGateInfo[] {
  const resources = (json.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const gates: DeployGateInfo[] = [];
  for (const [name, body] of Object.entries(resources.terraform_data ?? {})) {
    for (const provisioner of (body.provisioner ?? []) as Array<Record<string, Record<string, unknown>>>) {
      const command = provisioner["local-exec"]?.command;
      if (typeof command !== "string" || !command.includes("scripts/migrate.ts")) continue;
      const calls = command.split("scripts/migrate.ts").slice(1);
      for (const call of calls) {
        const td = /--task-definition \$\{aws_ecs_task_definition\.([\w-]+)\.arn\}/.exec(call);
        const definition = td === null ? undefined : resources.aws_ecs_task_definition?.[td[1]];
        const family = definition?.family;
        if (td === null || typeof family !== "string" || family.includes("${")) {
          throw new Error(`terraform_data.${name}: cannot tell which task definition family the deploy gate runs (expected --task-definition \${aws_ecs_task_definition.<name>.arn} with a literal family)`);
        }
        const startedBy = /--started-by (\S+)/.exec(call)?.[1] ?? DEFAULT_STARTED_BY;
        const runsRelease = referencesImageTag(definition?.container_definitions ?? "", (json.locals ?? {}) as Record<string, unknown>);
        gates.push({ address: `terraform_data.${name}`, family, taskDefinition: `aws_ecs_task_definition.${td[1]}`, startedBy, runsRelease });
      }
    }
  }
  return gates;
}

interface StateResource {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
  readonly tainted?: boolean;
}

function stateResources(showJson: string): StateResource[] {
  const parsed = JSON.parse(showJson) as { values?: { root_module?: { resources?: StateResource[]; child_modules?: Array<{ resources?: StateResource[] }> } } };
  const root = parsed.values?.root_module;
  return [...(root?.resources ?? []), ...(root?.child_modules ?? []).flatMap((m) => m.resources ?? [])];
}

/**
 * Every `address.attribute.path` of a state file whose string value contains `value`, except in the resources at
 * `ignore` (the harness's own random stand-ins: they hold the value in the working copy only; a random block, let
 * alone an ephemeral one, is not one of them in a real deploy).
 */
export function findInState(state: unknown, value: string, ignore: ReadonlySet<string> = new Set()): string[] {
  const places: string[] = [];
  const walk = (v: unknown, where: string): void => {
    if (typeof v === "string") {
      if (v.includes(value)) places.push(where);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${where}[${i}]`));
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    }
  };
  const resources = ((state as { resources?: unknown[] }).resources ?? []) as Array<{ mode?: string; type?: string; name?: string; instances?: Array<{ index_key?: unknown; attributes?: unknown }> }>;
  for (const r of resources) {
    for (const instance of r.instances ?? []) {
      const key = instance.index_key === undefined ? "" : `[${JSON.stringify(instance.index_key)}]`;
      const address = `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`;
      if (ignore.has(address)) continue;
      walk(instance.attributes, `${address}${key}`);
    }
  }
  for (const [name, output] of Object.entries(((state as { outputs?: Record<string, { value?: unknown }> }).outputs ?? {}))) walk(output.value, `output.${name}`);
  return places;
}

/** Managed resource addresses in a local state file ([] when there is none). */
function readAddresses(stateFile: string): string[] {
  if (!fs.existsSync(stateFile)) return [];
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources?: Array<{ mode: string; type: string; name: string }> };
  return (state.resources ?? []).filter((r) => r.mode === "managed").map((r) => `${r.type}.${r.name}`).sort();
}

/** Polls the emulator while an apply runs and finishes the deploy gate's migration task with the set exit code. */
class MigrationController {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  public exitCode: number;
  /** Tasks finished so far, all gates together. */
  public finishedTasks = 0;

  public constructor(
    private readonly emulator: Emulator,
    private readonly gates: readonly DeployGateInfo[],
    exitCode: number,
    private readonly report: (line: string) => void,
  ) {
    this.exitCode = exitCode;
  }

  public start(): void {
    if (this.gates.length === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, 1_000);
  }

  public async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  private async poll(): Promise<void> {
    for (const gate of this.gates) {
      // Only the migration (the release image) exits with the code under test; setup tasks succeed.
      const exitCode = gate.runsRelease ? this.exitCode : 0;
      try {
        const finished = await this.emulator.finishTasks({
          startedBy: gate.startedBy,
          family: gate.family,
          exitCode,
          // Long enough for the runner to see it RUNNING first, as on AWS.
          minAgeSeconds: 1,
          logLines: [`emulated migration of ${gate.family} (harness: npm run test:apply)`, exitCode === 0 ? "migrations up to date" : `migration failed on purpose (exit code ${exitCode})`],
        });
        this.finishedTasks += finished.length;
        for (const task of finished) this.report(`migration task ${task.taskArn.split("/").pop()} of ${gate.family} finished with exit code ${task.exitCode} (emulated)`);
      } catch (error) {
        this.report(`could not reach the emulator's control endpoint: ${(error as Error).message}`);
      }
    }
  }
}

/** Applies, plans again, and destroys every stack; resolves with one result per stack (never rejects for a stack's failure). */
export async function applyStacks(options: ApplyStacksOptions): Promise<StackApplyResult[]> {
  const startedAt = options.startedAt ?? Date.now();
  const stamp = (): string => `[${seconds(Date.now() - startedAt).padStart(8)}]`;
  const log = (line: string): void => options.log(`${stamp()} ${line}`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: options.cliConfigPath,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_ENDPOINT_URL: options.emulator.endpoint,
    AWS_ACCESS_KEY_ID: "emulator",
    AWS_SECRET_ACCESS_KEY: "emulator",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  // Nothing from the caller's shell may point Terraform or the runner at a real account or another endpoint.
  for (const key of Object.keys(env)) {
    if (["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "TF_DATA_DIR", "TF_WORKSPACE", "TF_CLI_ARGS"].includes(key)) delete env[key];
    if (key.startsWith("TF_CLI_ARGS_") || key.startsWith("TF_VAR_") || (key.startsWith("AWS_ENDPOINT_URL_"))) delete env[key];
  }

  const nameLocks = new Map<string, Promise<unknown>>();
  const withNameLock = <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const previous = nameLocks.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    nameLocks.set(name, next.catch(() => undefined));
    return next;
  };

  const runOne = (source: StackSource): Promise<StackApplyResult> => withNameLock(source.stack, () => applyOne(source));

  const applyOne = async (source: StackSource): Promise<StackApplyResult> => {
    const id = `${source.app}/${source.stack}`;
    const logDir = path.join(options.workDir, "logs", slug(source.app), source.stack);
    // A stack deployed with cdktf lives in cdktf.out/stacks/<stack> of its project folder, for every phase.
    const project: CdktfProject | undefined = options.cdktf?.stacks.has(id) === true ? cdktfProject(path.join(options.workDir, "cdktf", slug(source.app), source.stack), source.stack) : undefined;
    const dir = project?.stackDir ?? path.join(options.workDir, "stacks", slug(source.app), source.stack);
    fs.rmSync(logDir, { recursive: true, force: true });
    if (project !== undefined) fs.rmSync(project.root, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(logDir, { recursive: true });
    fs.mkdirSync(dir, { recursive: true });
    const phases: PhaseResult[] = [];
    let secondPlan: PlannedChange[] = [];
    let adaptations: AppliedAdaptation[] = [];
    const stateFindings: StateFinding[] = [];
    let resources = 0;
    let addressesAfterApply: string[] = [];
    let phaseNumber = 0;
    let currentPhase = "prepare";

    const phase = async <T>(name: string, fn: (logFile: string) => Promise<T>, cdktfCommand?: string): Promise<T> => {
      const logFile = path.join(logDir, `${++phaseNumber}-${name}.log`);
      currentPhase = name;
      fs.writeFileSync(logFile, "");
      log(`${id}: ${name} started${cdktfCommand === undefined ? "" : ` (${cdktfCommand})`}`);
      const started = Date.now();
      const through = cdktfCommand === undefined ? {} : { cdktf: cdktfCommand };
      try {
        const value = await fn(logFile);
        phases.push({ name, ok: true, durationMs: Date.now() - started, ...through });
        log(`${id}: ${name} ok (${seconds(Date.now() - started)})`);
        return value;
      } catch (error) {
        const detail = (error as Error).message;
        fs.appendFileSync(logFile, `\nFAILED: ${detail}\n`);
        phases.push({ name, ok: false, durationMs: Date.now() - started, detail, ...through });
        log(`${id}: ${name} FAILED (${seconds(Date.now() - started)}): ${detail.split("\n")[0]}`);
        throw new PhaseFailed(detail);
      }
    };
    const tf = (args: string[], logFile: string, timeoutMs: number, captureStdout = false): Promise<LoggedRun> =>
      runLogged(options.terraform, args, {
        cwd: dir,
        env: options.callerKey === undefined ? env : { ...env, AWS_ACCESS_KEY_ID: options.callerKey(id, currentPhase) },
        logFile,
        timeoutMs,
        signal: options.signal,
        captureStdout,
      });
    // The real cdktf CLI in the project folder, with Terraform's environment of the phase and the CLI's own settings.
    const cdktfRun = (args: string[], logFile: string, timeoutMs: number): Promise<LoggedRun> => {
      if (project === undefined || options.cdktf === undefined) throw new Error(`${id} is not deployed with cdktf`);
      const mirror = filesystemMirror(fs.readFileSync(options.cliConfigPath, "utf8"));
      if (mirror === undefined) throw new Error(`${options.cliConfigPath} has no filesystem_mirror: cdktf's provider lock would need the registry`);
      const base = options.callerKey === undefined ? env : { ...env, AWS_ACCESS_KEY_ID: options.callerKey(id, currentPhase) };
      const settings = cdktfSettings({ mirror, terraform: options.terraform, home: path.join(options.workDir, "cdktf", "home") });
      return runLogged(process.execPath, [options.cdktf.bin, ...args], { cwd: project.root, env: cdktfEnvironment(base, settings), logFile, timeoutMs, signal: options.signal });
    };
    let outputsChecked: string[] = [];
    let gateTasks = 0;
    const check = (run: LoggedRun, what: string, logFile: string): void => {
      if (run.aborted) throw new Error(`${what} interrupted`);
      if (run.timedOut) throw new Error(`${what} timed out; see ${logFile}`);
      if (run.code !== 0) throw new Error(`${what} exited with ${run.code ?? run.signal}; see ${logFile}`);
    };
    const notAborted = (): void => {
      if (options.signal?.aborted) throw new Error("interrupted");
    };

    const sourceFile = path.join(source.dir, "cdk.tf.json");
    const sourceHash = sha256(sourceFile);
    let adapted: AdaptedStack | undefined;
    let zones: CreatedHostedZone[] = [];
    let gates: DeployGateInfo[] = [];
    let controller: MigrationController | undefined;
    let applied = false;

    try {
      await phase("prepare", async (logFile) => {
        notAborted();
        const synthesized = JSON.parse(fs.readFileSync(sourceFile, "utf8")) as StackJson;
        const text = JSON.stringify(synthesized);
        const named = source.environmentFile !== undefined && fs.existsSync(source.environmentFile) ? hostedZonesInEnvironmentFile(source.environmentFile) : [];
        const needed = named.filter((z) => text.includes(z.hostedZoneId));
        zones = await createHostedZones(options.emulator.endpoint, needed, `${slug(id)}-${Date.now()}`);
        for (const z of zones) fs.appendFileSync(logFile, `hosted zone ${z.domainName} (${z.field} in ${source.environmentFile}): ${z.hostedZoneId} -> ${z.emulatorZoneId}\n`);
        adapted = adaptForEmulator(synthesized, {
          stack: source.stack,
          projectRoot: options.projectRoot,
          hostedZoneIds: new Map(zones.map((z) => [z.hostedZoneId, z.emulatorZoneId])),
          runsInCdktfOut: project !== undefined,
        });
        adaptations = [...adapted.applied];
        gates = findDeployGates(synthesized);
        for (const entry of fs.readdirSync(source.dir)) {
          if (["cdk.tf.json", ".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"].includes(entry)) continue;
          fs.cpSync(path.join(source.dir, entry), path.join(dir, entry), { recursive: true, dereference: true });
        }
        fs.writeFileSync(path.join(dir, "cdk.tf.json"), `${JSON.stringify(adapted.json, null, 2)}\n`);
        if (project !== undefined) {
          // cdktf synth writes <out>/manifest.json beside <out>/stacks/<stack>.
          const synthesizedManifest = path.basename(path.dirname(source.dir)) === "stacks" ? path.join(source.dir, "..", "..", "manifest.json") : undefined;
          for (const line of layOutProject(project, { projectRoot: options.projectRoot, synthesizedManifest })) fs.appendFileSync(logFile, `${line}\n`);
        }
        for (const a of adapted.applied) fs.appendFileSync(logFile, `adaptation ${a.id}: ${a.details.length > 0 ? a.details.join("; ") : "(nothing to change)"}\n`);
        fs.appendFileSync(logFile, `deploy gates: ${gates.map((g) => `${g.address} runs ${g.family} (startedBy ${g.startedBy})`).join("; ") || "none"}\n`);
        controller = new MigrationController(options.emulator, gates, options.migrationExitCode, (line) => {
          fs.appendFileSync(path.join(logDir, "migrations.log"), `${new Date().toISOString()} ${line}\n`);
          log(`${id}: ${line}`);
        });
      });

      // cdktf deploy runs terraform init itself (and the provider lock), in the apply phase.
      if (project === undefined) {
        await phase("init", async (logFile) => {
          // No shared plugin cache (terraform/cli.tfrc): each working copy links hashicorp/aws from the mirror.
          const run = await tf(["init", "-input=false", "-no-color"], logFile, 300_000);
          check(run, "terraform init", logFile);
        });
      }

      // The deploy as the deploy workflow runs it, the emergency image empty (its default) given explicitly.
      const deployArgs = project === undefined ? undefined : cdktfArgs("deploy", { stack: source.stack, vars: ["emergency_image="], outputsFile: project.outputsFile });
      await phase("apply", async (logFile) => {
        controller?.start();
        const tasksBefore = controller?.finishedTasks ?? 0;
        try {
          applied = true;
          const run = deployArgs === undefined ? await tf(["apply", "-auto-approve", "-input=false", "-no-color"], logFile, 1_800_000) : await cdktfRun(deployArgs, logFile, 1_800_000);
          addressesAfterApply = readAddresses(path.join(dir, "terraform.tfstate"));
          check(run, deployArgs === undefined ? "terraform apply" : `cdktf ${deployArgs.join(" ")}`, logFile);
        } finally {
          await controller?.stop();
        }
        // The local state is where every later phase reads it: cdktf ran Terraform in the stack's folder.
        if (project !== undefined && !fs.existsSync(path.join(dir, "terraform.tfstate"))) throw new Error(`cdktf deploy left no terraform.tfstate in ${dir}`);
        const state = JSON.parse(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8")) as { resources?: Array<{ mode: string; instances?: unknown[] }> };
        resources = (state.resources ?? []).filter((r) => r.mode === "managed").reduce((n, r) => n + (r.instances ?? []).length, 0);
        const searches: Array<[string, string]> = [
          ...[...(adapted?.randomValues ?? [])].map(([address, value]): [string, string] => [`${address} (stand-in value)`, value]),
          ...options.findInState.map((value, i): [string, string] => [`given value #${i + 1}`, value]),
          // What the stack wrote to Secrets Manager (its ephemeral passwords, the connection URLs), read back.
          ...(await secretValuesInEmulator(options.emulator.endpoint, state)).map((v): [string, string] => [`${v.what}, its value in the emulator`, v.value]),
        ];
        fs.appendFileSync(logFile, `\nstate search: ${searches.length} value(s)\n`);
        for (const [what, value] of searches) {
          const places = findInState(state, value, new Set(adapted?.swappedRandom.map((swap) => swap.to) ?? []));
          stateFindings.push({ what, places });
          fs.appendFileSync(logFile, `\nstate search: ${what}: ${places.length === 0 ? "not found" : `found in ${places.join(", ")}`}\n`);
        }
        if (project !== undefined) {
          // The deploy gate ran its tasks from ../../.. of cdktf.out/stacks/<stack> (the project folder).
          gateTasks = (controller?.finishedTasks ?? 0) - tasksBefore;
          if (gateTasks < gates.length) {
            throw new Error(`cdktf deploy ran ${gateTasks} deploy-gate task(s), expected ${gates.length} (${gates.map((g) => g.family).join(", ")}): did the gate run from ${project.root}?`);
          }
          const output = await tf(["output", "-json", "-no-color"], logFile, 120_000, true);
          check(output, "terraform output -json", logFile);
          const declared = Object.keys((adapted?.json.output ?? {}) as Record<string, unknown>);
          if (declared.length > 0 && !fs.existsSync(project.outputsFile)) throw new Error(`cdktf deploy --outputs-file wrote no ${project.outputsFile}`);
          const written: unknown = fs.existsSync(project.outputsFile) ? JSON.parse(fs.readFileSync(project.outputsFile, "utf8")) : {};
          const outputs = checkOutputsFile(adapted?.json ?? {}, written, JSON.parse(output.stdout) as TerraformOutputs);
          outputsChecked = outputs.checked;
          fs.appendFileSync(logFile, `\ncdktf: ${gateTasks} deploy-gate task(s) ran; outputs file ${project.outputsFile}: ${outputs.checked.length} output(s) match terraform output (${outputs.checked.join(", ") || "none"})\n`);
          if (outputs.problems.length > 0) throw new Error(`cdktf deploy --outputs-file does not hold the stack's outputs:\n  ${outputs.problems.join("\n  ")}`);
        }
      }, deployArgs === undefined ? undefined : `cdktf ${deployArgs.join(" ")}`);

      // The plan a pull request gets in CI (.github/workflows/ci.yml): no refresh, no lock, as the plan role. Its calls
      // are recorded as a phase of their own, which the permission test holds against the plan role.
      await phase("ci-plan", async (logFile) => {
        const run = await tf(["plan", "-refresh=false", "-lock=false", "-detailed-exitcode", "-input=false", "-no-color"], logFile, 900_000);
        if (run.code !== 2) check(run, "terraform plan -refresh=false -lock=false", logFile);
      });

      // A second plan that is not empty is a finding; the failed-migration phase still runs after it.
      await phase("plan", async (logFile) => {
        const planFile = path.join(dir, "second.tfplan");
        const run = await tf(["plan", "-detailed-exitcode", "-input=false", "-no-color", `-out=${planFile}`], logFile, 900_000);
        // -detailed-exitcode: 0 no change, 2 changes, anything else an error.
        if (run.code !== 2) check(run, "terraform plan", logFile);
        if (run.code === 0) return;
        const show = await tf(["show", "-json", "-no-color", planFile], logFile, 300_000, true);
        check(show, "terraform show -json", logFile);
        fs.writeFileSync(path.join(dir, "second-plan.json"), show.stdout);
        secondPlan = classifyPlan(JSON.parse(show.stdout) as PlanJson, options.allowlist);
        const lines = secondPlan.flatMap(describeChange);
        fs.appendFileSync(logFile, `\nsecond plan, attribute by attribute:\n${lines.join("\n")}\n`);
        const notAllowed = secondPlan.filter((c) => !c.allowed);
        if (notAllowed.length > 0) {
          throw new Error(`the plan after apply is not empty: ${notAllowed.length} change(s) that are not allowlisted emulator artifacts:\n${notAllowed.flatMap(describeChange).map((l) => `  ${l}`).join("\n")}`);
        }
      }).catch((error: unknown) => {
        if (!(error instanceof PhaseFailed) || options.signal?.aborted) throw error;
      });

      // A deploy of a changed file against the applied state, as the deploy workflow makes one.
      const tier = source.environmentFile === undefined ? undefined : (JSON.parse(fs.readFileSync(source.environmentFile, "utf8")) as { tier?: string }).tier;
      const variantOf = async (change: (env: EnvironmentJson) => void): Promise<StackJson> => {
        const variant = await synthesizeVariant(source.environmentFile as string, source.stack, change);
        const adaptedVariant = adaptForEmulator(variant, {
          stack: source.stack,
          projectRoot: options.projectRoot,
          hostedZoneIds: new Map(zones.map((z) => [z.hostedZoneId, z.emulatorZoneId])),
          randomValues: adapted?.randomValues,
          runsInCdktfOut: project !== undefined,
        });
        return withTerraformBlock(adaptedVariant.json, { ...adaptedVariant.json.terraform, backend: variant.terraform?.backend });
      };
      if (tier === "non-production") {
        await phase("resize", async (logFile) => {
          // The working copy's own configuration comes back afterwards: only the plan matters here.
          const original = fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8");
          try {
            const resized = withTerraformBlock(await variantOf(resize), (JSON.parse(original) as StackJson).terraform);
            fs.writeFileSync(path.join(dir, "cdk.tf.json"), `${JSON.stringify(resized, null, 2)}\n`);
            const planFile = path.join(dir, "resize.tfplan");
            const run = await tf(["plan", "-input=false", "-no-color", `-out=${planFile}`], logFile, 900_000);
            check(run, "terraform plan (resized)", logFile);
            const show = await tf(["show", "-json", "-no-color", planFile], logFile, 300_000, true);
            check(show, "terraform show -json", logFile);
            const found = resizeFindings(JSON.parse(show.stdout) as PlanJson);
            fs.appendFileSync(logFile, `\nresize plan:\n${found.lines.map((l) => `  ${l}`).join("\n")}\n`);
            if (found.problems.length > 0) throw new Error(`a resize of the first service is not an infrastructure change only:\n  ${found.problems.join("\n  ")}`);
          } finally {
            fs.writeFileSync(path.join(dir, "cdk.tf.json"), original);
          }
        });
      }
      if (tier === "production") {
        await phase("saved-plan", async (logFile) => {
          const release = await variantOf((env) => {
            // A new release in the file: the same repository and tag, another digest.
            env.image = `${String(env.image).split("@")[0]}@sha256:${createHash("sha256").update(`saved-plan ${id}`).digest("hex")}`;
          });
          const backend = release.terraform?.backend as { s3?: { key?: string; assume_role?: { role_arn?: string } } } | undefined;
          const stateRoleArn = backend?.s3?.assume_role?.role_arn;
          if (backend?.s3?.key === undefined || stateRoleArn === undefined) throw new Error("the stack has no S3 backend with a state role");
          const stateBackend = await createStateBackend(options.emulator.endpoint, `${slug(id)}-${Date.now()}`, backend.s3.key, fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8"));
          fs.appendFileSync(logFile, `state backend in the emulator: bucket ${stateBackend.bucket}, lock table ${stateBackend.table}, key ${stateBackend.kmsKeyArn}\n`);
          // Harness only: the profile's AssumeRole goes to the emulator's STS (a real job reaches AWS's).
          const terraformRunner = loggedTerraform(options.terraform, logFile, { ...env, AWS_ENDPOINT_URL_STS: options.emulator.endpoint }, options.signal);
          controller?.start();
          let found;
          try {
            found = await savedPlanRun({ emulator: options.emulator, dir: `${dir}-saved-plan`, json: release, stack: source.stack, backend: stateBackend, terraform: terraformRunner, stateRoleArn });
          } finally {
            await controller?.stop();
          }
          fs.appendFileSync(logFile, `\n${found.lines.join("\n")}\n`);
          // The working copy goes on from the applied release and its state.
          if (found.state.trim() !== "") fs.writeFileSync(path.join(dir, "terraform.tfstate"), found.state);
          const local = withTerraformBlock(release, (JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson).terraform);
          fs.writeFileSync(path.join(dir, "cdk.tf.json"), `${JSON.stringify(local, null, 2)}\n`);
          if (found.problems.length > 0) throw new Error(`the saved production plan did not go as the workflow needs:\n  ${found.problems.join("\n  ")}`);
        });
      }

      if (options.gateFailureCheck && gates.length > 0) {
        // Another release through the one deploy-time input there is, the emergency override (for a stack deployed with
        // cdktf, the operator's emergency command: cdktf deploy <stack> --var emergency_image=...).
        const failingRelease = (repository: string): string => `${repository}@sha256:${createHash("sha256").update("failing migration").digest("hex")}`;
        const failingArgs = (repository: string): string[] => cdktfArgs("deploy", { stack: source.stack, vars: [`emergency_image=${failingRelease(repository)}`] });
        await phase("failed-migration", async (logFile) => {
          const json = adapted?.json as StackJson & { locals?: Record<string, unknown> };
          // The release image's repository, from the file's literal in local.release_image (a digest, or a tag).
          const literal = /: "([^"]+)"\}$/.exec(String(json.locals?.release_image ?? ""))?.[1];
          if (literal === undefined) throw new Error("the stack has a deploy gate but no release image literal in local.release_image; cannot ship a new version to it");
          const repository = parseImageReference(literal).repository;
          const before = await tf(["show", "-json", "-no-color"], logFile, 300_000, true);
          check(before, "terraform show -json", logFile);
          // Services that wait for a gate must keep their task definition; others (a service without the database
          // does not wait for migrations) may roll, and are only reported.
          const gateAddresses = new Set(gates.map((g) => g.address));
          const guarded = new Set(
            Object.entries((json.resource ?? {}).aws_ecs_service ?? {})
              .filter(([, body]) => ((body.depends_on ?? []) as string[]).some((d) => gateAddresses.has(d)))
              .map(([name]) => `aws_ecs_service.${name}`),
          );
          const servicesBefore = new Map(stateResources(before.stdout).filter((r) => r.type === "aws_ecs_service").map((r) => [r.address, r.values.task_definition]));
          // A scheduled job's schedule that waits for the gate must keep scheduling the old revision too.
          const guardedSchedules = new Set(
            Object.entries((json.resource ?? {}).aws_scheduler_schedule ?? {})
              .filter(([, body]) => ((body.depends_on ?? []) as string[]).some((d) => gateAddresses.has(d)))
              .map(([name]) => `aws_scheduler_schedule.${name}`),
          );
          const schedulesBefore = new Map(stateResources(before.stdout).filter((r) => guardedSchedules.has(r.address)).map((r) => [r.address, scheduledTaskDefinition(r.values)]));
          const failingTag = failingRelease(repository);
          if (controller !== undefined) controller.exitCode = 1;
          controller?.start();
          let run: LoggedRun;
          try {
            run =
              project === undefined
                ? await tf(["apply", "-auto-approve", "-input=false", "-no-color", `-var=emergency_image=${failingTag}`], logFile, 1_800_000)
                : await cdktfRun(failingArgs(repository), logFile, 1_800_000);
          } finally {
            await controller?.stop();
            if (controller !== undefined) controller.exitCode = options.migrationExitCode;
          }
          if (run.aborted) throw new Error(`${project === undefined ? "terraform apply" : "cdktf deploy"} interrupted`);
          const problems: string[] = [];
          if (run.code === 0) problems.push("the apply succeeded although the migration exited 1");
          if (!fs.readFileSync(logFile, "utf8").includes("migration FAILED")) problems.push("the runner never reported \"migration FAILED\" (did the gate run?)");
          const after = await tf(["show", "-json", "-no-color"], logFile, 300_000, true);
          check(after, "terraform show -json", logFile);
          const resourcesAfter = stateResources(after.stdout);
          const notes: string[] = [];
          for (const [address, taskDefinition] of servicesBefore) {
            const now = resourcesAfter.find((r) => r.address === address)?.values.task_definition;
            const what = `${address} ${now === taskDefinition ? "kept its task definition" : `changed its task definition (${String(taskDefinition)} -> ${String(now)})`}`;
            if (!guarded.has(address)) notes.push(`${what}; it does not wait for the deploy gate`);
            else if (now !== taskDefinition) problems.push(`${what} although the migration failed`);
            else notes.push(what);
          }
          if (guarded.size === 0) problems.push("no ECS service depends on the deploy gate, so nothing waits for the migration");
          for (const [address, taskDefinition] of schedulesBefore) {
            const now = scheduledTaskDefinition(resourcesAfter.find((r) => r.address === address)?.values);
            if (now !== taskDefinition) problems.push(`${address} changed the task definition it runs (${String(taskDefinition)} -> ${String(now)}) although the migration failed`);
            else notes.push(`${address} kept scheduling its task definition`);
          }
          for (const gate of gates.filter((g) => g.runsRelease)) {
            const migration = resourcesAfter.find((r) => r.address === gate.taskDefinition);
            if (!String(migration?.values.container_definitions ?? "").includes(failingTag)) problems.push(`${gate.taskDefinition} does not run ${failingTag}: the apply stopped before the gate, so the gate was not tested`);
            const gateNow = resourcesAfter.find((r) => r.address === gate.address);
            if (gateNow !== undefined && gateNow.tainted !== true) problems.push(`${gate.address} is in the state and not tainted after its migration failed`);
          }
          fs.appendFileSync(logFile, `\nchecked: apply exit ${run.code}\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
          if (problems.length > 0) throw new Error(`a failed migration did not stop the deploy as it must:\n  ${problems.join("\n  ")}`);
        }, project === undefined ? undefined : `cdktf ${failingArgs("<repository>").join(" ").replace(/@sha256:[0-9a-f]{64}/, "@sha256:<a digest whose migration fails>")}`);
      }
    } catch (error) {
      if (!(error instanceof PhaseFailed)) {
        phases.push({ name: "harness", ok: false, durationMs: 0, detail: (error as Error).message });
        log(`${id}: harness error: ${(error as Error).message}`);
      }
    }

    // Teardown and destroy run after any failure too (unless interrupted): a destroy that fails is a finding of its own.
    if (applied && !options.signal?.aborted && adapted !== undefined) {
      try {
        const teardown = liftProtections(adapted.json);
        adaptations = [...adaptations, ...teardown.applied];
        await phase("teardown", async (logFile) => {
          fs.writeFileSync(path.join(dir, "cdk.tf.json"), `${JSON.stringify(teardown.json, null, 2)}\n`);
          for (const a of teardown.applied) fs.appendFileSync(logFile, `adaptation ${a.id}: ${a.details.length > 0 ? a.details.join("; ") : "(nothing to change)"}\n`);
          if (!teardown.needsApply) return;
          // Only the resources whose protection changes (and what they depend on): nothing else may move here.
          const run = await tf(["apply", "-auto-approve", "-input=false", "-no-color", ...teardown.targets.map((t) => `-target=${t}`)], logFile, 1_800_000);
          check(run, "terraform apply (protections lifted)", logFile);
        });
        const destroyArgs = project === undefined ? undefined : cdktfArgs("destroy", { stack: source.stack });
        await phase("destroy", async (logFile) => {
          const run = destroyArgs === undefined ? await tf(["destroy", "-auto-approve", "-input=false", "-no-color"], logFile, 1_800_000) : await cdktfRun(destroyArgs, logFile, 1_800_000);
          check(run, destroyArgs === undefined ? "terraform destroy" : `cdktf ${destroyArgs.join(" ")}`, logFile);
          const list = await tf(["state", "list"], logFile, 120_000, true);
          check(list, "terraform state list", logFile);
          if (list.stdout.trim() !== "") throw new Error(`resources left in the state after destroy:\n  ${list.stdout.trim().split("\n").join("\n  ")}`);
          await deleteHostedZones(options.emulator.endpoint, zones);
        }, destroyArgs === undefined ? undefined : `cdktf ${destroyArgs.join(" ")}`);
      } catch (error) {
        if (!(error instanceof PhaseFailed)) phases.push({ name: "harness", ok: false, durationMs: 0, detail: (error as Error).message });
      }
    }

    if (sha256(sourceFile) !== sourceHash) {
      phases.push({ name: "untouched", ok: false, durationMs: 0, detail: `${sourceFile} changed during the run: the harness must never write to synthesized stacks` });
    }
    // A stack deployed with cdktf has no init phase of its own: cdktf deploy runs terraform init in its apply phase.
    const expected = ["prepare", ...(project === undefined ? ["init"] : []), "apply", "ci-plan", "plan", "teardown", "destroy"];
    const ok = !options.signal?.aborted && phases.every((p) => p.ok) && expected.every((name) => phases.some((p) => p.name === name));
    const hostedZones = zones.map((z) => ({ hostedZoneId: z.hostedZoneId, emulatorZoneId: z.emulatorZoneId }));
    const cdktf = project === undefined ? {} : { cdktf: { project: project.root, outputsChecked, gateTasks } };
    return { id, app: source.app, stack: source.stack, ok, phases, resources, addressesAfterApply, secondPlan, adaptations, stateFindings, logDir, workingCopy: dir, hostedZones, ...cdktf };
  };

  const results: StackApplyResult[] = new Array(options.stacks.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, options.stacks.length)) }, async () => {
    while (next < options.stacks.length) {
      const index = next++;
      results[index] = await runOne(options.stacks[index]);
    }
  });
  await Promise.all(workers);
  return results;
}

/** The task definition an `aws_scheduler_schedule` in a state runs (its ECS target's), if any. */
function scheduledTaskDefinition(values: Record<string, unknown> | undefined): unknown {
  const target = (values?.target as Array<Record<string, unknown>> | undefined)?.[0];
  return (target?.ecs_parameters as Array<Record<string, unknown>> | undefined)?.[0]?.task_definition_arn;
}
