/**
 * Every AWS call an environment's stack makes (the committed recording of `npm run test:apply`, permissions/) is
 * allowed to the role that makes it, as the current code synthesizes that role: the deploy role (its policies and its
 * permissions boundary) for the deploy's phases, the plan role for the CI's plan. Evaluated with
 * @cloud-copilot/iam-simulate; a denied call fails the test, naming the role, the action and the resource.
 *
 * The environments come from the environment files (every one with `delivery`), never from a list here.
 */
import * as path from "node:path";
import { environmentFolders } from "../../scripts/lib/synth/synth";
import { readRecording, recordingFile, type RecordedCall } from "../../scripts/lib/permissions/recording";
import { CATALOGUE_GAPS } from "../../scripts/lib/permissions/iam-calls";
import { githubOidcProviderArn } from "../../src/constructs/delivery/github-oidc-provider";
import { loadEnvironments } from "../../src/config/environment";
import { evaluate, rolesOf, stateOf, synthesizedStacks, type EvaluatedRole, type PolicyDocument } from "../helpers/iam-evaluation";

const ROOT = path.join(__dirname, "..", "..");
const UPDATE = "npm run test:apply -- --update-permissions";
const stateAccount = stateOf(ROOT).accountId;

/** Phases the deploy role runs (the deploy job, an operator's teardown); the CI plan runs as the plan role. */
const PLAN_PHASES = new Set(["ci-plan"]);

/** Placeholders of the recording, and the values the evaluation puts in their place. */
function concrete(text: string, account: string): string {
  return text.split("{account}").join(account).split("{id}").join("0123456789abcdef0").split("{revision}").join("7").split("{suffix}").join("AbC123").split("{caller}").join("caller");
}

function contextOf(call: RecordedCall, account: string, region: string): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { "aws:RequestedRegion": region, "kms:CallerAccount": account };
  for (const [k, v] of Object.entries(call.requestTags ?? {})) context[`aws:RequestTag/${k}`] = v;
  if (call.requestTags !== undefined) context["aws:TagKeys"] = Object.keys(call.requestTags);
  for (const [k, v] of Object.entries(call.resourceTags ?? {})) context[`aws:ResourceTag/${k}`] = v;
  for (const [k, v] of Object.entries(call.context ?? {})) context[k] = concrete(v, account);
  return context;
}

interface Subject {
  readonly app: string;
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly stack: string;
}

const subjects: Subject[] = [];
const stacksByApp = new Map<string, Map<string, Record<string, unknown>>>();
for (const folder of environmentFolders(ROOT)) {
  const app = folder.name === "environments" ? "environments" : folder.name.replace(/\/environments$/, "");
  for (const config of loadEnvironments(folder.dir)) {
    if (config.delivery === undefined) continue;
    subjects.push({ app, environment: config.name, account: config.accountId, region: config.region, stack: `whcsites-${config.name}` });
  }
  stacksByApp.set(app, synthesizedStacks(ROOT, path.relative(ROOT, folder.dir)));
}

