import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../../src/app";
import { ROOT, readRepositoryFile } from "../helpers/markdown";

// The first deploy of an account must follow the IAM trusts: a trust policy that names a role which does not exist yet
// is refused by IAM, and a backend cannot assume a role that does not exist. The order is derived here from the
// synthesized stacks, so the cheat sheet and the operating guide are checked against what the code really wires.

type StackJson = {
  terraform?: { backend?: { s3?: { assume_role?: { role_arn?: string } } } };
  resource?: { aws_iam_role?: Record<string, { name?: string; assume_role_policy?: string }> };
};

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-first-deploy-"));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
// The policy guard prints its acknowledged exceptions; they are not what this test reads.
const quiet = jest.spyOn(console, "warn").mockImplementation(() => undefined);
buildApp({ outdir }).synth();
quiet.mockRestore();
const stacks = new Map(
  fs.readdirSync(path.join(outdir, "stacks")).map((name) => [name, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as StackJson]),
);

const roleName = (arn: string): string => arn.replace(/^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?/, "");
const rolesCreatedBy = (stack: StackJson): string[] => Object.values(stack.resource?.aws_iam_role ?? {}).flatMap((r) => (r.name === undefined ? [] : [r.name]));

/** The roles a stack needs to exist before it is deployed: those its trust policies name, and its backend's. */
function rolesNeededBy(stack: StackJson): string[] {
  const trusted = Object.values(stack.resource?.aws_iam_role ?? {}).flatMap((role) => {
    const statements = (JSON.parse(role.assume_role_policy ?? "{}") as { Statement?: Array<{ Principal?: { AWS?: string | string[] } }> }).Statement ?? [];
    return statements.flatMap((s) => [s.Principal?.AWS ?? []].flat()).filter((arn) => arn.includes(":role/"));
  });
  const backend = stack.terraform?.backend?.s3?.assume_role?.role_arn;
  return [...trusted, ...(backend === undefined ? [] : [backend])].map(roleName);
}

/** The stack kind an operator reads in the docs: whcsites-state, whcsites-<env>-github or whcsites-<env>. */
const kind = (stack: string): string => (stack === "whcsites-state" ? stack : stack.endsWith("-github") ? "whcsites-<env>-github" : "whcsites-<env>");

/** "a before b" for every stack b that needs a role stack a creates; and the roles no stack creates. */
function dependencies(): { edges: Array<[string, string]>; external: string[] } {
  const creator = new Map([...stacks].flatMap(([name, json]) => rolesCreatedBy(json).map((role): [string, string] => [role, name])));
  const edges = new Set<string>();
  const external = new Set<string>();
  for (const [name, json] of stacks) {
    for (const role of rolesNeededBy(json)) {
      const from = creator.get(role);
      if (from === undefined) external.add(role);
      else if (from !== name) edges.add(JSON.stringify([kind(from), kind(name)]));
    }
  }
  return { edges: [...edges].map((e) => JSON.parse(e) as [string, string]), external: [...external].sort() };
}

/** The stack kinds in the order a text deploys them (`npx cdktf deploy <stack>`), first mention of each. */
function deployOrder(text: string): string[] {
  const order: string[] = [];
  for (const m of text.matchAll(/npx cdktf deploy (whcsites-[a-z<>-]+)/g)) {
    const k = kind(m[1].replace("<env>", "staging"));
    if (!order.includes(k)) order.push(k);
  }
  return order;
}

/** The edges a deploy order breaks: `b before a` where b needs a. */
const broken = (order: readonly string[], edges: ReadonlyArray<[string, string]>): string[] =>
  edges.filter(([a, b]) => !order.includes(a) || !order.includes(b) || order.indexOf(a) > order.indexOf(b)).map(([a, b]) => `${a} must come before ${b}`);

const helpSection = (): string => {
  const sheet = spawnSync(path.join(ROOT, "help"), ["first deploy"], { encoding: "utf8" }).stdout;
  return sheet.slice(sheet.indexOf("FIRST DEPLOY OF AN ACCOUNT"));
};
const guideSection = (): string => {
  const guide = readRepositoryFile("docs/operating.md");
  const start = guide.indexOf("## First deploy of an account");
  return guide.slice(start, guide.indexOf("\n## ", start + 1));
};

describe("the first deploy order follows the IAM trusts of the synthesized stacks", () => {
  const { edges, external } = dependencies();

  test("GIVEN the synthesized app THEN GitHub stacks come before the state stack, and the state stack before the environments", () => {
    expect(edges).toEqual(expect.arrayContaining([
      ["whcsites-<env>-github", "whcsites-state"],
      ["whcsites-state", "whcsites-<env>"],
    ]));
    // The operators' roles of the committed files are trusted, and no stack creates them.
    expect(external).toEqual(["whcsites-operator"]);
  });

  test.each([
    ["./help", helpSection],
    ["docs/operating.md", guideSection],
  ])("%s deploys the stacks in that order and says who creates the roles no stack creates", (_, section) => {
    const text = section();
    expect(deployOrder(text)).toEqual(["whcsites-<env>-github", "whcsites-state", "whcsites-<env>"]);
    expect(broken(deployOrder(text), edges)).toEqual([]);
    expect(text).toContain("stateAccess.operatorRoleArns");
    expect(text).toContain("administratorRoleArns");
    expect(text).toMatch(/administrators create/);
  });

  test("the check finds an order that deploys the state stack first", () => {
    const order = deployOrder("npx cdktf deploy whcsites-state\nnpx cdktf deploy whcsites-<env>-github\nnpx cdktf deploy whcsites-staging");
    expect(broken(order, edges)).toEqual(["whcsites-<env>-github must come before whcsites-state"]);
  });
});
