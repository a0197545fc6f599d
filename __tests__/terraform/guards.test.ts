/**
 * What real Terraform does with the guards that live in Terraform itself, on tiny copies of the synthesized stacks
 * (only the parts under test, which need no provider): the tier guard against a state with the old tier, the release
 * image variables, and escaped template sequences in a container command.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { findTerraform, isCi } from "../../scripts/lib/terraform/terraform-cli";

const ROOT = path.join(__dirname, "..", "..");
const state = loadStateConfig(path.join(ROOT, "state.json"));
const NEW_DIGEST = `sha256:${"cd".repeat(32)}`;

const terraform = findTerraform();
if (terraform === undefined && !isCi()) console.warn("SKIPPED: terraform is not on PATH, so the real-Terraform guard tests did not run.");
const describeWithTerraform = terraform !== undefined || isCi() ? describe : describe.skip;

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `whcsites-${prefix}-`));
  temporary.push(dir);
  return dir;
}

/** The synthesized stack of a committed environment file after `change`, loaded through the real loader. */
function synthChanged(base: "staging" | "production", change: (env: Record<string, any>) => void): any {
  const env = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", `${base}.json`), "utf8"));
  change(env);
  const file = path.join(tempDir("env"), `${base}.json`);
  fs.writeFileSync(file, JSON.stringify(env));
  const stack = new EnvironmentStack(Testing.app(), `whcsites-${base}`, { config: loadEnvironment(file), state });
  return JSON.parse(Testing.synth(stack));
}

/** An empty CLI configuration: these configurations need no provider, so no mirror either. */
let cliConfig: string | undefined;

/**
 * Runs terraform in `dir`; never throws: callers read the status, the output and `text` (the output on one line, as
 * Terraform wraps long messages).
 */
