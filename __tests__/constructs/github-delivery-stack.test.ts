import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { GithubDeployRole } from "../../src/constructs/github-deploy-role";
import { GithubOidcProvider } from "../../src/constructs/github-oidc-provider";
import { GithubPlanRole } from "../../src/constructs/github-plan-role";
import { GithubRepository } from "../../src/constructs/github-repository";
import { Naming } from "../../src/core/naming";
import { applyPolicies, policyReportOf } from "../../src/policies/apply";
import { iamNoFullAdmin, iamNoServiceWildcards } from "../../src/policies/rules/iam-1-21-wildcards";
import { addAwsProvider } from "../../src/stacks/aws-provider";
import { ReadableStack } from "../../src/stacks/readable-stack";
import { checkStacks, type StackResult } from "../../scripts/lib/check-stacks";
import { findTerraform, isCi } from "../../scripts/lib/terraform-cli";

// The three GitHub constructs in one guarded stack, as a stack of their own would hold them: the policy guard and
// real Terraform (init, validate, plan against the offline aws 5.100.0) must accept them.

const ACCOUNT = "123456789012";
const STATE_ROLE = "arn:aws:iam::210987654321:role/whcsites-tfstate-staging";

function addGithubStack(app: App, environment: string, oidcProvider: string): ReadableStack {
  const stack = new ReadableStack(app, `whcsites-github-${environment}`);
  const naming = new Naming("whcsites", environment);
  const stateRoleArn = `arn:aws:iam::210987654321:role/whcsites-tfstate-${environment}`;
  addAwsProvider(stack, { naming, region: "eu-west-1", accountId: ACCOUNT });
  const repository = new GithubRepository({ repository: "whc-example/whcsites-infra" });
  const provider = new GithubOidcProvider(stack, "github_oidc", { oidcProvider, accountId: ACCOUNT, region: "eu-west-1" });
  new GithubPlanRole(stack, "github_plan", { naming, repository, oidcProviderArn: provider.arn, region: "eu-west-1", stateRoleArn });
  new GithubDeployRole(stack, "github_deploy", {
    naming,
    repository,
    oidcProviderArn: provider.arn,
    accountId: ACCOUNT,
    region: "eu-west-1",
    stateRoleArn,
    hostedZoneIds: ["Z0123456789ABCDEFGHIJ"],
  });
  applyPolicies(stack, { production: true, printAcknowledgements: false });
  return stack;
}

