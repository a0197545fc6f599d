import { GITHUB_SUBJECT_CLAIM_KEYS, GithubRepository, githubOidcAudience, githubTrustPolicy } from "../../../src/constructs/delivery/github-repository";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

describe("GithubRepository", () => {
  describe("GIVEN a repository as owner/name", () => {
    const repository = new GithubRepository({ repository: "whc-example/whcsites-infra" });

    test("THEN the sub claims name exactly that repository, per event kind, with the workflow file and its ref (GitHub's subject customization)", () => {
      expect(GITHUB_SUBJECT_CLAIM_KEYS).toEqual(["repo", "context", "job_workflow_ref"]);
      expect(repository.pullRequestSubject(".github/workflows/ci.yml")).toBe(
        "repo:whc-example/whcsites-infra:pull_request:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/ci.yml@refs/pull/*/merge",
      );
      expect(repository.branchSubject("main", ".github/workflows/ci.yml")).toBe(
        "repo:whc-example/whcsites-infra:ref:refs/heads/main:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/ci.yml@refs/heads/main",
      );
      // GitHub's documented example of this template: repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main
      expect(repository.environmentSubject("production", ".github/workflows/deploy.yml", "main")).toBe(
        "repo:whc-example/whcsites-infra:environment:production:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/deploy.yml@refs/heads/main",
      );
      expect([repository.owner, repository.name, repository.fullName]).toEqual(["whc-example", "whcsites-infra", "whc-example/whcsites-infra"]);
    });
  });

  describe("GIVEN a repository that emits immutable subject claims", () => {
    test.each([["whc-example@123456/whcsites-infra@789012"], ["whc-example-123456/whcsites-infra-789012"]])(
      "WHEN subjectRepository is %s THEN the claims carry the ids",
      (subjectRepository) => {
        const repository = new GithubRepository({ repository: "whc-example/whcsites-infra", subjectRepository });
        expect(repository.environmentSubject("staging", ".github/workflows/deploy.yml", "main")).toBe(
          `repo:${subjectRepository}:environment:staging:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/deploy.yml@refs/heads/main`,
        );
        expect(repository.fullName).toBe("whc-example/whcsites-infra");
      },
    );

    test("WHEN subjectRepository names another repository THEN it is refused", () => {
      expect(() => new GithubRepository({ repository: "whc-example/whcsites-infra", subjectRepository: "whc-example@1/other@2" })).toThrow(
        'GithubRepository: subjectRepository got "whc-example@1/other@2"; allowed: "whc-example/whcsites-infra" with the numeric ids GitHub appends, such as "whc-example@123456/whcsites-infra@789012"',
      );
    });
  });

  describe("GIVEN a value that is not a GitHub owner/name", () => {
    test.each([
      ["whcsites-infra"],
      ["whc-example/whcsites-infra/extra"],
      ["-whc/whcsites-infra"],
      ["whc-/whcsites-infra"],
      ["whc--example/whcsites-infra"],
      [`${"a".repeat(40)}/whcsites-infra`],
      ["whc-example/"],
      ["whc-example/."],
      ["whc-example/.."],
      ["whc-example/whcsites infra"],
      ["whc-example/*"],
      ["*/*"],
      ["whc_example/whcsites-infra"],
      [`whc-example/${"r".repeat(101)}`],
      [""],
    ])("WHEN repository is %j THEN it is refused with GitHub's rules", (repository) => {
      expect(() => new GithubRepository({ repository })).toThrow(
        `GithubRepository: repository got ${JSON.stringify(repository)}; allowed: a GitHub repository as "owner/name": the owner 1 to 39 letters, digits and single inner hyphens; the name 1 to 100 letters, digits, ".", "_" and "-", not "." or ".."`,
      );
    });

    test("WHEN the name ends in .git THEN the message says so", () => {
      expect(() => new GithubRepository({ repository: "whc-example/whcsites-infra.git" })).toThrow(/\(without "\.git"\)$/);
    });

    test("WHEN the owner has 39 characters and the name 100 THEN they are accepted (the limits themselves)", () => {
      expect(new GithubRepository({ repository: `${"a".repeat(39)}/${"r".repeat(100)}` }).owner).toHaveLength(39);
    });
  });

  describe("GIVEN a valid repository", () => {
    const repository = new GithubRepository({ repository: "whc-example/whcsites-infra" });

    test.each([["*"], ["release/*"], ["feature/../main"], ["main.lock"], [""], ["a b"]])("WHEN the branch is %j THEN it is refused", (branch) => {
      expect(() => repository.branchSubject(branch, ".github/workflows/ci.yml")).toThrow(`GithubRepository: branch got ${JSON.stringify(branch)}; allowed: a branch name such as "main"`);
    });

    test.each([["deploy.yml"], [".github/workflows/*.yml"], [".github/workflows/../x.yml"], [".github/workflows/deploy.json"]])("WHEN the workflow is %j THEN it is refused", (workflow) => {
      expect(() => repository.branchSubject("main", workflow)).toThrow(`GithubRepository: workflow got ${JSON.stringify(workflow)}; allowed: a workflow file such as ".github/workflows/deploy.yml"`);
    });

    test.each([["*"], ["prod:uction"], [""], ["pro duction"]])("WHEN the environment is %j THEN it is refused", (environment) => {
      expect(() => repository.environmentSubject(environment, ".github/workflows/deploy.yml", "main")).toThrow(`GithubRepository: environment got ${JSON.stringify(environment)}; allowed: 1 to 255`);
    });
  });
});

