/**
 * IAM policy evaluation for the permission tests: the roles of synthesized stacks as IAM would see them (trust,
 * identity policies, permissions boundary), and a request evaluated against them with @cloud-copilot/iam-simulate, a
 * maintained evaluator (AGPL-3.0-or-later, a development dependency used only here: docs/contributing.md,
 * "Dependencies").
 */
import * as path from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { buildApp } from "../../src/app";
import { loadStateConfig, type StateConfig } from "../../src/config/state";

/** An IAM policy document. */
export type PolicyDocument = { readonly Version: string; readonly Statement: readonly Record<string, unknown>[] };

/** A role as IAM evaluates it. */
export interface EvaluatedRole {
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  readonly trust: PolicyDocument;
  /** Inline and attached managed policies, by name. */
  readonly identity: ReadonlyArray<{ readonly name: string; readonly policy: PolicyDocument }>;
  readonly boundary?: PolicyDocument;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Every synthesized stack of the app of one folder of environment files, by name. */
export function synthesizedStacks(root: string, environmentsDir: string): Map<string, Record<string, unknown>> {
  const app: App = buildApp({ environmentsDir: path.join(root, environmentsDir), stateFile: path.join(root, "state.json"), outdir: Testing.app().outdir });
  const stacks = new Map<string, Record<string, unknown>>();
  // The policy guard prints each acknowledged exception at synthesis: not this test's business.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    for (const child of app.node.children) {
      if (child instanceof TerraformStack) stacks.set(child.node.id, JSON.parse(Testing.synth(child)) as Record<string, unknown>);
    }
  } finally {
    console.warn = warn;
  }
  return stacks;
}

/** The state configuration the app uses. */
export function stateOf(root: string): StateConfig {
  return loadStateConfig(path.join(root, "state.json"));
}

/**
 * The IAM roles of a synthesized stack, with references between its resources resolved: `${aws_iam_policy.x.arn}`,
 * role names, and the boundary, attached by reference or by a literal ARN of a policy of the same stack. Other
 * references (`${aws_iam_openid_connect_provider.x.arn}`) are replaced by `references[<reference>]`.
 */
export function rolesOf(
  stack: Record<string, unknown>,
  account: string,
  references: Readonly<Record<string, string>> = {},
  /** Policies of other stacks (or AWS managed ones) that roles here attach or carry as boundary, by ARN. */
  externalPolicies: Readonly<Record<string, PolicyDocument>> = {},
): Map<string, EvaluatedRole> {
  const resources = (stack.resource ?? {}) as Resources;
  const resolve = (text: string): string => {
    let out = text;
    for (const [ref, value] of Object.entries(references)) out = out.split(ref).join(value);
    return out;
  };
  const policies = new Map<string, { name: string; arn: string; policy: PolicyDocument }>(
    Object.entries(externalPolicies).map(([arn, policy]) => [arn, { name: arn.split("/").pop() ?? arn, arn, policy }]),
  );
  for (const [id, body] of Object.entries(resources.aws_iam_policy ?? {})) {
    const name = String(body.name);
    const entry = { name, arn: `arn:aws:iam::${account}:policy/${name}`, policy: JSON.parse(resolve(String(body.policy))) as PolicyDocument };
    policies.set(`\${aws_iam_policy.${id}.arn}`, entry);
    policies.set(entry.arn, entry);
  }
  const policy = (ref: string) => {
    const found = policies.get(ref);
    if (found === undefined) throw new Error(`rolesOf: policy ${ref} is not a policy of this stack`);
    return found;
  };
  const roleIds = new Map<string, string>();
  for (const [id, body] of Object.entries(resources.aws_iam_role ?? {})) {
    roleIds.set(`\${aws_iam_role.${id}.name}`, String(body.name));
    roleIds.set(`\${aws_iam_role.${id}.id}`, String(body.name));
    roleIds.set(String(body.name), String(body.name));
  }
  const identity = new Map<string, Array<{ name: string; policy: PolicyDocument }>>();
  const add = (roleRef: string, entry: { name: string; policy: PolicyDocument }) => {
    const role = roleIds.get(roleRef);
    if (role === undefined) throw new Error(`rolesOf: role ${roleRef} is not a role of this stack`);
    identity.set(role, [...(identity.get(role) ?? []), entry]);
  };
  for (const body of Object.values(resources.aws_iam_role_policy ?? {})) {
    add(String(body.role), { name: String(body.name), policy: JSON.parse(resolve(String(body.policy))) as PolicyDocument });
  }
  for (const body of Object.values(resources.aws_iam_role_policy_attachment ?? {})) {
    const attached = policy(String(body.policy_arn));
    add(String(body.role), { name: attached.name, policy: attached.policy });
  }
  const roles = new Map<string, EvaluatedRole>();
  for (const body of Object.values(resources.aws_iam_role ?? {})) {
    const name = String(body.name);
    const boundary = body.permissions_boundary === undefined ? undefined : policy(String(body.permissions_boundary)).policy;
    roles.set(name, {
      name,
      arn: `arn:aws:iam::${account}:role/${name}`,
      account,
      trust: JSON.parse(resolve(String(body.assume_role_policy))) as PolicyDocument,
      identity: identity.get(name) ?? [],
      ...(boundary !== undefined ? { boundary } : {}),
    });
  }
  return roles;
}

