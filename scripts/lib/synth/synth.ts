/**
 * Synthesizing the app (main.ts) into a chosen directory, for the check and the tests, and the folders of environment
 * files it is synthesized from.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ADDRESSES_DIR } from "../stack/addresses";
import { PROJECT_ROOT } from "../terraform/check-stacks";
import { runCommand } from "../terraform/terraform-cli";

/** The bootstrap stack every app has, whatever its environment folder (src/stacks/state-stack.ts). */
export const STATE_STACK = "whcsites-state";

/** The stack of an environment file: `whcsites-<file name without .json>` (src/stacks/environment-stack.ts). */
export function environmentStack(environment: string): string {
  return `whcsites-${environment}`;
}

/** The GitHub delivery stack of an environment file with `delivery` (src/stacks/github-stack.ts). */
export function githubStack(environment: string): string {
  return `${environmentStack(environment)}-github`;
}

/** A folder of environment files, synthesized as an app of its own (`WHCSITES_ENVIRONMENTS_DIR`). */
export interface EnvironmentFolder {
  /** Path relative to the project, with forward slashes: `environments`, `examples/multi-service/environments`. */
  readonly name: string;
  /** Absolute path. */
  readonly dir: string;
  /** Environment names: the `*.json` file names without `.json`, schema.json excepted, sorted. */
  readonly environments: readonly string[];
  /** The stacks its app synthesizes: the state stack, one per environment and one per environment with delivery, sorted. */
  readonly stacks: readonly string[];
  /** The environment stacks alone, sorted. */
  readonly environmentStacks: readonly string[];
  /** The GitHub delivery stacks (`whcsites-<env>-github`, for each file with `delivery`), sorted. */
  readonly githubStacks: readonly string[];
  /**
   * Where its committed address lists live: addresses/ for `environments`, addresses/examples/<name>/ for an example
   * (every folder has a `whcsites-state`, so the lists are kept apart by folder).
   */
  readonly addressesDir: string;
}

/** The committed folder of environment files. */
export const COMMITTED_ENVIRONMENTS = "environments";

/** Describe one folder of environment files (it must exist). */
export function environmentFolder(dir: string, root: string = PROJECT_ROOT): EnvironmentFolder {
  const absolute = path.resolve(root, dir);
  const name = path.relative(root, absolute).split(path.sep).join("/");
  const environments = fs
    .readdirSync(absolute)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .map((f) => f.slice(0, -".json".length))
    .sort();
  const environmentStacks = environments.map(environmentStack).sort();
  const delivers = (environment: string): boolean => {
    const file = JSON.parse(fs.readFileSync(path.join(absolute, `${environment}.json`), "utf8")) as Record<string, unknown>;
    return file.delivery !== undefined;
  };
  const githubStacks = environments.filter(delivers).map(githubStack).sort();
  const addressesDir = name === COMMITTED_ENVIRONMENTS ? ADDRESSES_DIR : path.join(ADDRESSES_DIR, path.posix.dirname(name));
  const stacks = [STATE_STACK, ...environmentStacks, ...githubStacks].sort();
  return { name, dir: absolute, environments, stacks, environmentStacks, githubStacks, addressesDir };
}

/** `environments/` and every `examples/<name>/environments/` that exists, in that order. */
export function environmentFolders(root: string = PROJECT_ROOT): EnvironmentFolder[] {
  const folders = [environmentFolder(COMMITTED_ENVIRONMENTS, root)];
  const examples = path.join(root, "examples");
  if (fs.existsSync(examples)) {
    for (const example of fs.readdirSync(examples).sort()) {
      const dir = path.join(examples, example, "environments");
      if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) folders.push(environmentFolder(dir, root));
    }
  }
  return folders;
}

/** Result of {@link synthesizeApp}. */
export interface SynthResult {
  /** The cdktf output dir, holding `stacks/<name>/cdk.tf.json` and `manifest.json`. */
  readonly outDir: string;
  readonly durationMs: number;
}

/** Options of {@link synthesizeApp}. */
export interface SynthOptions {
  /**
   * Folder of environment files (`WHCSITES_ENVIRONMENTS_DIR`).
   * @default environments/ (or WHCSITES_ENVIRONMENTS_DIR when set)
   */
  readonly environmentsDir?: string;
}

/** The app command of cdktf.json as argv, `node` replaced by the running node binary. */
export function appCommand(): string[] {
  const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")) as { app?: string };
  const argv = (config.app ?? "node --require ./scripts/register-ts.cjs main.ts").trim().split(/\s+/);
  return argv[0] === "node" ? [process.execPath, ...argv.slice(1)] : argv;
}

/**
 * Run the app command of cdktf.json (as `npm run synth` does) with `CDKTF_OUTDIR=outDir`. The dir is emptied first
 * so a stack removed from the app does not linger. Throws with the app's output when synthesis fails.
 */
export async function synthesizeApp(outDir: string, options: SynthOptions = {}): Promise<SynthResult> {
  const target = path.resolve(outDir);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // The same command as `npm run synth` and `cdktf synth`: the "app" of cdktf.json, with node as this node.
  const [command, ...args] = appCommand();
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: target };
  if (options.environmentsDir !== undefined) env.WHCSITES_ENVIRONMENTS_DIR = path.resolve(options.environmentsDir);
  const run = await runCommand(command, args, { cwd: PROJECT_ROOT, env, timeoutMs: 300_000 });
  if (run.code !== 0 || !fs.existsSync(path.join(target, "stacks"))) {
    throw new Error(`Synthesis failed (${appCommand().slice(1).join(" ")}, exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n${run.stderr}\n${run.stdout}`.trim());
  }
  return { outDir: target, durationMs: run.durationMs };
}
