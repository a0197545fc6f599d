/**
 * The folders of environment files that the repository synthesizes (`environments/` and each
 * `examples/<name>/environments/`), their stacks, and where their generated documents go.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { synthesizeApp } from "./synth";

/** A folder of environment files. */
export interface EnvironmentFolder {
  /** Relative to the repository, with forward slashes (`examples/multi-service/environments`). */
  readonly dir: string;
  /** Stacks of its environment files: `whcsites-<file name>`, sorted (the state stack not included). */
  readonly environmentStacks: readonly string[];
}

/** Stacks of the environment files in `dir`: one per `*.json` but `schema.json`. */
export function environmentStackNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .map((f) => `whcsites-${f.slice(0, -".json".length)}`)
    .sort();
}

/** `environments/` and every `examples/<name>/environments/` of the repository at `root`. */
export function environmentFolders(root: string): EnvironmentFolder[] {
  const examples = path.join(root, "examples");
  const dirs = [
    "environments",
    ...(fs.existsSync(examples) ? fs.readdirSync(examples).sort().map((name) => `examples/${name}/environments`) : []),
  ].filter((dir) => fs.existsSync(path.join(root, dir)));
  return dirs.map((dir) => ({ dir, environmentStacks: environmentStackNames(path.join(root, dir)) }));
}

/**
 * Synthesizes the app for one folder of environment files (as `WHCSITES_ENVIRONMENTS_DIR=<dir> npm run synth` does)
 * into `outDir`, emptied first. Resolves with the outdir holding `stacks/<stack>/cdk.tf.json`.
 */
export async function synthesizeFolder(root: string, dir: string, outDir: string): Promise<string> {
  const previous = process.env.WHCSITES_ENVIRONMENTS_DIR;
  process.env.WHCSITES_ENVIRONMENTS_DIR = path.join(root, dir);
  try {
    return (await synthesizeApp(outDir)).outDir;
  } finally {
    if (previous === undefined) delete process.env.WHCSITES_ENVIRONMENTS_DIR;
    else process.env.WHCSITES_ENVIRONMENTS_DIR = previous;
  }
}
