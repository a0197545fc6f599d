import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addressFilePath, readCommittedAddresses } from "../../scripts/lib/stack/addresses";
import { checkStacks, findStackDirs, PROJECT_ROOT, type StackResult } from "../../scripts/lib/terraform/check-stacks";
import { type StackJson } from "../../scripts/lib/stack/stack-json";
import { COMMITTED_ENVIRONMENTS, environmentFolder, STATE_STACK, synthesizeApp, type EnvironmentFolder } from "../../scripts/lib/synth/synth";
import { ipv4CidrsOverlap } from "../../src/domain/cidr";
import { planRun } from "./plan-run";
import { describeStackChecks } from "./stack-checks";

// An environment added as docs/environments.md says ("Add an environment"): a copy of staging.json with its own VPC CIDR, in a
// copy of environments/. The documented steps alone (synth, addresses:update) must make the suite's stack checks
// pass for it, with no test edited. (The snapshot update, `npx jest -u`, cannot run inside Jest; the snapshot test
// derives its stacks the same way, from the files.)
const NEW_ENVIRONMENT = "tempenv";
const NEW_STACK = `whcsites-${NEW_ENVIRONMENT}`;
/**
 * A /16 that no environment file of the folder overlaps: an operator may already have added an environment with the
 * obvious next CIDR (a qa.json with 10.30.0.0/16 made this copy identical to it apart from its name, which synthesis
 * refuses).
 */
function freeCidr(environmentsDir: string): string {
  const taken = fs
    .readdirSync(environmentsDir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .map((f) => (JSON.parse(fs.readFileSync(path.join(environmentsDir, f), "utf8")) as { network?: { vpcCidr?: string } }).network?.vpcCidr)
    .filter((c): c is string => typeof c === "string");
  for (let octet = 30; octet < 256; octet++) {
    const cidr = `10.${octet}.0.0/16`;
    if (!taken.some((t) => ipv4CidrsOverlap(t, cidr))) return cidr;
  }
  throw new Error(`no free 10.x.0.0/16 next to ${taken.join(", ")}`);
}
const NEW_CIDR = freeCidr(path.join(PROJECT_ROOT, COMMITTED_ENVIRONMENTS));

const run = planRun();
const describeWithTerraform = run.terraform ? describe : describe.skip;

describeWithTerraform(`a new environment ${NEW_ENVIRONMENT}.json (a copy of staging.json with another CIDR), after the documented steps only`, () => {
  let tempDir: string;
  let folder: EnvironmentFolder;
  let addressesDir: string;
  let synthesized: Map<string, StackJson>;
  let results: StackResult[];

  beforeAll(async () => {
    // GIVEN a copy of the committed environments folder with one more environment
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-new-env-"));
    const environments = path.join(tempDir, "environments");
    fs.cpSync(path.join(PROJECT_ROOT, COMMITTED_ENVIRONMENTS), environments, { recursive: true });
    const staging = JSON.parse(fs.readFileSync(path.join(environments, "staging.json"), "utf8"));
    expect(staging.network.vpcCidr).not.toBe(NEW_CIDR);
    staging.network.vpcCidr = NEW_CIDR;
    // (as docs/environments.md says: in an account where another environment creates the GitHub OIDC provider, use its ARN)
    if (staging.delivery !== undefined) staging.delivery.oidcProvider = `arn:aws:iam::${staging.accountId}:oidc-provider/token.actions.githubusercontent.com`;
    fs.writeFileSync(path.join(environments, `${NEW_ENVIRONMENT}.json`), `${JSON.stringify(staging, null, 2)}\n`);
    folder = environmentFolder(environments);

    // WHEN the documented steps run: npm run synth (of that folder), then npm run addresses:update
    const { outDir } = await synthesizeApp(path.join(tempDir, "out"), { environmentsDir: environments });
    addressesDir = path.join(tempDir, "addresses");
    const update = spawnSync(
      process.execPath,
      ["--require", "./scripts/register-ts.cjs", "scripts/update-addresses.ts", "--out", outDir, "--dir", addressesDir],
      { cwd: PROJECT_ROOT, encoding: "utf8" },
    );
    expect(update.stderr).toBe("");
    expect(update.status).toBe(0);
    synthesized = new Map(
      [...findStackDirs(outDir)].map(([stack, dir]) => [stack, JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson]),
    );
    // AND real Terraform plans the new stack (the others are unchanged, and planned by the run's global setup)
    results = await checkStacks({ outDir, workDir: path.join(tempDir, "work"), stacks: [NEW_STACK] });
  }, 300_000);

  afterAll(() => {
    if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  test("the stacks derived from the folder's files include the new one, and the app synthesized exactly those", () => {
    expect(folder.environmentStacks).toContain(NEW_STACK);
    expect([...synthesized.keys()].sort()).toEqual(folder.stacks);
  });

  test("the plan is the new environment's (its own VPC CIDR), and the state stack gains a state role for it, in its list too", () => {
    const plan = JSON.parse(fs.readFileSync((results.find((r) => r.stack === NEW_STACK) as StackResult).planJsonPath as string, "utf8"));
    const vpcs = plan.planned_values.root_module.resources.filter((r: { type: string }) => r.type === "aws_vpc");
    expect(vpcs.map((v: { values: { cidr_block: string } }) => v.values.cidr_block)).toEqual([NEW_CIDR]);
    const roles = Object.entries((synthesized.get(STATE_STACK) as { resource: { aws_iam_role: Record<string, { name: string }> } }).resource.aws_iam_role);
    const [address] = roles.filter(([, role]) => role.name === `whcsites-tfstate-${NEW_ENVIRONMENT}`).map(([name]) => `aws_iam_role.${name}`);
    expect(address).toBeDefined();
    expect(readCommittedAddresses(STATE_STACK, addressesDir)).toContain(address);
  });

  describeStackChecks(
    "the suite's per-stack checks",
    { stacks: [NEW_STACK], environmentStacks: [NEW_STACK] },
    (stack) => ({
      result: results.find((r) => r.stack === stack) as StackResult,
      synthesized: synthesized.get(stack) as StackJson,
      committedAddresses: readCommittedAddresses(stack, addressesDir),
      addressesFile: addressFilePath(stack, addressesDir),
    }),
  );
});
