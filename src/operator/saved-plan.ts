/**
 * The saved production plan: planned before the approval with the read-only state role, applied after it, exactly,
 * with the read-write one (docs/delivery.md, "The saved production plan").
 *
 * Terraform stores the backend configuration in a saved plan and uses it at `terraform apply <plan>`, so a plan made
 * with one state role cannot be applied with another by overriding the backend then. Both jobs therefore configure
 * the backend identically (the synthesized S3 backend, with `profile = "whcsites-state"` instead of `assume_role`,
 * through `backend_override.tf.json`), and the profile, in a config file of each job's own, resolves to the read-only
 * role when planning and to the read-write role when applying. Measured with Terraform 1.11.4 against the emulator:
 * `npm run test:apply` (scripts/lib/emulator/apply.ts, the saved-plan phase) shows which role each state call used.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The AWS profile name both production jobs give the backend. */
export const STATE_PROFILE = "whcsites-state";

/** Where a stack folder keeps the profile's config file (give it to Terraform as AWS_CONFIG_FILE). */
export function stateProfileConfigFile(dir: string): string {
  return path.join(dir, ".terraform", `${STATE_PROFILE}.aws-config`);
}

/** The read-only state role of the state stack (`whcsites-tfstate-<env>-read`) beside the read-write one the backend names. */
export function readOnlyStateRoleArn(readWriteRoleArn: string): string {
  return `${readWriteRoleArn}-read`;
}

/** What Terraform printed and how it ended. */
export interface TerraformRun {
  readonly code: number | null;
  /** Standard output and error, as printed. */
  readonly output: string;
  /** Standard output alone. */
  readonly stdout: string;
}

/** Runs terraform in a folder with extra environment variables; streams its output (unless quiet) and returns it. */
export type TerraformRunner = (args: readonly string[], options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly quiet?: boolean }) => Promise<TerraformRun>;

/** The default runner: `terraform` from PATH (or TF_CHECK_TERRAFORM), its output passed through to this process's standard error. */
export const runTerraform: TerraformRunner = (args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.env.TF_CHECK_TERRAFORM || "terraform", [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      stdout += chunk.toString("utf8");
      // Terraform's own output goes to standard error: standard output carries the script's key=value lines.
      if (options.quiet !== true) process.stderr.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      process.stderr.write(chunk);
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output, stdout }));
  });

/** Options shared by {@link planToFile} and {@link applyPlanFile}. */
export interface SavedPlanOptions {
  /** The synthesized stack folder (holding cdk.tf.json). */
  readonly dir: string;
  /** The state role the profile assumes. */
  readonly stateRoleArn: string;
  /** Settings merged into the backend besides the synthesized ones (the emulator's endpoint settings). @default none */
  readonly backendSettings?: Readonly<Record<string, unknown>>;
  /** How terraform runs. @default {@link runTerraform} */
  readonly terraform?: TerraformRunner;
  /** The role session name, which CloudTrail shows. @default whcsites-<what> */
  readonly sessionName?: string;
}

/**
 * Writes the backend override (the synthesized S3 backend, `profile` instead of `assume_role`) and the profile's config
 * file, and returns the environment Terraform needs (AWS_CONFIG_FILE).
 *
 * @throws Error when the folder holds no synthesized stack with an S3 backend
 */
export function prepareStateProfile(options: SavedPlanOptions, what: string): Record<string, string> {
  const stackFile = path.join(options.dir, "cdk.tf.json");
  if (!fs.existsSync(stackFile)) throw new Error(`${options.dir}: no cdk.tf.json; run npm run synth first`);
  const backend = (JSON.parse(fs.readFileSync(stackFile, "utf8")) as { terraform?: { backend?: { s3?: Record<string, unknown> } } }).terraform?.backend?.s3;
  if (backend === undefined) throw new Error(`${stackFile}: no S3 backend; a saved plan is for the environment stacks`);
  // Everything but how to get credentials: those come from the profile.
  const kept = Object.fromEntries(Object.entries(backend).filter(([key]) => !["assume_role", "role_arn", "profile"].includes(key)));
  fs.writeFileSync(
    path.join(options.dir, "backend_override.tf.json"),
    `${JSON.stringify({ terraform: { backend: { s3: { ...kept, ...options.backendSettings, profile: STATE_PROFILE } } } }, null, 2)}\n`,
  );
  const configFile = stateProfileConfigFile(options.dir);
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  // credential_source = Environment: the job's own credentials (the GitHub role) assume the state role.
  fs.writeFileSync(
    configFile,
    [`[profile ${STATE_PROFILE}]`, `role_arn = ${options.stateRoleArn}`, "credential_source = Environment", `role_session_name = ${options.sessionName ?? `whcsites-${what}`}`, ""].join("\n"),
  );
  return { AWS_CONFIG_FILE: configFile, TF_IN_AUTOMATION: "1" };
}

