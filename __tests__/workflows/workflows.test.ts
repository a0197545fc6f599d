import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../../src/app";
import {
  allProblems,
  deployedStack,
  deployJobProblems,
  jobsOf,
  parseProblems,
  parseRepositoryFiles,
  parseWithGithub,
  ParsedFile,
  permissionProblems,
  pinProblems,
  Plain,
  runInjectionProblems,
  stepsOf,
} from "./workflow-rules";

const ROOT = path.resolve(__dirname, "..", "..");
const ENVIRONMENTS = fs
  .readdirSync(path.join(ROOT, "environments"))
  .filter((f) => f.endsWith(".json") && f !== "schema.json")
  .map((f) => f.replace(/\.json$/, ""))
  .sort();

type Mapping = { [key: string]: Plain };
const m = (v: Plain | undefined): Mapping => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});

const files = parseRepositoryFiles();
const byName = (name: string): ParsedFile => {
  const file = files.find((f) => f.name === name);
  if (file === undefined) throw new Error(`${name} is missing`);
  return file;
};
const ci = byName(".github/workflows/ci.yml");
const deploy = byName(".github/workflows/deploy.yml");
const toolchain = byName(".github/actions/toolchain/action.yml");
const awsRole = byName(".github/actions/aws-role/action.yml");
const runs = (file: ParsedFile, jobId: string): string[] => stepsOf(file).filter((s) => s.jobId === jobId && typeof s.step.run === "string").map((s) => s.step.run as string);
const uses = (file: ParsedFile, prefix: string) => stepsOf(file).filter((s) => String(s.step.uses ?? "").startsWith(prefix));

