import { Construct } from "constructs";
import { LocalBackend, TerraformOutput } from "cdktf";
import { EnvironmentConfig } from "../config/environment";
import { StateConfig, stateAccessRoleArn, stateReadRoleArn } from "../config/state";
import { Naming } from "../core/naming";
import { tierDefaults } from "../domain/tier-defaults";
import { partitionOf } from "../domain/partition";
import { GithubDeployRole, githubDeployRoleName, GithubOidcProvider, GithubPlanRole, githubPlanRoleName, GithubRepository, WorkloadBoundary, workloadBoundaryArn } from "../constructs/delivery";
import { applyPolicies } from "../policies";
import { addAwsProvider } from "./aws-provider";
import { FieldMap, fromFile } from "./config-fields";
import { APP_NAME } from "../core/app-name";
import { ReadableStack } from "./readable-stack";

/** The GitHub stack of an environment: `whcsites-<environment>-github`. */
export function githubStackName(environment: string): string {
  return `${APP_NAME}-${environment}-github`;
}

function roleArnOf(config: EnvironmentConfig, name: (naming: Naming) => string): string | undefined {
  if (config.delivery === undefined) return undefined;
  return `arn:${partitionOf(config.region)}:iam::${config.accountId}:role/${name(new Naming(APP_NAME, config.name))}`;
}

/**
 * The ARN of the environment's GitHub deploy role, which its read-write state role trusts and its KMS key policies
 * name; undefined without `delivery`. Built offline from the name this stack gives the role: stacks never refer to
 * each other.
 */
export function githubDeployRoleArnOf(config: EnvironmentConfig): string | undefined {
  return roleArnOf(config, githubDeployRoleName);
}

/** The ARN of the environment's GitHub plan role, which its read-only state role trusts; undefined without `delivery`. */
export function githubPlanRoleArnOf(config: EnvironmentConfig): string | undefined {
  return roleArnOf(config, githubPlanRoleName);
}

/**
 * The workload boundary ({@link WorkloadBoundary}) that every IAM role of the environment's stack carries (the deploy
 * role may create and change roles only with it); undefined without `delivery`. Built offline: no reference between
 * the two stacks.
 */
export function workloadBoundaryArnOf(config: EnvironmentConfig): string | undefined {
  if (config.delivery === undefined) return undefined;
  return workloadBoundaryArn(new Naming(APP_NAME, config.name), config.accountId, config.region);
}

/** Props of {@link GithubStack}. */
export interface GithubStackProps {
  /** The environment whose GitHub roles these are (it has `delivery`). */
  readonly config: EnvironmentConfig;
  /** Where the environment's state lives: the plan and deploy roles assume its state role. */
  readonly state: StateConfig;
}

const DELIVERY_FIELDS: FieldMap = { oidcProvider: "oidcProvider", repository: "repository", subjectRepository: "subjectRepository" };

/**
 * The GitHub Actions side of one environment, in the environment's account: the account's OIDC provider (created
 * here, or referenced), the plan role (pull requests and main), the deploy role with its policies and permissions
 * boundary, and the workload boundary of every role the environment's stack creates.
 *
 * It is a stack of its own because the deploy role must never deploy its own permissions: an administrator deploys
 * it once (and when the delivery settings change), before the state stack (whose state roles trust these roles) and
 * before the environment's first deploy through GitHub. Its state is a local file at the repository root, like the
 * state bootstrap stack's.
 */
export class GithubStack extends ReadableStack {
  /** ARN of the deploy role (the deploy workflow's role-to-assume). */
  public readonly deployRoleArn: string;
  /** ARN of the plan role (the CI workflow's role-to-assume). */
  public readonly planRoleArn: string;

  public constructor(scope: Construct, id: string, props: GithubStackProps) {
    super(scope, id);
    const { config, state } = props;
    const delivery = config.delivery;
    if (delivery === undefined) throw new Error(`GithubStack ${id}: ${config.file} has no delivery block`);
    const naming = new Naming(APP_NAME, config.name);

    // ── state and provider ──
    // Outside cdktf.out, so that cleaning the build output never deletes it; an administrator's own file.
    new LocalBackend(this, { path: `../../../${id}.tfstate` });
    addAwsProvider(this, { naming, region: config.region, accountId: config.accountId });

    // ── GitHub OIDC provider and roles ──
    const stateRoleArn = stateAccessRoleArn(state, config.name);
    const { repository, provider } = fromFile(config.file, "delivery", DELIVERY_FIELDS, () => ({
      repository: new GithubRepository({ repository: delivery.repository, subjectRepository: delivery.subjectRepository }),
      provider: new GithubOidcProvider(this, "github_oidc", { oidcProvider: delivery.oidcProvider, accountId: config.accountId, region: config.region }),
    }));
    const plan = new GithubPlanRole(this, "github_plan", { naming, repository, oidcProviderArn: provider.arn, region: config.region, stateRoleArn: stateReadRoleArn(state, config.name) });
    const existingSecrets = [
      ...Object.values(config.secrets.existing),
      ...config.services.flatMap((s) => (s.registryCredentials?.mode === "existing" ? [s.registryCredentials.secretArn] : [])),
    ];
    const workloadBoundary = new WorkloadBoundary(this, "github_workload_boundary", {
      naming,
      accountId: config.accountId,
      region: config.region,
      workloadSecretArns: [...new Set(existingSecrets)],
      ecsExec: config.services.some((s) => s.enableExecuteCommand ?? tierDefaults(config.production).enableExecuteCommand),
      enhancedMonitoring: (config.database?.monitoringIntervalSeconds ?? 0) > 0,
      backups: config.dr === undefined || config.database === undefined ? undefined : { drRegion: config.dr.region },
      scheduledJobs: config.jobs.length > 0,
    });
    const deploy = new GithubDeployRole(this, "github_deploy", {
      naming,
      repository,
      oidcProviderArn: provider.arn,
      accountId: config.accountId,
      region: config.region,
      stateRoleArn,
      stateReadRoleArn: stateReadRoleArn(state, config.name),
      workloadBoundary,
      hostedZoneIds: config.domain === undefined ? [] : [config.domain.hostedZoneId],
      backupRegion: config.database === undefined ? undefined : config.dr?.region,
    });
    this.planRoleArn = plan.roleArn;
    this.deployRoleArn = deploy.roleArn;

    // ── outputs ──
    new TerraformOutput(this, "plan_role_arn", { value: plan.roleArn, description: "Role of the CI workflow's plans of this environment" });
    new TerraformOutput(this, "deploy_role_arn", { value: deploy.roleArn, description: "Role of the deploy workflow for this environment" });
    new TerraformOutput(this, "permissions_boundary_arn", { value: workloadBoundary.arn, description: "Boundary of every IAM role of the environment's stack (the workload boundary)" });

    // IAM only, but it decides who may change production: held to the production rules.
    applyPolicies(this, { production: true, resolvedAtPreparation: () => this.takeResolvedAtPreparation() });
  }
}
