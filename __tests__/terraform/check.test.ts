import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertNoPluginCache, checkStacks, type StackResult } from "../../scripts/lib/terraform/check-stacks";
import { resourceAddresses, type StackJson } from "../../scripts/lib/stack/stack-json";
import { findTerraform, isCi } from "../../scripts/lib/terraform/terraform-cli";
import { hashTree } from "../helpers/hash-tree";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(__dirname, "..", "fixtures", "terraform");

// Real Terraform, never mocked. Without it a developer machine skips loudly; CI fails (checkStacks throws).
const terraformHere = findTerraform() !== undefined;
if (!terraformHere && !isCi()) console.warn("SKIPPED: terraform is not on PATH, so the real-Terraform check tests did not run.");
const describeWithTerraform = terraformHere || isCi() ? describe : describe.skip;


function byStack(results: readonly StackResult[], stack: string): StackResult {
  const result = results.find((r) => r.stack === stack);
  if (result === undefined) throw new Error(`no result for ${stack}`);
  return result;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/tf-check.ts", ...args], { cwd: ROOT, env, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describeWithTerraform("checkStacks on fixture stacks (real terraform, offline)", () => {
  let workDir: string;
  let results: StackResult[];
  let fixturesBefore: string;
  const logged: string[] = [];

  beforeAll(async () => {
    // GIVEN the fixture stacks: a wrong argument on aws_lb, a random_password in use, and one leaking it
    fixturesBefore = hashTree(FIXTURES);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-check-fixtures-"));
    // WHEN the check runs them all in one go
    results = await checkStacks({
      outDir: FIXTURES,
      workDir,
      stacks: ["broken-lb", "random-swap", "random-leak"],
      log: (m) => logged.push(m),
    });
  }, 180_000);

  afterAll(() => {
    if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("an unknown argument on aws_lb fails the check with Terraform's own message", () => {
    // THEN the broken stack fails at plan (which validates first) and names the argument and the resource
    const broken = byStack(results, "broken-lb");
    expect(broken.ok).toBe(false);
    expect(broken.failedStep).toBe("plan");
    expect(broken.planJsonPath).toBeUndefined();
    expect(broken.errors.join("\n")).toMatch(/No argument or block type is named "not_a_real_argument"/);
    expect(broken.errors.join("\n")).toMatch(/resource\.aws_lb\.load_balancer/);
  });

  test("random_password is swapped for a stand-in that is unknown at plan, and the stack plans", () => {
    const swapped = byStack(results, "random-swap");
    // THEN it plans with no error and says what it swapped
    expect(swapped.errors).toEqual([]);
    expect(swapped.ok).toBe(true);
    expect(swapped.swappedRandom).toEqual([
      { from: "random_password.database_master", to: "terraform_data.random_password_database_master", sensitive: true },
    ]);
    expect(logged.join("\n")).toMatch(/random-swap: SWAPPED 1 random_\* resource\(s\).*random_password\.database_master -> terraform_data/);
    // AND the saved plan has the stand-in, its output unknown, and the secret built from it unknown and sensitive
    const plan = JSON.parse(fs.readFileSync(swapped.planJsonPath as string, "utf8"));
    const change = (address: string) => plan.resource_changes.find((c: { address: string }) => c.address === address).change;
    expect(change("terraform_data.random_password_database_master").after_unknown.output).toBe(true);
    expect(change("aws_secretsmanager_secret_version.database_master").after_unknown.secret_string).toBe(true);
    expect(change("aws_secretsmanager_secret_version.database_master").after_sensitive.secret_string).toBe(true);
    // AND the planned addresses map back to the synthesized ones
    const synthesized = JSON.parse(fs.readFileSync(path.join(FIXTURES, "stacks", "random-swap", "cdk.tf.json"), "utf8")) as StackJson;
    expect(swapped.plannedAddresses).toEqual(resourceAddresses(synthesized));
    expect(swapped.resourceCount).toBe(4);
    expect(swapped.warnings).toEqual([]);
  });

  test("the stand-in stays sensitive: an output leaking the password fails as it would with real random", () => {
    const leak = byStack(results, "random-leak");
    expect(leak.swappedRandom).toHaveLength(1);
    expect(leak.ok).toBe(false);
    expect(leak.errors.join("\n")).toMatch(/Output refers to sensitive values/);
  });

  test("the working copies are outside the synthesized output, without backend or account ids; the output is untouched", () => {
    const copy = JSON.parse(fs.readFileSync(path.join(workDir, "random-swap", "cdk.tf.json"), "utf8"));
    expect(copy.terraform.backend).toBeUndefined();
    expect(copy.provider.aws[0].allowed_account_ids).toBeUndefined();
    expect(copy.provider.aws[0].region).toBe("eu-west-1");
    expect(byStack(results, "random-swap").droppedBackend).toBe("s3");
    expect(hashTree(FIXTURES)).toBe(fixturesBefore);
  });

  test("where hashicorp/random can be installed, nothing is swapped", async () => {
    // GIVEN a CLI config whose filesystem mirror also holds a hashicorp/random (a stub binary: installable, not runnable)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-random-mirror-"));
    try {
      const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
      const pkg = path.join(dir, "mirror", "registry.terraform.io", "hashicorp", "random", "3.7.2", platform);
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(path.join(pkg, "terraform-provider-random_v3.7.2_x5"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
      const template = path.join(dir, "cli.tfrc");
      fs.writeFileSync(
        template,
        [
          "provider_installation {",
          '  filesystem_mirror {\n    path = "/opt/tf-plugins"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }',
          `  filesystem_mirror {\n    path = ${JSON.stringify(path.join(dir, "mirror"))}\n    include = ["registry.terraform.io/hashicorp/random"]\n  }`,
          '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/random"]\n  }',
          "}",
        ].join("\n"),
      );

      // AND a stack with a random_password (and nothing of aws, which would only add a provider start)
      const stackDir = path.join(dir, "out", "stacks", "random-only");
      fs.mkdirSync(stackDir, { recursive: true });
      fs.writeFileSync(
        path.join(stackDir, "cdk.tf.json"),
        JSON.stringify({
          terraform: { required_providers: { random: { source: "hashicorp/random", version: "3.7.2" } } },
          resource: { random_password: { database_master: { length: 32, special: false } } },
        }),
      );

      // WHEN the random stack is checked with it
      const [result] = await checkStacks({ outDir: path.join(dir, "out"), workDir: path.join(dir, "work"), cliConfigTemplate: template });

      // THEN init installs random, nothing is swapped, and the working copy keeps random_password as synthesized
      expect(result.swappedRandom).toEqual([]);
      expect(result.failedStep).not.toBe("init");
      const copy = JSON.parse(fs.readFileSync(path.join(dir, "work", "random-only", "cdk.tf.json"), "utf8"));
      expect(copy.resource.random_password.database_master).toEqual({ length: 32, special: false });
      expect(copy.resource.terraform_data).toBeUndefined();
      // (the stub provider cannot run, so plan reports it: the check really used the installed provider)
      expect(result.errors.join("\n")).toMatch(/hashicorp\/random/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("npm run tf:check on a stack Terraform rejects: exit 1 and Terraform's error; and its cold init rewrites nothing another planned stack reads its provider through", () => {
    // GIVEN the planned random-swap working copy: every link and file on the way to its aws provider, with inode and ctime
    const providers = path.join(workDir, "random-swap", ".terraform", "providers");
    const chain = (): string[] => {
      const hops: string[] = [];
      const walk = (p: string): void => {
        const stat = fs.lstatSync(p, { bigint: true });
        hops.push(`${p} ino=${stat.ino} ctime=${stat.ctimeNs}`);
        if (stat.isSymbolicLink()) walk(path.resolve(path.dirname(p), fs.readlinkSync(p)));
        else if (stat.isDirectory()) for (const entry of fs.readdirSync(p).sort()) walk(path.join(p, entry));
      };
      walk(providers);
      return hops;
    };
    const before = chain();
    expect(before.some((hop) => /terraform-provider-aws_/.test(hop))).toBe(true);
    // AND a stack that needs hashicorp/aws 5.100.0 and a provider that exists nowhere: its init installs aws, then fails
    // (cheaper than a failing plan, which first loads the aws provider's schema)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-missing-provider-"));
    const userCache = path.join(dir, "user-plugin-cache");
    fs.mkdirSync(userCache);
    const stackDir = path.join(dir, "out", "stacks", "missing-provider");
    fs.mkdirSync(stackDir, { recursive: true });
    fs.writeFileSync(
      path.join(stackDir, "cdk.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "aws", version: "5.100.0" }, missing: { source: "whcsites/missing", version: "1.0.0" } } },
        provider: { aws: [{ region: "eu-west-1" }] },
        resource: { aws_s3_bucket: { logs: { bucket: "whcsites-missing-provider" } } },
      }),
    );
    try {
      // WHEN the CLI checks it from scratch in the same work dir (no lock file: Terraform installs anew), with a user's
      // TF_PLUGIN_CACHE_DIR set
      const run = runCli(["--out", path.join(dir, "out"), "--work-dir", workDir], { ...process.env, TF_PLUGIN_CACHE_DIR: userCache });
      // THEN it shows Terraform's error and exits 1
      expect(run.output).toMatch(/Error: Failed to query available provider packages/);
      expect(run.output).toMatch(/whcsites\/missing/);
      expect(run.output).toMatch(/tf-check FAILED: missing-provider \(init\)/);
      expect(run.status).toBe(1);
      // AND that init did install aws 5.100.0 into its own working copy
      expect(fs.readdirSync(path.join(workDir, "missing-provider", ".terraform", "providers", "registry.terraform.io", "hashicorp", "aws"))).toEqual(["5.100.0"]);
      // AND no link or file on random-swap's way to its provider was removed or recreated (with a shared plugin cache,
      // the cold init re-created the cached link: a plan starting then failed with "there is no package for
      // registry.terraform.io/hashicorp/aws 5.100.0 cached in .terraform/providers")
      expect(chain()).toEqual(before);
      // AND the user's plugin cache was not used
      expect(fs.readdirSync(userCache)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("a CLI configuration with a plugin cache is refused, with the reason", async () => {
    expect(() => assertNoPluginCache('provider_installation {}\n', "cli.tfrc")).not.toThrow();
    expect(() => assertNoPluginCache('# plugin_cache_dir = "/x" (a comment)\n', "cli.tfrc")).not.toThrow();
    expect(() => assertNoPluginCache('  plugin_cache_dir = "/tmp/cache"\nprovider_installation {}\n', "my.tfrc")).toThrow(
      /my\.tfrc sets plugin_cache_dir \(plugin_cache_dir = "\/tmp\/cache"\).*rewrites a shared cache entry on every init/,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-tfrc-"));
    try {
      const template = path.join(dir, "cli.tfrc");
      fs.writeFileSync(template, 'plugin_cache_dir = "/tmp"\n');
      await expect(checkStacks({ outDir: FIXTURES, workDir: path.join(dir, "work"), cliConfigTemplate: template })).rejects.toThrow(/sets plugin_cache_dir/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a work dir inside the synthesized output is refused", async () => {
    await expect(checkStacks({ outDir: FIXTURES, workDir: path.join(FIXTURES, "stacks", ".tf-check") })).rejects.toThrow(/inside/);
  });
});

describe("npm run tf:check (the CLI)", () => {
  const noTerraform: NodeJS.ProcessEnv = { ...process.env, PATH: "/nonexistent", TF_CHECK_TERRAFORM: "" };

  test("without terraform on a developer machine: a loud SKIP and exit 0", () => {
    const env = { ...noTerraform };
    delete env.CI;
    const run = runCli(["--out", FIXTURES], env);
    expect(run.output).toMatch(/SKIPPED: the real-Terraform check did NOT run: terraform is not on PATH/);
    expect(run.status).toBe(0);
  });

  test("without terraform in CI: failure, never a skip", () => {
    const run = runCli(["--out", FIXTURES], { ...noTerraform, CI: "true" });
    expect(run.output).toMatch(/FAILED: terraform is not installed, and CI=true/);
    expect(run.output).not.toMatch(/SKIPPED/);
    expect(run.status).toBe(1);
  });
});
