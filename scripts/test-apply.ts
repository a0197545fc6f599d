/**
 * `npm run test:apply`: apply every stack against a local AWS API emulator (moto 5.2.1), plan again expecting no
 * change, ship a version whose migration fails (it must stop before the ECS services change), and destroy.
 *
 * The stacks of `--cdktf-stack` (by default environments/whcsites-staging) are deployed and destroyed as operators do it,
 * with the real cdktf CLI: `cdktf deploy <stack> --skip-synth --auto-approve` and `cdktf destroy`
 * (scripts/lib/emulator/cdktf-deploy.ts).
 *
 * By default it synthesizes each environments folder (environments/ and every examples/<name>/environments/) as its
 * own app into .tf-check/apply/synth (cdktf.out is never touched); `--out <dir>` applies a cdktf output dir as it is.
 * Exit code: 0 when every stack passed every phase, 1 otherwise (also when moto or terraform is missing: this check
 * never skips), 130/143 when interrupted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { CLI_CONFIG_TEMPLATE, DEFAULT_WORK_DIR, PROJECT_ROOT, assertNoPluginCache, findStackDirs } from "./lib/terraform/check-stacks";
import { withDirLock } from "./lib/terraform/dir-lock";
import { requestReport, startEmulator, EmulatorUnavailableError, type Emulator, type RecordingStats, type RequestStats } from "./lib/emulator/moto";
import { ADAPTATIONS } from "./lib/emulator/adaptations";
import { EMULATOR_ALLOWLIST } from "./lib/emulator/allowlist";
import { applyStacks, type StackApplyResult, type StackSource } from "./lib/emulator/apply";
import { cdktfBin } from "./lib/emulator/cdktf-deploy";
import { environmentFolders } from "./lib/synth/environment-folders";
import { synthesizeApp } from "./lib/synth/synth";
import { findTerraform } from "./lib/terraform/terraform-cli";
import { runMain } from "./lib/run-main";
import { CallerKeys } from "./lib/permissions/caller-keys";
import { buildRecordings, readRequests, settleRecordings, UPDATE_PERMISSIONS_COMMAND } from "./lib/permissions/recording";

interface CliOptions {
  readonly out?: string;
  readonly environmentsDir?: string;
  readonly stack?: string[];
  readonly workDir: string;
  readonly concurrency: number;
  readonly migrationExitCode: number;
  readonly failedMigration: boolean;
  readonly findInState: string[];
  readonly updatePermissions: boolean;
  readonly cdktfStack?: string[];
}

/** The stack deployed with `cdktf deploy` when `--cdktf-stack` is not given: the one operators deploy first. */
const DEFAULT_CDKTF_STACK = "environments/whcsites-staging";

const PHASES = ["prepare", "init", "apply", "ci-plan", "plan", "resize", "saved-plan", "failed-migration", "teardown", "destroy"];

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`got ${JSON.stringify(value)}; allowed: an integer from ${min} to ${max}`);
    return n;
  };
}

function banner(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = "#".repeat(width);
  return [rule, ...lines.map((l) => `# ${l.padEnd(width - 4)} #`), rule].join("\n");
}