/** A request to evaluate. */
export interface EvaluationRequest {
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource. @default the caller's account */
  readonly resourceAccount?: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The resource's own policy (a trust policy, a bucket or key policy). */
  readonly resourcePolicy?: PolicyDocument;
  /**
   * Skip the evaluator's input validation, for an action whose catalogue entry lacks the resource type AWS documents
   * (`CATALOGUE_GAPS` in scripts/lib/permissions/iam-calls.ts); the evaluation itself is the same.
   * @default false
   */
  readonly withoutValidation?: boolean;
}

/** What the evaluator decided, and why when it could not run. */
export interface EvaluationResult {
  readonly decision: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";
  readonly detail?: string;
}

/**
 * Evaluates a request made by a session of `role` (or by a principal with these policies): its identity policies, its
 * permissions boundary and the resource's policy, as IAM does within one account. Global condition keys of a role
 * session (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`) are filled in.
 */
export async function evaluate(role: Pick<EvaluatedRole, "name" | "arn" | "account" | "identity" | "boundary">, request: EvaluationRequest): Promise<EvaluationResult> {
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:sts::${role.account}:assumed-role/${role.name}/session`,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount ?? role.account },
      contextVariables: {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": role.account,
        "aws:PrincipalType": "AssumedRole",
        "aws:SecureTransport": "true",
        ...Object.fromEntries(Object.entries(request.context ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : [...v]])),
      },
    },
    identityPolicies: role.identity.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(role.boundary !== undefined ? { permissionBoundaryPolicies: [{ name: "boundary", policy: role.boundary }] } : {}),
    ...(request.resourcePolicy !== undefined ? { resourcePolicy: request.resourcePolicy } : {}),
  };
  if (request.withoutValidation === true) return { decision: runUnsafeSimulation(simulation, {}) as EvaluationResult["decision"] };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") return { decision: "Error", detail: result.errors.message + JSON.stringify(result.errors) };
  return { decision: result.overallResult as EvaluationResult["decision"] };
}

/**
 * Whether `caller` may assume `target` (sts:AssumeRole): the target's trust policy is the resource policy, the caller's
 * identity policies and boundary apply as for any request. One hop of a role chain.
 */
export function evaluateAssume(caller: Pick<EvaluatedRole, "name" | "arn" | "account" | "identity" | "boundary">, target: EvaluatedRole): Promise<EvaluationResult> {
  return evaluate(caller, { action: "sts:AssumeRole", resource: target.arn, resourceAccount: target.account, resourcePolicy: target.trust });
}
