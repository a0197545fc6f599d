import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { environmentFolder, environmentFolders } from "../../scripts/lib/synth/synth";
import { stoppedSynthesisExitCode } from "../../src/core/cdktf-cli";
import { applyPolicies } from "../../src/policies";
import { ReadableStack } from "../../src/stacks/readable-stack";
import { synthesize } from "../../src/synth";
import { BAD_ENVIRONMENTS } from "../fixtures/bad-environments";

const ROOT = path.join(__dirname, "..", "..");
const COMMITTED = environmentFolder("environments");

/** Runs `main.ts` as `npm run synth` does, into a temporary outdir. */
function synth(env: Record<string, string>): { status: number | null; stderr: string; outdir: string } {
  const outdir = env.CDKTF_OUTDIR;
  const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "main.ts"], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  return { status: result.status, stderr: result.stderr, outdir };
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Every file synthesis writes (manifest.json and each stack's cdk.tf.json), relative to the outdir. */
function synthesizedFiles(outdir: string): string[] {
  const files = fs.existsSync(path.join(outdir, "manifest.json")) ? ["manifest.json"] : [];
  const stacks = path.join(outdir, "stacks");
  for (const stack of fs.existsSync(stacks) ? fs.readdirSync(stacks).sort() : []) {
    if (fs.existsSync(path.join(stacks, stack, "cdk.tf.json"))) files.push(`stacks/${stack}/cdk.tf.json`);
  }
  return files;
}

/**
 * An outdir as an operator has it after `npm run synth` and `terraform init` in each stack: every stack's cdk.tf.json
 * plus a .terraform/ folder and a lock file.
 */
function initializedOutdir(stacks: readonly string[]): string {
  const outdir = tempDir("whcsites-out-");
  fs.writeFileSync(path.join(outdir, "manifest.json"), "{}");
  for (const stack of stacks) {
    const dir = path.join(outdir, "stacks", stack);
    fs.mkdirSync(path.join(dir, ".terraform", "providers"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), "# lock\n");
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), "{}");
  }
  return outdir;
}

