import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { partitionOf } from "../../domain/partition";
import { Naming } from "../../core/naming";
import { acknowledge } from "../../core/acknowledge";
import { GithubRepository, githubTrustPolicy } from "./github-repository";
import { requireAccountId, requireInteger, requireRegion } from "../shared";

// ── props ──

/** Properties of {@link GithubDeployRole}. */
export interface GithubDeployRoleProps {
  /**
   * Naming context of the environment. The role is `<app>-<environment>-github-deploy`, its boundary
   * `<app>-<environment>-github-deploy-boundary`, and the role reaches resources named `<app>-<environment>-*` or
   * `/<app>/<environment>/*`, or tagged `app` = `<app>` and `environment` = `<environment>` (the provider's
   * `default_tags`).
   */
  readonly naming: Naming;
  /** The repository whose deploy jobs may assume the role. */
  readonly repository: GithubRepository;
  /** ARN of the account's GitHub OIDC provider ({@link GithubOidcProvider.arn}). */
  readonly oidcProviderArn: string;
  /** The 12-digit account of the environment (the policy's resource ARNs name it). */
  readonly accountId: string;
  /** The environment's region (the policy's regional resource ARNs name it). */
  readonly region: string;
  /** ARN of the role the environment's S3 backend assumes to reach its state (`stateAccessRoleArn` in `src/config/state.ts`). */
  readonly stateRoleArn: string;
  /**
   * The GitHub environment whose jobs may assume the role (its required reviewers gate every deploy).
   *
   * @default the environment's name
   */
  readonly githubEnvironment?: string;
  /**
   * Route53 hosted zones the role may change records in (the environment file's `domain.hostedZoneId`).
   *
   * @default none: the role changes no DNS record
   */
  readonly hostedZoneIds?: readonly string[];
  /**
   * Secrets outside `/<app>/<environment>/` that the workload's roles read (for example a registry pull secret given
   * by ARN). The policy admits reading them: the workload's roles need it, and the deploy role (which shares the
   * document) gets it too.
   *
   * @default none
   */
  readonly workloadSecretArns?: readonly string[];
  /**
   * The workload opens ECS Exec sessions (`service.enableExecuteCommand`): the boundary admits the task role's
   * Session Manager channels.
   *
   * @default true
   */
  readonly ecsExec?: boolean;
  /**
   * The database has enhanced monitoring: the boundary admits what the AWS managed monitoring policy does.
   *
   * @default true
   */
  readonly enhancedMonitoring?: boolean;
  /**
   * The environment backs up its database with AWS Backup (a vault, a plan, restore tests and replicated automated
   * backups, in its region and a DR region): the policy admits creating and managing them, passing the backup role to
   * AWS Backup, and, in the boundary, what AWS Backup does with that role (RDS snapshots of AWS Backup in any region,
   * restore-tested instances `awsbackup-restore-test-*`).
   *
   * @default false
   */
  readonly backups?: boolean;
  /**
   * Longest session, in seconds, from 3600 to 43200. A first production deploy (Multi-AZ database, certificate
   * validation) can take more than an hour; the workflow asks for the same duration.
   *
   * @default 7200
   */
  readonly maxSessionDurationSeconds?: number;
}

// ── policy facts ──

/** The service principals the deploy role may pass the workload's roles to. */
export const DEPLOY_ROLE_PASSED_TO_SERVICES: readonly string[] = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com"];

/** The service-linked roles the deploy role may create (first ECS service, load balancer, database, scaling target). */
export const DEPLOY_ROLE_SERVICE_LINKED_ROLES: readonly string[] = [
  "ecs.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "rds.amazonaws.com",
  "ecs.application-autoscaling.amazonaws.com",
];

/** With `backups`: the service the backup role is passed to, and AWS Backup's service-linked roles (its own, its restore tests'). */
export const DEPLOY_ROLE_BACKUP_SERVICES = { passedTo: "backup.amazonaws.com", serviceLinked: ["backup.amazonaws.com", "restore-testing.backup.amazonaws.com"] } as const;

/** The largest managed policy IAM accepts, in characters without whitespace (the deploy policy is one). */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

