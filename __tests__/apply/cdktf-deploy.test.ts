import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adaptForEmulator } from "../../scripts/lib/emulator/adaptations";
import {
  PROJECT_LINKS,
  cdktfArgs,
  cdktfBin,
  cdktfEnvironment,
  cdktfProject,
  cdktfSettings,
  checkOutputsFile,
  filesystemMirror,
  layOutProject,
  manifestFor,
  outputPaths,
} from "../../scripts/lib/emulator/cdktf-deploy";
import type { StackJson } from "../../scripts/lib/stack/stack-json";

const REPO = path.resolve(__dirname, "..", "..");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-project-"));
}

/** A synthesized manifest of two stacks, as `cdktf synth` writes it. */
function writeManifest(dir: string, dependencies: string[] = []): string {
  const entry = (name: string, deps: string[]) => ({
    annotations: [{ constructPath: `${name}/api`, level: "@cdktf/warn", message: "plain HTTP" }],
    constructPath: name,
    dependencies: deps,
    name,
    stackMetadataPath: `stacks/${name}/metadata.json`,
    synthesizedStackPath: `stacks/${name}/cdk.tf.json`,
    workingDirectory: `stacks/${name}`,
  });
  const file = path.join(dir, "manifest.json");
  fs.writeFileSync(file, JSON.stringify({ version: "0.21.0", stacks: { "whcsites-staging": entry("whcsites-staging", dependencies), "whcsites-state": entry("whcsites-state", []) } }));
  return file;
}

