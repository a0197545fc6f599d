import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "@cdktf/hcl2json";
import { environmentFolders } from "../../scripts/lib/synth/environment-folders";
import { compareReviewCopy } from "../../scripts/lib/review/compare";
import { REVIEW_FILE, REVIEW_GUARD_VERSION } from "../../scripts/lib/review/review-copy";

const ROOT = path.join(__dirname, "..", "..");

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outdir: string;
}

/** `npm run review` (its command line from package.json) for one folder of environment files, into a new outdir. */
function review(environmentsDir: string): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-review-"));
  const command = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.review;
  const [node, ...args] = command.split(" ");
  expect(node).toBe("node");
  const run = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, WHCSITES_ENVIRONMENTS_DIR: path.join(ROOT, environmentsDir) },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, outdir };
}

const read = (file: string) => fs.readFileSync(file, "utf8");

/** Top-level construct ids that own a resource in a synthesized stack (from cdktf's metadata paths). */
function topLevelConstructs(stackJson: any): string[] {
  const ids = new Set<string>();
  for (const byName of Object.values<Record<string, any>>(stackJson.resource ?? {})) {
    for (const body of Object.values<any>(byName)) ids.add(String(body["//"].metadata.path).split("/")[1]);
  }
  return [...ids].sort();
}

const folders = environmentFolders(ROOT);
const runs = new Map<string, Run>();
afterAll(() => {
  for (const run of runs.values()) fs.rmSync(run.outdir, { recursive: true, force: true });
});

beforeAll(() => {
  // WHEN npm run review runs for each folder of environment files (committed, examples)
  for (const folder of folders) runs.set(folder.dir, review(folder.dir));
}, 240_000);

describe.each(folders.map((f) => [f.dir, f] as const))("npm run review for %s", (dir, folder) => {
  const stacks = [...folder.environmentStacks, "whcsites-state"];
  const stackDir = (stack: string) => path.join((runs.get(dir) as Run).outdir, "stacks", stack);

  test("exits 0 and names each review copy it wrote", () => {
    const run = runs.get(dir) as Run;
    expect(run.stderr).not.toMatch(/Error|review:/);
    expect(run.status).toBe(0);
    for (const stack of stacks) expect(run.stdout).toContain(path.join(stackDir(stack), REVIEW_FILE));
  });

  test.each(stacks)("%s: review.tf beside cdk.tf.json, with resource blocks and a separator for each top-level construct", (stack) => {
    const json = JSON.parse(read(path.join(stackDir(stack), "cdk.tf.json")));
    const text = read(path.join(stackDir(stack), REVIEW_FILE));
    expect(text).toMatch(/^resource "aws_[a-z0-9_]+" "[a-z0-9_]+" \{$/m);
    const separators = text.split("\n").filter((line) => line.startsWith("# ── "));
    for (const construct of topLevelConstructs(json)) {
      // `# ── network (src/constructs/network.ts) ──`, or one of its own constructs (`# ── service/api (...) ──`)
      expect(separators).toContainEqual(expect.stringMatching(new RegExp(`^# ── ${construct}(/[a-z0-9_-]+)?(, continued)? \\((src|scripts)/[a-z/-]+\\.ts\\) ──$`)));
    }
    if (stack !== "whcsites-state") expect(separators.length).toBeGreaterThanOrEqual(5);
  });

  test("every other stack of the folder (delivery) has a review copy that parses back to the same stack too", async () => {
    const all = fs.readdirSync(path.join((runs.get(dir) as Run).outdir, "stacks")).filter((s) => !stacks.includes(s));
    const found: Record<string, string[]> = {};
    for (const stack of all) {
      const parsed = await parse(REVIEW_FILE, read(path.join(stackDir(stack), REVIEW_FILE)));
      found[stack] = compareReviewCopy(JSON.parse(read(path.join(stackDir(stack), "cdk.tf.json"))), parsed, REVIEW_GUARD_VERSION);
    }
    expect(found).toEqual(Object.fromEntries(all.map((s) => [s, []])));
  });

  test.each(stacks)("%s: review.tf parsed back describes the same resources and values as cdk.tf.json", async (stack) => {
    const json = JSON.parse(read(path.join(stackDir(stack), "cdk.tf.json")));
    const parsed = await parse(REVIEW_FILE, read(path.join(stackDir(stack), REVIEW_FILE)));
    expect(Object.keys(parsed.resource).length).toBeGreaterThan(5);
    expect(compareReviewCopy(json, parsed, REVIEW_GUARD_VERSION)).toEqual([]);
  });
});

describe("the round trip sees a difference", () => {
  const production = () => path.join((runs.get("environments") as Run).outdir, "stacks", "whcsites-production");
  const compareEdited = async (edit: (text: string) => string) => {
    const json = JSON.parse(read(path.join(production(), "cdk.tf.json")));
    const text = read(path.join(production(), REVIEW_FILE));
    const edited = edit(text);
    expect(edited).not.toBe(text);
    return compareReviewCopy(json, await parse(REVIEW_FILE, edited), REVIEW_GUARD_VERSION);
  };

  test("GIVEN one value changed in review.tf THEN exactly that attribute is reported", async () => {
    const found = await compareEdited((t) => t.replace(/(instance_class\s+= )"db\.m7g\.large"/, '$1"db.m7g.xlarge"'));
    expect(found).toEqual(['resource.aws_db_instance.database.instance_class: cdk.tf.json has "db.m7g.large", review.tf has "db.m7g.xlarge"']);
  });

  test("GIVEN a word changed inside a policy document (an escaped JSON string with references) THEN it is reported", async () => {
    const found = await compareEdited((t) => t.replace('\\"Sid\\":\\"ReadAppSecrets\\",\\"Effect\\":\\"Allow\\"', '\\"Sid\\":\\"ReadAppSecrets\\",\\"Effect\\":\\"Deny\\"'));
    expect(found).toEqual([
      expect.stringMatching(/^resource\.aws_iam_role_policy\.service_api_execution_role_secrets\.policy: differs at character \d+: cdk\.tf\.json has ".*Effect.*Allow.*", review\.tf has ".*Effect.*Deny/),
    ]);
  });

  test("GIVEN a resource block removed THEN the missing resource is reported", async () => {
    const found = await compareEdited((t) => t.replace(/^resource "aws_kms_alias" "secrets_key_alias" \{\n(.*\n)*?\}\n/m, ""));
    expect(found).toEqual([expect.stringMatching(/^resource\.aws_kms_alias\.secrets_key_alias: cdk\.tf\.json has \{"name":"alias\/whcsites-production-secrets".*review\.tf has nothing$/)]);
  });

  test("GIVEN the guard block removed THEN that is reported", async () => {
    const found = await compareEdited((t) => t.replace(`required_version = "${REVIEW_GUARD_VERSION}"`, ""));
    expect(found[0]).toMatch(/^review\.tf: expected one guard block .* found 0$/);
  });
});
