import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";

/*
 * The repository's rules for GitHub Actions files, checked on the tree GitHub's own parser builds
 * (parse-with-github.mjs), plus the raw text for what YAML drops (the version comment after a pinned SHA).
 * Every problem is one line: `<file>: <field>: got <value>; allowed: <what>`.
 */

/** A YAML value as the parser's token tree holds it, with expressions as `${{ <expression> }}`. */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

/** One parsed workflow or action file. */
export interface ParsedFile {
  readonly name: string;
  readonly kind: "workflow" | "action";
  readonly text: string;
  /** GitHub's parser's errors (schema and model), verbatim. */
  readonly errors: readonly string[];
  /** The document, or null when it did not parse. */
  readonly doc: { [key: string]: Plain } | null;
}

const PARSER = path.join(__dirname, "parse-with-github.mjs");
const ROOT = path.resolve(__dirname, "..", "..");

function plain(token: any): Plain {
  if (token === null || typeof token !== "object") return token;
  if (token.type === 2) return Object.fromEntries((token.map as { Key: unknown; Value: unknown }[]).map(({ Key, Value }) => [String(plain(Key)), plain(Value)]));
  if (token.type === 1) return (token.seq as unknown[]).map(plain);
  if (token.type === 3) return `\${{ ${token.expr} }}`;
  throw new Error(`parse-with-github: unexpected token ${JSON.stringify(token).slice(0, 200)}`);
}

