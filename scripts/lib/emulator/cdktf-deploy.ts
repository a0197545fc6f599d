/**
 * The operator's own command in the emulator apply: `cdktf deploy <stack> --skip-synth --auto-approve` and
 * `cdktf destroy`, run by the real cdktf CLI (cdktf-cli 0.21.0, node_modules/.bin/cdktf) instead of `terraform apply`
 * and `terraform destroy` for the stacks chosen (`npm run emulator-apply -- --cdktf-stack`).
 *
 * cdktf's CLI with `--skip-synth` reads `<output>/manifest.json` from the folder it runs in and runs Terraform in each
 * stack's `workingDirectory` (`cdktf.out/stacks/<stack>`): `terraform init` (with `terraform providers lock` first when
 * the folder has no lock file), `terraform apply` with each `--var`, then `terraform output -json` for
 * `--outputs-file`. So the harness lays out a project folder like the repository's around the stack's adapted working
 * copy, and every other phase of that stack runs Terraform in the same folder, on the same local state.
 *
 * Only the layout, the command lines, the environment and the check of the outputs file live here; applyStacks
 * (apply.ts) runs them. Nothing here touches cdktf's internals: the CLI is run as an operator runs it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The cdktf CLI of the project's own toolchain (cdktf-cli, a devDependency). */
export function cdktfBin(projectRoot: string): string {
  return path.join(projectRoot, "node_modules", ".bin", "cdktf");
}

/**
 * What the project folder takes from the repository, as links: the deploy gate runs
 * `node --require ./scripts/register-ts.cjs scripts/migrate.ts` from its `working_dir`, `../../..` of
 * `cdktf.out/stacks/<stack>`, which is the project folder. Node resolves the link, so the runner's own imports
 * (src/, node_modules/) come from the repository.
 */
export const PROJECT_LINKS: readonly string[] = ["scripts"];

/** A project folder for one stack, as `cdktf deploy` finds it. */
export interface CdktfProject {
  /** The folder the CLI runs in (holds cdktf.json and cdktf.out). */
  readonly root: string;
  /** Stack name. */
  readonly stack: string;
  /** `<root>/cdktf.out`. */
  readonly outDir: string;
  /** `<root>/cdktf.out/manifest.json`. */
  readonly manifest: string;
  /**
   * `<root>/cdktf.out/stacks/<stack>`: where cdktf runs Terraform, so the stack's working copy (cdk.tf.json, the
   * local state, .terraform) for every phase.
   */
  readonly stackDir: string;
  /** `<root>/outputs.json`: what `--outputs-file` writes. */
  readonly outputsFile: string;
}

/** The paths of a project folder at `root` for `stack` (nothing is written). */
export function cdktfProject(root: string, stack: string): CdktfProject {
  const outDir = path.join(root, "cdktf.out");
  return {
    root,
    stack,
    outDir,
    manifest: path.join(outDir, "manifest.json"),
    stackDir: path.join(outDir, "stacks", stack),
    outputsFile: path.join(root, "outputs.json"),
  };
}

