import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import {
  allProblems,
  checkedOutRef,
  deployedStack,
  deployJobProblems,
  jobsOf,
  needsOf,
  plannedStack,
  recordedEnvironment,
  releaseCommitProblems,
  savedPlanProblems,
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
/** The environments whose file says tier production (derived: a new production environment changes no test). */
const PRODUCTION = ENVIRONMENTS.filter((e) => JSON.parse(fs.readFileSync(path.join(ROOT, "environments", `${e}.json`), "utf8")).tier === "production");

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
    // the plan job, one deploy job per environment file, and one saved-plan job per production environment (derived: a
    // new environment changes no test)
    const planJobs = jobsOf(deploy).filter(([, job]) => plannedStack(job) !== undefined).map(([id]) => `.github/workflows/deploy.yml:${id}`);
    expect(planJobs).toHaveLength(PRODUCTION.length);
    expect([...withIdToken].sort()).toEqual([".github/workflows/ci.yml:plan", ...planJobs, ...ENVIRONMENTS.map((e) => `.github/workflows/deploy.yml:${e}`)].sort());
  });

  test("THEN every non-local action is pinned to a full commit SHA with its version in a comment", () => {
    expect(files.flatMap((f) => pinProblems(f))).toEqual([]);
    const pinned = [...new Set(stepsOf(ci).concat(stepsOf(deploy), stepsOf(toolchain), stepsOf(awsRole)).map((s) => String(s.step.uses ?? "")).filter((u) => u !== "" && !u.startsWith("./")))].sort();
    expect(pinned).toEqual([
      "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      "actions/create-github-app-token@bcd2ba49218906704ab6c1aa796996da409d3eb1",
      "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
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
    // one deploy job per environment file, named after it (derived from the files: a new environment changes no test)
    expect(jobs.filter(([, stack]) => stack !== null).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1))).toEqual(
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
    const releaseJob = m(jobs.release);

    test("THEN it runs on a manual dispatch whose image_tag may be empty (an infrastructure change), and on the release dispatch of the API's repository", () => {
      expect(deploy.doc?.on).toEqual({
        workflow_dispatch: { inputs: { image_tag: expect.objectContaining({ required: false, default: "", type: "string" }) } },
        repository_dispatch: { types: ["release"] },
      });
      expect(releaseJob.if).toBe("github.ref == 'refs/heads/main'");
    });

    test("THEN the tag is resolved to its digest once, in the release job; what leaves it is the digest, never the tag", () => {
      const run = runs(deploy, "release").join("\n");
      expect(run).toContain('npm run -s release -- resolve --environment staging --tag "$IMAGE_TAG" >> "$GITHUB_OUTPUT"');
      expect(Object.keys(m(releaseJob.outputs)).sort()).toEqual(["digest", "image", "schema_version"]);
      // No other job reads the tag or resolves anything
      for (const [id, job] of Object.entries(jobs)) {
        if (id === "release") continue;
        const text = JSON.stringify(job);
        expect({ id, tag: /image_tag|outputs\.tag\b|client_payload|inputs\./.test(text), resolves: text.includes("imagetools") || text.includes("release -- resolve") }).toEqual({ id, tag: false, resolves: false });
      }
    });

    test("THEN every environment file has a job that records its release as a commit, and its deploy runs from that commit", () => {
      expect(releaseCommitProblems(deploy)).toEqual([]);
      expect(jobsOf(deploy).map(([, job]) => recordedEnvironment(job)).filter((e) => e !== undefined).sort()).toEqual(ENVIRONMENTS);
      for (const [id, job] of jobsOf(deploy).filter(([, j]) => recordedEnvironment(j) !== undefined)) {
        expect({ id, environment: job.environment, ref: checkedOutRef(job) }).toEqual({ id, environment: "release", ref: expect.stringMatching(/^\$\{\{ (github\.sha|needs\.[a-z-]+\.outputs\.commit) \}\}$/) });
        expect(m(stepsOf(deploy).find((s) => s.jobId === id && String(s.step.run ?? "").includes("record-release.sh"))?.step.env)).toMatchObject({
          IMAGE: "${{ needs.release.outputs.image }}",
          TOKEN: "${{ steps.app-token.outputs.token }}",
        });
      }
    });

    test("THEN the environments deploy one after another: a non-production one first, each next release recorded on top of the commit the one before was deployed and verified from", () => {
      // GIVEN each environment's record job and deploy job, and the tiers of the files (derived: a new environment
      // changes no test)
      const tierOf = (environment: string): string => JSON.parse(fs.readFileSync(path.join(ROOT, "environments", `${environment}.json`), "utf8")).tier;
      const jobOf = (find: (job: Mapping) => string | undefined) =>
        new Map(jobsOf(deploy).flatMap(([id, job]): Array<[string, string]> => (find(job) === undefined ? [] : [[String(find(job)).replace(/^whcsites-/, ""), id]])));
      const recordJob = jobOf(recordedEnvironment);
      const deployJob = jobOf(deployedStack);
      const recordOf = (environment: string): Mapping => m(jobs[recordJob.get(environment) as string]);
      // The environment before each: the deploy job its record job needs
      const before = new Map(ENVIRONMENTS.map((e) => [e, ENVIRONMENTS.filter((b) => needsOf(recordOf(e)).includes(deployJob.get(b) as string))]));
      for (const e of ENVIRONMENTS) expect([e, (before.get(e) ?? []).length <= 1]).toEqual([e, true]);
      const firsts = ENVIRONMENTS.filter((e) => (before.get(e) ?? []).length === 0);
      expect(firsts).toHaveLength(1);
      const order = [firsts[0]];
      const nextOf = (e: string) => ENVIRONMENTS.find((n) => before.get(n)?.[0] === e);
      for (let next = nextOf(firsts[0]); next !== undefined && !order.includes(next); next = nextOf(next)) order.push(next);
      // THEN they form one chain, which starts with a non-production environment (so production deploys only after a
      // verified one)
      expect([...order].sort()).toEqual(ENVIRONMENTS);
      expect(tierOf(order[0])).toBe("non-production");
      // AND the first release is recorded on the run's commit, each next one on top of the commit the environment before
      // was deployed from, after that deploy and its verify
      expect({ needs: needsOf(recordOf(order[0])), ref: checkedOutRef(recordOf(order[0])) }).toEqual({ needs: ["release"], ref: "${{ github.sha }}" });
      for (const [i, e] of order.slice(1).entries()) {
        const [recordBefore, deployBefore] = [recordJob.get(order[i]), deployJob.get(order[i])];
        expect({ e, needs: [...needsOf(recordOf(e))].sort(), ref: checkedOutRef(recordOf(e)) }).toEqual({ e, needs: ["release", recordBefore, deployBefore].sort(), ref: `\${{ needs.${recordBefore}.outputs.commit }}` });
      }
      // AND every environment that is not production deploys with cdktf deploy and verifies the release's digest
      for (const e of ENVIRONMENTS.filter((x) => !PRODUCTION.includes(x))) {
        expect(runs(deploy, deployJob.get(e) as string)).toEqual([`npx cdktf deploy whcsites-${e} --auto-approve`, `npm run verify -- --stack whcsites-${e} --no-jobs \${DIGEST:+--image-digest "$DIGEST"}`]);
      }
    });

    test("THEN every production environment applies a saved plan made before the approval with the plan role, checked by its sha256, and verifies the digest", () => {
      expect(savedPlanProblems(deploy, PRODUCTION)).toEqual([]);
      expect(PRODUCTION.length).toBeGreaterThan(0);
      for (const environment of PRODUCTION) {
        const production = m(jobs[environment]);
        expect(m(production.env)).toEqual({ DIGEST: "${{ needs.release.outputs.digest }}", PLAN_SHA256: `\${{ needs.plan-${environment}.outputs.sha256 }}` });
        expect(runs(deploy, environment)).toEqual([
          "npm run synth",
          `npm run apply-plan -- --stack whcsites-${environment} --plan plan.tfplan --sha256 "$PLAN_SHA256"`,
          `npm run verify -- --stack whcsites-${environment} --no-jobs \${DIGEST:+--image-digest "$DIGEST"}`,
        ]);
        expect(runs(deploy, `plan-${environment}`)).toContain(`npm run -s release-plan -- --stack whcsites-${environment} --out plan.tfplan >> "$GITHUB_OUTPUT"`);
        expect(uses(deploy, "actions/upload-artifact@").map((s) => s.jobId)).toContain(`plan-${environment}`);
        expect(uses(deploy, "actions/download-artifact@").map((s) => s.jobId)).toContain(environment);
      }
    });

    test("THEN it deploys every environment file", () => {
      expect(jobsOf(deploy).map(([, job]) => deployedStack(job)).filter((s) => s !== undefined).map((s) => String(s).replace(/^whcsites-/, "")).sort()).toEqual(ENVIRONMENTS);
    });
  });

  describe("GIVEN the release recording script (.github/scripts/record-release.sh) and a repository with a remote main", () => {
    const CLI = `node --require ${path.join(ROOT, "scripts", "register-ts.cjs")} ${path.join(ROOT, "scripts", "release.ts")}`;
    const IMAGE = `ghcr.io/whc-example/whcsites:1.5.0@sha256:${"5".repeat(64)}`;
    const identity = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" };
    let work: string;
    // stderr piped: git clone of the empty remote warns about it, which would print in a passing run
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...identity } }).trim();
    const record = (image: string) =>
      spawnSync("bash", [path.join(ROOT, ".github", "scripts", "record-release.sh")], {
        cwd: path.join(work, "clone"),
        encoding: "utf8",
        env: { ...process.env, RELEASE_CLI: CLI, ENVIRONMENT: "staging", IMAGE: image, SCHEMA_VERSION: "20251201120000", TOKEN: "unused", RUN_URL: "https://example.org/run/1" },
      });
    beforeAll(() => {
      work = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-record-"));
      git(work, "init", "-q", "--bare", "-b", "main", "origin.git");
      git(work, "clone", "-q", "origin.git", "clone");
      const clone = path.join(work, "clone");
      fs.mkdirSync(path.join(clone, "environments"));
      fs.copyFileSync(path.join(ROOT, "environments", "staging.json"), path.join(clone, "environments", "staging.json"));
      git(clone, "add", ".");
      git(clone, "commit", "-q", "-m", "staging");
      git(clone, "push", "-q", "origin", "HEAD:main");
    });
    afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

    test("WHEN there is no release (an infrastructure change) THEN nothing is committed and the deploy runs the checked-out commit", () => {
      const head = git(path.join(work, "clone"), "rev-parse", "HEAD");
      const run = record("");
      expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: `commit=${head}\n` });
      expect(git(work, "--git-dir=origin.git", "rev-parse", "main")).toBe(head);
    });

    test("WHEN a release is recorded THEN one commit changes the file's image, main has it, and its sha is the output", () => {
      const run = record(IMAGE);
      expect(run.status).toBe(0);
      const main = git(work, "--git-dir=origin.git", "rev-parse", "main");
      expect(run.stdout).toBe(`commit=${main}\n`);
      expect(git(work, "--git-dir=origin.git", "log", "-1", "--format=%s", "main")).toBe("Release whcsites:1.5.0 to staging");
      expect(git(work, "--git-dir=origin.git", "diff", "--name-only", "main~1", "main")).toBe("environments/staging.json");
      expect(JSON.parse(git(work, "--git-dir=origin.git", "show", "main:environments/staging.json")).image).toBe(IMAGE);
      // AND recording the same release again commits nothing
      expect(record(IMAGE).stdout).toBe(`commit=${main}\n`);
    });

    test("WHEN main moved since the run started THEN the release is not recorded, and the message says why", () => {
      const other = path.join(work, "other");
      git(work, "clone", "-q", "origin.git", "other");
      fs.writeFileSync(path.join(other, "README"), "another change\n");
      git(other, "add", ".");
      git(other, "commit", "-q", "-m", "another change");
      git(other, "push", "-q", "origin", "HEAD:main");
      const run = record(`ghcr.io/whc-example/whcsites:1.6.0@sha256:${"6".repeat(64)}`);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("record-release: the push of the release commit to main was refused, so the release is not recorded for staging: main moved since this run started");
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
    ["a deploy job without environment", good(deployJob({ environment: "" })), deployJobProblems, /jobs\.production\.environment: got null for a deploy of whcsites-production; allowed: "production"/],
    ["production deployed with cdktf deploy instead of a saved plan", good(deployJob()), (f) => savedPlanProblems(f, ["production"]), /jobs\.production: runs cdktf deploy whcsites-production; allowed in production: npm run apply-plan of the reviewed plan/],
    ["a deploy with no job recording its release", good(deployJob()), releaseCommitProblems, /jobs\.production: deploys whcsites-production, but no job records its release/],
    ["production deployed from the staging environment", good(deployJob({ environment: "    environment: staging" })), deployJobProblems, /jobs\.production\.environment: got "staging" for a deploy of whcsites-production; allowed: "production"/],
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
