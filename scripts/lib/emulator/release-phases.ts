/**
 * Two phases of the emulator apply that deploy a changed environment file against the applied state, as the deploy
 * workflow does:
 *
 * - `resize` (non-production stacks): the first service gets twice its CPU and memory, exactly as a person edits the
 *   file; a real `terraform plan` against the applied state must change no container image and not re-run the deploy
 *   gate. A deploy of an infrastructure change runs the release the file names.
 * - `saved-plan` (production stacks): a new release in the file (another digest) is planned into a file with the
 *   read-only state role and applied, exactly that file, with the read-write one, through an S3 backend in the
 *   emulator (src/operator/saved-plan.ts, as `npm run release-plan` and `npm run apply-plan` do in the workflow). The
 *   emulator's call log shows which role each state call ran as. A copy of the same plan, applied after, must fail as
 *   stale with the clear message.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { applyPlanFile, planToFile, readOnlyStateRoleArn, SavedPlanError, type TerraformRunner } from "../../../src/operator/saved-plan";
import { synthesizeApp } from "../synth/synth";
import type { StackJson } from "../stack/stack-json";
import { runLogged } from "./commands";
import type { Emulator, EmulatorCall } from "./moto";
import type { PlanJson } from "./drift";

/** An environment file as the variants edit it. */
export interface EnvironmentJson {
  image: string;
  services: Record<string, { cpu: number; memoryMiB: number }>;
  [key: string]: unknown;
}

/** `json` with its `terraform` block replaced by `terraform` (the working copy's, or one with a backend). */
export function withTerraformBlock(json: StackJson, terraform: StackJson["terraform"]): StackJson {
  return { ...json, terraform };
}

/**
 * The stack's JSON synthesized from a copy of its environments folder in which `change` edited its file (the other
 * files as they are).
 */