/** One IAM policy statement. */
export interface PolicyStatementJson {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  /** Actions (exactly one of Action and NotAction). */
  readonly Action?: readonly string[];
  /** Every action but these (used in Deny statements only: an Allow with NotAction fails IAM.1). */
  readonly NotAction?: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * The role GitHub Actions assumes to deploy one environment, with one customer managed policy that is both its
 * permissions and its permissions boundary.
 *
 * Trust: only jobs of the GitHub environment of the same name (`repo:<owner>/<name>:environment:<environment>`), so
 * the environment's protection rules (required reviewers for production) gate every use.
 *
 * Permissions, confined to the environment wherever AWS allows it:
 * - by name: IAM roles `<app>-<env>-*`, log groups `/<app>/<env>/*` and `/aws/rds/instance/<app>-<env>-*`, secrets
 *   `/<app>/<env>/*`, ECS clusters, services, task definitions and tasks, the load balancer, its listeners and rules,
 *   RDS instances, parameter and subnet groups and snapshots, S3 buckets and KMS aliases `<app>-<env>-*`;
 * - by tag (`app` and `environment`, as the provider's `default_tags` set them): EC2 networking, target groups, KMS
 *   keys and certificates, which have generated ids. A create call must tag the new resource so; a change or a delete
 *   needs the tags on the resource;
 * - broad by necessity (docs/security.md, "What the deploy role may do beyond its environment"): describe and list calls, EC2 creation calls (a parent in the same call
 *   may be untagged), Application Auto Scaling, claiming the untagged default security group, network ACL and route
 *   table of a new VPC and any untagged KMS key or certificate, task definition registration, the VPC endpoints'
 *   private DNS.
 * Inside those resources the policy allows whole services (`rds:*` on the environment's database, ...): the
 * environment is the perimeter, and an action list would fail the next deploy that needs one more call.
 *
 * The same document is the boundary of the role and of every role it creates: the role may create and change roles
 * only with this boundary, never remove a boundary or change the policy, never change the GitHub roles and never
 * assume the environment's roles. So no role it creates can do more than the role itself. The document also admits
 * what the workload's roles do at run time (ECS Exec channels, RDS enhanced monitoring, `workloadSecretArns`).
 *
 * The GitHub roles belong in a stack an administrator deploys, not in the environment's own stack (which the deploy
 * role deploys). Every IAM role of the environment's stack must carry the boundary ({@link githubDeployBoundaryArn}),
 * or the deploy role can neither create nor change it.
 */
export class GithubDeployRole extends Construct {
  /** ARN of the role (what the workflow's `role-to-assume` gets). */
  public readonly roleArn: string;
  /** Name of the role. */
  public readonly roleName: string;
  /** ARN of the permissions boundary (a literal: every role of the environment's stack must carry it). */
  public readonly boundaryArn: string;
  /** The `sub` claims the role trusts. */
  public readonly subjects: readonly string[];
  /** The role resource. */
  public readonly role: IamRole;
  /** The customer managed policy: the role's permissions and the boundary of the role and of every role it creates. */
  public readonly policy: IamPolicy;
  /** The statements of {@link GithubDeployRole.policy}, in order (for review and tests). */
  public readonly statements: readonly PolicyStatementJson[];

  public constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    // ── validation ──
    const name = "GithubDeployRole";
    const maxSessionDurationSeconds = props.maxSessionDurationSeconds ?? 7200;
    requireAccountId(name, props.accountId);
    requireRegion(name, props.region);
    requireInteger(name, "maxSessionDurationSeconds", maxSessionDurationSeconds, 3600, 43200);
    if (props.naming.environment === "tfstate") {
      // `<app>-tfstate-*` names the state bucket, lock table and state roles of every environment.
      throw new Error(`${name}: naming.environment got "tfstate"; allowed: any other name (${props.naming.app}-tfstate-* are the state's bucket, table and roles)`);
    }
    if (!/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/.test(props.stateRoleArn)) {
      throw new Error(`${name}: stateRoleArn got ${JSON.stringify(props.stateRoleArn)}; allowed: an IAM role ARN such as "arn:aws:iam::123456789012:role/whcsites-tfstate-staging"`);
    }
    for (const zone of props.hostedZoneIds ?? []) {
      if (!/^Z[A-Z0-9]{1,31}$/.test(zone)) throw new Error(`${name}: hostedZoneIds got ${JSON.stringify(zone)}; allowed: Route53 hosted zone ids such as "Z0123456789ABCDEFGHIJ"`);
    }
    for (const arn of props.workloadSecretArns ?? []) {
      if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*?]+$/.test(arn)) {
        throw new Error(`${name}: workloadSecretArns got ${JSON.stringify(arn)}; allowed: full Secrets Manager secret ARNs (no wildcard)`);
      }
    }

