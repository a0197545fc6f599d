/**
 * The recipes of the guides as steps a test can apply to a copy of the repository, read from the guides themselves.
 *
 * A recipe step is an HTML comment in a guide, invisible on GitHub, right beside the step it stands for:
 *
 *     <!-- recipe <id>[, <id>...]: <action> <arguments> -->
 *
 * and, for the actions that take a value, the fenced ```json block that follows it is that value, as the reader sees
 * it. Actions:
 *
 * - `copy <from> <to>`: copy a file;
 * - `merge <file> <path>`: merge the JSON block into the object at `<path>` of a JSON file (`.` is the top level;
 *   objects merge key by key, anything else is replaced);
 * - `set <file> <path>`: set the value at `<path>` to the JSON block;
 * - `workflow-plan <environment>`: add it to the `plan` job's `matrix.environment` in .github/workflows/ci.yml;
 * - `workflow-deploy <environment> after <environment before>`: its two jobs in .github/workflows/deploy.yml, copies of
 *   `record-staging` and `staging` with the name replaced; `record-<environment>` needs `release`, the environment
 *   before's record job and its deploy job, and checks out the former's commit; the record job that followed the
 *   environment before now follows the new one the same way;
 * - `run <command>`: run a documented command (`npm run <script>` only);
 * - `emulator <command>`: a documented command that needs the AWS emulator and minutes (`npm run test:apply -- ...`):
 *   the recipe test does not run it, and leaves out the suites that read what it writes (see recipes.test.ts).
 *
 * A JSON file keeps its formatting: jsonc-parser edits only the text it changes. Workflows keep their comments (yaml's
 * document API). A new kind of recipe brings its steps in its guide (adding a job needed none here), and a new action
 * here only if it needs one.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { applyEdits, modify, parse, type JSONPath } from "jsonc-parser";
import { isMap, isScalar, isSeq, parseDocument, visit, type Document, type Pair, type YAMLMap } from "yaml";

/** One step of a recipe, as a guide writes it. */
export interface RecipeStep {
  /** The recipes it belongs to. */
  readonly recipes: readonly string[];
  readonly action: string;
  readonly args: readonly string[];
  /** The JSON block after the comment, for the actions that take a value. */
  readonly value?: unknown;
  /** Where it is, for messages: `<guide>:<line>`. */
  readonly source: string;
}

const ACTIONS_WITH_VALUE = new Set(["merge", "set"]);
const ACTIONS = new Set(["copy", "merge", "set", "workflow-plan", "workflow-deploy", "run", "emulator"]);
// At the start of a line (a guide may quote one inline, in backticks, as an example).
const STEP = /^[ \t]*<!--[ \t]*recipe[ \t]+([a-z0-9-]+(?:[ \t]*,[ \t]*[a-z0-9-]+)*)[ \t]*:[ \t]*([a-z-]+)([^\n]*?)[ \t]*-->/gm;

/** Every recipe step of a guide, in the order written. Throws on an unknown action or a missing JSON block. */
export function recipeSteps(markdown: string, guide: string): RecipeStep[] {
  const steps: RecipeStep[] = [];
  for (const match of markdown.matchAll(STEP)) {
    const line = markdown.slice(0, match.index).split("\n").length;
    const source = `${guide}:${line}`;
    const [, ids, action, rest] = match;
    if (!ACTIONS.has(action)) throw new Error(`${source}: recipe action ${JSON.stringify(action)}; allowed: ${[...ACTIONS].join(", ")}`);
    let value: unknown;
    if (ACTIONS_WITH_VALUE.has(action)) {
      // The next fenced block, which must follow the comment with nothing but blank space between.
      const after = markdown.slice((match.index ?? 0) + match[0].length);
      const block = /^\s*```json\n([\s\S]*?)\n\s*```/.exec(after);
      if (block === null) throw new Error(`${source}: recipe step "${action}" needs a \`\`\`json block right after it`);
      value = JSON.parse(block[1]);
    }
    steps.push({ recipes: ids.split(",").map((id) => id.trim()), action, args: rest.trim().split(/\s+/).filter((a) => a !== ""), value, source });
  }
  return steps;
}