describe("GIVEN the repository's workflows and local actions", () => {
  test("WHEN GitHub's parser reads them THEN every file parses without an error, and there are at least two workflows", () => {
    const workflows = files.filter((f) => f.kind === "workflow").map((f) => f.name);
    expect(workflows.length).toBeGreaterThanOrEqual(2);
    expect(workflows).toEqual(expect.arrayContaining([".github/workflows/ci.yml", ".github/workflows/deploy.yml"]));
    expect(files.filter((f) => f.kind === "action").map((f) => f.name)).toEqual(expect.arrayContaining([".github/actions/aws-role/action.yml", ".github/actions/toolchain/action.yml"]));
    expect(files.flatMap(parseProblems)).toEqual([]);
    expect(files.every((f) => f.doc !== null)).toBe(true);
  });

  test("THEN every workflow declares minimal permissions, with id-token: write only where a job assumes an AWS role", () => {
    expect(files.flatMap(permissionProblems)).toEqual([]);
    for (const workflow of [ci, deploy]) expect(workflow.doc?.permissions).toEqual({ contents: "read" });
    const withIdToken = [ci, deploy].flatMap((w) => jobsOf(w).filter(([, job]) => m(job.permissions)["id-token"] === "write").map(([id]) => `${w.name}:${id}`));
    // the plan job, and one deploy job per environment file (derived: a new environment changes no test)
    expect([...withIdToken].sort()).toEqual([".github/workflows/ci.yml:plan", ...ENVIRONMENTS.map((e) => `.github/workflows/deploy.yml:${e}`)].sort());
  });

  test("THEN every non-local action is pinned to a full commit SHA with its version in a comment", () => {
    expect(files.flatMap((f) => pinProblems(f))).toEqual([]);
    const pinned = [...new Set(stepsOf(ci).concat(stepsOf(deploy), stepsOf(toolchain), stepsOf(awsRole)).map((s) => String(s.step.uses ?? "")).filter((u) => u !== "" && !u.startsWith("./")))].sort();
    expect(pinned).toEqual([
      "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020",
      "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
      "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c",
      "hashicorp/setup-terraform@dfe3c3f87815947d99a8997f908cb6525fc44e9e",
    ]);
  });

  test("THEN no run script interpolates an expression", () => {
    expect(files.flatMap(runInjectionProblems)).toEqual([]);
  });

  test("THEN every deploy job runs in its GitHub environment, assumes its deploy role and has its own concurrency group", () => {
    expect(files.flatMap(deployJobProblems)).toEqual([]);
    const jobs = jobsOf(deploy).map(([id, job]) => [id, deployedStack(job) ?? null, job.environment ?? null, job.concurrency ?? null]);
    expect(jobs[0]).toEqual(["release", null, null, null]);
    // one job per environment file, named after it (derived from the files: a new environment changes no test)
    expect(jobs.slice(1).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1))).toEqual(
      ENVIRONMENTS.map((e) => [e, `whcsites-${e}`, e, { group: `deploy-${e}`, "cancel-in-progress": false }]),
    );
  });

  describe("ci.yml", () => {
    test("THEN it runs on pull requests and pushes to main", () => {
      expect(ci.doc?.on).toEqual({ pull_request: null, push: { branches: ["main"] } });
    });

    test("THEN the test job installs with npm ci (toolchain), then runs npm test and npm run synth", () => {
      expect(uses(ci, "./.github/actions/toolchain").map((s) => s.jobId)).toEqual(["test", "plan"]);
      expect(runs(ci, "test").slice(-2)).toEqual(["npm test", "npm run synth"]);
    });

    test("THEN it plans every environment file, each with its plan role, and writes a summary from terraform show -json", () => {
      const plan = m(jobsOf(ci).find(([id]) => id === "plan")?.[1]);
      expect([...(m(m(plan.strategy).matrix).environment as string[])].sort()).toEqual(ENVIRONMENTS);
      expect(uses(ci, "./.github/actions/aws-role").map((s) => s.step.with)).toEqual([{ environment: "${{ matrix.environment }}", role: "plan" }]);
      const [terraform, summary] = runs(ci, "plan").slice(-2);
      expect(terraform).toMatch(/terraform plan -input=false -refresh=false -lock=false -out=plan\.tfplan\nterraform show -json plan\.tfplan > plan\.json/);
      expect(summary).toBe(
        'node --require ./scripts/register-ts.cjs .github/scripts/stack-summary.ts --stack "whcsites-$ENVIRONMENT" --plan "cdktf.out/stacks/whcsites-$ENVIRONMENT/plan.json" >> "$GITHUB_STEP_SUMMARY"',
      );
      // A plan job without a GitHub environment: its sub claim is the pull request's or main's, which the plan role trusts.
      expect(plan.environment).toBeUndefined();
    });
  });

  describe("deploy.yml", () => {
    const jobs = Object.fromEntries(jobsOf(deploy));

    test("THEN it runs on a manual dispatch with a required image_tag, and on the release dispatch of the API's repository", () => {
      expect(deploy.doc?.on).toEqual({
        workflow_dispatch: { inputs: { image_tag: expect.objectContaining({ required: true, type: "string" }) } },
        repository_dispatch: { types: ["release"] },
      });
    });

    test("THEN the image tag is validated with the same rule as the stacks' image_tag variable", () => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-workflow-"));
      // The synthesis prints the acknowledged exceptions; they are not what this test is about.
      const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
      try {
        buildApp({ outdir }).synth();
        const stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "whcsites-staging", "cdk.tf.json"), "utf8"));
        const terraformRule = /regex\("([^"]+)", var\.image_tag\)/.exec(stack.variable.image_tag.validation[0].condition)?.[1];
        const [check] = runs(deploy, "release");
        expect(terraformRule).toBeDefined();
        expect(check).toContain(`[[ ! "$IMAGE_TAG" =~ ${terraformRule} ]]`);
        expect(m(stepsOf(deploy).find((s) => s.jobId === "release")?.step.env).IMAGE_TAG).toBe(
          "${{ github.event_name == 'repository_dispatch' && github.event.client_payload.image_tag || inputs.image_tag }}",
        );
      } finally {
        warn.mockRestore();
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    });

    test("THEN the deploy jobs run one after another from the release job, a non-production environment first and every production one after a verified non-production one", () => {
      // GIVEN the deploy jobs and the tiers of the environment files (derived: a new environment changes no test)
      const tierOf = (environment: string): string => JSON.parse(fs.readFileSync(path.join(ROOT, "environments", `${environment}.json`), "utf8")).tier;
      const deployJobs = jobsOf(deploy).filter(([, job]) => deployedStack(job) !== undefined).map(([id]) => id);
      const needs = (id: string): string[] => [m(jobs[id]).needs ?? []].flat().map(String);
      expect(m(jobs.release).if).toBe("github.ref == 'refs/heads/main'");
      // THEN each deploy job needs the release job and at most one other deploy job, and they form one chain
      const previous = new Map(deployJobs.map((id) => [id, needs(id).filter((n) => n !== "release")]));
      for (const id of deployJobs) {
        expect([id, needs(id).includes("release"), (previous.get(id) ?? []).length <= 1]).toEqual([id, true, true]);
      }
      const firsts = deployJobs.filter((id) => (previous.get(id) ?? []).length === 0);
      expect(firsts).toHaveLength(1);
      const order = [firsts[0]];
      for (let next = deployJobs.find((id) => previous.get(id)?.[0] === order.at(-1)); next !== undefined; next = deployJobs.find((id) => previous.get(id)?.[0] === order.at(-1))) order.push(next);
      expect([...order].sort()).toEqual([...deployJobs].sort());
      // AND a non-production environment deploys (and is verified) first; production only after one
      expect(tierOf(order[0])).toBe("non-production");
      // AND each job deploys and verifies its own stack with the release's tag
      for (const environment of deployJobs) {
        expect(runs(deploy, environment)).toEqual([
          `npx cdktf deploy whcsites-${environment} --auto-approve --var "image_tag=$IMAGE_TAG"`,
          `npm run verify -- --stack whcsites-${environment} --image-tag "$IMAGE_TAG"`,
        ]);
        expect(m(m(jobs[environment]).env).IMAGE_TAG).toBe("${{ needs.release.outputs.image_tag }}");
      }
    });

    test("THEN it deploys every environment file", () => {
      expect(jobsOf(deploy).map(([, job]) => deployedStack(job)).filter((s) => s !== undefined).map((s) => String(s).replace(/^whcsites-/, "")).sort()).toEqual(ENVIRONMENTS);
    });
  });

  describe("the toolchain action", () => {
    test("THEN Node is an LTS line with the npm cache, and Terraform is pinned at 1.10 or later without the wrapper", () => {
      const node = m(uses(toolchain, "actions/setup-node@")[0]?.step.with);
      expect(node).toEqual({ "node-version": "22", cache: "npm" });
      const terraform = m(uses(toolchain, "hashicorp/setup-terraform@")[0]?.step.with);
      expect(terraform).toEqual({ terraform_version: "1.11.4", terraform_wrapper: "false" });
      const [major, minor] = String(terraform.terraform_version).split(".").map(Number);
      expect(major > 1 || (major === 1 && minor >= 10)).toBe(true);
      expect(stepsOf(toolchain).map((s) => s.step.run).filter(Boolean)).toEqual(["npm ci --no-audit --no-fund"]);
    });
  });
});