describe("npm run synth", () => {
  // One synthesis of the committed files, as `npm run synth` runs it, for the tests that only read its output.
  let committedSynth: ReturnType<typeof synth>;
  beforeAll(() => {
    committedSynth = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-") });
  });

  test("writes the state stack, one stack per environment, and one GitHub stack per environment with delivery", () => {
    // GIVEN the committed environment files WHEN synthesized
    const result = committedSynth;
    // THEN it exits 0 with the state stack and one stack per file
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    // and says plainly which environment serves plain HTTP: those without a domain (from the files)
    for (const environment of COMMITTED.environments) {
      const domain = JSON.parse(fs.readFileSync(path.join(COMMITTED.dir, `${environment}.json`), "utf8")).domain;
      expect([environment, new RegExp(`WARNING whcsites-${environment}: .*plain HTTP`).test(result.stderr)]).toEqual([environment, domain === undefined]);
    }
    // and prints each acknowledged policy exception once, one short line (the guard records them; the app prints)
    const acknowledged = result.stderr.split("\n").filter((line) => line.startsWith("policy: "));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const line of acknowledged) expect(line).toMatch(/^policy: \[[A-Z0-9]+\.[A-Z0-9]+\] \S+: acknowledged: [^\n]+$/);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(COMMITTED.stacks).toEqual(
      expect.arrayContaining(["whcsites-production", "whcsites-production-github", "whcsites-staging", "whcsites-staging-github", "whcsites-state"]),
    );
    expect(fs.readdirSync(path.join(result.outdir, "stacks")).sort()).toEqual(COMMITTED.stacks);
  });

  // Each example's folder of environment files is an app of its own (the committed one is the test above).
  const examples = environmentFolders().filter((f) => f.name !== COMMITTED.name).map((f) => f.name);
  (examples.length > 0 ? test.each(examples) : test.skip.each(["(no example folder)"]))("WHCSITES_ENVIRONMENTS_DIR=%s: the state stack and one stack per file of that folder", (name) => {
    // GIVEN a folder of environment files WHEN synthesized as its own app
    const folder = environmentFolder(name);
    const result = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-"), WHCSITES_ENVIRONMENTS_DIR: folder.dir });
    // THEN its stacks, and only its stacks, are written
    expect(result.status).toBe(0);
    expect(folder.environments.length).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(result.outdir, "stacks")).sort()).toEqual(folder.stacks);
  });

  test("token creation stack traces, off by default, change nothing in the stacks written", () => {
    // GIVEN one synthesis with cdktf's token stack traces off (the default) and one with them on
    const off = committedSynth;
    const on = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-"), WHCSITES_TOKEN_STACK_TRACES: "1" });
    expect([off.status, on.status]).toEqual([0, 0]);
    // THEN every stack file is byte for byte the same
    const stackFiles = (outdir: string) =>
      fs.readdirSync(path.join(outdir, "stacks")).sort().map((stack) => fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    expect(stackFiles(off.outdir)).toHaveLength(COMMITTED.stacks.length);
    expect(stackFiles(off.outdir)).toEqual(stackFiles(on.outdir));
  });

  test("synthesis needs no Terraform binary: with none on the PATH it writes every stack, moved blocks included", () => {
    // GIVEN a PATH with node only (cdktf's own check for moved blocks would run `terraform version` and fail)
    const bin = tempDir("whcsites-bin-");
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    // WHEN synthesized
    const result = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-"), PATH: bin });
    // THEN
    expect(result.stderr).not.toMatch(/Could not determine version of terraform|\n\s+at /);
    expect(result.status).toBe(0);
    const stacks = fs.readdirSync(path.join(result.outdir, "stacks")).sort();
    expect(stacks).toEqual([...COMMITTED.stacks].sort());
    const staging = JSON.parse(fs.readFileSync(path.join(result.outdir, "stacks", "whcsites-staging", "cdk.tf.json"), "utf8"));
    expect(staging.moved).toContainEqual({ from: "aws_ecs_service.service", to: "aws_ecs_service.service_api" });
  });

  test("under the cdktf CLI the warnings are left to the CLI, which prints annotations itself", () => {
    const result = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-"), CDKTF_CONTEXT_JSON: "{}" });
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/WARNING|policy:/);
  });

  test("a broken environment file stops synthesis: exit 1, one line per problem, no stack file left, Terraform's working files kept", () => {
    // GIVEN a good production file, a staging file with two mistakes, and an outdir where the operator ran
    // `terraform init` in every stack after an earlier synthesis
    const environments = tempDir("whcsites-env-");
    fs.copyFileSync(path.join(ROOT, "environments", "production.json"), path.join(environments, "production.json"));
    const staging = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "staging.json"), "utf8"));
    staging.services.api.memoryMiB = 8192;
    staging.replicas = 3;
    fs.writeFileSync(path.join(environments, "staging.json"), JSON.stringify(staging));
    const outdir = initializedOutdir(COMMITTED.stacks);
    expect(synthesizedFiles(outdir)).toHaveLength(COMMITTED.stacks.length + 1);

    // WHEN synthesized
    const result = synth({ CDKTF_OUTDIR: outdir, WHCSITES_ENVIRONMENTS_DIR: environments });

    // THEN it fails with readable messages
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/staging\.json: replicas: is not a known setting/);
    expect(result.stderr).not.toMatch(/ at .*\.ts:\d+/); // no stack trace
    expect(result.stderr).toMatch(/No synthesized stack was left in .*stacks \(Terraform's \.terraform\/ and lock files were kept\)/);
    // AND no stack file (nothing that could be deployed stale) remains, but every .terraform/ and lock file does
    expect(synthesizedFiles(outdir)).toEqual([]);
    for (const stack of COMMITTED.stacks) {
      expect(fs.statSync(path.join(outdir, "stacks", stack, ".terraform", "providers")).isDirectory()).toBe(true);
      expect(fs.readFileSync(path.join(outdir, "stacks", stack, ".terraform.lock.hcl"), "utf8")).toBe("# lock\n");
    }
  });

  test("malformed JSON stops synthesis with the file named", () => {
    const environments = tempDir("whcsites-env-");
    fs.writeFileSync(path.join(environments, "staging.json"), '{"tier": ');
    const result = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-"), WHCSITES_ENVIRONMENTS_DIR: environments });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/staging\.json: \(file\): is not valid JSON/);
    expect(synthesizedFiles(result.outdir)).toEqual([]);
  });
});