    // ── statements ──
    const partition = partitionOf(props.region);
    const githubEnvironment = props.githubEnvironment ?? props.naming.environment;
    this.subjects = [props.repository.environmentSubject(githubEnvironment)];

    const scopeOf: DeployScope = {
      partition,
      region: props.region,
      accountId: props.accountId,
      naming: props.naming,
      stateRoleArn: props.stateRoleArn,
      boundaryArn: githubDeployBoundaryArn(props.naming, props.accountId, props.region),
      hostedZoneIds: props.hostedZoneIds ?? [],
      workloadSecretArns: props.workloadSecretArns ?? [],
      ecsExec: props.ecsExec ?? true,
      enhancedMonitoring: props.enhancedMonitoring ?? true,
      backups: props.backups ?? false,
    };
    this.boundaryArn = scopeOf.boundaryArn;
    this.statements = [...deployStatements(scopeOf), ...workloadStatements(scopeOf), ...escalationDenies(scopeOf)];
    const document = policyJson(this.statements);
    if (document.length > MANAGED_POLICY_MAX_CHARACTERS) {
      throw new Error(
        `${name}: the deploy policy of ${props.naming.environment} is ${document.length} characters; allowed: at most ${MANAGED_POLICY_MAX_CHARACTERS} (IAM's managed policy limit): give fewer hostedZoneIds or workloadSecretArns${scopeOf.backups ? " (backups take about 320 of them)" : ""}`,
      );
    }

    // ── iam ──
    const roleName = githubDeployRoleName(props.naming);
    this.policy = new IamPolicy(this, "boundary", {
      name: githubDeployBoundaryName(props.naming),
      description: `Permissions and permissions boundary of ${roleName} and of every role it creates: ${props.naming.environment}'s resources only`,
      policy: document,
    });
    acknowledge(
      this.policy,
      "IAM.21",
      `deploy role and boundary of ${props.naming.environment}: whole services are allowed only on resources confined to the environment by name (${props.naming.prefix}-*, ${props.naming.path()}/*) or by its tags; action lists where a wildcard would reach further`,
    );
    this.role = new IamRole(this, "Resource", {
      name: roleName,
      description: `GitHub Actions deploys of ${props.naming.environment} from ${props.repository.fullName} (GitHub environment ${githubEnvironment})`,
      assumeRolePolicy: githubTrustPolicy(props.oidcProviderArn, props.region, this.subjects),
      maxSessionDuration: maxSessionDurationSeconds,
      permissionsBoundary: this.policy.arn,
    });
    new IamRolePolicyAttachment(this, "policy", { role: this.role.name, policyArn: this.policy.arn });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
  }
}

// ── names and arns ──

/** The deploy role's name: `<app>-<environment>-github-deploy` (the workflows build its ARN from the environment file). */
export function githubDeployRoleName(naming: Naming): string {
  return naming.name("github-deploy", 64);
}

/** The permissions boundary's name: `<app>-<environment>-github-deploy-boundary`. */
export function githubDeployBoundaryName(naming: Naming): string {
  return naming.name("github-deploy-boundary", 128);
}

/**
 * The ARN of the environment's permissions boundary, built offline (no reference between stacks): what every IAM
 * role of the environment's stack sets as `permissions_boundary`.
 */
