import { partitionOf } from "../../domain/partition";
import { PropError } from "../shared";

/*
 * What GitHub Actions puts in its OIDC tokens, and the trust policy that checks it. Shared by the plan and deploy
 * roles, so that both name the repository the same way.
 */

/** The issuer of GitHub Actions OIDC tokens (the IAM OIDC provider's URL without `https://`). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * The claims the repository's `sub` is made of (GitHub's subject customization, set once per repository: docs/delivery.md,
 * "Pinning the workflow"). AWS IAM conditions on `sub` and `aud` of a GitHub token only, not on its other claims, so
 * the workflow file and its ref must be in `sub` to be checked: `repo:<repository>:<context>:job_workflow_ref:<owner>/<name>/<workflow>@<ref>`.
 */
export const GITHUB_SUBJECT_CLAIM_KEYS: readonly string[] = ["repo", "context", "job_workflow_ref"];

/**
 * The audience (`aud`) configure-aws-credentials asks GitHub for, and the client id the IAM OIDC provider accepts:
 * `sts.amazonaws.com`, or `sts.amazonaws.com.cn` in the China partition.
 *
 * @param region an AWS region code such as `eu-west-1`
 */
export function githubOidcAudience(region: string): string {
  return partitionOf(region) === "aws-cn" ? "sts.amazonaws.com.cn" : "sts.amazonaws.com";
}

// ── props ──

/** Properties of {@link GithubRepository}. */
export interface GithubRepositoryProps {
  /** `owner/name` as GitHub spells it (the `sub` claim is compared case-sensitively), for example `whc-example/whcsites-infra`. */
  readonly repository: string;
  /**
   * The repository part of the `sub` claim when the repository emits immutable subject claims (repositories created
   * or renamed since mid-2026, or opted in): `owner/name` with the numeric owner and repository ids appended, exactly
   * as the repository's OIDC settings show it (for example `whc-example@123456/whcsites-infra@789012`). It must name
   * the same owner and repository as `repository`.
   *
   * @default repository (the name-only claim of older repositories)
   */
  readonly subjectRepository?: string;
}

// ── name rules ──

// GitHub's rules: an owner (user or organization) has 1 to 39 letters, digits and single inner hyphens; a repository
// name has 1 to 100 letters, digits, `.`, `_` and `-`, and is not `.` or `..`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
// Immutable ids follow a name after one separator; both `@` (configure-aws-credentials' docs) and `-` (GitHub's
// changelog) are shown for it, so either is accepted as long as the names themselves are unchanged.
const ID_SUFFIX = "(?:[@-][0-9]{1,20})?";

/**
 * A GitHub repository as a role trusts it: its `owner/name` (validated by GitHub's rules) and the `sub` claims of its
 * workflows. Conditions are exact (`StringEquals`), never a wildcard such as `repo:owner/*`.
 */
export class GithubRepository {
  /** `owner/name`. */
  public readonly fullName: string;
  /** The owner (user or organization). */
  public readonly owner: string;
  /** The repository name. */
  public readonly name: string;
  /** The repository part of every `sub` claim: {@link GithubRepositoryProps.subjectRepository} or `owner/name`. */
  public readonly subjectRepository: string;

  public constructor(props: GithubRepositoryProps) {
    // ── validation ──
    const problem = repositoryProblem(props.repository);
    if (problem !== undefined) throw new PropError("GithubRepository", [{ prop: "repository", detail: `got ${JSON.stringify(props.repository)}; allowed: ${problem}` }]);
    const [owner, name] = props.repository.split("/");
    this.fullName = props.repository;
    this.owner = owner;
    this.name = name;
    this.subjectRepository = props.subjectRepository ?? props.repository;
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
    const immutable = new RegExp(`^${escape(owner)}${ID_SUFFIX}/${escape(name)}${ID_SUFFIX}$`);
    if (!immutable.test(this.subjectRepository)) {
      throw new PropError("GithubRepository", [{ prop: "subjectRepository", detail: `got ${JSON.stringify(props.subjectRepository)}; allowed: "${owner}/${name}" with the numeric ids GitHub appends, such as "${owner}@123456/${name}@789012"` }]);
    }
  }

  // ── subjects ──
  // All of the form GITHUB_SUBJECT_CLAIM_KEYS makes.
  /**
   * `sub` pattern of a job of `workflow` run for a pull request:
   * `repo:<repository>:pull_request:job_workflow_ref:<owner>/<name>/<workflow>@refs/pull/<number>/merge`. A pattern
   * (`StringLike`): the pull request's number is in the ref; the rest is fixed.
   */
  public pullRequestSubject(workflow: string): string {
    return `repo:${this.subjectRepository}:pull_request:job_workflow_ref:${this.workflowRef(workflow, "refs/pull/*/merge")}`;
  }

