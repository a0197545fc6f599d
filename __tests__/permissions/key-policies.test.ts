/**
 * The deploy role may change the policy of (or delete) only the KMS keys it created. Its IAM policies grant nothing on
 * an existing key but use through Secrets Manager; each key the environment's stack creates names it in its own
 * policy. Evaluated with @cloud-copilot/iam-simulate both ways: allowed on each of the stack's keys, denied on a key
 * of the account with the default key policy even when that key carries the environment's tags (which the deploy role
 * can put on any untagged key: KMS cannot tell tagging at creation from tagging later).
 *
 * The environments come from the environment files (every one with `delivery`), never from a list here.
 */
import * as path from "node:path";
import { environmentFolders } from "../../scripts/lib/synth/synth";
import { loadEnvironments } from "../../src/config/environment";
import { githubOidcProviderArn } from "../../src/constructs/delivery/github-oidc-provider";
import { evaluate, rolesOf, synthesizedStacks, type PolicyDocument } from "../helpers/iam-evaluation";

const ROOT = path.join(__dirname, "..", "..");

/** The key policy AWS gives a key created without one: the account, and so any IAM policy of it, may do anything. */
const defaultKeyPolicy = (account: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
});

const ADMINISTRATION = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource"];

const subjects = environmentFolders(ROOT).flatMap((folder) => {
  const stacks = synthesizedStacks(ROOT, path.relative(ROOT, folder.dir));
  return loadEnvironments(folder.dir)
    .filter((c) => c.delivery !== undefined)
    .map((config) => ({ folder: folder.name, config, github: stacks.get(`whcsites-${config.name}-github`)!, environment: stacks.get(`whcsites-${config.name}`)! }));
});

describe.each(subjects)("the KMS keys and the deploy role of $config.name ($folder)", ({ config, github, environment }) => {
  const account = config.accountId;
  const roles = rolesOf(github, account, { "${aws_iam_openid_connect_provider.github_oidc.arn}": githubOidcProviderArn(account, config.region) });
  const deploy = roles.get(`whcsites-${config.name}-github-deploy`)!;
  const keys = Object.entries(((environment.resource ?? {}) as Record<string, Record<string, Record<string, string>>>).aws_kms_key ?? {});
  const key = `arn:aws:kms:${config.region}:${account}:key/0123456789abcdef0`;
  const envTags = { "aws:ResourceTag/app": "whcsites", "aws:ResourceTag/environment": config.name, "kms:CallerAccount": account };

  it("GIVEN the stack WHEN its keys are listed THEN there is at least one", () => {
    expect(keys.length).toBeGreaterThan(0);
  });

  it("GIVEN each key the stack creates WHEN the deploy role administers it THEN its policy allows it", async () => {
    const decisions: string[] = [];
    for (const [id, body] of keys) {
      for (const action of ADMINISTRATION) {
        const result = await evaluate(deploy, { action, resource: key, context: envTags, resourcePolicy: JSON.parse(body.policy) as PolicyDocument });
        decisions.push(`${id} ${action} ${result.decision}`);
      }
    }
    expect(decisions.filter((d) => !d.endsWith(" Allowed"))).toEqual([]);
  });

  it("GIVEN a key of the account with the default key policy, tagged as the environment's or not, WHEN the deploy role administers or uses it directly THEN it is denied", async () => {
    const allowed: string[] = [];
    for (const context of [envTags, { "kms:CallerAccount": account }]) {
      for (const action of [...ADMINISTRATION, "kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"]) {
        const result = await evaluate(deploy, { action, resource: key, context, resourcePolicy: defaultKeyPolicy(account) });
        if (result.decision === "Allowed") allowed.push(`${action} ${JSON.stringify(context)}`);
      }
    }
    expect(allowed).toEqual([]);
  });

  it("GIVEN a key tagged as another environment's WHEN the deploy role re-tags it THEN it is denied", async () => {
    const result = await evaluate(deploy, {
      action: "kms:TagResource",
      resource: key,
      context: { "aws:ResourceTag/environment": `${config.name}-other`, "aws:RequestTag/app": "whcsites", "aws:RequestTag/environment": config.name, "aws:TagKeys": ["app", "environment"] },
      resourcePolicy: defaultKeyPolicy(account),
    });
    expect(result.decision).not.toBe("Allowed");
  });
});