export async function synthesizeVariant(environmentFile: string, stack: string, change: (env: EnvironmentJson) => void): Promise<StackJson> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-variant-"));
  try {
    const folder = path.join(tmp, "environments");
    fs.cpSync(path.dirname(environmentFile), folder, { recursive: true });
    const file = path.join(folder, path.basename(environmentFile));
    const env = JSON.parse(fs.readFileSync(file, "utf8")) as EnvironmentJson;
    change(env);
    fs.writeFileSync(file, `${JSON.stringify(env, null, 2)}\n`);
    await synthesizeApp(path.join(tmp, "out"), { environmentsDir: folder });
    return JSON.parse(fs.readFileSync(path.join(tmp, "out", "stacks", stack, "cdk.tf.json"), "utf8")) as StackJson;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The first service's size doubled, as a resize edits the file. */
export function resize(env: EnvironmentJson): void {
  const [service] = Object.keys(env.services);
  env.services[service].cpu *= 2;
  env.services[service].memoryMiB *= 2;
}

/** The container images of a task definition plan change, before and after. */
function images(definitions: unknown): string[] {
  return typeof definitions === "string" ? (JSON.parse(definitions) as Array<{ image: string }>).map((c) => c.image) : [];
}

/**
 * What the resized plan must show: at least one task definition changes (else nothing was tested), none changes an
 * image, and the deploy gate (which runs the migration) does not change. Returns the problems, and the lines to log.
 */
export function resizeFindings(plan: PlanJson): { problems: string[]; lines: string[] } {
  const problems: string[] = [];
  const lines: string[] = [];
  const changes = plan.resource_changes ?? [];
  const definitions = changes.filter((c) => c.type === "aws_ecs_task_definition" && !c.change.actions.includes("no-op") && !c.change.actions.includes("read"));
  if (definitions.length === 0) problems.push("no task definition changes: the resize did not reach the plan, so it shows nothing");
  for (const d of definitions) {
    const before = images(d.change.before?.container_definitions);
    const after = images(d.change.after?.container_definitions);
    lines.push(`${d.address} ${d.change.actions.join("+")}: images ${before.join(", ")} -> ${after.join(", ")}`);
    if (JSON.stringify(before) !== JSON.stringify(after)) problems.push(`${d.address} changes its image (${before.join(", ")} -> ${after.join(", ")}): a resize would roll the application to another release`);
  }
  for (const gate of changes.filter((c) => c.type === "terraform_data" && c.address.includes("deploy_gate"))) {
    lines.push(`${gate.address}: ${gate.change.actions.join("+")}`);
    if (!gate.change.actions.every((a) => a === "no-op")) problems.push(`${gate.address} would run again (${gate.change.actions.join("+")}): a resize would run the migration`);
  }
  return { problems, lines };
}

/** A TerraformRunner that logs to the phase's log file and returns what it appended (for the stale message). */
export function loggedTerraform(terraform: string, logFile: string, baseEnv: NodeJS.ProcessEnv, signal: AbortSignal | undefined): TerraformRunner {
  return async (args, options) => {
    const before = fs.statSync(logFile).size;
    const run = await runLogged(terraform, args, { cwd: options.cwd, env: { ...baseEnv, ...options.env }, logFile, timeoutMs: 1_800_000, signal, captureStdout: options.quiet === true });
    const appended = fs.readFileSync(logFile, "utf8").slice(before);
    return { code: run.aborted ? null : run.code, output: `${appended}${run.stdout}`, stdout: run.stdout };
  };
}

/** One AWS call with a signature-shaped header (the emulator routes by its service and does not check signatures). */
async function awsCall(endpoint: string, service: string, method: string, pathAndQuery: string, body?: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${endpoint}${pathAndQuery}`, {
    method,
    body,
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=emulator/20260101/eu-west-1/${service}/aws4_request, SignedHeaders=host, Signature=0`, ...headers },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator ${service} ${method} ${pathAndQuery}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** The state backend the saved-plan phase makes in the emulator: its own bucket, lock table and key (names per run). */
export interface EmulatorStateBackend {
  readonly bucket: string;
  readonly table: string;
  readonly kmsKeyArn: string;
  /** Backend settings that replace the synthesized bucket, table and key, and reach the emulator. */
  readonly settings: Record<string, unknown>;
}

/** Creates the bucket, the lock table and a key, and puts `state` at `key`. */
export async function createStateBackend(endpoint: string, name: string, key: string, state: string): Promise<EmulatorStateBackend> {
  const bucket = `harness-state-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63);
  const table = `harness-lock-${name}`.replace(/[^A-Za-z0-9_.-]/g, "-");
  await awsCall(endpoint, "s3", "PUT", `/${bucket}`, '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>');
  await awsCall(endpoint, "dynamodb", "POST", "/", JSON.stringify({ TableName: table, AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }], KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }), {
    "x-amz-target": "DynamoDB_20120810.CreateTable",
    "content-type": "application/x-amz-json-1.0",
  });
  const created = JSON.parse(await awsCall(endpoint, "kms", "POST", "/", JSON.stringify({ Description: "harness state key" }), { "x-amz-target": "TrentService.CreateKey", "content-type": "application/x-amz-json-1.1" })) as { KeyMetadata: { Arn: string } };
  await awsCall(endpoint, "s3", "PUT", `/${bucket}/${key}`, state);
  return {
    bucket,
    table,
    kmsKeyArn: created.KeyMetadata.Arn,
    // use_path_style: a loopback endpoint has no bucket host names.
    settings: { bucket, dynamodb_table: table, kms_key_id: created.KeyMetadata.Arn, use_path_style: true },
  };
}

/** The state calls (the bucket, the lock table) among `calls`, one line each: principal, method, path. */
export function stateCalls(calls: readonly EmulatorCall[], backend: EmulatorStateBackend): EmulatorCall[] {
  return calls.filter((c) => (c.service === "s3" && c.path.startsWith(`/${backend.bucket}`)) || c.service === "dynamodb");
}

/** Whether an S3 or DynamoDB call writes: an S3 put, post or delete, a DynamoDB put, update or delete of an item. */
export function writes(call: EmulatorCall): boolean {
  if (call.service === "dynamodb") return /\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/.test(call.target);
  return ["PUT", "POST", "DELETE"].includes(call.method);
}

/** What the saved-plan phase found. */
export interface SavedPlanFindings {
  readonly problems: string[];
  readonly lines: string[];
  /** The state after the apply, to put back into the working copy. */
  readonly state: string;
}

/**
 * Plans `json` (the new release's stack, adapted, with its synthesized S3 backend) in `<dir>/plan` with the read-only
 * role, applies the plan in `<dir>/apply` with the read-write role, then applies a copy of the same plan, which must
 * be stale. The calls of each step come from the emulator's call log.
 */
export async function savedPlanRun(options: {
  readonly emulator: Emulator;
  readonly dir: string;
  readonly json: StackJson;
  readonly stack: string;
  readonly backend: EmulatorStateBackend;
  readonly terraform: TerraformRunner;
  readonly stateRoleArn: string;
}): Promise<SavedPlanFindings> {
  const problems: string[] = [];
  const lines: string[] = [];
  const readOnly = readOnlyStateRoleArn(options.stateRoleArn);
  const folder = (name: string): string => {
    const dir = path.join(options.dir, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), `${JSON.stringify(options.json, null, 2)}\n`);
    return dir;
  };
  const common = { stateRoleArn: options.stateRoleArn, backendSettings: options.backend.settings, terraform: options.terraform };

  // The plan job: read-only role, no lock.
  const planDir = folder("plan");
  let seq = await options.emulator.lastCallSeq();
  const planFile = path.join(planDir, "plan.tfplan");
  await planToFile({ ...common, dir: planDir, planFile, stateRoleArn: readOnly });
  const planCalls = stateCalls(await options.emulator.callsAfter(seq), options.backend);
  lines.push("plan job (npm run release-plan), state calls:", ...planCalls.map((c) => `  ${c.principal ?? "(base credentials)"} ${c.service} ${c.target || c.method} ${c.path}`));
  if (planCalls.length === 0) problems.push("the plan made no state call: it did not read the state through the backend");
  for (const c of planCalls.filter((x) => x.principal !== readOnly)) problems.push(`the plan's ${c.service} ${c.method} ${c.path} ran as ${c.principal ?? "the base credentials"}, not ${readOnly}`);
  for (const c of planCalls.filter(writes)) problems.push(`the plan wrote state: ${c.service} ${c.target || c.method} ${c.path}`);

  // The artifact, twice: the approved job applies one; the copy stands for a plan reviewed before someone else applied.
  const applyDir = folder("apply");
  fs.copyFileSync(planFile, path.join(applyDir, "plan.tfplan"));
  fs.copyFileSync(planFile, path.join(applyDir, "stale.tfplan"));
  seq = await options.emulator.lastCallSeq();
  await applyPlanFile({ ...common, dir: applyDir, stack: options.stack, planFile: path.join(applyDir, "plan.tfplan") });
  const applyCalls = stateCalls(await options.emulator.callsAfter(seq), options.backend);
  lines.push("apply job (npm run apply-plan), state calls:", ...applyCalls.map((c) => `  ${c.principal ?? "(base credentials)"} ${c.service} ${c.target || c.method} ${c.path}`));
  for (const c of applyCalls.filter((x) => x.principal !== options.stateRoleArn)) problems.push(`the apply's ${c.service} ${c.method} ${c.path} ran as ${c.principal ?? "the base credentials"}, not ${options.stateRoleArn}`);
  if (!applyCalls.some((c) => c.service === "s3" && c.method === "PUT" && !c.path.endsWith(".tflock"))) problems.push("the apply wrote no state object");
  if (!applyCalls.some((c) => c.service === "s3" && c.method === "PUT" && c.path.endsWith(".tflock"))) problems.push("the apply took no S3 lock");

  // A plan made before another apply changed the state: refused, clearly.
  try {
    await applyPlanFile({ ...common, dir: applyDir, stack: options.stack, planFile: path.join(applyDir, "stale.tfplan") });
    problems.push("a stale plan was applied");
  } catch (error) {
    if (!(error instanceof SavedPlanError) || error.exitCode !== 4) problems.push(`a stale plan failed otherwise than as stale: ${(error as Error).message}`);
    else lines.push(`stale plan: ${error.message}`);
  }

  const pulled = await options.terraform(["state", "pull"], { cwd: applyDir, env: { AWS_CONFIG_FILE: path.join(applyDir, ".terraform", "whcsites-state.aws-config") }, quiet: true });
  if (pulled.code !== 0) problems.push("terraform state pull failed after the apply");
  return { problems, lines, state: pulled.stdout };
}
