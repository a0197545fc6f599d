import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { buildApp, BuildAppOptions } from "./app";
import { runByCdktfCli, stoppedSynthesisExitCode } from "./core/cdktf-cli";
import { ConfigError, ConfigWarning } from "./config/environment";
import { formatProblem } from "./config/errors";
import { environmentStackName } from "./stacks/environment-stack";

/** Options of {@link synthesize}. */
export interface SynthesizeOptions extends BuildAppOptions {
  /** Where problems and warnings go. @default process.stderr */
  readonly stderr?: (line: string) => void;
  /** Where the summary goes. @default process.stdout */
  readonly stdout?: (line: string) => void;
  /** Builds the app to synthesize. @default {@link buildApp} */
  readonly build?: (options: BuildAppOptions) => App;
}

interface Manifest {
  readonly stacks: Record<
    string,
    { readonly annotations: ReadonlyArray<{ readonly level: string; readonly message: string }>; readonly synthesizedStackPath: string }
  >;
}

/** What synthesis writes for a stack that could be deployed or reviewed stale: the JSON, and the HCL review copy. */
const STACK_FILES = ["cdk.tf.json", "review.tf"];

/**
 * Removes what synthesis wrote, and only that: `<outdir>/manifest.json` and each `<outdir>/stacks/<stack>/cdk.tf.json`
 * (and a `review.tf` written from it by `npm run review`).
 * An operator's Terraform working files there (`.terraform/`, `.terraform.lock.hcl`, a local state, a saved plan)
 * stay; a stack folder left empty goes.
 */
export function removeSynthesizedJson(outdir: string): void {
  fs.rmSync(path.join(outdir, "manifest.json"), { force: true });
  const stacks = path.join(outdir, "stacks");
  if (!fs.existsSync(stacks)) return;
  for (const stack of fs.readdirSync(stacks, { withFileTypes: true })) {
    if (!stack.isDirectory()) continue;
    const dir = path.join(stacks, stack.name);
    for (const file of STACK_FILES) fs.rmSync(path.join(dir, file), { force: true });
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
  if (fs.readdirSync(stacks).length === 0) fs.rmdirSync(stacks);
}

/**
 * `npm run synth`: validates every environment file, then writes all stacks. Returns the exit code.
 *
 * Exit code 1, one line per problem, and every synthesized stack file removed (so that no stale, half-written or
 * insecure stack can be deployed by mistake) when an environment file is bad, a construct refuses a value, or the
 * policy guard finds a violation in any stack. See {@link removeSynthesizedJson} for what is kept. Under the cdktf CLI
 * the exit code is 0 there, so that the CLI prints each problem once and then fails on the missing manifest.json
 * ({@link stoppedSynthesisExitCode}).
 */
export function synthesize(options: SynthesizeOptions = {}): number {
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stop = (headline: string, lines: readonly string[]): number => {
    removeSynthesizedJson(outdir);
    stderr(`Synthesis stopped: ${headline}. No synthesized stack was left in ${path.join(outdir, "stacks")} (Terraform's .terraform/ and lock files were kept).\n`);
    for (const line of lines) stderr(`  ${line}`);
    return stoppedSynthesisExitCode(outdir, stderr);
  };

  // cdktf throws at the first stack with an error annotation (a policy violation), which would hide the other
  // stacks' violations; synthesize them all (as the cdktf CLI does) and decide below.
  const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  try {
    const warn = options.warn ?? ((w: ConfigWarning) => stderr(`WARNING ${formatProblem(w)}`));
    (options.build ?? buildApp)({ ...options, outdir, warn }).synth();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return stop(`${error.problems.length} problem(s) in the configuration`, error.problems.map((p) => `${p.file}: ${p.field}: ${p.message}`));
  } finally {
    if (previous === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
  }

  // Plain `node main.ts` does not show construct annotations (the cdktf CLI does), so print them here: warnings, and
  // the info annotations, which are the policy guard's acknowledged exceptions (one short line each).
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  const errors: string[] = [];
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    for (const a of stack.annotations) {
      if (a.level === "@cdktf/error") errors.push(`${name}: ${a.message}`);
      else if (runByCdktfCli()) continue;
      else if (a.level === "@cdktf/warn") stderr(`WARNING ${name}: ${a.message}`);
      else if (a.level === "@cdktf/info") stderr(`policy: ${a.message}`);
    }
  }
  if (errors.length > 0) return stop(`${errors.length} policy violation(s)`, errors);
  for (const line of successSummary(outdir, manifest, options.environmentsDir)) stdout(line);
  return 0;
}

const ROOT = path.join(__dirname, "..");

/**
 * Where `npm run diagram` writes the architecture diagram of a stack of the environment files in `environmentsDir`:
 * `docs/architecture/<stack>.md` for the repository's `environments/`, `docs/architecture/<folder>/<stack>.md` for
 * `<folder>/environments` (`examples/multi-service`). Undefined for a folder outside the repository.
 */
export function architectureDiagramPath(environmentsDir: string | undefined, stack: string): string | undefined {
  const folder = path.relative(ROOT, path.resolve(ROOT, environmentsDir ?? "environments"));
  if (folder.startsWith("..") || path.isAbsolute(folder)) return undefined;
  const parent = path.dirname(folder);
  return path.posix.join("docs", "architecture", ...(parent === "." ? [] : parent.split(path.sep)), `${stack}.md`);
}

/**
 * After a successful synthesis: removes a review copy (review.tf, `npm run review`) left in a stack folder, since
 * Terraform would read it beside the new cdk.tf.json; then one line per stack: its resources, its architecture
 * diagram and its cost estimate (what a reviewer reads first).
 */
function successSummary(outdir: string, manifest: Manifest, environmentsDir: string | undefined): string[] {
  const relative = environmentsDir === undefined ? "environments" : path.relative(ROOT, path.resolve(environmentsDir));
  const folder = relative === "environments" ? "" : ` --environments ${relative}`;
  // Diagrams are of the environment stacks (not the state or delivery stacks): one per environment file.
  const folderPath = path.resolve(ROOT, environmentsDir ?? "environments");
  const environmentStacks = new Set(
    fs.readdirSync(folderPath).filter((f) => f.endsWith(".json") && f !== "schema.json").map((f) => environmentStackName(path.basename(f, ".json"))),
  );
  const rows = Object.entries(manifest.stacks).map(([name, stack]) => {
    const file = path.join(outdir, stack.synthesizedStackPath);
    fs.rmSync(path.join(path.dirname(file), "review.tf"), { force: true });
    const resources = Object.values((JSON.parse(fs.readFileSync(file, "utf8")) as { resource?: Record<string, object> }).resource ?? {});
    const count = resources.reduce((sum, byName) => sum + Object.keys(byName).length, 0);
    const diagram = environmentStacks.has(name) ? architectureDiagramPath(environmentsDir, name) : undefined;
    const where = diagram === undefined ? "no diagram" : fs.existsSync(path.join(ROOT, diagram)) ? `diagram ${diagram}` : "diagram: npm run refresh";
    return [name, `${count} resources`, where, `estimate: npm run cost --${folder} --stack ${name}`];
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  return [
    `Synthesized ${rows.length} stacks to ${path.join(outdir, "stacks")} (HCL review copies: npm run review):`,
    ...rows.map((row) => `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join("  ")}`),
  ];
}
