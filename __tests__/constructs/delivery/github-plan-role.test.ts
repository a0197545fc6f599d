import { Testing } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { GithubPlanRole, GithubPlanRoleProps, githubPlanRoleName, PLAN_ROLE_DENIED_ACTIONS } from "../../../src/constructs/delivery/github-plan-role";
import { GithubRepository } from "../../../src/constructs/delivery/github-repository";
import { Naming } from "../../../src/core/naming";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const STATE_ROLE = "arn:aws:iam::210987654321:role/whcsites-tfstate-staging-read";
const REPO = "whc-example/whcsites-infra";

function whenPlanRole(props: Partial<GithubPlanRoleProps> = {}): { synth: string; role: GithubPlanRole; trust: any; policy: any } {
  let role: GithubPlanRole | undefined;
  const synth = Testing.synthScope((scope) => {
    role = new GithubPlanRole(scope, "github_plan", {
      naming: new Naming("whcsites", "staging"),
      repository: new GithubRepository({ repository: "whc-example/whcsites-infra" }),
      oidcProviderArn: PROVIDER,
      region: "eu-west-1",
      stateRoleArn: STATE_ROLE,
      ...props,
    });
  });
  const resources = JSON.parse(synth).resource;
  const [roleConfig] = Object.values(resources.aws_iam_role) as any[];
  const [policyConfig] = Object.values(resources.aws_iam_role_policy) as any[];
  return { synth, role: role as GithubPlanRole, trust: JSON.parse(roleConfig.assume_role_policy), policy: JSON.parse(policyConfig.policy) };
}

describe("GithubPlanRole", () => {
  describe("GIVEN the defaults", () => {
    const { synth, role, trust, policy } = whenPlanRole();

    test("THEN the role is named for the environment and lasts at most an hour", () => {
      expect(synth).toHaveResourceWithProperties(IamRole, { name: "whcsites-staging-github-plan", max_session_duration: 3600 });
      expect(githubPlanRoleName(new Naming("whcsites", "staging"))).toBe("whcsites-staging-github-plan");
    });

    test("THEN only the CI workflow of this repository's pull requests, and the CI and deploy workflows on main, may assume it", () => {
      expect(trust.Statement).toHaveLength(2);
      const [branches, pullRequests] = trust.Statement;
      for (const statement of trust.Statement) {
        expect(statement.Principal).toEqual({ Federated: PROVIDER });
        expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
      }
      expect(branches.Condition).toEqual({
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": [
            `repo:${REPO}:ref:refs/heads/main:job_workflow_ref:${REPO}/.github/workflows/ci.yml@refs/heads/main`,
            `repo:${REPO}:ref:refs/heads/main:job_workflow_ref:${REPO}/.github/workflows/deploy.yml@refs/heads/main`,
          ],
        },
      });
      // The one wildcard: the pull request's number in the ref of the CI workflow.
      expect(pullRequests.Condition).toEqual({
        StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
        StringLike: { "token.actions.githubusercontent.com:sub": `repo:${REPO}:pull_request:job_workflow_ref:${REPO}/.github/workflows/ci.yml@refs/pull/*/merge` },
      });
      expect(role.subjects).toEqual(branches.Condition.StringEquals["token.actions.githubusercontent.com:sub"]);
      expect(role.subjectPatterns).toEqual([pullRequests.Condition.StringLike["token.actions.githubusercontent.com:sub"]]);
    });

    test("THEN its grants are assuming the environment's read-only state role and GetRandomPassword (plans open the ephemeral passwords)", () => {
      const allows = policy.Statement.filter((s: any) => s.Effect === "Allow");
      expect(allows).toEqual([
        { Sid: "ReadOwnState", Effect: "Allow", Action: "sts:AssumeRole", Resource: STATE_ROLE },
        { Sid: "EphemeralPasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" },
      ]);
    });

    test("THEN secret values, decryption and other data reads are denied explicitly, everywhere", () => {
      const denies = policy.Statement.filter((s: any) => s.Effect === "Deny");
      expect(denies).toEqual([{ Sid: "NeverReadData", Effect: "Deny", Action: [...PLAN_ROLE_DENIED_ACTIONS], Resource: "*" }]);
      expect(PLAN_ROLE_DENIED_ACTIONS).toEqual(expect.arrayContaining(["secretsmanager:GetSecretValue", "kms:Decrypt", "ssm:GetParameter", "s3:GetObject"]));
    });
  });

  describe("GIVEN other branches", () => {
    test("THEN each is trusted by exact name, besides pull requests", () => {
      const { trust } = whenPlanRole({ branches: ["main", "release"] });
      expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toEqual([
        `repo:${REPO}:ref:refs/heads/main:job_workflow_ref:${REPO}/.github/workflows/ci.yml@refs/heads/main`,
        `repo:${REPO}:ref:refs/heads/main:job_workflow_ref:${REPO}/.github/workflows/deploy.yml@refs/heads/main`,
        `repo:${REPO}:ref:refs/heads/release:job_workflow_ref:${REPO}/.github/workflows/ci.yml@refs/heads/release`,
        `repo:${REPO}:ref:refs/heads/release:job_workflow_ref:${REPO}/.github/workflows/deploy.yml@refs/heads/release`,
      ]);
    });
  });

  describe("GIVEN bad props", () => {
    test.each([
      [{ branches: ["*"] }, 'GithubRepository: branch got "*"'],
      [{ ciWorkflow: "ci.yml" }, 'GithubRepository: workflow got "ci.yml"; allowed: a workflow file such as ".github/workflows/deploy.yml"'],
      [{ stateRoleArn: "whcsites-tfstate-staging" }, 'GithubPlanRole: stateRoleArn got "whcsites-tfstate-staging"; allowed: an IAM role ARN'],
      [{ maxSessionDurationSeconds: 60 }, "GithubPlanRole: maxSessionDurationSeconds got 60; allowed: an integer from 3600 to 43200"],
      [{ region: "Europe" }, 'GithubPlanRole: region got "Europe"; allowed: an AWS region name'],
    ])("WHEN %j THEN it is refused: %s", (props, message) => {
      expect(() => whenPlanRole(props as Partial<GithubPlanRoleProps>)).toThrow(message);
    });
  });
});