/** The sha256 of a file, hex. */
export function sha256Of(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Thrown when a step fails; the message is the one line to show. */
export class SavedPlanError extends Error {
  public constructor(
    message: string,
    /** The process exit code: 1 a Terraform failure, 4 a stale plan, 2 bad input. */
    public readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * Plans with the read-only state role: no lock, no refresh (docs/delivery.md: the plan role reads no AWS resource),
 * into `planFile`, and writes `terraform show -json` of it beside it (`<planFile>.json`).
 */
export async function planToFile(options: SavedPlanOptions & { readonly planFile: string }): Promise<{ readonly sha256: string; readonly jsonFile: string }> {
  const terraform = options.terraform ?? runTerraform;
  const env = prepareStateProfile(options, "plan");
  const step = async (what: string, args: string[]): Promise<TerraformRun> => {
    const run = await terraform(args, { cwd: options.dir, env });
    if (run.code !== 0) throw new SavedPlanError(`release-plan: terraform ${what} failed (exit ${run.code}); nothing was planned`, 1);
    return run;
  };
  await step("init", ["init", "-input=false", "-reconfigure", "-no-color"]);
  const planFile = path.resolve(options.planFile);
  await step("plan", ["plan", "-input=false", "-lock=false", "-refresh=false", "-no-color", `-out=${planFile}`]);
  const shown = await terraform(["show", "-json", planFile], { cwd: options.dir, env, quiet: true });
  if (shown.code !== 0) throw new SavedPlanError("release-plan: terraform show -json failed", 1);
  const jsonFile = `${planFile}.json`;
  fs.writeFileSync(jsonFile, shown.stdout);
  return { sha256: sha256Of(planFile), jsonFile };
}

/**
 * Applies exactly `planFile` with the read-write state role. Refuses a file whose sha256 is not `expectedSha256`; a
 * plan made before another apply changed the state fails with one clear line (exit 4), and nothing is applied.
 */
export async function applyPlanFile(options: SavedPlanOptions & { readonly planFile: string; readonly expectedSha256?: string; readonly stack: string }): Promise<void> {
  const terraform = options.terraform ?? runTerraform;
  const planFile = path.resolve(options.planFile);
  if (!fs.existsSync(planFile)) throw new SavedPlanError(`apply-plan: --plan ${options.planFile} does not exist`, 2);
  const actual = sha256Of(planFile);
  if (options.expectedSha256 !== undefined && actual !== options.expectedSha256) {
    throw new SavedPlanError(`apply-plan: --plan ${options.planFile} has sha256 ${actual}, not the reviewed plan's ${options.expectedSha256}; nothing was applied`, 2);
  }
  const env = prepareStateProfile(options, "apply");
  const init = await terraform(["init", "-input=false", "-reconfigure", "-no-color"], { cwd: options.dir, env });
  if (init.code !== 0) throw new SavedPlanError("apply-plan: terraform init failed; nothing was applied", 1);
  const apply = await terraform(["apply", "-input=false", "-no-color", planFile], { cwd: options.dir, env });
  if (apply.code === 0) return;
  if (/Saved plan is stale/.test(apply.output)) {
    throw new SavedPlanError(
      `apply-plan: the state of ${options.stack} changed after this plan was made (another deploy applied in between), so the reviewed plan no longer describes what would change; nothing was applied. Plan again and review the new plan: re-run the deploy workflow (or npm run release-plan).`,
      4,
    );
  }
  throw new SavedPlanError(`apply-plan: terraform apply of ${options.planFile} failed (exit ${apply.code}); see its output above`, 1);
}