describe("the project folder cdktf deploy runs in", () => {
  it("GIVEN a synthesized manifest WHEN the folder is laid out THEN it holds the repository's cdktf.json, a manifest of the one stack where --skip-synth finds it, and the gate's ../../.. from the stack folder reaches scripts/migrate.ts", () => {
    const root = tempDir();
    try {
      const synthesized = writeManifest(root);
      const project = cdktfProject(path.join(root, "project"), "whcsites-staging");
      const lines = layOutProject(project, { projectRoot: REPO, synthesizedManifest: synthesized });

      expect(project.stackDir).toBe(path.join(root, "project", "cdktf.out", "stacks", "whcsites-staging"));
      expect(fs.readFileSync(path.join(project.root, "cdktf.json"), "utf8")).toBe(fs.readFileSync(path.join(REPO, "cdktf.json"), "utf8"));
      const manifest = JSON.parse(fs.readFileSync(path.join(project.root, "cdktf.out", "manifest.json"), "utf8"));
      expect(Object.keys(manifest.stacks)).toEqual(["whcsites-staging"]);
      expect(manifest.stacks["whcsites-staging"]).toMatchObject({
        name: "whcsites-staging",
        synthesizedStackPath: "stacks/whcsites-staging/cdk.tf.json",
        workingDirectory: "stacks/whcsites-staging",
        dependencies: [],
      });
      // cdktf runs Terraform in <outDir>/<workingDirectory>: the working copy of every phase
      expect(path.join(project.outDir, manifest.stacks["whcsites-staging"].workingDirectory)).toBe(project.stackDir);
      expect(PROJECT_LINKS).toEqual(["scripts"]);
      expect(fs.readlinkSync(path.join(project.root, "scripts"))).toBe(path.join(REPO, "scripts"));
      expect(fs.existsSync(path.join(path.resolve(project.stackDir, "../../.."), "scripts", "migrate.ts"))).toBe(true);
      expect(fs.existsSync(path.join(path.resolve(project.stackDir, "../../.."), "scripts", "register-ts.cjs"))).toBe(true);
      expect(lines.join("\n")).toContain(`link scripts -> ${path.join(REPO, "scripts")}`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("GIVEN no synthesized manifest (a fixture folder) THEN the manifest holds the entry cdktf synth writes for the stack", () => {
    expect(manifestFor("gate", undefined)).toEqual({
      version: "0.21.0",
      stacks: { gate: { name: "gate", constructPath: "gate", synthesizedStackPath: "stacks/gate/cdk.tf.json", workingDirectory: "stacks/gate", annotations: [], dependencies: [] } },
    });
  });

  it("GIVEN a stack that depends on another, or one the manifest lacks THEN it says so instead of writing a manifest cdktf would refuse", () => {
    const root = tempDir();
    try {
      const synthesized = writeManifest(root, ["whcsites-state"]);
      expect(() => manifestFor("whcsites-staging", synthesized)).toThrow(`whcsites-staging depends on whcsites-state in ${synthesized}: cdktf deploy of it alone needs those stacks too`);
      expect(() => manifestFor("whcsites-demo", synthesized)).toThrow(`${synthesized} has no stack whcsites-demo; found: whcsites-staging, whcsites-state`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("GIVEN a stack with a relative deploy-gate working_dir WHEN adapted for a cdktf project folder THEN the path stays as synthesized, and otherwise it is resolved against the repository's cdktf.out", () => {
    const json = {
      resource: { terraform_data: { deploy_gate: { provisioner: [{ "local-exec": { command: "node scripts/migrate.ts", working_dir: "../../.." } }] } } },
    } as unknown as StackJson;
    const workingDir = (adapted: StackJson): unknown => (adapted.resource as any).terraform_data.deploy_gate.provisioner[0]["local-exec"].working_dir;
    const kept = adaptForEmulator(json, { stack: "whcsites-staging", projectRoot: "/repo", runsInCdktfOut: true });
    expect(workingDir(kept.json)).toBe("../../..");
    expect(kept.applied.find((a) => a.id === "deploy-gate-working-dir")?.details).toEqual(["terraform_data.deploy_gate: working_dir ../../.. kept (Terraform runs in cdktf.out/stacks/whcsites-staging of the project folder)"]);
    expect(workingDir(adaptForEmulator(json, { stack: "whcsites-staging", projectRoot: "/repo" }).json)).toBe("/repo");
  });
});

describe("the cdktf command line and environment", () => {
  it("GIVEN a deploy WHEN the command line is built THEN it is the operator's command, with each variable as one argument and the outputs file", () => {
    expect(cdktfArgs("deploy", { stack: "whcsites-staging", vars: ["emergency_image="], outputsFile: "/w/outputs.json" })).toEqual([
      "deploy",
      "whcsites-staging",
      "--skip-synth",
      "--auto-approve",
      "--no-color",
      "--var=emergency_image=",
      "--outputs-file",
      "/w/outputs.json",
    ]);
    expect(cdktfArgs("destroy", { stack: "whcsites-staging", outputsFile: "/w/outputs.json" })).toEqual(["destroy", "whcsites-staging", "--skip-synth", "--auto-approve", "--no-color"]);
  });

  it("GIVEN a variable without a name THEN it is refused before cdktf runs", () => {
    expect(() => cdktfArgs("deploy", { stack: "s", vars: ["=x"] })).toThrow('--var "=x": expected <variable name>=<value>');
  });

  it("GIVEN the project's Terraform CLI configuration THEN the mirror is found there, and the CLI gets no plugin cache, the mirror for its provider lock, plain output and the harness's terraform", () => {
    const mirror = filesystemMirror(fs.readFileSync(path.join(REPO, "terraform", "cli.tfrc"), "utf8"));
    expect(mirror).toBe("/opt/tf-plugins");
    expect(filesystemMirror('provider_installation {\n  direct {}\n}\n')).toBeUndefined();
    const env = cdktfEnvironment({ AWS_ENDPOINT_URL: "http://127.0.0.1:5000", CHECKPOINT_DISABLE: "1" }, cdktfSettings({ mirror: "/opt/tf-plugins", terraform: "/usr/bin/terraform", home: "/w/home" }));
    expect(env).toEqual({
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      CHECKPOINT_DISABLE: "1",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true",
      TF_CLI_ARGS_providers_lock: "-fs-mirror=/opt/tf-plugins",
      CI: "true",
      TERRAFORM_BINARY_NAME: "/usr/bin/terraform",
      CDKTF_HOME: "/w/home",
    });
    expect(cdktfBin(REPO)).toBe(path.join(REPO, "node_modules", ".bin", "cdktf"));
    expect(fs.existsSync(cdktfBin(REPO))).toBe(true);
  });
});

describe("checkOutputsFile", () => {
  // GIVEN a stack whose outputs cdktf maps by construct id, as the environment stacks synthesize
  const stackJson = {
    "//": { outputs: { "whcsites-staging": { api_url: "api_url", database_secret_arn: "database_secret_arn", services: "services" } } },
    output: { api_url: { value: "http://${aws_lb.api.dns_name}" }, database_secret_arn: { value: "x", sensitive: true }, services: { value: {} } },
  };
  const terraform = {
    api_url: { value: "http://api-1.elb.localhost" },
    database_secret_arn: { value: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", sensitive: true },
    services: { value: { api: { url: "http://api-1.elb.localhost" } } },
  };

  it("THEN finds each output at its construct path, or at the top when the stack has no mapping", () => {
    expect([...outputPaths(stackJson)]).toEqual([
      ["api_url", ["whcsites-staging", "api_url"]],
      ["database_secret_arn", ["whcsites-staging", "database_secret_arn"]],
      ["services", ["whcsites-staging", "services"]],
    ]);
    expect([...outputPaths({ output: { greeting: { value: "hi" } } })]).toEqual([["greeting", ["greeting"]]]);
  });

  it("GIVEN the file cdktf writes WHEN checked THEN every output matches and the sensitive one is not in it", () => {
    const file = { "whcsites-staging": { api_url: "http://api-1.elb.localhost", services: { api: { url: "http://api-1.elb.localhost" } } } };
    expect(checkOutputsFile(stackJson, file, terraform)).toEqual({ problems: [], checked: ["api_url", "database_secret_arn (sensitive: not written)", "services"] });
  });

  it("GIVEN a file with an output missing, another wrong and the sensitive one written THEN each is a problem naming the output", () => {
    const file = { "whcsites-staging": { api_url: "http://other", database_secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db" } };
    expect(checkOutputsFile(stackJson, file, terraform).problems).toEqual([
      'output api_url: the outputs file has "http://other" at whcsites-staging.api_url, terraform output has "http://api-1.elb.localhost"',
      "output database_secret_arn is sensitive but the outputs file has it at whcsites-staging.database_secret_arn",
      "output services: missing from the outputs file (expected at whcsites-staging.services)",
    ]);
  });

  it("GIVEN a state without the outputs (nothing applied) THEN each output is a problem", () => {
    expect(checkOutputsFile(stackJson, {}, {}).problems).toHaveLength(3);
  });
});