describe("npx cdktf synth (the real cdktf CLI)", () => {
  /**
   * Runs `cdktf synth` as `npx cdktf synth` does (the bin of cdktf-cli, which runs the app command of cdktf.json) into
   * `outdir`, with node alone on the PATH: without Terraform the CLI's version check only logs a line. Returns the
   * exit code and everything printed, stdout and stderr together, without colours.
   */
  function cdktfSynth(outdir: string, env: Record<string, string>): { status: number | null; output: string } {
    const bin = tempDir("whcsites-bin-");
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const cli = path.join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
    const result = spawnSync(process.execPath, [cli, "synth", "--output", outdir], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true", PATH: bin, ...env },
      encoding: "utf8",
    });
    // (without the colours and the cursor moves of its spinner)
    // eslint-disable-next-line no-control-regex
    return { status: result.status, output: `${result.stdout}${result.stderr}`.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "") };
  }

  const occurrences = (text: string, part: string): number => text.split(part).length - 1;

  test("broken environment files: each problem is printed once, exit code non-zero, no stack file left, no stack trace", () => {
    // GIVEN a folder with two broken files (a typo in staging, an unknown setting in production) and an outdir where the
    // operator ran `terraform init` in every stack after an earlier synthesis
    const environments = tempDir("whcsites-env-");
    const staging = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "staging.json"), "utf8"));
    staging.services.api.desiredCont = 2;
    fs.writeFileSync(path.join(environments, "staging.json"), JSON.stringify(staging));
    const production = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "production.json"), "utf8"));
    production.replicas = 3;
    fs.writeFileSync(path.join(environments, "production.json"), JSON.stringify(production));
    const outdir = initializedOutdir(COMMITTED.stacks);
    // (the problem lines, as `npm run synth` prints them)
    const lines: string[] = [];
    expect(synthesize({ outdir: tempDir("whcsites-out-"), environmentsDir: environments, stderr: (l) => lines.push(l), stdout: (l) => lines.push(l) })).toBe(1);
    const problems = lines.filter((l) => l.startsWith("  ")).map((l) => l.trim());
    expect(problems).toEqual([expect.stringMatching(/production\.json: replicas: is not a known setting/), expect.stringMatching(/staging\.json: services\.api\.desiredCont: is not a known setting; did you mean "desiredCount"\?/)]);

    // WHEN synthesized by the cdktf CLI
    const result = cdktfSynth(outdir, { WHCSITES_ENVIRONMENTS_DIR: environments });

    // THEN it fails, and prints the headline and each problem exactly once
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect({ headline: occurrences(result.output, "Synthesis stopped: 2 problem(s) in the configuration."), problems: problems.map((p) => occurrences(result.output, p)) }).toEqual({ headline: 1, problems: [1, 1] });
    // then says that the CLI's own message (no manifest.json) is this stop, with no stack trace, neither the app's nor cdktf's
    expect(result.output).toMatch(/The cdktf CLI reports this stop next, .*\n(.|\n)*app was expected to call 'synth\(\)', but didn't/);
    expect(result.output).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
    // AND no stack file (nothing that could be deployed stale) remains, but every .terraform/ and lock file does
    expect(synthesizedFiles(outdir)).toEqual([]);
    for (const stack of COMMITTED.stacks) {
      expect(fs.statSync(path.join(outdir, "stacks", stack, ".terraform", "providers")).isDirectory()).toBe(true);
      expect(fs.readFileSync(path.join(outdir, "stacks", stack, ".terraform.lock.hcl"), "utf8")).toBe("# lock\n");
    }
  });
});

describe("stoppedSynthesisExitCode()", () => {
  test("1 outside the cdktf CLI; under it 0 with a note, but only when there is no manifest.json for the CLI to read", () => {
    const outdir = tempDir("whcsites-out-");
    const notes: string[] = [];
    const note = (line: string) => notes.push(line);
    // outside the CLI (npm run synth): 1, nothing more printed
    expect(stoppedSynthesisExitCode(outdir, note, {})).toBe(1);
    expect(notes).toEqual([]);
    // under the CLI, with no manifest.json: 0, and the CLI's coming message explained
    expect(stoppedSynthesisExitCode(outdir, note, { CDKTF_CONTEXT_JSON: "{}" })).toBe(0);
    expect(notes).toEqual([`The cdktf CLI reports this stop next, as "app was expected to call 'synth()', but didn't" (no ${path.join(outdir, "manifest.json")}), and exits 1.`]);
    // under the CLI, with a manifest.json left: 1 (the CLI would otherwise read it as a successful synthesis)
    fs.writeFileSync(path.join(outdir, "manifest.json"), "{}");
    expect(stoppedSynthesisExitCode(outdir, note, { CDKTF_CONTEXT_JSON: "{}" })).toBe(1);
    expect(notes).toHaveLength(1);
  });
});

describe("synthesize() with every broken environment file", () => {
  const production = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "production.json"), "utf8"));
  const staging = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "staging.json"), "utf8"));

  test.each(BAD_ENVIRONMENTS)("%s: exit 1, the message, no stack file left, Terraform's working files kept", (_name, base, change, expected) => {
    // GIVEN one broken file next to a good one, and stale output from an earlier run
    const environments = tempDir("whcsites-env-");
    const broken = structuredClone(base === "production" ? production : staging);
    change(broken);
    fs.writeFileSync(path.join(environments, `${base}.json`), JSON.stringify(broken));
    const good = base === "production" ? "staging" : "production";
    fs.writeFileSync(path.join(environments, `${good}.json`), JSON.stringify(base === "production" ? staging : production));
    const outdir = initializedOutdir(["whcsites-staging"]);

    // WHEN synthesized
    const lines: string[] = [];
    const code = synthesize({ outdir, environmentsDir: environments, stderr: (l) => lines.push(l), stdout: (l) => lines.push(l) });

    // THEN no stack file is left, the working files are, and the problem is named
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(expected);
    expect(synthesizedFiles(outdir)).toEqual([]);
    expect(fs.existsSync(path.join(outdir, "stacks", "whcsites-staging", ".terraform"))).toBe(true);
  });
});

