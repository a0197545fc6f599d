import * as path from "path";
import { App, Testing } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { GithubDeployRole } from "../../src/constructs/delivery/github-deploy-role";
import { WorkloadBoundary } from "../../src/constructs/delivery/workload-boundary";
import { GithubRepository } from "../../src/constructs/delivery/github-repository";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { Naming } from "../../src/core/naming";
import { applyPolicies, policyReportOf } from "../../src/policies/apply";
import { iamNoFullAdmin, iamNoServiceWildcards } from "../../src/policies/rules/iam-1-21-wildcards";
import { addAwsProvider } from "../../src/stacks/aws-provider";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { GithubStack, githubStackName } from "../../src/stacks/github-stack";
import { ReadableStack } from "../../src/stacks/readable-stack";

const ROOT = path.join(__dirname, "..", "..");
const state = loadStateConfig(path.join(ROOT, "state.json"));
const load = (name: string) => loadEnvironment(path.join(ROOT, "environments", `${name}.json`));

/** The GitHub stack (and the environment stack) of a committed environment, synthesized in one app. */
function synthesized(name: string): { github: any; environment: any; stack: GithubStack } {
  const app = Testing.app();
  const config = load(name);
  const environment = new EnvironmentStack(app, `whcsites-${name}`, { config, state });
  const stack = new GithubStack(app, githubStackName(name), { config, state });
  return { github: JSON.parse(Testing.synth(stack)), environment: JSON.parse(Testing.synth(environment)), stack };
}

describe("GithubStack: the GitHub side of one environment, deployed by an administrator", () => {
  const staging = synthesized("staging");
  const production = synthesized("production");
  const trust = (json: any, role: string) => JSON.parse(json.resource.aws_iam_role[role].assume_role_policy).Statement[0];

  test("is named after its environment and keeps its state in a local file outside cdktf.out", () => {
    expect(githubStackName("staging")).toBe("whcsites-staging-github");
    expect(staging.github.terraform.backend).toEqual({ local: { path: "../../../whcsites-staging-github.tfstate" } });
    expect(staging.github.provider.aws[0]).toMatchObject({ region: "eu-west-1", allowed_account_ids: ["210987654321"] });
  });

  test("creates the account's OIDC provider, and the roles trust it with sub conditions that name the repository", () => {
    expect(staging.github.resource.aws_iam_openid_connect_provider.github_oidc).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
    const plan = trust(staging.github, "github_plan");
    expect(plan.Principal).toEqual({ Federated: "${aws_iam_openid_connect_provider.github_oidc.arn}" });
    expect(plan.Condition.StringEquals).toMatchObject({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": [
        "repo:whc-example/whcsites-infra:ref:refs/heads/main:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/ci.yml@refs/heads/main",
        "repo:whc-example/whcsites-infra:ref:refs/heads/main:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/deploy.yml@refs/heads/main",
      ],
    });
    expect(trust(production.github, "github_deploy").Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:whc-example/whcsites-infra:environment:production:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/deploy.yml@refs/heads/main",
    );
    expect(JSON.stringify(staging.github)).not.toMatch(/repo:\*|repo:whc-example\/\*/);
  });

  test("the environment's every IAM role carries the workload boundary, so the deploy role can create and change them", () => {
    const boundary = "arn:aws:iam::210987654321:policy/whcsites-staging-workload-boundary";
    expect(staging.github.resource.aws_iam_policy.github_workload_boundary.name).toBe("whcsites-staging-workload-boundary");
    const roles = Object.entries(staging.environment.resource.aws_iam_role) as Array<[string, any]>;
    expect(roles.length).toBeGreaterThanOrEqual(3);
    expect(roles.filter(([, role]) => role.permissions_boundary !== boundary).map(([name]) => name)).toEqual([]);
  });

  test("without delivery, no role gets a boundary", () => {
    const config = { ...load("staging"), delivery: undefined };
    const json = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), "whcsites-staging", { config, state })));
    expect(Object.values(json.resource.aws_iam_role as Record<string, any>).filter((r) => r.permissions_boundary !== undefined)).toEqual([]);
  });

  test("the policy guard passes as production, with IAM.21 acknowledged on the deploy policy only", () => {
    const rule = (id: string) => policyReportOf(staging.stack)?.rules.find((r) => r.id === id);
    expect(rule("IAM.1")?.violations).toEqual([]);
    expect(rule("IAM.21")?.violations).toEqual([]);
    expect([...new Set(rule("IAM.21")?.acknowledged.map((a) => a.path))]).toEqual([
      "whcsites-staging-github/github_deploy/boundary",
      "whcsites-staging-github/github_deploy/network",
      "whcsites-staging-github/github_deploy/services",
    ]);
  });

  test("the acknowledgement is load-bearing: the same document without it fails IAM.21", () => {
    const app = new App({ outdir: Testing.app().outdir });
    const bare = new ReadableStack(app, "bare");
    const naming = new Naming("whcsites", "staging");
    addAwsProvider(bare, { naming, region: "eu-west-1", accountId: "210987654321" });
    const deploy = new GithubDeployRole(bare, "github_deploy", {
      naming,
      repository: new GithubRepository({ repository: "whc-example/whcsites-infra" }),
      oidcProviderArn: "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com",
      accountId: "210987654321",
      region: "eu-west-1",
      stateRoleArn: "arn:aws:iam::123456789012:role/whcsites-tfstate-staging",
      workloadBoundary: new WorkloadBoundary(bare, "workload_boundary", { naming, accountId: "210987654321", region: "eu-west-1" }),
    });
    new IamPolicy(bare, "copy", { name: "copy", policy: JSON.stringify({ Version: "2012-10-17", Statement: deploy.statements }) });
    applyPolicies(bare, { production: true, rules: [iamNoFullAdmin, iamNoServiceWildcards] });
    expect(() => app.synth()).toThrow(/\[IAM\.21\] bare\/copy: the policy, Allow statement #\d+ allows the wildcard action\(s\) ec2:\*/);
  });
});