/** The steps of one recipe. */
export function stepsOf(steps: readonly RecipeStep[], recipe: string): RecipeStep[] {
  return steps.filter((s) => s.recipes.includes(recipe));
}

/** `services.admin.route` or `.` as a jsonc-parser path. */
function jsonPath(dotted: string): JSONPath {
  return dotted === "." ? [] : dotted.split(".");
}

/** Changes one JSON file in place, keeping the formatting of everything it does not change. */
function editJson(file: string, edit: (text: string) => string): void {
  fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
}

function setJson(text: string, at: JSONPath, value: unknown): string {
  return applyEdits(text, modify(text, at, value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } }));
}

/** Merges `value` into the object at `at`: objects key by key, anything else replaced. */
function mergeJson(text: string, at: JSONPath, value: unknown): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return setJson(text, at, value);
  let current = text;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const existing = at.concat(key).reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k as string], parse(current));
    const bothObjects = [existing, item].every((v) => v !== null && typeof v === "object" && !Array.isArray(v));
    current = bothObjects ? mergeJson(current, at.concat(key), item) : setJson(current, at.concat(key), item);
  }
  return current;
}

/** Applies `steps` in order to the repository copy at `root`. `run` executes a documented command there. */
export function applySteps(root: string, steps: readonly RecipeStep[], run: (argv: readonly string[], step: RecipeStep) => void): void {
  for (const step of steps) {
    const [first, second, third, fourth] = step.args;
    const at = (file: string) => path.join(root, file);
    switch (step.action) {
      case "copy":
        fs.copyFileSync(at(first), at(second));
        break;
      case "merge":
        editJson(at(first), (text) => mergeJson(text, jsonPath(second), step.value));
        break;
      case "set":
        editJson(at(first), (text) => setJson(text, jsonPath(second), step.value));
        break;
      case "workflow-plan":
        editWorkflow(at(".github/workflows/ci.yml"), (doc) => addToPlanMatrix(doc, first, step));
        break;
      case "workflow-deploy":
        if (second !== "after" || third === undefined || fourth !== undefined) throw new Error(`${step.source}: workflow-deploy <environment> after <job>; got ${step.args.join(" ")}`);
        editWorkflow(at(".github/workflows/deploy.yml"), (doc) => addDeployJob(doc, first, third, step));
        break;
      case "run":
        if (first !== "npm" || second !== "run" || third === undefined) throw new Error(`${step.source}: run takes "npm run <script>"; got ${step.args.join(" ")}`);
        run(step.args, step);
        break;
      case "emulator":
        // Documented, and run by CI's npm run test:apply, not here.
        if (first !== "npm" || second !== "run" || third !== "test:apply") throw new Error(`${step.source}: emulator takes "npm run test:apply ..."; got ${step.args.join(" ")}`);
        break;
      default:
        throw new Error(`${step.source}: unknown action ${step.action}`);
    }
  }
}

function editWorkflow(file: string, edit: (doc: Document) => void): void {
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  edit(doc);
  fs.writeFileSync(file, doc.toString({ lineWidth: 0, flowCollectionPadding: false }));
}

function addToPlanMatrix(doc: Document, environment: string, step: RecipeStep): void {
  const list = doc.getIn(["jobs", "plan", "strategy", "matrix", "environment"], true);
  if (!isSeq(list)) throw new Error(`${step.source}: ci.yml has no jobs.plan.strategy.matrix.environment list`);
  list.add(doc.createNode(environment));
}

/** The job ids a job's `needs` names (a name or a list of names). */
function needsOf(job: YAMLMap): string[] {
  const needs: unknown = job.get("needs", true);
  if (isScalar(needs)) return [String(needs.value)];
  if (isSeq(needs)) return needs.items.map((item: unknown) => String(isScalar(item) ? item.value : item));
  return [];
}