// Each rule on a workflow that breaks it: a rule that cannot fail proves nothing.
describe("GIVEN fixture workflows that break one rule each", () => {
  const CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";
  const good = (job: string, top = "permissions:\n  contents: read\n") => `on: push\n${top}jobs:\n${job}`;
  const deployJob = (overrides: { environment?: string; concurrency?: string; role?: string } = {}) =>
    [
      "  production:",
      "    runs-on: ubuntu-24.04",
      overrides.environment ?? "    environment: production",
      overrides.concurrency ?? "    concurrency:\n      group: deploy-production\n      cancel-in-progress: false",
      "    permissions:\n      contents: read\n      id-token: write",
      "    steps:",
      `      - uses: ${CHECKOUT}`,
      `      - uses: ./.github/actions/aws-role\n        with:\n          environment: ${overrides.role ?? "production"}\n          role: deploy`,
      '      - run: npx cdktf deploy whcsites-production --auto-approve --var "image_tag=$IMAGE_TAG"',
      "",
    ].join("\n");

  const cases: [string, string, (f: ParsedFile) => string[], RegExp][] = [
    ["a well-formed deploy job", good(deployJob()), allProblems, /^$/],
    ["an unknown key", good(deployJob()).replace("permissions:", "permisions:"), parseProblems, /GitHub's parser: fixture\.yml \(Line: 2, Col: 1\): Unexpected value 'permisions'/],
    ["no permissions", good(deployJob(), ""), permissionProblems, /fixture\.yml: permissions: got nothing \(not declared\); allowed: a mapping of scopes/],
    ["write-all", good(deployJob(), "permissions: write-all\n"), permissionProblems, /fixture\.yml: permissions: got "write-all"; allowed: a mapping of scopes/],
    ["contents: write", good(deployJob(), "permissions:\n  contents: write\n"), permissionProblems, /fixture\.yml: permissions\.contents: got "write"; allowed: "read" or "none"/],
    ["id-token for the whole workflow", good(deployJob(), "permissions:\n  contents: read\n  id-token: write\n"), permissionProblems, /permissions\.id-token: got "write" for the whole workflow/],
    [
      "a role without id-token",
      good(deployJob()).replace("      id-token: write\n", ""),
      permissionProblems,
      /jobs\.production\.permissions\.id-token: got null; allowed: "write" \(the job assumes an AWS role through OIDC\)/,
    ],
    ["an action pinned to a tag", good(deployJob()).replace(CHECKOUT, "actions/checkout@v7"), pinProblems, /jobs\.production\.steps\[0\]\.uses: got "actions\/checkout@v7"; allowed: <owner>\/<repository>@<full 40-hex commit SHA> # v<version>/],
    ["a short SHA", good(deployJob()).replace(CHECKOUT, "actions/checkout@3d3c42e # v7.0.1"), pinProblems, /got "actions\/checkout@3d3c42e"; allowed: <owner>\/<repository>@<full 40-hex/],
    ["a SHA without its version", good(deployJob()).replace(" # v7.0.1", ""), pinProblems, /got "actions\/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1" without a version comment/],
    ["a missing local action", good(deployJob()).replace("./.github/actions/aws-role", "./.github/actions/nope"), pinProblems, /got "\.\/\.github\/actions\/nope"; allowed: a local action directory/],
    ["an expression in a script", good(deployJob()).replace("image_tag=$IMAGE_TAG", "image_tag=${{ github.event.client_payload.image_tag }}"), runInjectionProblems, /jobs\.production\.steps\[2\]\.run: got an expression inside the script/],
    ["a deploy job without environment", good(deployJob({ environment: "" })), deployJobProblems, /jobs\.production\.environment: got null for cdktf deploy whcsites-production; allowed: "production"/],
    ["production deployed from the staging environment", good(deployJob({ environment: "    environment: staging" })), deployJobProblems, /jobs\.production\.environment: got "staging" for cdktf deploy whcsites-production; allowed: "production"/],
    ["a deploy job without concurrency", good(deployJob({ concurrency: "" })), deployJobProblems, /jobs\.production\.concurrency: got nothing; allowed: a group naming "production" with cancel-in-progress: false/],
    [
      "a deploy that cancels a running one",
      good(deployJob({ concurrency: "    concurrency:\n      group: deploy-production\n      cancel-in-progress: true" })),
      deployJobProblems,
      /jobs\.production\.concurrency\.cancel-in-progress: got true; allowed: false/,
    ],
    [
      "one concurrency group for every environment",
      good(deployJob({ concurrency: "    concurrency:\n      group: deploys\n      cancel-in-progress: false" })),
      deployJobProblems,
      /concurrency\.group: got "deploys"; allowed: a group naming "production"/,
    ],
    ["the staging role for production", good(deployJob({ role: "staging" })), deployJobProblems, /jobs\.production: assumes "deploy" of "staging"; allowed: the deploy role of "production"/],
  ];

  // One parser process for every fixture.
  const parsed = parseWithGithub(cases.map(([, content]) => ({ name: "fixture.yml", content, kind: "workflow" as const })));

  test.each(cases.map((c, i) => [...c, i] as const))("WHEN a workflow has %s THEN the rule reports exactly that", (_name, _yaml, rule, expected, index) => {
    const problems = rule(parsed[index]);
    if (expected.source === "^$") {
      expect(problems).toEqual([]);
    } else {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    }
  });
});
