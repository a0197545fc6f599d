/**
 * The checks every planned stack must pass, whatever folder of environment files it comes from: registered by
 * app-plan.test.ts for every stack the run planned, and by new-environment.test.ts for an environment added on the fly.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { unexpectedWarnings } from "../../scripts/lib/terraform/allowed-warnings";
import { type StackResult } from "../../scripts/lib/terraform/check-stacks";
import { checkStackContainerDefinitions } from "../../scripts/lib/stack/container-definitions";
import { type StackJson } from "../../scripts/lib/stack/stack-json";
import { findTerraform, formatDiagnostic } from "../../scripts/lib/terraform/terraform-cli";

/** A stack as the checks see it. */
export interface StackSubject {
  readonly result: StackResult;
  readonly synthesized: StackJson;
  /** Its committed address list (undefined: none). */
  readonly committedAddresses: readonly string[] | undefined;
  /** Where that list lives, for the failure message. */
  readonly addressesFile: string;
}

/** Names of the stacks to check, known when the tests are registered. */
export interface StackNames {
  /** Every stack of the folder. */
  readonly stacks: readonly string[];
  /** Its environment stacks (the rest is the state stack). */
  readonly environmentStacks: readonly string[];
}

/**
 * `terraform init` of only the stack's real `terraform.backend` block, with placeholder credentials and no network:
 * Terraform validates the block, then stops when it tries to assume the state role. Gives the combined output.
 */
export function initRealBackend(backend: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-backend-"));
  try {
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { backend } }));
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "placeholder", AWS_SECRET_ACCESS_KEY: "placeholder", AWS_EC2_METADATA_DISABLED: "true", TF_IN_AUTOMATION: "1" };
    const result = spawnSync(findTerraform() as string, ["init", "-input=false", "-no-color"], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
    expect(result.status).not.toBe(0);
    return `${result.stdout}${result.stderr}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Register the per-stack checks under `title`. `subject` is called inside the tests (after the suite's beforeAll), so the
 * plans may be made there.
 */
export function describeStackChecks(title: string, names: StackNames, subject: (stack: string) => StackSubject): void {
  describe(title, () => {
    test.each(names.stacks)("%s plans with 0 errors", (stack) => {
      const { result } = subject(stack);
      expect(result.errors).toEqual([]);
      expect(result.ok).toBe(true);
      expect(fs.existsSync(result.planJsonPath as string)).toBe(true);
    });

    test.each(names.stacks)("%s plans exactly the resources of its committed address list", (stack) => {
      const { result, committedAddresses, addressesFile } = subject(stack);
      expect([addressesFile, committedAddresses !== undefined]).toEqual([addressesFile, true]);
      expect(result.plannedAddresses).toEqual(committedAddresses);
      expect(result.plannedAddresses).toHaveLength((committedAddresses as string[]).length);
      expect(result.resourceCount).toBeGreaterThanOrEqual((committedAddresses as string[]).length);
    });

    test.each(names.stacks)("%s has no warning outside the documented allow-list", (stack) => {
      expect(unexpectedWarnings(subject(stack).result.warnings).map(formatDiagnostic)).toEqual([]);
    });

    if (names.environmentStacks.length === 0) return;

    test.each(names.environmentStacks)("%s: every ephemeral block is planned through a sensitive stand-in (offline there is no API to open it); random_* only when hashicorp/random cannot be installed", (stack) => {
      const { result, synthesized } = subject(stack);
      const ephemeral = Object.entries(synthesized.ephemeral ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `ephemeral.${type}.${name}`));
      const randoms = Object.keys(synthesized.resource ?? {}).filter((t) => t.startsWith("random_"));
      // The environment stacks generate their secrets with ephemeral passwords: there must be some to check.
      expect(ephemeral.length).toBeGreaterThan(0);
      const swapped = result.swappedRandom.filter((s) => s.from.startsWith("ephemeral."));
      expect(swapped.map((s) => s.from).sort()).toEqual(ephemeral.sort());
      expect(swapped.every((s) => s.to.startsWith("terraform_data.") && s.sensitive)).toBe(true);
      if (result.swappedRandom.length > swapped.length) expect(randoms.length).toBeGreaterThan(0);
      // Either way, the synthesized random addresses are planned (through their stand-ins when swapped).
      for (const type of randoms) expect(result.plannedAddresses.some((a) => a.startsWith(`${type}.`))).toBe(true);
    });

    test.each(names.environmentStacks)("%s has task definitions, and each container definition has the ECS ContainerDefinition shape", (stack) => {
      const checks = checkStackContainerDefinitions(subject(stack).synthesized);
      // A stack without task definitions would make the shape check pass vacuously.
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.flatMap((check) => check.problems)).toEqual([]);
    });

    test.each(names.environmentStacks)("%s: Terraform accepts the real S3 backend block (role, KMS key alias, lockfile) and gets as far as assuming the state role", (stack) => {
      // GIVEN the backend block as synthesized
      const backend = (subject(stack).synthesized as StackJson & { terraform: { backend: { s3: Record<string, unknown> } } }).terraform.backend;
      expect(backend.s3).toMatchObject({ encrypt: true, use_lockfile: true, kms_key_id: expect.stringMatching(/^arn:aws:kms:eu-west-1:\d{12}:alias\/whcsites-tfstate$/) });
      // WHEN initialized THEN validation passes and the first failure is the (offline) AssumeRole
      const output = initRealBackend(backend);
      expect(output).toMatch(/Error: Cannot assume IAM Role/);
      expect(output).not.toMatch(/Error: Invalid/);
    });
  });
}