/** The id of the job that records `environment`'s release (`.github/scripts/record-release.sh` with ENVIRONMENT). */
function recordJobOf(jobs: YAMLMap, environment: string): string | undefined {
  for (const pair of jobs.items) {
    const steps: unknown = isMap(pair.value) ? pair.value.get("steps", true) : undefined;
    if (!isSeq(steps)) continue;
    const records = steps.items.some((item) => {
      if (!isMap(item) || !String(item.get("run") ?? "").includes(".github/scripts/record-release.sh")) return false;
      const env: unknown = item.get("env", true);
      return isMap(env) && env.get("ENVIRONMENT") === environment;
    });
    if (records && isScalar(pair.key)) return String(pair.key.value);
  }
  return undefined;
}

/** Sets the `ref` of a job's `actions/checkout` step. */
function setCheckoutRef(job: YAMLMap, ref: string, step: RecipeStep): void {
  const steps: unknown = job.get("steps", true);
  const checkout = isSeq(steps) ? steps.items.find((item) => isMap(item) && String(item.get("uses") ?? "").startsWith("actions/checkout@")) : undefined;
  if (!isMap(checkout)) throw new Error(`${step.source}: a record job without an actions/checkout step`);
  checkout.setIn(["with", "ref"], ref);
}

/** A copy of a job with the environment's name in place of "staging", in values and comments alike. */
function renamedCopy(template: YAMLMap, environment: string): YAMLMap {
  const job = template.clone() as YAMLMap;
  const rename = (text: string | null | undefined) => text?.replace(/\bstaging\b/g, environment);
  visit(job, {
    Node(_key, node) {
      if (isScalar(node) && typeof node.value === "string") node.value = rename(node.value);
      node.commentBefore = rename(node.commentBefore) ?? undefined;
      node.comment = rename(node.comment) ?? undefined;
    },
    Pair(_key, pair: Pair) {
      if (isScalar(pair.key)) pair.key.commentBefore = rename(pair.key.commentBefore) ?? undefined;
    },
  });
  return job;
}

/**
 * The two jobs of a new environment, after `after`'s: `record-<environment>` records the release on top of the commit
 * `after` was deployed and verified from, once it was; `<environment>` deploys from that commit (as staging does).
 */
function addDeployJob(doc: Document, environment: string, after: string, step: RecipeStep): void {
  const jobs = doc.get("jobs", true);
  if (!isMap(jobs)) throw new Error(`${step.source}: deploy.yml has no jobs`);
  const recordStaging = recordJobOf(jobs, "staging");
  const [recordTemplate, deployTemplate] = [recordStaging, "staging"].map((id) => (id === undefined ? undefined : jobs.get(id, true)));
  if (recordStaging === undefined || !isMap(recordTemplate) || !isMap(deployTemplate)) throw new Error(`${step.source}: deploy.yml has no staging job and record job to copy`);
  const recordAfter = recordJobOf(jobs, after);
  if (!jobs.has(after) || recordAfter === undefined) throw new Error(`${step.source}: deploy.yml has no job ${after} and record job of it to follow`);
  const record = renamedCopy(recordTemplate, environment);
  const recordId = recordStaging.replace(/\bstaging\b/g, environment);
  const follow = (job: YAMLMap, recordBefore: string, before: string) => {
    job.set("needs", doc.createNode(["release", recordBefore, before], { flow: true }));
    setCheckoutRef(job, `\${{ needs.${recordBefore}.outputs.commit }}`, step);
  };
  follow(record, recordAfter, after);
  // The record job that followed `after` now follows the new environment.
  for (const pair of jobs.items) {
    const other = pair.value;
    if (isMap(other) && needsOf(other).includes(after) && needsOf(other).includes(recordAfter)) {
      follow(other, recordId, environment);
    }
  }
  const index = jobs.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === after);
  const pairs = [
    [recordId, record],
    [environment, renamedCopy(deployTemplate, environment)],
  ].map(([id, job]) => {
    const key = doc.createNode(id);
    key.spaceBefore = true;
    return doc.createPair(key, job);
  });
  jobs.items.splice(index + 1, 0, ...pairs);
}

/** Runs `npm run <script>` in `cwd`; throws with its output when it fails. */
export function runDocumented(cwd: string, argv: readonly string[], env: NodeJS.ProcessEnv, step: RecipeStep): string {
  const [command, ...args] = argv;
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 600_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${step.source}: \`${argv.join(" ")}\` exited ${result.status ?? result.signal}:\n${output}`);
  return output;
}