/** Two environments of one account: staging creates the account's provider, production names it. */
function buildApp(outdir: string): { app: App; staging: ReadableStack; production: ReadableStack } {
  const app = new App({ outdir });
  const staging = addGithubStack(app, "staging", "create");
  const production = addGithubStack(app, "production", `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
  return { app, staging, production };
}

describe("GIVEN the OIDC provider, the plan role and the deploy role of two environments of one account, guarded as production", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-github-stack-"));
  const outdir = path.join(root, "out");
  let built: ReturnType<typeof buildApp> | undefined;
  const synthesized = () => {
    if (built === undefined) {
      built = buildApp(outdir);
      built.app.synth();
    }
    return built;
  };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("WHEN it is synthesized THEN the policy guard passes, with IAM.21 acknowledged on the deploy policy only", () => {
    const { staging } = synthesized();
    const rule = (id: string) => policyReportOf(staging)?.rules.find((r) => r.id === id);
    expect(rule("IAM.1")?.violations).toEqual([]);
    expect(rule("IAM.1")?.passed).toEqual(expect.arrayContaining(["aws_iam_policy.github_deploy_boundary", "aws_iam_role_policy.github_plan_policy"]));
    expect(rule("IAM.21")?.violations).toEqual([]);
    expect([...new Set(rule("IAM.21")?.acknowledged.map((a) => a.path))]).toEqual(["whcsites-github-staging/github_deploy/boundary"]);
    expect(rule("IAM.21")?.passed).toEqual(expect.arrayContaining(["aws_iam_role_policy.github_plan_policy"]));
  });

  test("WHEN the same document is in a policy without the acknowledgement THEN IAM.21 fails it (the acknowledgement is load-bearing)", () => {
    const app = new App({ outdir: path.join(root, "unacknowledged") });
    const bare = new ReadableStack(app, "bare");
    const naming = new Naming("whcsites", "staging");
    addAwsProvider(bare, { naming, region: "eu-west-1", accountId: ACCOUNT });
    const deploy = new GithubDeployRole(bare, "github_deploy", {
      naming,
      repository: new GithubRepository({ repository: "whc-example/whcsites-infra" }),
      oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
      accountId: ACCOUNT,
      region: "eu-west-1",
      stateRoleArn: STATE_ROLE,
    });
    new IamPolicy(bare, "copy", { name: "copy", policy: JSON.stringify({ Version: "2012-10-17", Statement: deploy.statements }) });
    applyPolicies(bare, { production: true, rules: [iamNoFullAdmin, iamNoServiceWildcards], printAcknowledgements: false });
    expect(() => app.synth()).toThrow(/\[IAM\.21\] bare\/copy: the policy, Allow statement #\d+ allows the wildcard action\(s\) ec2:\*/);
  });

  const terraformHere = findTerraform() !== undefined;
  if (!terraformHere && !isCi()) console.warn("SKIPPED: terraform is not on PATH, so the GitHub roles were not planned.");
  (terraformHere || isCi() ? describe : describe.skip)("WHEN real Terraform plans it offline", () => {
    let results: StackResult[];
    const byStack = (stack: string) => results.find((r) => r.stack === stack) as StackResult;
    const planOf = (stack: string) => JSON.parse(fs.readFileSync(byStack(stack).planJsonPath as string, "utf8"));

    beforeAll(async () => {
      synthesized();
      results = await checkStacks({ outDir: outdir, workDir: path.join(root, "work") });
    }, 180_000);

    test("THEN init, validate and plan succeed; staging creates the provider, production only refers to it", () => {
      const roles = [
        "aws_iam_policy.github_deploy_boundary",
        "aws_iam_role.github_deploy",
        "aws_iam_role.github_plan",
        "aws_iam_role_policy.github_plan_policy",
        "aws_iam_role_policy_attachment.github_deploy_policy",
      ];
      expect(results.map((r) => [r.stack, r.ok, r.errors])).toEqual([
        ["whcsites-github-production", true, []],
        ["whcsites-github-staging", true, []],
      ]);
      expect([...byStack("whcsites-github-staging").plannedAddresses].sort()).toEqual(["aws_iam_openid_connect_provider.github_oidc", ...roles]);
      expect([...byStack("whcsites-github-production").plannedAddresses].sort()).toEqual(roles);
    });

    test("THEN the planned trust policies name the repository in their sub conditions", () => {
      // Production's trust is known at plan (the provider ARN is a literal); staging's waits for the created provider.
      const planned = (address: string) => planOf("whcsites-github-production").planned_values.root_module.resources.find((r: any) => r.address === address).values;
      const sub = (address: string) => JSON.parse(planned(address).assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"];
      expect(sub("aws_iam_role.github_plan")).toEqual(["repo:whc-example/whcsites-infra:pull_request", "repo:whc-example/whcsites-infra:ref:refs/heads/main"]);
      expect(sub("aws_iam_role.github_deploy")).toBe("repo:whc-example/whcsites-infra:environment:production");
      const provider = planOf("whcsites-github-staging").planned_values.root_module.resources.find((r: any) => r.address === "aws_iam_openid_connect_provider.github_oidc");
      expect(provider.values.url).toBe("https://token.actions.githubusercontent.com");
      expect(provider.values.client_id_list).toEqual(["sts.amazonaws.com"]);
    });
  });
});