describe("synthesize() of an environment without a domain", () => {
  test("says it serves plain HTTP, and prints the acknowledged ELB.1 exceptions of its listener and (with plainHttpRoutes) its rules", () => {
    // GIVEN staging without a domain, with a service routed by path and the acknowledgement of plain HTTP rules
    const environments = tempDir("whcsites-env-");
    const staging = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "staging.json"), "utf8"));
    delete staging.domain;
    staging.loadBalancer = { ...staging.loadBalancer, plainHttpRoutes: { reason: "a test environment without DNS" } };
    staging.services.admin = { cpu: 256, memoryMiB: 512, desiredCount: 1, route: { paths: ["/admin/*"], priority: 100 } };
    fs.writeFileSync(path.join(environments, "staging.json"), JSON.stringify(staging));
    // WHEN synthesized
    const lines: string[] = [];
    expect(synthesize({ outdir: tempDir("whcsites-out-"), environmentsDir: environments, stderr: (l) => lines.push(l), stdout: (l) => lines.push(l) })).toBe(0);
    // THEN
    expect(lines).toContainEqual(expect.stringMatching(/^WARNING whcsites-staging: .*plain HTTP/));
    expect(lines).toContainEqual(expect.stringMatching(/^policy: \[ELB\.1\] whcsites-staging\/api\/http: acknowledged: non-production environment without a domain/));
    expect(lines).toContainEqual(expect.stringMatching(/^policy: \[ELB\.1\] whcsites-staging\/service\/admin\/route: acknowledged: .*staging\.json sets loadBalancer\.plainHttpRoutes: a test environment without DNS$/));
  });
});

describe("synthesize() when a construct refuses a value the schema allows", () => {
  test("the refusal is reported as a problem of the file, with no stack trace and no stack left behind", () => {
    // GIVEN a production file whose own certificate lives in another region than the load balancer
    const environments = tempDir("whcsites-env-");
    const production = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "production.json"), "utf8"));
    production.domain.certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";
    fs.writeFileSync(path.join(environments, "production.json"), JSON.stringify(production));
    const outdir = tempDir("whcsites-out-");
    // WHEN synthesized
    const lines: string[] = [];
    const code = synthesize({ outdir, environmentsDir: environments, stderr: (l) => lines.push(l), stdout: (l) => lines.push(l) });
    // THEN
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(/production\.json: domain\.certificateArn: got "arn:aws:acm:us-east-1:[^"]+"; allowed: an ACM certificate ARN in the load balancer's region eu-west-1/);
    expect(lines.join("\n")).not.toMatch(/\bat .*\.ts:\d+/);
    expect(synthesizedFiles(outdir)).toEqual([]);
  });
});

describe("synthesize() when the policy guard finds violations", () => {
  test("every stack's violations are reported, exit 1, no stack trace and no stack left behind", () => {
    // GIVEN an app with two stacks that each break a rule, and a compliant one
    const build = ({ outdir }: { outdir?: string }): App => {
      const app = new App({ outdir });
      for (const name of ["first", "second"]) {
        const stack = new ReadableStack(app, name);
        new AwsProvider(stack, "aws", { region: "eu-west-1" });
        new CloudwatchLogGroup(stack, "logs", { name: `/${name}` }); // no retention: WHC.LOG1
        applyPolicies(stack, { production: false });
      }
      const fine = new ReadableStack(app, "fine");
      new AwsProvider(fine, "aws", { region: "eu-west-1" });
      new CloudwatchLogGroup(fine, "logs", { name: "/fine", retentionInDays: 30 });
      applyPolicies(fine, { production: false });
      return app;
    };
    const outdir = tempDir("whcsites-out-");
    // WHEN synthesized
    const lines: string[] = [];
    const code = synthesize({ outdir, build, stderr: (l) => lines.push(l), stdout: (l) => lines.push(l) });
    // THEN
    const text = lines.join("\n");
    expect(code).toBe(1);
    expect(text).toMatch(/Synthesis stopped: 2 policy violation\(s\)/);
    expect(text).toMatch(/first: \[WHC\.LOG1\] first\/logs: /);
    expect(text).toMatch(/second: \[WHC\.LOG1\] second\/logs: /);
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    // (cdktf had written every stack before the guard's verdict: all of them are gone again)
    expect(synthesizedFiles(outdir)).toEqual([]);
    expect(process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS).toBeUndefined();
  });
});
