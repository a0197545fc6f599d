/**
 * Reading a deployed stack's Terraform outputs, shared by the operator tools (`npm run migrate -- --stack`,
 * `npm run verify`): `terraform -chdir=cdktf.out/stacks/<stack> output -json`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

/** Runs a program and returns its standard output; rejects when it cannot start or exits non-zero. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<string>;

const execFileAsync = promisify(execFile);

/** The default {@link CommandRunner}: `execFile`, no shell. */
export const runCommand: CommandRunner = async (file, args) => {
  const { stdout } = await execFileAsync(file, [...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
};

/** Options of {@link readStackOutputs}. */
export interface StackOutputsOptions {
  /** Folder holding `stacks/<stack>` (cdktf's output folder). @default `cdktf.out` in the current directory */
  readonly outDir?: string;
  /** How to run terraform. @default {@link runCommand} */
  readonly run?: CommandRunner;
  /** The terraform executable. @default `terraform` from PATH */
  readonly terraformBin?: string;
}

/** A deployed stack's outputs: output name to value (`null` for a null output). */
export type StackOutputs = Readonly<Record<string, unknown>>;

/**
 * Reads every output of a deployed stack from its Terraform state.
 *
 * @param stack the cdktf stack name, for example `whcsites-staging`
 * @returns the outputs by name, with their values
 * @throws Error with the reason and what to do (synth and init first, install terraform, ...)
 */
export async function readStackOutputs(stack: string, options: StackOutputsOptions = {}): Promise<StackOutputs> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(stack)) {
    throw new Error(`invalid --stack ${JSON.stringify(stack)}: a stack name is letters, digits, "-" and "_" (for example whcsites-staging)`);
  }
  const dir = path.join(options.outDir ?? "cdktf.out", "stacks", stack);
  const run = options.run ?? runCommand;
  if (options.run === undefined && !existsSync(dir)) {
    throw new Error(`stack ${stack}: ${dir} does not exist. Run \`npx cdktf synth\` and \`terraform -chdir=${dir} init\` first.`);
  }
  let stdout: string;
  try {
    stdout = await run(options.terraformBin ?? "terraform", [`-chdir=${dir}`, "output", "-json", "-no-color"]);
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message?: string };
    if (e.code === "ENOENT") throw new Error("terraform was not found on PATH; install Terraform (>= 1.10).");
    const detail = (e.stderr ?? e.message ?? String(error)).trim();
    throw new Error(`stack ${stack}: \`terraform output\` failed (is ${dir} initialised with \`terraform init\`?):\n${detail}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`stack ${stack}: \`terraform output -json\` did not print JSON: ${stdout.slice(0, 200)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`stack ${stack}: \`terraform output -json\` did not print an object: ${stdout.slice(0, 200)}`);
  }
  return Object.fromEntries(Object.entries(parsed as Record<string, { value?: unknown }>).map(([name, output]) => [name, output?.value ?? null]));
}

/**
 * The value of one output, or an error that says the stack lacks it and lists the outputs it has.
 *
 * @throws Error naming the stack, the output and the outputs present (or that there are none: not deployed yet)
 */
export function requireOutput(stack: string, outputs: StackOutputs, name: string): unknown {
  if (name in outputs) return outputs[name];
  const names = Object.keys(outputs);
  throw new Error(
    `stack ${stack}: no "${name}" output in the Terraform state ` +
      (names.length === 0 ? "(no outputs at all: has the stack been deployed?)" : `(outputs: ${names.join(", ")})`),
  );
}