describe("githubTrustPolicy", () => {
  test("GIVEN two subjects THEN one statement allows AssumeRoleWithWebIdentity through the provider with exact aud and sub", () => {
    const policy = JSON.parse(githubTrustPolicy(PROVIDER, "eu-west-1", ["repo:o/r:pull_request", "repo:o/r:ref:refs/heads/main"]));
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GithubActions",
          Effect: "Allow",
          Principal: { Federated: PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": ["repo:o/r:pull_request", "repo:o/r:ref:refs/heads/main"],
            },
          },
        },
      ],
    });
  });

  test.each([[[]], [["repo:o/*"]], [["repo:o/r:ref:refs/heads/ma?n"]]])("GIVEN subjects %j THEN it is refused", (subjects) => {
    expect(() => githubTrustPolicy(PROVIDER, "eu-west-1", subjects)).toThrow(
      `githubTrustPolicy: subjects got ${JSON.stringify(subjects)}; allowed: at least one exact sub claim (no "*" or "?")`,
    );
  });

  test("GIVEN a pull request pattern THEN it gets a statement of its own with StringLike, so the exact subjects stay exact", () => {
    const pattern = "repo:o/r:pull_request:job_workflow_ref:o/r/.github/workflows/ci.yml@refs/pull/*/merge";
    const policy = JSON.parse(githubTrustPolicy(PROVIDER, "eu-west-1", ["repo:o/r:ref:refs/heads/main"], [pattern]));
    expect(policy.Statement.map((s: any) => s.Condition)).toEqual([
      { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main" } },
      { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": pattern } },
    ]);
  });

  test.each([["repo:o/*"], ["repo:o/r:pull_request:job_workflow_ref:o/r/.github/workflows/*.yml@refs/pull/*/merge"], ["repo:o/r:pull_request?"]])(
    "GIVEN the pattern %j, with a wildcard beyond the pull request's number, THEN it is refused",
    (pattern) => {
      expect(() => githubTrustPolicy(PROVIDER, "eu-west-1", [], [pattern])).toThrow(`githubTrustPolicy: subjectPatterns got ${JSON.stringify(pattern)}`);
    },
  );

  test("GIVEN a China region THEN the audience is the China STS endpoint", () => {
    expect(githubOidcAudience("cn-north-1")).toBe("sts.amazonaws.com.cn");
    expect(githubOidcAudience("eu-west-1")).toBe("sts.amazonaws.com");
    expect(githubOidcAudience("us-gov-west-1")).toBe("sts.amazonaws.com");
  });
});
