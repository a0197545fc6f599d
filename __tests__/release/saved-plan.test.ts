import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyPlanFile, planToFile, readOnlyStateRoleArn, SavedPlanError, stateProfileConfigFile, TerraformRunner } from "../../src/operator/saved-plan";

const RW = "arn:aws:iam::123456789012:role/whcsites-tfstate-production";
const BACKEND = {
  bucket: "whcsites-tfstate-123456789012-eu-west-1",
  key: "whcsites/production/terraform.tfstate",
  region: "eu-west-1",
  encrypt: true,
  kms_key_id: "arn:aws:kms:eu-west-1:123456789012:alias/whcsites-tfstate",
  dynamodb_table: "whcsites-tfstate-lock",
  use_lockfile: true,
  assume_role: { role_arn: RW },
};

const createdFolders: string[] = [];
afterAll(() => createdFolders.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function stackFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-saved-plan-"));
  createdFolders.push(dir);
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify({ terraform: { backend: { s3: BACKEND } } }));
  return dir;
}

/** A terraform that records its calls and answers from `answers` by subcommand. */
function fakeTerraform(answers: Record<string, { code: number; output?: string; stdout?: string }>, calls: Array<{ args: readonly string[]; env: Readonly<Record<string, string>> }>): TerraformRunner {
  return async (args, options) => {
    calls.push({ args, env: options.env });
    if (args[0] === "plan") fs.writeFileSync((args.find((a) => a.startsWith("-out=")) as string).slice(5), "a plan");
    const answer = answers[args[0]] ?? { code: 0 };
    return { code: answer.code, output: answer.output ?? "", stdout: answer.stdout ?? "" };
  };
}

describe("the saved production plan", () => {
  test("GIVEN a production stack WHEN planned THEN the backend is the synthesized one with a profile instead of assume_role, the profile the read-only role, unlocked and unrefreshed", async () => {
    const dir = stackFolder();
    const calls: Array<{ args: readonly string[]; env: Readonly<Record<string, string>> }> = [];
    const planned = await planToFile({ dir, planFile: path.join(dir, "plan.tfplan"), stateRoleArn: readOnlyStateRoleArn(RW), terraform: fakeTerraform({ show: { code: 0, stdout: '{"format_version":"1.2"}' } }, calls) });
    const kept = Object.fromEntries(Object.entries(BACKEND).filter(([key]) => key !== "assume_role"));
    expect(JSON.parse(fs.readFileSync(path.join(dir, "backend_override.tf.json"), "utf8"))).toEqual({ terraform: { backend: { s3: { ...kept, profile: "whcsites-state" } } } });
    expect(fs.readFileSync(stateProfileConfigFile(dir), "utf8")).toBe(
      `[profile whcsites-state]\nrole_arn = ${RW}-read\ncredential_source = Environment\nrole_session_name = whcsites-plan\n`,
    );
    expect(calls.map((c) => c.args.slice(0, 5).join(" "))).toEqual(["init -input=false -reconfigure -no-color", "plan -input=false -lock=false -refresh=false -no-color", `show -json ${path.join(dir, "plan.tfplan")}`]);
    expect(calls.every((c) => c.env.AWS_CONFIG_FILE === stateProfileConfigFile(dir))).toBe(true);
    expect(planned.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(planned.jsonFile, "utf8")).toBe('{"format_version":"1.2"}');
  });

  test("GIVEN the reviewed plan WHEN applied THEN the same backend, the read-write role, and exactly that file", async () => {
    const dir = stackFolder();
    fs.writeFileSync(path.join(dir, "plan.tfplan"), "a plan");
    const calls: Array<{ args: readonly string[]; env: Readonly<Record<string, string>> }> = [];
    const sha = "c1e6f8c7e0d9e10a9dfc0b2d0e7b8f7b3c8b0f1e7a4a6c2e3d2f9b1c1a0d9e8f";
    const actual = createHash("sha256").update("a plan").digest("hex");
    await expect(applyPlanFile({ dir, stack: "whcsites-production", planFile: path.join(dir, "plan.tfplan"), expectedSha256: sha, stateRoleArn: RW, terraform: fakeTerraform({}, calls) })).rejects.toThrow(
      `apply-plan: --plan ${path.join(dir, "plan.tfplan")} has sha256 ${actual}, not the reviewed plan's ${sha}; nothing was applied`,
    );
    expect(calls).toEqual([]);
    await applyPlanFile({ dir, stack: "whcsites-production", planFile: path.join(dir, "plan.tfplan"), expectedSha256: actual, stateRoleArn: RW, terraform: fakeTerraform({}, calls) });
    expect(calls.map((c) => c.args.join(" "))).toEqual(["init -input=false -reconfigure -no-color", `apply -input=false -no-color ${path.join(dir, "plan.tfplan")}`]);
    expect(fs.readFileSync(stateProfileConfigFile(dir), "utf8")).toContain(`role_arn = ${RW}\n`);
  });

  test("GIVEN Terraform says the saved plan is stale WHEN applied THEN one clear line and exit code 4", async () => {
    const dir = stackFolder();
    fs.writeFileSync(path.join(dir, "plan.tfplan"), "a plan");
    const stale = fakeTerraform({ apply: { code: 1, output: "Error: Saved plan is stale\n\nThe given plan file can no longer be applied because the state was changed by\nanother operation after the plan was created." } }, []);
    const error = await applyPlanFile({ dir, stack: "whcsites-production", planFile: path.join(dir, "plan.tfplan"), stateRoleArn: RW, terraform: stale }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SavedPlanError);
    expect((error as SavedPlanError).exitCode).toBe(4);
    expect((error as SavedPlanError).message).toBe(
      "apply-plan: the state of whcsites-production changed after this plan was made (another deploy applied in between), so the reviewed plan no longer describes what would change; nothing was applied. Plan again and review the new plan: re-run the deploy workflow (or npm run release-plan).",
    );
  });
});