export function githubDeployBoundaryArn(naming: Naming, accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:policy/${githubDeployBoundaryName(naming)}`;
}

// ── policy document ──

/** A policy document with the statements in order; the size limits count it without whitespace, as written here. */
export function policyJson(statements: readonly PolicyStatementJson[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

// ── statement helpers ──

interface DeployScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly naming: Naming;
  readonly stateRoleArn: string;
  readonly boundaryArn: string;
  readonly hostedZoneIds: readonly string[];
  readonly workloadSecretArns: readonly string[];
  readonly ecsExec: boolean;
  readonly enhancedMonitoring: boolean;
  readonly backups: boolean;
}

function regional(s: DeployScope, service: string, resource: string): string {
  return `arn:${s.partition}:${service}:${s.region}:${s.accountId}:${resource}`;
}

function iam(s: DeployScope, resource: string): string {
  return `arn:${s.partition}:iam::${s.accountId}:${resource}`;
}

/** Condition: the resource carries the environment's tags. */
function tagged(s: DeployScope, test = "StringEquals"): PolicyStatementJson["Condition"] {
  return { [test]: { "aws:ResourceTag/app": s.naming.app, "aws:ResourceTag/environment": s.naming.environment } };
}

/** Condition: the request tags the new resource with the environment's tags. */
function tagging(s: DeployScope): Readonly<Record<string, string>> {
  return { "aws:RequestTag/app": s.naming.app, "aws:RequestTag/environment": s.naming.environment };
}

// EC2 calls that create a resource; with default_tags the provider tags it in the same call (tag on create).
const EC2_CREATE = [
  "CreateVpc",
  "CreateSubnet",
  "CreateRouteTable",
  "CreateInternetGateway",
  "CreateNatGateway",
  "AllocateAddress",
  "CreateSecurityGroup",
  "AuthorizeSecurityGroupIngress",
  "AuthorizeSecurityGroupEgress",
  "CreateFlowLogs",
  "CreateVpcEndpoint",
];

// ── statements ──

/**
 * What the deploy role does (Terraform's create, read, update and delete of the stack, the deploy gate and verify).
 * Statements are grouped by how they are confined (tags, names), which keeps the document inside IAM's managed policy
 * limit; a service's actions only ever match that service's resources, so the grouping grants nothing across services.
 */
function deployStatements(s: DeployScope): PolicyStatementJson[] {
  const prefix = s.naming.prefix;
  const statements: PolicyStatementJson[] = [
    {
      // Describe and list calls have no resource-level permissions; they read configuration, never data. Nor has
      // GetRandomPassword (the ephemeral passwords of the write-only secrets), which creates and reads nothing.
      Sid: "Read",
      Effect: "Allow",
      Action: [
        "ec2:Describe*",
        "elasticloadbalancing:Describe*",
        "ecs:Describe*",
        "ecs:List*",
        "rds:Describe*",
        "logs:Describe*",
        "application-autoscaling:Describe*",
        "cloudwatch:DescribeAlarms",
        "kms:ListAliases",
        "secretsmanager:GetRandomPassword",
      ],
      Resource: "*",
    },
    { Sid: "State", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: s.stateRoleArn },
    {
      // Resources with generated ids are created tagged as the environment's (the provider's default_tags). Listed:
      // ec2:* with these tags would also create instances, volumes or images. A parent in the same call (the VPC of
      // a subnet) may be untagged or the environment's, never another environment's. KMS and ACM have no condition
      // key that tells tagging at creation from tagging an existing resource: an untagged key or certificate could
      // be claimed (docs/security.md, "What the deploy role may do beyond its environment").
      Sid: "CreateTagged",
      Effect: "Allow",
      Action: [
        ...EC2_CREATE.map((a) => `ec2:${a}`),
        "elasticloadbalancing:CreateTargetGroup",
        "ecs:RegisterTaskDefinition",
        "kms:CreateKey",
        "kms:TagResource",
        "acm:RequestCertificate",
        "acm:AddTagsToCertificate",
        ...(s.backups ? ["backup:Create*"] : []),
      ],
      Resource: "*",
      Condition: {
        StringEquals: tagging(s),
        StringEqualsIfExists: { "aws:ResourceTag/environment": s.naming.environment },
      },
    },
    {
      // Tags in a create call (the key is present only then); the create call itself must be allowed above.
      Sid: "Ec2TagOnCreate",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: "*",
      Condition: { Null: { "ec2:CreateAction": "false" } },
    },
    {
      Sid: "ElbTagOnCreate",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags"],
      Resource: "*",
      Condition: { Null: { "elasticloadbalancing:CreateAction": "false" } },
    },
    {
      // The default security group, network ACL and route table of a new VPC exist untagged; the provider tags them
      // before managing them. Only untagged ones can be claimed, never another environment's.
      Sid: "Ec2AdoptDefaults",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: ["security-group/*", "network-acl/*", "route-table/*"].map((r) => regional(s, "ec2", r)),
      Condition: { StringEquals: tagging(s), Null: { "aws:ResourceTag/environment": "true" } },
    },
    {
      // Whole services, on resources tagged as the environment's: networking, target groups, keys, certificates.
      Sid: "OwnByTag",
      Effect: "Allow",
      // AWS Backup's vaults, plans (and their selections) and restore testing plans have generated ids or ARNs.
      Action: ["ec2:*", "elasticloadbalancing:*", "kms:*", "acm:*", ...(s.backups ? ["backup:*"] : [])],
      Resource: "*",
      Condition: tagged(s),
    },
    {
      // Whole services, on resources named as the environment's. GetSecretValue is among them: refreshing a secret
      // version reads it (its value stays out of the state: write-only); GetLogEvents too: the deploy gate streams
      // the migration's output. The default option group is named by AWS (default:postgres-16).
      Sid: "OwnByName",
      Effect: "Allow",
      Action: ["elasticloadbalancing:*", "ecs:*", "rds:*", "secretsmanager:*", "s3:*", "logs:*", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", ...(s.backups ? ["events:*"] : [])],
      // One pattern per service: every resource type named <prefix>-* (load balancer, listener and rule; cluster,
      // service, task definition and task; instance, parameter and subnet group and snapshot).
      Resource: [
        regional(s, "elasticloadbalancing", `*/app/${prefix}-*`),
        regional(s, "ecs", `*/${prefix}-*`),
        regional(s, "rds", `*:${prefix}-*`),
        regional(s, "rds", "og:default:*"),
        regional(s, "secretsmanager", `secret:${s.naming.path()}/*`),
        `arn:${s.partition}:s3:::${prefix}-*`,
        ...logGroups(s),
        // With backups, any region: the DR vault's key has its alias in the DR region.
        `arn:${s.partition}:kms:${s.backups ? "*" : s.region}:${s.accountId}:alias/${prefix}-*`,
        ...(s.backups ? backupResources(s) : []),
      ],
    },
    {
      // Interface endpoints with private DNS associate the VPC with the endpoint service's private hosted zone.
      Sid: "EndpointDns",
      Effect: "Allow",
      Action: ["route53:AssociateVPCWithHostedZone"],
      Resource: `arn:${s.partition}:route53:::hostedzone/*`,
    },
    {
      // Scalable targets have no name or tag to scope by; target tracking creates its alarms through the caller.
      Sid: "Autoscaling",
      Effect: "Allow",
      // (De)RegisterScalableTarget, Put/DeleteScalingPolicy, Tag/Untag/ListTagsForResource.
      Action: ["*ScalableTarget", "*ScalingPolicy", "*Resource"].map((a) => `application-autoscaling:${a}`),
      Resource: "*",
    },
    {
      Sid: "ScalingAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
      Resource: regional(s, "cloudwatch", `alarm:TargetTracking-service/${prefix}-*`),
    },
    {
      // Listed, not iam:*: PassRole is granted below for three services only. The denies keep the boundary on.
      Sid: "Roles",
      Effect: "Allow",
      // *RolePolicy: Put, Get, Delete, Attach and Detach; List*: the role's policies, tags and instance profiles.
      Action: [
        "CreateRole",
        "DeleteRole",
        "GetRole",
        "UpdateRole*",
        "UpdateAssumeRolePolicy",
        "TagRole",
        "UntagRole",
        "List*",
        "*RolePolicy",
        "PutRolePermissionsBoundary",
      ].map((a) => `iam:${a}`),
      Resource: iam(s, `role/${prefix}-*`),
    },
    {
      Sid: "PassRoles",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: iam(s, `role/${prefix}-*`),
      Condition: { StringEquals: { "iam:PassedToService": [...DEPLOY_ROLE_PASSED_TO_SERVICES, ...(s.backups ? [DEPLOY_ROLE_BACKUP_SERVICES.passedTo] : [])] } },
    },
    {
      Sid: "ServiceLinkedRoles",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: iam(s, "role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": [...DEPLOY_ROLE_SERVICE_LINKED_ROLES, ...(s.backups ? DEPLOY_ROLE_BACKUP_SERVICES.serviceLinked : [])] } },
    },
  ];
  if (s.hostedZoneIds.length > 0) {
    statements.push({
      Sid: "Dns",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone", "route53:ListTagsForResource", "route53:GetChange"],
      Resource: [...s.hostedZoneIds.map((zone) => `arn:${s.partition}:route53:::hostedzone/${zone}`), `arn:${s.partition}:route53:::change/*`],
    });
  }
  return statements;
}

/**
 * With backups: the environment's EventBridge rules; and, for AWS Backup's role (in the boundary), the RDS snapshots
 * AWS Backup names awsbackup:* (taken here, copied to and expired in the DR region) and the instances its restore tests
 * create and delete (awsbackup-restore-test-*). AWS names those, not the environment:
 * docs/security.md, "What the deploy role may do beyond its environment". Here rather than in a statement of their
 * own: the document is near IAM's size limit, and rds:* is already this statement's.
 */
function backupResources(s: DeployScope): string[] {
  return [regional(s, "events", `rule/${s.naming.prefix}-*`), `arn:${s.partition}:rds:*:${s.accountId}:snapshot:awsbackup:*`, regional(s, "rds", "db:awsbackup-restore-test-*")];
}

/** The environment's log groups: its own path and the RDS exports of its database. */
function logGroups(s: DeployScope): string[] {
  return [regional(s, "logs", `log-group:${s.naming.path()}/*`), regional(s, "logs", `log-group:/aws/rds/instance/${s.naming.prefix}-*`)];
}

/** What the workload's roles do at run time beyond the deploy statements (their own logs and secrets are covered). */
function workloadStatements(s: DeployScope): PolicyStatementJson[] {
  const statements: PolicyStatementJson[] = [];
  if (s.enhancedMonitoring) {
    statements.push({
      // What the AWS managed AmazonRDSEnhancedMonitoringRole grants, on the log group AWS names RDSOSMetrics.
      Sid: "RdsMonitoring",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:CreateLogStream", "logs:PutLogEvents", "logs:GetLogEvents"],
      Resource: regional(s, "logs", "log-group:RDSOSMetrics*"),
    });
  }
  if (s.ecsExec) {
    statements.push({
      // ECS Exec: these actions have no resource-level permissions.
      Sid: "EcsExec",
      Effect: "Allow",
      Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
      Resource: "*",
    });
  }
  if (s.workloadSecretArns.length > 0) {
    statements.push({ Sid: "ExtraSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...s.workloadSecretArns] });
  }
  return statements;
}

/**
 * Denies that hold for the deploy role and for every role carrying the boundary. Removing a boundary
 * (`iam:DeleteRolePermissionsBoundary`) and changing any managed policy need no deny: no statement allows them, and
 * the boundary caps every role that carries it. A managed policy attached to such a role (even an AWS one) therefore
 * grants no more than the boundary.
 */
function escalationDenies(s: DeployScope): PolicyStatementJson[] {
  return [
    {
      Sid: "DenyRolesWithoutBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": s.boundaryArn } },
    },
    {
      // Only an administrator changes this policy and the GitHub roles (which match <app>-<env>-* too); reading them
      // stays possible.
      Sid: "DenyAdminOnly",
      Effect: "Deny",
      NotAction: ["iam:Get*", "iam:List*"],
      Resource: [s.boundaryArn, iam(s, `role/${s.naming.prefix}-github-*`)],
    },
    {
      // A trust policy that names a principal directly needs no allow on the caller's side (same account), so a role
      // the deploy role creates could otherwise let it in. The environment's roles serve AWS services only.
      Sid: "DenyAssumeOwnRoles",
      Effect: "Deny",
      Action: ["sts:AssumeRole"],
      Resource: iam(s, `role/${s.naming.prefix}-*`),
    },
  ];
}