/** The manifest entry of one stack, as `cdktf synth` writes it (the fields `--skip-synth` reads). */
export interface ManifestStack {
  readonly name: string;
  readonly constructPath: string;
  readonly synthesizedStackPath: string;
  readonly workingDirectory: string;
  readonly annotations: readonly unknown[];
  readonly dependencies: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * The manifest of the project folder: the stack's entry of the synthesized manifest (`<synthesized out>/manifest.json`)
 * when there is one, otherwise the entry `cdktf synth` would write for a stack of that name (fixtures have no manifest).
 * Only this stack: its dependencies, if any, must then be none (cdktf refuses to deploy a stack without them).
 */
export function manifestFor(stack: string, synthesizedManifest: string | undefined): { readonly version: string; readonly stacks: Record<string, ManifestStack> } {
  const standard: ManifestStack = {
    name: stack,
    constructPath: stack,
    synthesizedStackPath: `stacks/${stack}/cdk.tf.json`,
    workingDirectory: `stacks/${stack}`,
    annotations: [],
    dependencies: [],
  };
  if (synthesizedManifest === undefined || !fs.existsSync(synthesizedManifest)) return { version: "0.21.0", stacks: { [stack]: standard } };
  const parsed = JSON.parse(fs.readFileSync(synthesizedManifest, "utf8")) as { version?: string; stacks?: Record<string, ManifestStack> };
  const entry = parsed.stacks?.[stack];
  if (entry === undefined) throw new Error(`${synthesizedManifest} has no stack ${stack}; found: ${Object.keys(parsed.stacks ?? {}).join(", ") || "none"}`);
  if (entry.dependencies.length > 0) {
    throw new Error(`${stack} depends on ${entry.dependencies.join(", ")} in ${synthesizedManifest}: cdktf deploy of it alone needs those stacks too`);
  }
  return { version: parsed.version ?? "0.21.0", stacks: { [stack]: { ...entry, synthesizedStackPath: standard.synthesizedStackPath, workingDirectory: standard.workingDirectory } } };
}

/** Options of {@link layOutProject}. */
export interface LayOutOptions {
  /** The repository: its cdktf.json is copied, and {@link PROJECT_LINKS} point into it. */
  readonly projectRoot: string;
  /** The synthesized `manifest.json` the stack came from, when there is one. */
  readonly synthesizedManifest?: string;
}

/**
 * Writes the project folder around a stack: the repository's cdktf.json (the CLI reads it; with `--skip-synth` its
 * `app` never runs), `cdktf.out/manifest.json` (see {@link manifestFor}) and the links of {@link PROJECT_LINKS}. The
 * stack's `cdk.tf.json` is the caller's to write (the adapted working copy). Returns one line per thing written.
 */
export function layOutProject(project: CdktfProject, options: LayOutOptions): string[] {
  fs.mkdirSync(project.stackDir, { recursive: true });
  fs.copyFileSync(path.join(options.projectRoot, "cdktf.json"), path.join(project.root, "cdktf.json"));
  fs.writeFileSync(project.manifest, `${JSON.stringify(manifestFor(project.stack, options.synthesizedManifest), null, 2)}\n`);
  const lines = [
    `cdktf project ${project.root}: cdktf.json (the repository's), cdktf.out/manifest.json (${options.synthesizedManifest !== undefined && fs.existsSync(options.synthesizedManifest) ? `${project.stack} of ${options.synthesizedManifest}` : "written for the stack"}), cdktf.out/stacks/${project.stack}/cdk.tf.json (the adapted working copy)`,
  ];
  for (const link of PROJECT_LINKS) {
    fs.symlinkSync(path.join(options.projectRoot, link), path.join(project.root, link));
    lines.push(`link ${link} -> ${path.join(options.projectRoot, link)}`);
  }
  return lines;
}

/** Options of {@link cdktfArgs}. */
export interface CdktfArgsOptions {
  readonly stack: string;
  /** `name=value` for each `--var`. @default none */
  readonly vars?: readonly string[];
  /** Where `deploy` writes the stack's outputs (`--outputs-file`). @default none */
  readonly outputsFile?: string;
}

/**
 * The command line after `cdktf`: the operator's `cdktf deploy <stack> --skip-synth --auto-approve` (or `destroy`),
 * with `--no-color` (the output goes to a log file) and each variable as `--var=<name>=<value>` (one argument, so the
 * CLI's array option cannot take the next argument as another value).
 */
export function cdktfArgs(command: "deploy" | "destroy", options: CdktfArgsOptions): string[] {
  const vars = (options.vars ?? []).map((v) => {
    if (!/^[A-Za-z_][\w-]*=/.test(v)) throw new Error(`--var ${JSON.stringify(v)}: expected <variable name>=<value>`);
    return `--var=${v}`;
  });
  return [
    command,
    options.stack,
    "--skip-synth",
    "--auto-approve",
    "--no-color",
    ...vars,
    ...(command === "deploy" && options.outputsFile !== undefined ? ["--outputs-file", options.outputsFile] : []),
  ];
}

/** The filesystem mirror of a Terraform CLI configuration (`filesystem_mirror { path = "..." }`), if it has one. */
export function filesystemMirror(cliConfig: string): string | undefined {
  const block = /filesystem_mirror\s*\{([^}]*)\}/.exec(cliConfig);
  return block === null ? undefined : /\bpath\s*=\s*"([^"]+)"/.exec(block[1])?.[1];
}

/**
 * The settings cdktf's CLI needs on top of the environment Terraform gets in the harness, each with its reason.
 * docs/testing.md, "The operator's command: cdktf deploy", repeats them.
 */