function stackSources(app: string, outDir: string, environmentsFolder: string | undefined): StackSource[] {
  return [...findStackDirs(outDir)].map(([stack, dir]) => {
    const file = environmentsFolder !== undefined && stack.startsWith("whcsites-") ? path.join(environmentsFolder, `${stack.slice("whcsites-".length)}.json`) : undefined;
    return { app, stack, dir, ...(file !== undefined && fs.existsSync(file) ? { environmentFile: file } : {}) };
  });
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`;
}

function summary(results: readonly StackApplyResult[]): string[] {
  const width = Math.max(24, ...results.map((r) => r.id.length));
  const header = `  ${"stack".padEnd(width)} ${"result".padEnd(22)} ${"res".padStart(4)}  ${PHASES.map((p) => p.padStart(Math.max(7, p.length))).join(" ")}  allowlisted  deployed with`;
  const rows = results.map((r) => {
    const failed = r.phases.find((p) => !p.ok);
    const result = r.ok ? "ok" : `FAILED (${failed?.name ?? "incomplete"})`;
    // cdktf deploy runs terraform init within the apply phase.
    const times = PHASES.map((name) => (name === "init" && r.cdktf !== undefined ? "(cdktf)" : seconds(r.phases.find((p) => p.name === name)?.durationMs)).padStart(Math.max(7, name.length)));
    const artifacts = r.secondPlan.flatMap((c) => c.diffs).filter((d) => d.allowedBy !== undefined).length;
    const via = r.cdktf === undefined ? "terraform apply/destroy" : "cdktf deploy/destroy";
    return `  ${r.id.padEnd(width)} ${result.padEnd(22)} ${String(r.resources).padStart(4)}  ${times.join(" ")}  ${String(artifacts).padStart(11)}  ${via}`;
  });
  return [header, ...rows];
}

/** For each stack deployed with the cdktf CLI: each phase, ok or not, with the cdktf command it ran. */
function cdktfSummary(results: readonly StackApplyResult[]): string[] {
  return results
    .filter((r) => r.cdktf !== undefined)
    .flatMap((r) => {
      const apply = r.phases.find((p) => p.name === "apply");
      const checked = r.cdktf?.outputsChecked ?? [];
      return [
        `${r.id} ${r.ok ? "deployed with cdktf deploy and destroyed with cdktf destroy" : "FAILED"} (project folder ${path.relative(process.cwd(), r.cdktf?.project ?? "") || "."}); its phases:`,
        ...r.phases.map((p) => {
          const what = p.cdktf === undefined ? (p.name === "prepare" ? "" : "terraform, in cdktf.out/stacks/" + r.stack) : p.cdktf;
          const found = p.name === "apply" && p.ok && apply?.cdktf !== undefined ? `: terraform init and apply by cdktf, ${r.cdktf?.gateTasks ?? 0} deploy-gate task(s) run from the project folder, ${checked.length} output(s) in the outputs file match terraform output` : "";
          return `  ${p.name.padEnd(17)} ${(p.ok ? "ok" : "FAILED").padEnd(7)} ${seconds(p.durationMs).padStart(7)}  ${what}${found}`;
        }),
      ];
    });
}

async function main(): Promise<number> {
  const program = new Command()
    .name("test-apply")
    .description("Apply every stack against the moto AWS emulator, plan again expecting no change, fail a migration on purpose, destroy")
    .option("--out <dir>", "apply this cdktf output dir (or dir of stack dirs) as it is, without synthesis")
    .option("--environments-dir <dir>", "with --out: the environment files the stacks came from (hosted zones are read from them)")
    .option("--stack <name...>", "only these stacks (name, or <app>/<name>)")
    .option("--work-dir <dir>", "working copies, logs and the synthesized apps", path.join(DEFAULT_WORK_DIR, "apply"))
    .option("--concurrency <n>", "stacks applied at the same time (one emulator; 2 cores)", integer(1, 8), 3)
    .option("--migration-exit-code <n>", "exit code of the emulated migration task in the main apply", integer(0, 255), 0)
    .option("--no-failed-migration", "skip the phase that ships a version whose migration fails")
    .option("--find-in-state <value...>", "report where these values appear in each state after apply (never fails)", [])
    .option("--update-permissions", "write each passed stack's permission recording (permissions/) instead of failing when it is stale", false)
    .option("--cdktf-stack <name...>", `deploy, ship the failing migration to and destroy these stacks with the real cdktf CLI (cdktf deploy/destroy) instead of terraform apply/destroy (name, or <app>/<stack>) [default: ${DEFAULT_CDKTF_STACK}; none with --out]`)
    .parse();
  const options = program.opts<CliOptions>();
  const startedAt = Date.now();
  // The SDK's notice about Node < 22 would repeat in every deploy gate's log; it says nothing about the stacks.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const workDir = path.resolve(options.workDir);

  const terraform = findTerraform();
  if (terraform === undefined) {
    console.error(banner(["FAILED: terraform is not on PATH (or TF_CHECK_TERRAFORM is wrong).", "The emulator apply never skips: install Terraform 1.11.4."]));
    return 1;
  }

  return withDirLock(path.join(workDir, ".run.lock"), async () => {
    fs.mkdirSync(workDir, { recursive: true });
    fs.rmSync(path.join(workDir, "logs"), { recursive: true, force: true });
    fs.mkdirSync(path.join(workDir, "logs"), { recursive: true });

    let sources: StackSource[] = [];
    if (options.out !== undefined) {
      const out = path.resolve(options.out);
      sources = stackSources(path.basename(out), out, options.environmentsDir === undefined ? undefined : path.resolve(options.environmentsDir));
    } else {
      for (const { dir } of environmentFolders(PROJECT_ROOT)) {
        // The app label: `environments`, or `examples/<name>` for an example's folder.
        const app = dir === "environments" ? dir : dir.replace(/\/environments$/, "");
        const folder = path.join(PROJECT_ROOT, dir);
        const outDir = path.join(workDir, "synth", app.replace(/[^A-Za-z0-9._-]+/g, "_"));
        const { durationMs } = await synthesizeApp(outDir, { environmentsDir: folder });
        console.log(`synthesized ${app} (WHCSITES_ENVIRONMENTS_DIR=${dir}) into ${path.relative(PROJECT_ROOT, outDir)} in ${durationMs} ms`);
        sources.push(...stackSources(app, outDir, folder));
      }
    }
    // The stacks the operator's command deploys: given ones must exist; the default must too, unless --stack left it out.
    const named = (s: StackSource, name: string): boolean => s.stack === name || `${s.app}/${s.stack}` === name;
    const cdktfNames = options.cdktfStack ?? (options.out === undefined ? [DEFAULT_CDKTF_STACK] : []);
    const unknownCdktf = cdktfNames.filter((name) => !sources.some((s) => named(s, name)));
    if (unknownCdktf.length > 0) {
      console.error(`test-apply: --cdktf-stack ${unknownCdktf.join(", ")}: no such stack${options.cdktfStack === undefined ? " (the default)" : ""}; found: ${sources.map((s) => `${s.app}/${s.stack}`).join(", ")}`);
      return 2;
    }
    if (options.stack !== undefined) {
      const wanted = new Set(options.stack);
      const unknown = options.stack.filter((s) => !sources.some((x) => x.stack === s || `${x.app}/${x.stack}` === s));
      if (unknown.length > 0) {
        console.error(`test-apply: --stack ${unknown.join(", ")}: no such stack; found: ${sources.map((s) => `${s.app}/${s.stack}`).join(", ")}`);
        return 2;
      }
      sources = sources.filter((s) => wanted.has(s.stack) || wanted.has(`${s.app}/${s.stack}`));
    }
    if (sources.length === 0) {
      console.error("test-apply: no stacks to apply");
      return 1;
    }
    const cdktfStacks = new Set(sources.filter((s) => cdktfNames.some((name) => named(s, name))).map((s) => `${s.app}/${s.stack}`));

    // The project's CLI configuration as it is: hashicorp/aws linked from the offline mirror, no shared plugin cache
    // (check-stacks.ts explains why), so inits need no turn-taking.
    const cliConfig = fs.readFileSync(CLI_CONFIG_TEMPLATE, "utf8");
    assertNoPluginCache(cliConfig, CLI_CONFIG_TEMPLATE);
    const cliConfigPath = path.join(workDir, "cli.tfrc");
    fs.writeFileSync(cliConfigPath, cliConfig);

    const emulatorLog = path.join(workDir, "logs", "emulator.log");
    // Every AWS request of every stack and phase (scripts/emulator/request_recorder.py), told apart by access key.
    const requestsFile = path.join(workDir, "logs", "requests.jsonl");
    const callerKeys = new CallerKeys();
    let emulator: Emulator;
    try {
      emulator = await startEmulator({ logFile: emulatorLog, recordFile: requestsFile });
    } catch (error) {
      if (error instanceof EmulatorUnavailableError) {
        console.error(banner(["FAILED: the AWS API emulator could not start; nothing was applied.", "The emulator apply never skips: moto 5.2.1 must be importable by python3", "(or by WHCSITES_EMULATOR_PYTHON)."]));
        console.error(error.message);
        return 1;
      }
      throw error;
    }

    const controller = new AbortController();
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled !== undefined) {
        // A second signal: no more waiting for Terraform to stop cleanly.
        console.error(`\ntest-apply: ${signal} again: killing everything now`);
        process.exit(signal === "SIGTERM" ? 143 : 130);
      }
      signalled = signal;
      console.error(`\ntest-apply: ${signal}: stopping Terraform and the emulator (again to quit at once)`);
      controller.abort(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    let results: StackApplyResult[] = [];
    let requests: RequestStats | undefined;
    let recording: RecordingStats | undefined;
    try {
      console.log(`emulator: moto ${emulator.motoVersion} on ${emulator.endpoint} (pid ${emulator.pid}); ${emulator.patches.length} gap fill(s): ${emulator.patches.join("; ")}`);
      console.log(`working copies: ${ADAPTATIONS.length} adaptation(s), listed in scripts/lib/emulator/adaptations.ts; allowlist: ${EMULATOR_ALLOWLIST.length} entr(ies) in scripts/lib/emulator/allowlist.ts`);
      console.log(`applying ${sources.length} stack(s), ${options.concurrency} at a time: ${sources.map((s) => `${s.app}/${s.stack}`).join(", ")}`);
      const cdktfVersion = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "cdktf-cli", "package.json"), "utf8")) as { version: string }).version;
      console.log(`deployed with cdktf deploy and destroyed with cdktf destroy (cdktf-cli ${cdktfVersion}): ${[...cdktfStacks].join(", ") || "none"}; every other stack with terraform apply and destroy`);
      results = await applyStacks({
        stacks: sources,
        workDir,
        emulator,
        terraform,
        cliConfigPath,
        projectRoot: PROJECT_ROOT,
        allowlist: EMULATOR_ALLOWLIST,
        concurrency: options.concurrency,
        migrationExitCode: options.migrationExitCode,
        gateFailureCheck: options.failedMigration,
        findInState: options.findInState,
        log: (line) => console.log(line),
        signal: controller.signal,
        startedAt,
        callerKey: (stackId, phase) => callerKeys.keyFor(stackId, phase),
        cdktf: { stacks: cdktfStacks, bin: cdktfBin(PROJECT_ROOT) },
      });
      requests = await emulator.requestStats().catch(() => undefined);
      recording = await emulator.recordingStats().catch(() => undefined);
    } finally {
      await emulator.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }

    fs.writeFileSync(path.join(workDir, "logs", "callers.json"), `${JSON.stringify(Object.fromEntries(callerKeys.entries()), null, 2)}\n`);
    console.log(`\nrequests recorded: ${recording?.recorded ?? "?"} (${recording?.unresolved ?? "?"} whose operation could not be resolved) in ${path.relative(process.cwd(), requestsFile)}`);
    fs.writeFileSync(path.join(workDir, "summary.json"), `${JSON.stringify({ startedAt: new Date(startedAt).toISOString(), totalMs: Date.now() - startedAt, results }, null, 2)}\n`);
    console.log(`\n${summary(results).join("\n")}`);
    const throughCdktf = cdktfSummary(results);
    if (throughCdktf.length > 0) console.log(`\n${throughCdktf.join("\n")}`);
    for (const r of results) {
      for (const p of r.phases.filter((x) => !x.ok)) console.error(`\n[${r.id}] ${p.name} FAILED: ${p.detail ?? ""}`);
    }
    const artifacts = new Map<string, number>();
    for (const d of results.flatMap((r) => r.secondPlan.flatMap((c) => c.diffs))) if (d.allowedBy !== undefined) artifacts.set(d.allowedBy, (artifacts.get(d.allowedBy) ?? 0) + 1);
    if (artifacts.size > 0) console.log(`\nallowlisted emulator artifacts in the second plans: ${[...artifacts].map(([id, n]) => `${id} x${n}`).join(", ")}`);
    const findings = results.flatMap((r) => r.stateFindings.filter((f) => f.places.length > 0).map((f) => `  ${r.id}: ${f.what}: ${f.places.join(", ")}`));
    const searched = results.reduce((n, r) => n + r.stateFindings.length, 0);
    if (findings.length > 0) console.log(`\nvalues found in the state after apply (no secret may be there; reported, not failing yet):\n${findings.join("\n")}`);
    else console.log(`\nstate search (no secret in the state): none of ${searched} secret value(s) written to the emulator is in a state after apply`);
    for (const line of requestReport(requests)) console.log(line);
    console.log(`\nfull logs: ${path.relative(process.cwd(), path.join(workDir, "logs")) || "."} (one folder per stack: <n>-<phase>.log, migrations.log; emulator.log)`);
    // The permission recording of each stack: every AWS call, in IAM's terms, against the committed one. Not for
    // `--out` (fixtures and other outputs have no committed recording).
    let recordingsOk = true;
    if (options.out === undefined) {
      const built = await buildRecordings(
        readRequests(requestsFile),
        (key) => callerKeys.callerOf(key),
        (stackId, request) => ({ account: request.account, hostedZones: new Map((results.find((r) => r.id === stackId)?.hostedZones ?? []).map((z) => [z.emulatorZoneId, z.hostedZoneId])) }),
      );
      const settled = settleRecordings({ stacks: results, recordings: built.recordings, update: options.updatePermissions, allStacks: options.stack === undefined });
      console.log(`\npermission recordings (permissions/; ${built.harnessRequests} request(s) of the harness itself not recorded):\n${settled.lines.join("\n")}`);
      if (built.unmapped.length > 0) {
        console.error(`\n${built.unmapped.length} request(s) could not be put in IAM terms, so the recordings are incomplete:\n${built.unmapped.map((u) => `  ${u}`).join("\n")}`);
      }
      if (!settled.ok) console.error(`\ntest:apply: a committed permission recording is stale: review the calls above, then run \`${UPDATE_PERMISSIONS_COMMAND}\` and commit permissions/`);
      recordingsOk = settled.ok && built.unmapped.length === 0;
    }
    const passed = results.filter((r) => r.ok).length;
    const viaCdktf = results.filter((r) => r.cdktf !== undefined).map((r) => `${r.id} ${r.ok ? "ok" : "FAILED"}`);
    console.log(`test:apply: ${passed}/${results.length} stack(s) applied, planned again with no change, and destroyed; total ${((Date.now() - startedAt) / 1000).toFixed(1)} s; deployed with cdktf deploy/destroy: ${viaCdktf.join(", ") || "none"}`);
    if (signalled !== undefined) return signalled === "SIGTERM" ? 143 : 130;
    return passed === results.length && recordingsOk ? 0 : 1;
  });
}

runMain("test-apply could not run", main);
