/**
 * Plans read state and never write it; an environment's deploys reach its own state and no other. Evaluated with
 * @cloud-copilot/iam-simulate on the roles the current code synthesizes, following role chains hop by hop: a role the
 * caller may assume (its identity policy allows sts:AssumeRole and the target's trust policy admits it) is evaluated in
 * turn, with the state bucket's policy as the resource policy.
 *
 * The environments come from the environment files (every one with `delivery`), never from a list here.
 */
import * as path from "node:path";
import { environmentFolders } from "../../scripts/lib/synth/synth";
import { loadEnvironments, type EnvironmentConfig } from "../../src/config/environment";
import { stateKey } from "../../src/config/state";
import { githubOidcProviderArn } from "../../src/constructs/delivery/github-oidc-provider";
import { evaluate, evaluateAssume, rolesOf, stateOf, synthesizedStacks, type EvaluatedRole, type PolicyDocument } from "../helpers/iam-evaluation";

const ROOT = path.join(__dirname, "..", "..");
const state = stateOf(ROOT);

interface App {
  readonly name: string;
  readonly environments: readonly EnvironmentConfig[];
  readonly stateRoles: readonly EvaluatedRole[];
  readonly bucketPolicy: PolicyDocument;
  readonly github: ReadonlyMap<string, { readonly plan: EvaluatedRole; readonly deploy: EvaluatedRole }>;
}

const apps: App[] = environmentFolders(ROOT).map((folder) => {
  const stacks = synthesizedStacks(ROOT, path.relative(ROOT, folder.dir));
  const stateStack = stacks.get("whcsites-state")!;
  const bucketArn = `arn:aws:s3:::${state.bucketName}`;
  const references = {
    "${aws_s3_bucket.state.arn}": bucketArn,
    "${aws_kms_key.state_key.arn}": `arn:aws:kms:${state.region}:${state.accountId}:key/0123456789abcdef0`,
    "${aws_dynamodb_table.lock.arn}": `arn:aws:dynamodb:${state.region}:${state.accountId}:table/${state.lockTableName}`,
  };
  const resolve = (text: string) => Object.entries(references).reduce((t, [ref, value]) => t.split(ref).join(value), text);
  const bucketPolicy = JSON.parse(resolve(String(Object.values((stateStack.resource as any).aws_s3_bucket_policy)[0] && (Object.values((stateStack.resource as any).aws_s3_bucket_policy)[0] as any).policy))) as PolicyDocument;
  const environments = loadEnvironments(folder.dir).filter((e) => e.delivery !== undefined);
  const github = new Map(
    environments.map((e) => {
      const roles = rolesOf(stacks.get(`whcsites-${e.name}-github`)!, e.accountId, { "${aws_iam_openid_connect_provider.github_oidc.arn}": githubOidcProviderArn(e.accountId, e.region) });
      return [e.name, { plan: roles.get(`whcsites-${e.name}-github-plan`)!, deploy: roles.get(`whcsites-${e.name}-github-deploy`)! }] as const;
    }),
  );
  return { name: folder.name, environments, stateRoles: [...rolesOf(stateStack, state.accountId, references).values()], bucketPolicy, github };
});

/** The state roles `caller` may assume: one hop, the target's trust and the caller's own policies both evaluated. */
async function assumable(caller: EvaluatedRole, app: App): Promise<EvaluatedRole[]> {
  const out: EvaluatedRole[] = [];
  for (const target of app.stateRoles) if ((await evaluateAssume(caller, target)).decision === "Allowed") out.push(target);
  return out;
}

/** Whether `role` may do `action` on an environment's state key, the bucket's policy applying. */
async function onStateKey(role: EvaluatedRole, app: App, action: string, environment: string): Promise<string> {
  const resource = `arn:aws:s3:::${state.bucketName}/${stateKey(environment)}`;
  const context: Record<string, string> = action === "s3:PutObject" ? { "s3:x-amz-server-side-encryption": "aws:kms" } : {};
  return (await evaluate(role, { action, resource, resourceAccount: state.accountId, resourcePolicy: app.bucketPolicy, context })).decision;
}

describe.each(apps)("the state of $name", (app) => {
  describe.each(app.environments.map((e) => ({ environment: e.name })))("GIVEN the plan role of $environment", ({ environment }) => {
    const { plan } = app.github.get(environment)!;

    it("WHEN it assumes state roles THEN only its environment's read-only role lets it in", async () => {
      expect((await assumable(plan, app)).map((r) => r.name)).toEqual([`whcsites-tfstate-${environment}-read`]);
    });

    it("WHEN it, or any role it may assume, puts or deletes any environment's state THEN it is denied", async () => {
      const allowed: string[] = [];
      for (const role of [plan, ...(await assumable(plan, app))]) {
        for (const other of app.environments) {
          for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
            if ((await onStateKey(role, app, action, other.name)) === "Allowed") allowed.push(`${role.name} ${action} ${stateKey(other.name)}`);
          }
        }
      }
      expect(allowed).toEqual([]);
    });

    it("WHEN its read-only role reads its own state THEN it may, and it may not take or release the lock", async () => {
      const [reader] = (await assumable(plan, app)).filter((r) => r.name.endsWith("-read"));
      expect(await onStateKey(reader, app, "s3:GetObject", environment)).toBe("Allowed");
      const table = `arn:aws:dynamodb:${state.region}:${state.accountId}:table/${state.lockTableName}`;
      const lockKey = { "dynamodb:LeadingKeys": [`${state.bucketName}/${stateKey(environment)}`] };
      expect((await evaluate(reader, { action: "dynamodb:GetItem", resource: table, context: lockKey })).decision).toBe("Allowed");
      for (const action of ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]) {
        expect([action, (await evaluate(reader, { action, resource: table, context: lockKey })).decision]).toEqual([action, "ImplicitlyDenied"]);
      }
    });
  });

  describe.each(app.environments.map((e) => ({ environment: e.name })))("GIVEN the deploy role of $environment", ({ environment }) => {
    const { deploy } = app.github.get(environment)!;

    it("WHEN it assumes state roles THEN only its environment's read-write and read-only roles let it in", async () => {
      expect((await assumable(deploy, app)).map((r) => r.name).sort()).toEqual([`whcsites-tfstate-${environment}`, `whcsites-tfstate-${environment}-read`]);
    });

    it("WHEN it writes its own state through the read-write role THEN it is allowed; through the read-only one THEN it is denied", async () => {
      const roles = await assumable(deploy, app);
      expect(await onStateKey(roles.find((r) => r.name === `whcsites-tfstate-${environment}`)!, app, "s3:PutObject", environment)).toBe("Allowed");
      expect(await onStateKey(roles.find((r) => r.name === `whcsites-tfstate-${environment}-read`)!, app, "s3:PutObject", environment)).not.toBe("Allowed");
    });

    it("WHEN it, or any role it may assume, reads or writes another environment's state THEN it is denied", async () => {
      const allowed: string[] = [];
      for (const role of [deploy, ...(await assumable(deploy, app))]) {
        for (const other of app.environments.filter((e) => e.name !== environment)) {
          for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
            if ((await onStateKey(role, app, action, other.name)) === "Allowed") allowed.push(`${role.name} ${action} ${stateKey(other.name)}`);
          }
        }
      }
      expect(allowed).toEqual([]);
    });
  });
});
