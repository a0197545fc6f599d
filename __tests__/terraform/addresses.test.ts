import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  STATEFUL_TYPES,
  UPDATE_COMMAND,
  compareAddresses,
  readCommittedAddresses,
  writeAddressFile,
} from "../../scripts/lib/stack/addresses";
import { findStackDirs } from "../../scripts/lib/terraform/check-stacks";
import { resourceAddresses, type StackJson } from "../../scripts/lib/stack/stack-json";
import { COMMITTED_ENVIRONMENTS, environmentFolder, environmentFolders, synthesizeApp, type EnvironmentFolder } from "../../scripts/lib/synth/synth";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { EnvironmentStack } from "../../src/stacks/environment-stack";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(__dirname, "..", "fixtures", "terraform");
const ADDRESS_FIXTURES = path.join(FIXTURES, "addresses");

function synthFixture(name: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(ADDRESS_FIXTURES, name), "utf8")) as StackJson;
}

function committedFixture(): string[] {
  return readCommittedAddresses("fixture-app", path.join(ADDRESS_FIXTURES, "committed")) as string[];
}

describe("address stability: the mechanism, on fixtures", () => {
  test("the stateful types are the ones whose destruction loses data", () => {
    expect([...STATEFUL_TYPES].sort()).toEqual([
      "aws_cloudwatch_log_group",
      "aws_db_instance",
      "aws_dynamodb_table",
      "aws_kms_key",
      "aws_s3_bucket",
      "aws_secretsmanager_secret",
    ]);
  });

  test("the same addresses pass", () => {
    const result = compareAddresses("fixture-app", committedFixture(), synthFixture("unchanged.tf.json"));
    expect(result.message).toBe("");
    expect(result.ok).toBe(true);
  });

  test("renaming the construct that holds the database fails with the move hint", () => {
    // GIVEN the committed list WHEN the database construct is renamed without a move
    const result = compareAddresses("fixture-app", committedFixture(), synthFixture("renamed-db.tf.json"));
    // THEN the db instance is reported as destroyed, with the move to add; the subnet group only as a list change
    expect(result.ok).toBe(false);
    expect(result.statefulRemoved).toEqual(["aws_db_instance.database"]);
    expect(result.removed).toEqual(["aws_db_subnet_group.database_subnets"]);
    expect(result.added).toEqual(["aws_db_instance.postgres", "aws_db_subnet_group.postgres_subnets"]);
    expect(result.message).toMatch(/would be DESTROYED and recreated.*aws_db_instance\.database/);
    expect(result.message).toMatch(/moveTo/);
    expect(result.message).toMatch(/moved \{ from = <old address> to = <new address> \}/);
  });

  test("the same rename carried by a moved block is no destruction, only a list to update deliberately", () => {
    const result = compareAddresses("fixture-app", committedFixture(), synthFixture("moved-db.tf.json"));
    expect(result.ok).toBe(false);
    expect(result.statefulRemoved).toEqual([]);
    expect(result.removed).toEqual(["aws_db_instance.database"]);
    expect(result.message).toMatch(/aws_db_instance\.database \(moved to aws_db_instance\.postgres\)/);
    expect(result.message).not.toMatch(/DESTROYED/);
    expect(result.message).toContain(`run \`${UPDATE_COMMAND}\` deliberately`);
  });

  test("a new non-stateful resource asks for a deliberate update", () => {
    const synth = synthFixture("unchanged.tf.json") as { resource: Record<string, Record<string, unknown>> };
    const grown = { resource: { ...synth.resource, aws_db_parameter_group: { database_parameters: { family: "postgres16" } } } };
    const result = compareAddresses("fixture-app", committedFixture(), grown);
    expect(result.ok).toBe(false);
    expect(result.added).toEqual(["aws_db_parameter_group.database_parameters"]);
    expect(result.message).toContain(`run \`${UPDATE_COMMAND}\` deliberately`);
  });

  test("addresses:update writes sorted lists that read back, from a given output dir", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-address-lists-"));
    try {
      const run = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/update-addresses.ts", "--out", FIXTURES, "--dir", dir], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(["broken-lb.json", "random-leak.json", "random-swap.json"]);
      expect(readCommittedAddresses("random-swap", dir)).toEqual([
        "aws_secretsmanager_secret.database_master",
        "aws_secretsmanager_secret_version.database_master",
        "aws_ssm_parameter.image_tag",
        "random_password.database_master",
      ]);
      writeAddressFile("x", ["b.b", "a.a"], dir);
      expect(readCommittedAddresses("x", dir)).toEqual(["a.a", "b.b"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// One synth per environment folder for the whole file, removed at the end.
const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-addresses-"));
afterAll(() => fs.rmSync(synthDir, { recursive: true, force: true }));
const synths = new Map<string, Promise<Map<string, string>>>();
function synthesizedStackDirs(folder: EnvironmentFolder): Promise<Map<string, string>> {
  let synth = synths.get(folder.name);
  if (synth === undefined) {
    synth = synthesizeApp(path.join(synthDir, String(synths.size)), { environmentsDir: folder.dir }).then((r) => findStackDirs(r.outDir));
    synths.set(folder.name, synth);
  }
  return synth;
}

/** The committed lists of a folder: the .json files of its address dir (not its subfolders). */
function committedLists(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(".json")).map((e) => e.name.replace(/\.json$/, "")).sort();
}

describe.each(environmentFolders().map((f) => [f.name, f] as const))("address stability: the app of %s against its committed lists", (_name, folder) => {
  let stacks: Map<string, string>;

  beforeAll(async () => {
    // GIVEN a fresh synth of the folder's app (npm test works on a clean clone: no prior synth needed)
    stacks = await synthesizedStackDirs(folder);
  }, 120_000);

  test("every synthesized stack has a committed list and every list a stack", () => {
    expect([...stacks.keys()].sort()).toEqual(folder.stacks);
    expect(committedLists(folder.addressesDir)).toEqual(folder.stacks);
  });

  test("no committed address changed: stateful ones need a move, the rest a deliberate update", () => {
    const messages: string[] = [];
    for (const [stack, dir] of stacks) {
      const committed = readCommittedAddresses(stack, folder.addressesDir);
      const json = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson;
      if (committed === undefined) {
        messages.push(`${stack}: no ${path.relative(ROOT, path.join(folder.addressesDir, `${stack}.json`))}; run \`${UPDATE_COMMAND}\` and commit it.`);
        continue;
      }
      expect(resourceAddresses(json).length).toBeGreaterThan(0);
      const result = compareAddresses(stack, committed, json);
      if (!result.ok) messages.push(result.message);
    }
    // The whole message is the failure output: it says what to do.
    expect(messages.join("\n\n")).toBe("");
  });
});

describe("address stability: a renamed database in the committed app", () => {
  let stacks: Map<string, string>;

  beforeAll(async () => {
    stacks = await synthesizedStackDirs(environmentFolder(COMMITTED_ENVIRONMENTS));
  }, 120_000);
  test("renaming the app's database construct would fail this test with the move hint", () => {
    // GIVEN the synthesized production stack with its aws_db_instance renamed, as a renamed construct would give
    const json = JSON.parse(fs.readFileSync(path.join(stacks.get("whcsites-production") as string, "cdk.tf.json"), "utf8"));
    const [name] = Object.keys(json.resource.aws_db_instance);
    json.resource.aws_db_instance = { renamed_database: json.resource.aws_db_instance[name] };
    // WHEN compared with the committed list
    const result = compareAddresses("whcsites-production", readCommittedAddresses("whcsites-production") as string[], json);
    // THEN the old address is a destruction to prevent with a move
    expect(result.statefulRemoved).toEqual([`aws_db_instance.${name}`]);
    expect(result.message).toMatch(/DESTROYED.*moveTo.*moved \{/s);
  });

  test("turning off secrets.customerManagedKey on production fails: the KMS key was removed, with what to do", () => {
    // GIVEN production.json with the customer-managed key switched off, through the loader and the stack
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-cmk-off-"));
    const env = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "production.json"), "utf8"));
    env.secrets.customerManagedKey = false;
    fs.writeFileSync(path.join(dir, "production.json"), JSON.stringify(env));
    const config = loadEnvironment(path.join(dir, "production.json"));
    const json = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), "whcsites-production", { config, state: loadStateConfig(path.join(ROOT, "state.json")) }))) as StackJson;
    fs.rmSync(dir, { recursive: true, force: true });
    // WHEN compared with the committed list
    const result = compareAddresses("whcsites-production", readCommittedAddresses("whcsites-production") as string[], json);
    // THEN the key is a stateful removal (not a rename), and the message says why and what to do
    expect(result.ok).toBe(false);
    expect(result.statefulRemoved).toEqual(["aws_kms_key.secrets_key"]);
    expect(result.message).toMatch(/whcsites-production: stateful resource\(s\) were REMOVED: .*Terraform would DESTROY them with their data: aws_kms_key\.secrets_key\./);
    expect(result.message).toMatch(/A setting that created them was turned off \(for example secrets\.customerManagedKey, which removes the KMS key\), or their construct was deleted/);
    expect(result.message).toMatch(/To keep them, keep the setting .*run `npm run refresh` and say so in the review.*`terraform state rm <address>` in cdktf\.out\/stacks\/whcsites-production before the deploy/s);
    expect(result.message).not.toMatch(/DESTROYED and recreated/);
    // and the alias (not stateful) is only a list change
    expect(result.removed).toEqual(["aws_kms_alias.secrets_key_alias"]);
  });

  test("really renaming the database construct in a copy of the code fails with the move hint", () => {
    // GIVEN a copy of the app whose environment stack names the database construct "db" instead of "database"
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-rename-"));
    try {
      for (const entry of ["src", "main.ts", "environments", "state.json", "state.schema.json", "scripts/register-ts.cjs"]) {
        fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
      }
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
      const stackFile = path.join(copy, "src", "stacks", "environment-stack.ts");
      const source = fs.readFileSync(stackFile, "utf8");
      expect(source).toContain('new Rds(this, "database", {');
      fs.writeFileSync(stackFile, source.replace('new Rds(this, "database", {', 'new Rds(this, "db", {'));
      // WHEN it is synthesized
      const out = path.join(copy, "out");
      const run = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "main.ts"], { cwd: copy, env: { ...process.env, CDKTF_OUTDIR: out }, encoding: "utf8" });
      expect(run.status).toBe(0);
      const json = JSON.parse(fs.readFileSync(path.join(out, "stacks", "whcsites-production", "cdk.tf.json"), "utf8")) as StackJson;
      // THEN the committed list sees the database (and its log groups) destroyed, and says to add a move
      const result = compareAddresses("whcsites-production", readCommittedAddresses("whcsites-production") as string[], json);
      expect(result.ok).toBe(false);
      expect(result.statefulRemoved).toEqual(expect.arrayContaining(["aws_db_instance.database", "aws_cloudwatch_log_group.database_postgresql_logs"]));
      expect(result.message).toMatch(/DESTROYED.*moveTo.*moved \{/s);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});