/** Parses files with GitHub's parser (one child process for all). */
export function parseWithGithub(files: ReadonlyArray<{ readonly name: string; readonly content: string; readonly kind: "workflow" | "action" }>): ParsedFile[] {
  const run = spawnSync(process.execPath, [PARSER], { cwd: ROOT, input: JSON.stringify(files), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`parse-with-github exited ${run.status}: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { name: string; errors: string[]; tree: unknown }[];
  return results.map((r, i) => ({ name: r.name, kind: files[i].kind, text: files[i].content, errors: r.errors, doc: r.tree === null ? null : (plain(r.tree) as ParsedFile["doc"]) }));
}

/** Every workflow in .github/workflows and every local action in .github/actions, parsed. */
export function parseRepositoryFiles(root = ROOT): ParsedFile[] {
  const workflows = path.join(root, ".github", "workflows");
  const actions = path.join(root, ".github", "actions");
  const files: { name: string; content: string; kind: "workflow" | "action" }[] = [];
  for (const f of fs.existsSync(workflows) ? fs.readdirSync(workflows).sort() : []) {
    if (/\.ya?ml$/.test(f)) files.push({ name: `.github/workflows/${f}`, content: fs.readFileSync(path.join(workflows, f), "utf8"), kind: "workflow" });
  }
  for (const d of fs.existsSync(actions) ? fs.readdirSync(actions).sort() : []) {
    const file = path.join(actions, d, "action.yml");
    if (fs.existsSync(file)) files.push({ name: `.github/actions/${d}/action.yml`, content: fs.readFileSync(file, "utf8"), kind: "action" });
  }
  return parseWithGithub(files);
}

type Mapping = { [key: string]: Plain };
const isMapping = (v: Plain | undefined): v is Mapping => v !== null && typeof v === "object" && !Array.isArray(v);
const mapping = (v: Plain | undefined): Mapping => (isMapping(v) ? v : {});
const sequence = (v: Plain | undefined): Plain[] => (Array.isArray(v) ? v : []);

/** A step of a job or of a composite action, with the field path used in messages. */
export interface StepRef {
  readonly field: string;
  readonly step: Mapping;
  readonly jobId?: string;
}

/** The jobs of a workflow. */
export function jobsOf(file: ParsedFile): [string, Mapping][] {
  return Object.entries(mapping(file.doc?.jobs)).map(([id, job]) => [id, mapping(job)]);
}

/** Every step of a workflow's jobs, or of a composite action. */
export function stepsOf(file: ParsedFile): StepRef[] {
  if (file.kind === "action") return sequence(mapping(file.doc?.runs).steps).map((step, i) => ({ field: `runs.steps[${i}]`, step: mapping(step) }));
  return jobsOf(file).flatMap(([jobId, job]) => sequence(job.steps).map((step, i) => ({ field: `jobs.${jobId}.steps[${i}]`, step: mapping(step), jobId })));
}

/** Errors of GitHub's parser. */
export function parseProblems(file: ParsedFile): string[] {
  return file.errors.map((e) => `${file.name}: GitHub's parser: ${e}`);
}

const ALLOWED_PERMISSIONS: Readonly<Record<string, string>> = { contents: "read", "id-token": "write", packages: "read" };
const ASSUMES_ROLE = (uses: string) => uses === "./.github/actions/aws-role" || uses.startsWith("aws-actions/configure-aws-credentials@");

/**
 * Minimal permissions: the workflow declares `permissions` (a mapping); nothing grants more than `contents: read`
 * and `id-token: write`; `id-token: write` only on the jobs that assume an AWS role, never for the whole workflow.
 */
export function permissionProblems(file: ParsedFile): string[] {
  if (file.kind !== "workflow") return [];
  const problems: string[] = [];
  const check = (field: string, value: Plain | undefined) => {
    if (!isMapping(value)) {
      const given = value === undefined ? "nothing (not declared)" : JSON.stringify(value);
      problems.push(`${file.name}: ${field}: got ${given}; allowed: a mapping of scopes (contents: read, id-token: write)`);
      return;
    }
    for (const [scope, level] of Object.entries(value)) {
      if (ALLOWED_PERMISSIONS[scope] !== level && level !== "none") {
        problems.push(`${file.name}: ${field}.${scope}: got ${JSON.stringify(level)}; allowed: ${scope in ALLOWED_PERMISSIONS ? `"${ALLOWED_PERMISSIONS[scope]}" or "none"` : '"none" (the workflows need contents: read, id-token: write and packages: read only)'}`);
      }
    }
  };
  check("permissions", file.doc?.permissions);
  if (isMapping(file.doc?.permissions) && file.doc?.permissions["id-token"] === "write") {
    problems.push(`${file.name}: permissions.id-token: got "write" for the whole workflow; allowed: on the jobs that assume an AWS role only`);
  }
  for (const [jobId, job] of jobsOf(file)) {
    if (job.permissions !== undefined) check(`jobs.${jobId}.permissions`, job.permissions);
    const assumes = sequence(job.steps).some((s) => typeof mapping(s).uses === "string" && ASSUMES_ROLE(mapping(s).uses as string));
    const idToken = mapping(job.permissions)["id-token"] === "write";
    if (assumes && !idToken) problems.push(`${file.name}: jobs.${jobId}.permissions.id-token: got ${JSON.stringify(mapping(job.permissions)["id-token"] ?? null)}; allowed: "write" (the job assumes an AWS role through OIDC)`);
    if (!assumes && idToken) problems.push(`${file.name}: jobs.${jobId}.permissions.id-token: got "write"; allowed: only on jobs that assume an AWS role (this one does not)`);
  }
  return problems;
}

const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v\d+(\.\d+){0,2}\b/;

/**
 * Every non-local `uses:` names a full 40-hex commit SHA, and its line carries the release it is (`# v1.2.3`).
 * Local actions (`./...`) must exist as a directory with an action.yml. Docker images are not used.
 */
export function pinProblems(file: ParsedFile, root = ROOT): string[] {
  const problems: string[] = [];
  const lines = file.text.split("\n");
  const uses: { field: string; value: string }[] = stepsOf(file)
    .filter((s) => s.step.uses !== undefined)
    .map((s) => ({ field: `${s.field}.uses`, value: String(s.step.uses) }));
  for (const [jobId, job] of jobsOf(file)) if (job.uses !== undefined) uses.push({ field: `jobs.${jobId}.uses`, value: String(job.uses) });
  for (const { field, value } of uses) {
    if (value.startsWith("./")) {
      if (!fs.existsSync(path.join(root, value, "action.yml"))) problems.push(`${file.name}: ${field}: got "${value}"; allowed: a local action directory with an action.yml`);
      continue;
    }
    if (!PINNED.test(value)) {
      problems.push(`${file.name}: ${field}: got "${value}"; allowed: <owner>/<repository>@<full 40-hex commit SHA> # v<version>`);
      continue;
    }
    const line = lines.find((l) => new RegExp(`^\\s*(-\\s+)?uses:\\s*["']?${value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}["']?(\\s|$)`).test(l));
    if (line === undefined || !VERSION_COMMENT.test(line.slice(line.indexOf(value) + value.length))) {
      problems.push(`${file.name}: ${field}: got "${value}" without a version comment; allowed: the SHA followed by the release it is, such as "# v4.2.2"`);
    }
  }
  return problems;
}

/** No `run:` script interpolates an expression: values reach the shell through `env:` (no script injection). */
export function runInjectionProblems(file: ParsedFile): string[] {
  return stepsOf(file)
    .filter((s) => typeof s.step.run === "string" && (s.step.run as string).includes("${{"))
    .map((s) => `${file.name}: ${s.field}.run: got an expression inside the script; allowed: pass it through env: and use "$NAME"`);
}

/** The stack a job deploys (`cdktf deploy <stack>`, or `npm run apply-plan -- --stack <stack>`), if any. */
export function deployedStack(job: Mapping): string | undefined {
  for (const step of sequence(job.steps)) {
    const match = /\bcdktf deploy\s+(\S+)|\bapply-plan -- --stack\s+(\S+)/.exec(String(mapping(step).run ?? ""));
    if (match !== null) return match[1] ?? match[2];
  }
  return undefined;
}

/** The stack a job plans into a saved plan (`npm run release-plan -- --stack <stack>`), if any. */
export function plannedStack(job: Mapping): string | undefined {
  for (const step of sequence(job.steps)) {
    const match = /\brelease-plan -- --stack\s+(\S+)/.exec(String(mapping(step).run ?? ""));
    if (match !== null) return match[1];
  }
  return undefined;
}

/** The environment a job records a release for (`.github/scripts/record-release.sh` with ENVIRONMENT), if any. */
export function recordedEnvironment(job: Mapping): string | undefined {
  const step = sequence(job.steps).map(mapping).find((s) => String(s.run ?? "").includes(".github/scripts/record-release.sh"));
  return step === undefined ? undefined : String(mapping(step.env).ENVIRONMENT);
}

/** The `needs` of a job, as a list. */
export function needsOf(job: Mapping): string[] {
  return typeof job.needs === "string" ? [job.needs] : sequence(job.needs).map(String);
}

/** The commit a job checks out (`actions/checkout`'s `ref`), as written. */
export function checkedOutRef(job: Mapping): string | undefined {
  const step = sequence(job.steps).map(mapping).find((s) => String(s.uses ?? "").startsWith("actions/checkout@"));
  const ref = mapping(step?.with).ref;
  return ref === undefined ? undefined : String(ref);
}

/**
 * Releases are commits: every job that deploys or plans an environment checks out the commit of the job that recorded
 * that environment's release (directly, or through the plan job it applies), which it needs.
 */
export function releaseCommitProblems(file: ParsedFile): string[] {
  const problems: string[] = [];
  const jobs = Object.fromEntries(jobsOf(file));
  for (const [jobId, job] of jobsOf(file)) {
    const stack = deployedStack(job) ?? plannedStack(job);
    if (stack === undefined) continue;
    const environment = stack.replace(/^whcsites-/, "");
    const recorder = Object.entries(jobs).find(([, j]) => recordedEnvironment(j) === environment)?.[0];
    if (recorder === undefined) {
      problems.push(`${file.name}: jobs.${jobId}: deploys ${stack}, but no job records its release (.github/scripts/record-release.sh with ENVIRONMENT: ${environment}); allowed: a record job it checks out the commit of`);
      continue;
    }
    const via = needsOf(job).find((n) => plannedStack(jobs[n] ?? {}) === stack);
    const source = via ?? recorder;
    const expected = via === undefined ? `\${{ needs.${recorder}.outputs.commit }}` : `\${{ needs.${via}.outputs.commit }}`;
    if (!needsOf(job).includes(source) || checkedOutRef(job) !== expected) {
      problems.push(`${file.name}: jobs.${jobId}: checks out ${JSON.stringify(checkedOutRef(job) ?? null)}; allowed: ${expected} (the commit that records ${environment}'s release), with needs: ${source}`);
    }
  }
  return problems;
}

/**
 * Production applies the plan that was reviewed: the deploy job of a production environment runs `apply-plan` with
 * `--sha256` from a plan job it needs; that plan job runs `release-plan` for the same stack with the plan role, in no
 * GitHub environment (so before the approval); `cdktf deploy` of it is refused.
 */
export function savedPlanProblems(file: ParsedFile, productionEnvironments: readonly string[]): string[] {
  const problems: string[] = [];
  const jobs = Object.fromEntries(jobsOf(file));
  for (const [jobId, job] of jobsOf(file)) {
    const stack = deployedStack(job);
    if (stack === undefined || !productionEnvironments.includes(stack.replace(/^whcsites-/, ""))) continue;
    const environment = stack.replace(/^whcsites-/, "");
    const runs = sequence(job.steps).map((s) => String(mapping(s).run ?? ""));
    if (runs.some((r) => /\bcdktf deploy\b/.test(r))) {
      problems.push(`${file.name}: jobs.${jobId}: runs cdktf deploy ${stack}; allowed in production: npm run apply-plan of the reviewed plan`);
      continue;
    }
    const plan = needsOf(job).find((n) => plannedStack(jobs[n] ?? {}) === stack);
    if (plan === undefined) {
      problems.push(`${file.name}: jobs.${jobId}: needs no job that runs release-plan -- --stack ${stack}; allowed: the plan job whose plan it applies`);
      continue;
    }
    if (!runs.some((r) => r.includes(`apply-plan -- --stack ${stack} `) && r.includes("--sha256"))) {
      problems.push(`${file.name}: jobs.${jobId}: does not apply the plan by its sha256; allowed: npm run apply-plan -- --stack ${stack} --plan <file> --sha256 <the plan job's sha256>`);
    }
    const planJob = jobs[plan];
    if (planJob.environment !== undefined) problems.push(`${file.name}: jobs.${plan}.environment: got ${JSON.stringify(planJob.environment)}; allowed: none (the plan is made before the approval)`);
    const role = mapping(sequence(planJob.steps).map(mapping).find((s) => s.uses === "./.github/actions/aws-role")?.with);
    if (role.environment !== environment || role.role !== "plan") {
      problems.push(`${file.name}: jobs.${plan}: assumes ${JSON.stringify(role.role ?? null)} of ${JSON.stringify(role.environment ?? null)}; allowed: the plan role of "${environment}" (read-only state)`);
    }
  }
  return problems;
}

/**
 * Deploy jobs: a job that runs `cdktf deploy whcsites-<env>` runs in the GitHub environment `<env>` (production's
 * required reviewers gate it; the deploy role trusts only that environment), assumes `<env>`'s deploy role, and has
 * `concurrency` with a group naming `<env>` and `cancel-in-progress: false`.
 */
export function deployJobProblems(file: ParsedFile): string[] {
  const problems: string[] = [];
  for (const [jobId, job] of jobsOf(file)) {
    const stack = deployedStack(job);
    if (stack === undefined) continue;
    const environment = stack.replace(/^whcsites-/, "");
    const named = isMapping(job.environment) ? job.environment.name : job.environment;
    if (named !== environment) problems.push(`${file.name}: jobs.${jobId}.environment: got ${JSON.stringify(named ?? null)} for a deploy of ${stack}; allowed: "${environment}"`);
    const role = sequence(job.steps).map(mapping).find((s) => s.uses === "./.github/actions/aws-role");
    const withs = mapping(role?.with);
    if (withs.environment !== environment || withs.role !== "deploy") {
      problems.push(`${file.name}: jobs.${jobId}: assumes ${JSON.stringify(withs.role ?? null)} of ${JSON.stringify(withs.environment ?? null)}; allowed: the deploy role of "${environment}"`);
    }
    const concurrency = job.concurrency;
    if (concurrency === undefined) {
      problems.push(`${file.name}: jobs.${jobId}.concurrency: got nothing; allowed: a group naming "${environment}" with cancel-in-progress: false (one deploy of an environment at a time)`);
      continue;
    }
    const group = isMapping(concurrency) ? concurrency.group : concurrency;
    if (typeof group !== "string" || !group.includes(environment)) {
      problems.push(`${file.name}: jobs.${jobId}.concurrency.group: got ${JSON.stringify(group ?? null)}; allowed: a group naming "${environment}" (one deploy of an environment at a time)`);
    }
    if (!isMapping(concurrency) || concurrency["cancel-in-progress"] !== false) {
      problems.push(
        `${file.name}: jobs.${jobId}.concurrency.cancel-in-progress: got ${JSON.stringify(isMapping(concurrency) ? (concurrency["cancel-in-progress"] ?? null) : null)}; allowed: false (a cancelled apply leaves its lock and a half-applied stack)`,
      );
    }
  }
  return problems;
}

/** Every rule above, for one file. */
export function allProblems(file: ParsedFile, root = ROOT): string[] {
  return [...parseProblems(file), ...permissionProblems(file), ...pinProblems(file, root), ...runInjectionProblems(file), ...deployJobProblems(file)];
}