describe.each(subjects)("the recorded calls of $app/$stack", (subject) => {
  const stacks = stacksByApp.get(subject.app)!;
  const github = stacks.get(`${subject.stack}-github`)!;
  const environment = stacks.get(subject.stack)!;
  const roles = rolesOf(github, subject.account, { "${aws_iam_openid_connect_provider.github_oidc.arn}": githubOidcProviderArn(subject.account, subject.region) });
  const deploy = roles.get(`${subject.stack}-github-deploy`)!;
  const plan = roles.get(`${subject.stack}-github-plan`)!;
  // The KMS keys the stack creates, by description: a call on a key is evaluated under that key's policy, a call on a
  // key not created yet (tags on create) under each of them.
  const keys = Object.values(((environment.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>).aws_kms_key ?? {});
  const keyPolicies = new Map(keys.map((k) => [String(k.description), JSON.parse(String(k.policy)) as PolicyDocument]));
  const keyPoliciesOf = (call: RecordedCall): PolicyDocument[] => {
    if (call.keyDescription === undefined) return [...keyPolicies.values()];
    const policy = keyPolicies.get(call.keyDescription);
    if (policy === undefined) throw new Error(`${call.action} on ${call.resource}: the stack creates no key described "${call.keyDescription}"`);
    return [policy];
  };
  const file = recordingFile(subject.app, subject.stack);
  const recording = readRecording(file);

  it("GIVEN the environment file WHEN the recording is looked up THEN it is committed", () => {
    if (recording === undefined) throw new Error(`${path.relative(ROOT, file)} is missing: run \`${UPDATE}\` and commit it`);
    expect(recording.calls.length).toBeGreaterThan(0);
  });

  it("GIVEN the roles of the current code WHEN every recorded call is evaluated against the role that makes it THEN none is denied", async () => {
    const denied: string[] = [];
    for (const call of recording?.calls ?? []) {
      const byRole: Array<[EvaluatedRole, string[]]> = [
        [deploy, call.phases.filter((p) => !PLAN_PHASES.has(p))],
        [plan, call.phases.filter((p) => PLAN_PHASES.has(p))],
      ];
      for (const [role, phases] of byRole) {
        if (phases.length === 0) continue;
        const resource = concrete(call.resource, subject.account);
        const isKey = call.action.startsWith("kms:") && /:key\//.test(resource);
        const resourcePolicies: Array<PolicyDocument | undefined> = isKey ? keyPoliciesOf(call) : [undefined];
        for (const resourcePolicy of resourcePolicies) {
          const result = await evaluate(role, {
            action: call.action,
            resource,
            context: contextOf(call, subject.account, subject.region),
            ...(resourcePolicy !== undefined ? { resourcePolicy } : {}),
            withoutValidation: CATALOGUE_GAPS.has(call.action),
          });
          if (result.decision === "Allowed") continue;
          const line = `${role.name} is ${result.decision === "Error" ? "not evaluable for" : result.decision === "ExplicitlyDenied" ? "explicitly denied" : "denied"} ${call.action} on ${resource}${isKey ? " under one of the stack's key policies" : ""} (${phases.join(", ")}; by ${call.by.join(", ")}${call.implied !== undefined ? `; ${call.implied}` : ""})${result.detail !== undefined ? `: ${result.detail}` : ""}`;
          denied.push(line);
          break;
        }
      }
    }
    expect(denied).toEqual([]);
  });
});

/** Whether an IAM action only reads (its name says so): the deploy role may read what an administrator deploys. */
const READS = /^[a-z0-9-]+:(Get|List|Describe|Head)/;

describe.each(subjects)("the deploy's writes of $app/$stack, against the plan role", (subject) => {
  const roles = rolesOf(stacksByApp.get(subject.app)!.get(`${subject.stack}-github`)!, subject.account, {
    "${aws_iam_openid_connect_provider.github_oidc.arn}": githubOidcProviderArn(subject.account, subject.region),
  });
  const plan = roles.get(`${subject.stack}-github-plan`)!;

  it("GIVEN every write the deploy makes (apply, resize, failed migration, destroy) WHEN the plan role makes it THEN it is denied", async () => {
    const recording = readRecording(recordingFile(subject.app, subject.stack));
    const writes = (recording?.calls ?? []).filter((c) => !READS.test(c.action) && !c.phases.every((p) => PLAN_PHASES.has(p)));
    expect(writes.length).toBeGreaterThan(0);
    const allowed: string[] = [];
    for (const call of writes) {
      const resource = concrete(call.resource, subject.account);
      const result = await evaluate(plan, { action: call.action, resource, context: contextOf(call, subject.account, subject.region), withoutValidation: CATALOGUE_GAPS.has(call.action) });
      if (result.decision === "Allowed") allowed.push(`${call.action} on ${resource}`);
    }
    expect(allowed).toEqual([]);
  });
});

describe.each(subjects)("the stacks an administrator deploys, against the deploy role of $app/$stack", (subject) => {
  const stacks = stacksByApp.get(subject.app)!;
  const roles = rolesOf(stacks.get(`${subject.stack}-github`)!, subject.account, {
    "${aws_iam_openid_connect_provider.github_oidc.arn}": githubOidcProviderArn(subject.account, subject.region),
  });
  const deploy = roles.get(`${subject.stack}-github-deploy`)!;

  it.each([`${subject.stack}-github`, "whcsites-state"])("GIVEN the recording of %s WHEN the deploy role makes its writes THEN every one is denied", async (stack) => {
    const recording = readRecording(recordingFile(subject.app, stack));
    if (recording === undefined) throw new Error(`${path.relative(ROOT, recordingFile(subject.app, stack))} is missing: run \`${UPDATE}\` and commit it`);
    const writes = recording.calls.filter((c) => !READS.test(c.action) && c.resource !== "*");
    expect(writes.length).toBeGreaterThan(0);
    const allowed: string[] = [];
    for (const call of writes) {
      // The GitHub stack lives in the environment's account; the state stack in the state account.
      const account = stack === "whcsites-state" ? stateAccount : subject.account;
      const resource = concrete(call.resource, account);
      const result = await evaluate(deploy, { action: call.action, resource, resourceAccount: account, context: contextOf(call, account, subject.region), withoutValidation: CATALOGUE_GAPS.has(call.action) });
      if (result.decision === "Allowed") allowed.push(`${call.action} on ${resource}`);
    }
    expect(allowed).toEqual([]);
  });
});