function tf(dir: string, ...args: string[]): { status: number | null; output: string; text: string } {
  if (cliConfig === undefined) {
    cliConfig = path.join(tempDir("cli"), "cli.tfrc");
    fs.writeFileSync(cliConfig, "");
  }
  const run = spawnSync(terraform as string, [...args, "-no-color"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
    timeout: 120_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  return { status: run.status, output, text: output.replace(/[\s│]+/g, " ") };
}

/** Writes `config` as the only file of `dir` (keeping Terraform's state and lock there) and inits it once. */
function writeConfig(dir: string, config: unknown): void {
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
  if (!fs.existsSync(path.join(dir, ".terraform"))) expect(tf(dir, "init", "-input=false").status).toBe(0);
}

/** The tier guard of a synthesized stack, alone (without cdktf's metadata). */
function tierGuardOnly(json: any): unknown {
  const guard = { ...json.resource.terraform_data.tier_guard };
  delete guard["//"];
  return { resource: { terraform_data: { tier_guard: guard } } };
}

describeWithTerraform("the tier guard, in real Terraform against a deployed state", () => {
  // GIVEN production deployed: its tier guard applied to a local state
  let dir: string;
  let production: any;
  let applied: ReturnType<typeof tf>;
  beforeAll(() => {
    dir = tempDir("tier");
    production = synthChanged("production", () => undefined);
    writeConfig(dir, tierGuardOnly(production));
    applied = tf(dir, "apply", "-auto-approve", "-input=false");
  }, 60_000);

  test("the deployed state records the tier", () => {
    expect(applied.status).toBe(0);
    expect(tf(dir, "state", "show", "terraform_data.tier_guard").output).toMatch(/tier\s*=\s*"production"/);
    // and a plan of the same file changes nothing
    expect(tf(dir, "plan", "-input=false", "-detailed-exitcode").status).toBe(0);
  });

  test("production.json switched to non-production fails the plan: the tier alone cannot change", () => {
    // WHEN the file's tier changes, without acknowledgement
    writeConfig(dir, tierGuardOnly(synthChanged("production", (e) => (e.tier = "non-production"))));
    const plan = tf(dir, "plan", "-input=false");
    // THEN Terraform refuses the replacement of the guard
    expect(plan.status).toBe(1);
    expect(plan.text).toMatch(/Error: Instance cannot be destroyed/);
    expect(plan.text).toMatch(/terraform_data\.tier_guard has lifecycle\.prevent_destroy set, but the plan calls for this resource to be destroyed/);
  });

  test("with tierChange acknowledged in the file, the same change plans as a replacement of the guard only", () => {
    // WHEN the change is acknowledged
    const acknowledged = synthChanged("production", (e) => {
      e.tier = "non-production";
      e.tierChange = { from: "production", reason: "production moves to the new account; this one winds down" };
    });
    writeConfig(dir, tierGuardOnly(acknowledged));
    const plan = tf(dir, "plan", "-input=false");
    // THEN it goes through, and says what changes
    expect(plan.status).toBe(0);
    expect(plan.output).toMatch(/terraform_data\.tier_guard must be replaced/);
    expect(plan.output).toMatch(/"production" -> "non-production"/);
    expect(plan.output).toMatch(/1 to add, 0 to change, 1 to destroy/);
  });

  test("a destroy of a protected environment fails too, and a disposable one's goes through", () => {
    writeConfig(dir, tierGuardOnly(production));
    expect(tf(dir, "plan", "-destroy", "-input=false").output).toMatch(/Error: Instance cannot be destroyed/);
    const disposable = tempDir("disposable");
    writeConfig(disposable, tierGuardOnly(synthChanged("staging", (e) => (e.disposable = true))));
    expect(tf(disposable, "apply", "-auto-approve", "-input=false").status).toBe(0);
    expect(tf(disposable, "plan", "-destroy", "-input=false").status).toBe(0);
  });
});

/** The release image variables and local of a stack, with the image as an output. */
function releaseImageOnly(json: any): unknown {
  return { variable: json.variable, locals: { release_image: json.locals.release_image }, output: { image: { value: "${local.release_image}" } } };
}

/** The image a deploy with `vars` would run, or Terraform's error. */
function imageWith(dir: string, ...vars: string[]): { status: number | null; image?: string; output: string; text: string } {
  const run = tf(dir, "apply", "-auto-approve", "-input=false", ...vars.flatMap((v) => ["-var", v]));
  if (run.status !== 0) return run;
  return { ...run, image: tf(dir, "output", "-raw", "image").output.split("\n")[0] };
}

describeWithTerraform("the release image and its emergency override, in real Terraform", () => {
  test("a file with a tag and a digest runs the digest; no deploy-time value but the override changes it", () => {
    // GIVEN the committed staging file (ghcr.io/whc-example/whcsites:1.4.2@sha256:...)
    const dir = tempDir("file");
    const json = synthChanged("staging", () => undefined);
    const fileDigest = /@(sha256:[a-f0-9]{64})"\}$/.exec(json.locals.release_image)?.[1];
    writeConfig(dir, releaseImageOnly(json));
    // WHEN deployed without a variable THEN it runs the file's digest (the tag is for people only)
    expect(imageWith(dir).image).toBe(`ghcr.io/whc-example/whcsites@${fileDigest}`);
    // AND the variables of old releases are gone: a deploy that still passes one fails instead of running something else
    expect(imageWith(dir, "image_tag=1.5.0").text).toMatch(/Value for undeclared variable/);
    // AND the emergency override runs its digest, and going without it again returns to the file
    expect(imageWith(dir, `emergency_image=ghcr.io/whc-example/whcsites@${NEW_DIGEST}`).image).toBe(`ghcr.io/whc-example/whcsites@${NEW_DIGEST}`);
    expect(imageWith(dir).image).toBe(`ghcr.io/whc-example/whcsites@${fileDigest}`);
  });

  test("a non-production file with a tag alone runs the tag", () => {
    const dir = tempDir("tag");
    writeConfig(dir, releaseImageOnly(synthChanged("staging", (e) => (e.image = "ghcr.io/whc-example/whcsites:1.4.2"))));
    expect(imageWith(dir).image).toBe("ghcr.io/whc-example/whcsites:1.4.2");
  });

  test("an override by tag, of another repository, or with a malformed digest is refused with the rule", () => {
    const dir = tempDir("bad");
    writeConfig(dir, releaseImageOnly(synthChanged("staging", () => undefined)));
    const rule = /emergency_image must be empty \(the environment file's image\), or the release image's repository pinned by digest: ghcr\.io\/whc-example\/whcsites@sha256:<64 lower-case hex digits>/;
    for (const bad of ["ghcr.io/whc-example/whcsites:1.5.0", `ghcr.io/someone-else/whcsites@${NEW_DIGEST}`, "ghcr.io/whc-example/whcsites@sha256:ABC"]) {
      const run = imageWith(dir, `emergency_image=${bad}`);
      expect(run.status).toBe(1);
      expect(run.text.replace(/\s+/g, " ")).toMatch(rule);
    }
  });
});

describeWithTerraform("escaped template sequences, in real Terraform", () => {
  test("a migration command with ${ and %{ reaches the container exactly as written in the file", () => {
    // GIVEN a file whose migration command is a shell line with ${ and %{
    const command = ["sh", "-c", 'echo "${HOME}" %{done} $${x}; exec /app/bin/migrate'];
    const json = synthChanged("staging", (e) => (e.migrations = { command }));
    const synthesized: string[] = JSON.parse(json.resource.aws_ecs_task_definition.migrations.container_definitions)[0].command;
    // WHEN Terraform evaluates the synthesized strings (as it does every string of container_definitions)
    const dir = tempDir("escape");
    writeConfig(dir, { output: { command: { value: synthesized } } });
    expect(tf(dir, "apply", "-auto-approve", "-input=false").status).toBe(0);
    const evaluated = JSON.parse(tf(dir, "output", "-json", "command").output.split("\n\n")[0]);
    // THEN the container gets the file's command, under its time limit
    expect(evaluated).toEqual(["timeout", "-k", "30", "960", ...command]);
  });
});
