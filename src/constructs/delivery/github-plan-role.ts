import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Naming } from "../../core/naming";
import { GithubRepository, githubTrustPolicy } from "./github-repository";
import { requireInteger, requireRegion } from "../shared";

// ── props ──

/** Properties of {@link GithubPlanRole}. */
export interface GithubPlanRoleProps {
  /** Naming context of the environment: the role is `<app>-<environment>-github-plan`. */
  readonly naming: Naming;
  /** The repository whose pull requests and branches may assume the role. */
  readonly repository: GithubRepository;
  /** ARN of the account's GitHub OIDC provider ({@link GithubOidcProvider.arn}). */
  readonly oidcProviderArn: string;
  /** The stack's region (audience of the trust policy). */
  readonly region: string;
  /**
   * ARN of the environment's read-only state role (`stateReadRoleArn(state, environment)` from `src/config/state.ts`):
   * it reads the state and never writes or locks it. The plan role may assume it and nothing else.
   */
  readonly stateRoleArn: string;
  /**
   * Branches whose push (and dispatch) runs may plan, besides pull requests.
   *
   * @default ["main"]
   */
  readonly branches?: readonly string[];
  /**
   * The workflow file that plans pull requests and pushes.
   *
   * @default ".github/workflows/ci.yml"
   */
  readonly ciWorkflow?: string;
  /**
   * The deploy workflow, whose jobs outside a GitHub environment (on the branches above) may plan too.
   *
   * @default ".github/workflows/deploy.yml"
   */
  readonly deployWorkflow?: string;
  /**
   * Longest session, in seconds, from 3600 to 43200.
   *
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
}

// ── denied actions ──

/**
 * Data-plane reads the plan role is denied whatever else is attached to it later (an explicit deny wins over any
 * allow, for example a `ReadOnlyAccess` attached by hand): secret values, decryption, parameter values, objects and log
 * events. The state is read through the state role, a different principal, which decrypts it through S3.
 */
export const PLAN_ROLE_DENIED_ACTIONS: readonly string[] = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "kms:Decrypt",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
  "s3:GetObject",
  "s3:GetObjectVersion",
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
];

/**
 * The role GitHub Actions assumes to plan an environment for a pull request or a push to main.
 *
 * Trust: the OIDC provider, audience `sts.amazonaws.com`, and the `sub` claims of GitHub's subject customization
 * ({@link GITHUB_SUBJECT_CLAIM_KEYS}): the CI workflow for a pull request (`...:pull_request:job_workflow_ref:<owner>/<name>/.github/workflows/ci.yml@refs/pull/*\/merge`,
 * the only wildcard, for the pull request's number), the CI and the deploy workflow on `main`
 * (`...:ref:refs/heads/main:job_workflow_ref:<owner>/<name>/<workflow>@refs/heads/main`). A job that runs in a GitHub
 * environment has another `sub` and cannot assume it. Pull requests from forks get no OIDC token from GitHub.
 *
 * Permissions: `sts:AssumeRole` on the environment's read-only state role (to read the state, never to write or lock
 * it), `secretsmanager:GetRandomPassword`
 * (a plan opens the ephemeral passwords of the write-only secrets; the call creates and reads nothing), and explicit
 * denies of every data-plane read in {@link PLAN_ROLE_DENIED_ACTIONS}. Nothing else: the CI plans with `-refresh=false` (the refresh
 * of `aws_secretsmanager_secret_version` calls `GetSecretValue`, which this role must never do), so it reads no AWS
 * resource. Not `ReadOnlyAccess`: that managed policy reads data (S3 objects, DynamoDB items, log events), not only
 * configuration, for any resource in the account.
 *
 * The state holds no secret value (write-only arguments), but it names every resource: whoever can plan can read it.
 */
export class GithubPlanRole extends Construct {
  /** ARN of the role (what the workflow's `role-to-assume` gets). */
  public readonly roleArn: string;
  /** Name of the role. */
  public readonly roleName: string;
  /** The exact `sub` claims the role trusts. */
  public readonly subjects: readonly string[];
  /** The `sub` patterns the role trusts (pull requests). */
  public readonly subjectPatterns: readonly string[];
  /** The role resource. */
  public readonly role: IamRole;

  public constructor(scope: Construct, id: string, props: GithubPlanRoleProps) {
    super(scope, id);
    // ── validation ──
    const branches = props.branches ?? ["main"];
    const maxSessionDurationSeconds = props.maxSessionDurationSeconds ?? 3600;
    requireRegion("GithubPlanRole", props.region);
    requireInteger("GithubPlanRole", "maxSessionDurationSeconds", maxSessionDurationSeconds, 3600, 43200);
    if (!/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/.test(props.stateRoleArn)) {
      throw new Error(`GithubPlanRole: stateRoleArn got ${JSON.stringify(props.stateRoleArn)}; allowed: an IAM role ARN such as "arn:aws:iam::123456789012:role/whcsites-tfstate-staging"`);
    }
    const ci = props.ciWorkflow ?? ".github/workflows/ci.yml";
    const deploy = props.deployWorkflow ?? ".github/workflows/deploy.yml";
    this.subjects = branches.flatMap((b) => [props.repository.branchSubject(b, ci), props.repository.branchSubject(b, deploy)]);
    this.subjectPatterns = [props.repository.pullRequestSubject(ci)];

    // ── iam ──
    this.role = new IamRole(this, "Resource", {
      name: githubPlanRoleName(props.naming),
      description: `GitHub Actions plans of ${props.naming.environment} from ${props.repository.fullName} (pull requests, ${branches.join(", ")}): reads its state, nothing else`,
      assumeRolePolicy: githubTrustPolicy(props.oidcProviderArn, props.region, this.subjects, this.subjectPatterns),
      maxSessionDuration: maxSessionDurationSeconds,
    });
    new IamRolePolicy(this, "policy", {
      name: "plan",
      role: this.role.name,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "ReadOwnState", Effect: "Allow", Action: "sts:AssumeRole", Resource: props.stateRoleArn },
          // GetRandomPassword has no resource: it returns a random string and touches nothing.
          { Sid: "EphemeralPasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" },
          { Sid: "NeverReadData", Effect: "Deny", Action: [...PLAN_ROLE_DENIED_ACTIONS], Resource: "*" },
        ],
      }),
    });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
  }
}

// ── names ──

/** The plan role's name: `<app>-<environment>-github-plan` (the workflows build its ARN from the environment file). */
export function githubPlanRoleName(naming: Naming): string {
  return naming.name("github-plan", 64);
}