export function cdktfSettings(options: { readonly mirror: string; readonly terraform: string; readonly home: string }): ReadonlyArray<{ readonly name: string; readonly value: string; readonly reason: string }> {
  return [
    {
      name: "CDKTF_DISABLE_PLUGIN_CACHE_ENV",
      value: "true",
      reason: "otherwise the CLI sets TF_PLUGIN_CACHE_DIR (~/.terraform.d/plugin-cache, created if missing): the harness allows no shared plugin cache (terraform/cli.tfrc)",
    },
    {
      name: "TF_CLI_ARGS_providers_lock",
      value: `-fs-mirror=${options.mirror}`,
      reason:
        "with no .terraform.lock.hcl in the stack folder the CLI runs `terraform providers lock -platform=linux_amd64` after init; " +
        "that command ignores the CLI configuration's mirror and asks registry.terraform.io, which is out of reach here",
    },
    {
      name: "CI",
      value: "true",
      reason: "the CLI's terminal UI (ink) writes each line once instead of redrawing its status lines with cursor codes into the log",
    },
    { name: "TERRAFORM_BINARY_NAME", value: options.terraform, reason: "the same terraform as every other phase (TF_CHECK_TERRAFORM or PATH)" },
    { name: "CDKTF_HOME", value: options.home, reason: "the CLI's own folder (where it would keep a user id) is the run's: the user's ~/.cdktf is neither read nor written" },
  ];
}

/** The environment of a cdktf command: Terraform's environment of the phase plus {@link cdktfSettings}. */
export function cdktfEnvironment(base: NodeJS.ProcessEnv, settings: ReturnType<typeof cdktfSettings>): NodeJS.ProcessEnv {
  // CHECKPOINT_DISABLE (already in Terraform's environment) also turns off the CLI's telemetry.
  return { ...base, ...Object.fromEntries(settings.map((s) => [s.name, s.value])) };
}

/** `terraform output -json`: each output's value and whether it is sensitive. */
export type TerraformOutputs = Readonly<Record<string, { readonly value: unknown; readonly sensitive?: boolean }>>;

/**
 * Where cdktf puts each output of a stack in the outputs file: `//.outputs` of the stack (nested by construct path,
 * leaves naming the Terraform output), or at the top level when the stack has no such metadata (as cdktf does).
 */
export function outputPaths(stackJson: Readonly<Record<string, unknown>>): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  const mapping = ((stackJson["//"] ?? {}) as { outputs?: unknown }).outputs;
  const walk = (value: unknown, at: string[]): void => {
    if (typeof value === "string") paths.set(value, at);
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
  };
  if (mapping !== undefined) walk(mapping, []);
  for (const name of Object.keys((stackJson.output ?? {}) as Record<string, unknown>)) if (!paths.has(name)) paths.set(name, [name]);
  return paths;
}

/**
 * Checks what `cdktf deploy --outputs-file` wrote against the stack's outputs and `terraform output -json` of the same
 * state: every output of the stack, at its construct path, with Terraform's value; a sensitive output never in the file.
 * Returns one line per problem ([] when all is well) and what was checked.
 */
export function checkOutputsFile(stackJson: Readonly<Record<string, unknown>>, outputsFile: unknown, terraformOutputs: TerraformOutputs): { readonly problems: string[]; readonly checked: string[] } {
  const problems: string[] = [];
  const checked: string[] = [];
  const at = (keys: readonly string[]): { found: boolean; value?: unknown } => {
    let value: unknown = outputsFile;
    for (const key of keys) {
      if (value === null || typeof value !== "object" || !(key in value)) return { found: false };
      value = (value as Record<string, unknown>)[key];
    }
    return { found: true, value };
  };
  for (const [name, keys] of outputPaths(stackJson)) {
    const where = keys.join(".");
    const terraform = terraformOutputs[name];
    const inFile = at(keys);
    if (terraform === undefined) {
      problems.push(`output ${name}: not in terraform output -json (was the stack applied?)`);
    } else if (terraform.sensitive === true) {
      if (inFile.found && inFile.value !== undefined) problems.push(`output ${name} is sensitive but the outputs file has it at ${where}`);
      else checked.push(`${name} (sensitive: not written)`);
    } else if (!inFile.found) {
      problems.push(`output ${name}: missing from the outputs file (expected at ${where})`);
    } else if (JSON.stringify(inFile.value) !== JSON.stringify(terraform.value)) {
      problems.push(`output ${name}: the outputs file has ${JSON.stringify(inFile.value)} at ${where}, terraform output has ${JSON.stringify(terraform.value)}`);
    } else {
      checked.push(name);
    }
  }
  return { problems, checked };
}