  /**
   * `sub` of a job of `workflow` run on a push to (or a dispatch on) `branch`, outside any GitHub environment:
   * `repo:<repository>:ref:refs/heads/<branch>:job_workflow_ref:<owner>/<name>/<workflow>@refs/heads/<branch>`.
   */
  public branchSubject(branch: string, workflow: string): string {
    const ref = `refs/heads/${requireBranch(branch)}`;
    return `repo:${this.subjectRepository}:ref:${ref}:job_workflow_ref:${this.workflowRef(workflow, ref)}`;
  }

  /**
   * `sub` of a job of `workflow`, run from `branch`, that runs in a GitHub environment (whose protection rules gate it):
   * `repo:<repository>:environment:<environment>:job_workflow_ref:<owner>/<name>/<workflow>@refs/heads/<branch>`.
   */
  public environmentSubject(environment: string, workflow: string, branch: string): string {
    if (!ENVIRONMENT.test(environment)) {
      throw new PropError("GithubRepository", [{ prop: "environment", detail: `got ${JSON.stringify(environment)}; allowed: 1 to 255 letters, digits, ".", "_" and "-"` }]);
    }
    return `repo:${this.subjectRepository}:environment:${environment}:job_workflow_ref:${this.workflowRef(workflow, `refs/heads/${requireBranch(branch)}`)}`;
  }

  /** `job_workflow_ref` of a workflow file of this repository at `ref`: `<owner>/<name>/<workflow>@<ref>`. */
  private workflowRef(workflow: string, ref: string): string {
    if (!WORKFLOW.test(workflow)) {
      throw new PropError("GithubRepository", [{ prop: "workflow", detail: `got ${JSON.stringify(workflow)}; allowed: a workflow file such as ".github/workflows/deploy.yml"` }]);
    }
    return `${this.fullName}/${workflow}@${ref}`;
  }
}

// ── helpers ──

const BRANCH = /^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,254}$/;
const WORKFLOW = /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/;

function requireBranch(branch: string): string {
  if (!BRANCH.test(branch) || branch.includes("..") || branch.endsWith("/") || branch.endsWith(".lock")) {
    throw new PropError("GithubRepository", [{ prop: "branch", detail: `got ${JSON.stringify(branch)}; allowed: a branch name such as "main" (no wildcards, spaces or "..")` }]);
  }
  return branch;
}
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;

/** Why `repository` is not a GitHub `owner/name`, or undefined when it is. */
function repositoryProblem(repository: string): string | undefined {
  const parts = typeof repository === "string" ? repository.split("/") : [];
  const rule =
    'a GitHub repository as "owner/name": the owner 1 to 39 letters, digits and single inner hyphens; the name 1 to 100 letters, digits, ".", "_" and "-", not "." or ".."';
  if (parts.length !== 2) return rule;
  const [owner, name] = parts;
  if (!OWNER.test(owner) || !NAME.test(name) || name === "." || name === "..") return rule;
  if (name.toLowerCase().endsWith(".git")) return `${rule} (without ".git")`;
  return undefined;
}

// ── trust policy ──

/**
 * The trust policy of a role assumed from GitHub Actions: `sts:AssumeRoleWithWebIdentity` through `providerArn`, only
 * with the audience of `region`'s partition, for the exact `subjects` given, and for the `subjectPatterns` (a pull
 * request's `sub`, whose ref holds its number), each in a statement of its own (one statement's conditions all hold
 * together).
 *
 * @param providerArn ARN of the account's GitHub OIDC provider
 * @param region the region of the role's stack, for the audience
 * @param subjects exact `sub` claims from {@link GithubRepository}
 * @param subjectPatterns `sub` patterns from {@link GithubRepository.pullRequestSubject} (a `*` only where GitHub puts the pull request's number)
 */
export function githubTrustPolicy(providerArn: string, region: string, subjects: readonly string[], subjectPatterns: readonly string[] = []): string {
  if (subjects.length + subjectPatterns.length === 0 || subjects.some((s) => s.includes("*") || s.includes("?"))) {
    throw new Error(`githubTrustPolicy: subjects got ${JSON.stringify(subjects)}; allowed: at least one exact sub claim (no "*" or "?")`);
  }
  for (const pattern of subjectPatterns) {
    if (pattern.includes("?") || pattern.replace("@refs/pull/*/merge", "").includes("*")) {
      throw new Error(`githubTrustPolicy: subjectPatterns got ${JSON.stringify(pattern)}; allowed: a pull request's sub, with "*" only for its number ("@refs/pull/*/merge")`);
    }
  }
  const statement = (sid: string, test: "StringEquals" | "StringLike", values: readonly string[]) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Federated: providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: {
      StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: githubOidcAudience(region), ...(test === "StringEquals" ? { [`${GITHUB_OIDC_HOST}:sub`]: values.length === 1 ? values[0] : [...values] } : {}) },
      ...(test === "StringLike" ? { StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: values.length === 1 ? values[0] : [...values] } } : {}),
    },
  });
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [...(subjects.length > 0 ? [statement("GithubActions", "StringEquals", subjects)] : []), ...(subjectPatterns.length > 0 ? [statement("GithubPullRequests", "StringLike", subjectPatterns)] : [])],
  });
}
