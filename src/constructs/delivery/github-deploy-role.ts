import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { partitionOf } from "../../domain/partition";
import { Naming } from "../../core/naming";
import { acknowledge } from "../../core/acknowledge";
import { GithubRepository, githubTrustPolicy } from "./github-repository";
import { MANAGED_POLICY_MAX_CHARACTERS, policyJson, type PolicyStatementJson } from "./policy-document";
import { WorkloadBoundary, workloadBoundaryName } from "./workload-boundary";
import { requireAccountId, requireInteger, requireRegion } from "../shared";

export { MANAGED_POLICY_MAX_CHARACTERS, policyJson } from "./policy-document";
export type { PolicyStatementJson } from "./policy-document";

// ── props ──

/** Properties of {@link GithubDeployRole}. */
export interface GithubDeployRoleProps {
  /**
   * Naming context of the environment. The role is `<app>-<environment>-github-deploy`, its boundary
   * `<app>-<environment>-github-deploy-boundary`, its permissions `<app>-<environment>-github-deploy-<part>`, and the
   * role reaches resources named `<app>-<environment>-*` or `/<app>/<environment>/*`, or tagged `app` = `<app>` and
   * `environment` = `<environment>` (the provider's `default_tags`).
   */
  readonly naming: Naming;
  /** The repository whose deploy jobs may assume the role. */
  readonly repository: GithubRepository;
  /** ARN of the account's GitHub OIDC provider ({@link GithubOidcProvider.arn}). */
  readonly oidcProviderArn: string;
  /** The 12-digit account of the environment (the policies' resource ARNs name it). */
  readonly accountId: string;
  /** The environment's region (the policies' regional resource ARNs name it). */
  readonly region: string;
  /** ARN of the role the environment's S3 backend assumes to reach its state (`stateAccessRoleArn` in `src/config/state.ts`). */
  readonly stateRoleArn: string;
  /**
   * ARN of the environment's read-only state role (`stateReadRoleArn` in `src/config/state.ts`), which a deploy job
   * that only plans (the plan reviewed before production's approval) reads the state through.
   *
   * @default none: the role assumes only `stateRoleArn`
   */
  readonly stateReadRoleArn?: string;
  /** The boundary every role the deploy role creates or changes must carry, and which it may not change. */
  readonly workloadBoundary: WorkloadBoundary;
  /**
   * The GitHub environment whose jobs may assume the role (its required reviewers gate every deploy).
   *
   * @default the environment's name
   */
  readonly githubEnvironment?: string;
  /**
   * The workflow file whose jobs may assume the role.
   *
   * @default ".github/workflows/deploy.yml"
   */
  readonly workflow?: string;
  /**
   * The branch the workflow must run from.
   *
   * @default "main"
   */
  readonly branch?: string;
  /**
   * Route53 hosted zones the role may change records in (the environment file's `domain.hostedZoneId`).
   *
   * @default none: the role changes no DNS record
   */
  readonly hostedZoneIds?: readonly string[];
  /**
   * The environment backs up its database with AWS Backup into a vault here and copies it to one in this region
   * (the environment file's `dr.region`): the policies admit AWS Backup's vaults, plans and restore testing plans of the
   * environment (by name, in both regions), its EventBridge rules and key aliases in the DR region, passing the backup
   * role to AWS Backup, and AWS Backup's service-linked roles.
   *
   * @default none: no backups
   */
  readonly backupRegion?: string;
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
export const DEPLOY_ROLE_PASSED_TO_SERVICES: readonly string[] = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com", "scheduler.amazonaws.com"];

/** The service-linked roles the deploy role may create (first ECS service, load balancer, database, scaling target). */
export const DEPLOY_ROLE_SERVICE_LINKED_ROLES: readonly string[] = [
  "ecs.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "rds.amazonaws.com",
  "ecs.application-autoscaling.amazonaws.com",
];

/** With backups: the service the backup role is passed to, and AWS Backup's service-linked roles (its own, its restore tests'). */
export const DEPLOY_ROLE_BACKUP_SERVICES = { passedTo: "backup.amazonaws.com", serviceLinked: ["backup.amazonaws.com", "restore-testing.backup.amazonaws.com"] } as const;

/**
 * The role GitHub Actions assumes to deploy one environment.
 *
 * Trust: only jobs of the deploy workflow (`.github/workflows/deploy.yml`) run from `main` in the GitHub environment of
 * the same name, so the environment's protection rules (required reviewers for production) gate every use, and a
 * workflow on another branch or in another file cannot assume it (GitHub's subject customization:
 * {@link GITHUB_SUBJECT_CLAIM_KEYS}).
 *
 * Permissions, in customer managed policies attached to it (`-network`, `-services`, `-roles`, and with backups
 * `-backup`: one would exceed IAM's 6,144 characters), confined to the environment wherever AWS allows it:
 * - by name: IAM roles `<app>-<env>-*`, log groups `/<app>/<env>/*`, `/aws/rds/instance/<app>-<env>-*` and
 *   `aws-waf-logs-<app>-<env>`, secrets `/<app>/<env>/*`, the ECS cluster, services, task definitions and tasks, the
 *   load balancer, its listeners and rules, the database and its groups and snapshots, S3 buckets, KMS aliases, SNS
 *   topics, CloudWatch alarms and dashboards and the web ACL `<app>-<env>-*`;
 * - by tag (`app` and `environment`, as the provider's `default_tags` set them): EC2 networking, target groups and
 *   certificates, which have generated ids. A create call must tag the new resource so; a change or a delete needs the
 *   tags on the resource;
 * - KMS keys by their own policies (`rolesAdministerKey` in src/domain/kms.ts, which the environment's stack puts in
 *   every key policy): the IAM policies only create keys and use the environment's keys through Secrets Manager, so
 *   the role can change the policy of, or delete, only the keys whose policy names it;
 * - broad by necessity (docs/security.md, "What the deploy role may do beyond its environment"): describe and list
 *   calls, EC2 creation calls (a parent in the same call may be untagged), Application Auto Scaling, claiming the
 *   untagged default security group, network ACL and route table of a new VPC and any untagged certificate, the VPC
 *   endpoints' private DNS, the account's CloudWatch Logs resource policies (the web ACL's log delivery).
 *
 * Its permissions boundary (`<app>-<env>-github-deploy-boundary`) is a ceiling of services and the guardrails that
 * hold whatever is attached to it: roles are created and changed only with the environment's workload boundary
 * ({@link WorkloadBoundary}), never with its own; no boundary is removed; the boundaries, its own policies and the GitHub
 * roles are read-only to it; it assumes no role of its environment. So no role it creates can do more than a workload.
 *
 * The GitHub roles belong in a stack an administrator deploys, not in the environment's own stack (which the deploy
 * role deploys). Every IAM role of the environment's stack must carry the workload boundary, or the deploy role can
 * neither create nor change it.
 */
export class GithubDeployRole extends Construct {
  /** ARN of the role (what the workflow's `role-to-assume` gets). */
  public readonly roleArn: string;
  /** Name of the role. */
  public readonly roleName: string;
  /** ARN of the role's permissions boundary. */
  public readonly boundaryArn: string;
  /** The `sub` claims the role trusts. */
  public readonly subjects: readonly string[];
  /** The role resource. */
  public readonly role: IamRole;
  /** The permissions boundary policy. */
  public readonly boundary: IamPolicy;
  /** The statements of the boundary, in order (for review and tests). */
  public readonly boundaryStatements: readonly PolicyStatementJson[];
  /** The permission policies attached to the role, by part (`network`, `services`, `roles`). */
  public readonly policies: Readonly<Record<string, IamPolicy>>;
  /** The statements of every permission policy, in order (for review and tests). */
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
    for (const [prop, arn] of [["stateRoleArn", props.stateRoleArn], ["stateReadRoleArn", props.stateReadRoleArn]] as const) {
      if (arn !== undefined && !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/.test(arn)) {
        throw new Error(`${name}: ${prop} got ${JSON.stringify(arn)}; allowed: an IAM role ARN such as "arn:aws:iam::123456789012:role/whcsites-tfstate-staging"`);
      }
    }
    if (props.backupRegion !== undefined) {
      requireRegion(name, props.backupRegion);
      if (props.backupRegion === props.region) throw new Error(`${name}: backupRegion got "${props.backupRegion}"; allowed: a region other than region ${props.region}`);
    }
    for (const zone of props.hostedZoneIds ?? []) {
      if (!/^Z[A-Z0-9]{1,31}$/.test(zone)) throw new Error(`${name}: hostedZoneIds got ${JSON.stringify(zone)}; allowed: Route53 hosted zone ids such as "Z0123456789ABCDEFGHIJ"`);
    }

    // ── statements ──
    const partition = partitionOf(props.region);
    const githubEnvironment = props.githubEnvironment ?? props.naming.environment;
    this.subjects = [props.repository.environmentSubject(githubEnvironment, props.workflow ?? ".github/workflows/deploy.yml", props.branch ?? "main")];
    const s: DeployScope = {
      partition,
      region: props.region,
      accountId: props.accountId,
      naming: props.naming,
      stateRoleArns: [props.stateRoleArn, ...(props.stateReadRoleArn === undefined ? [] : [props.stateReadRoleArn])],
      boundaryArn: githubDeployBoundaryArn(props.naming, props.accountId, props.region),
      workloadBoundaryArn: props.workloadBoundary.arn,
      hostedZoneIds: props.hostedZoneIds ?? [],
      backupRegion: props.backupRegion,
    };
    this.boundaryArn = s.boundaryArn;
    // With backups, AWS Backup's statements are a fourth policy: with scheduled jobs and Service Connect the services
    // policy alone nears IAM's limit with the longest names.
    const parts: Record<string, PolicyStatementJson[]> = {
      network: networkStatements(s),
      services: serviceStatements(s),
      roles: roleStatements(s),
      ...(s.backupRegion !== undefined ? { backup: backupStatements(s) } : {}),
    };
    this.statements = Object.values(parts).flat();
    this.boundaryStatements = [...ceilingStatements(s), ...guardrails(s)];
    for (const [part, statements] of [...Object.entries(parts), ["boundary", this.boundaryStatements] as const]) {
      const size = policyJson(statements).length;
      if (size > MANAGED_POLICY_MAX_CHARACTERS) {
        throw new Error(
          `${name}: the deploy ${part} policy of ${props.naming.environment} is ${size} characters; allowed: at most ${MANAGED_POLICY_MAX_CHARACTERS} (IAM's managed policy limit): give fewer hostedZoneIds`,
        );
      }
    }

    // ── iam ──
    const roleName = githubDeployRoleName(props.naming);
    this.boundary = new IamPolicy(this, "boundary", {
      name: githubDeployBoundaryName(props.naming),
      description: `Permissions boundary of ${roleName}: the services a deploy uses, and guardrails (roles only with ${workloadBoundaryName(props.naming)}, no boundary removed, the GitHub roles and boundaries read-only)`,
      policy: policyJson(this.boundaryStatements),
    });
    acknowledge(this.boundary, "IAM.21", `deploy role boundary of ${props.naming.environment}: a ceiling of whole services; the role's own policies confine it to the environment's names and tags`);
    this.role = new IamRole(this, "Resource", {
      name: roleName,
      description: `GitHub Actions deploys of ${props.naming.environment} from ${props.repository.fullName} (deploy workflow on main, GitHub environment ${githubEnvironment})`,
      assumeRolePolicy: githubTrustPolicy(props.oidcProviderArn, props.region, this.subjects),
      maxSessionDuration: maxSessionDurationSeconds,
      permissionsBoundary: this.boundary.arn,
    });
    const policies: Record<string, IamPolicy> = {};
    for (const [part, statements] of Object.entries(parts)) {
      const policy = new IamPolicy(this, part, {
        name: githubDeployPolicyName(props.naming, part),
        description: `Deploys of ${props.naming.environment} (${part}): its resources only, by name or by tag`,
        policy: policyJson(statements),
      });
      acknowledge(
        policy,
        "IAM.21",
        `deploy role of ${props.naming.environment}: whole services are allowed only on resources confined to the environment by name (${props.naming.prefix}-*, ${props.naming.path()}/*) or by its tags; action lists where a wildcard would reach further`,
      );
      new IamRolePolicyAttachment(this, `${part}_attachment`, { role: this.role.name, policyArn: policy.arn });
      policies[part] = policy;
    }
    this.policies = policies;
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
  }
}

// ── names and arns ──

/** The deploy role's name: `<app>-<environment>-github-deploy` (the workflows build its ARN from the environment file). */
export function githubDeployRoleName(naming: Naming): string {
  return naming.name("github-deploy", 64);
}

/** The deploy role's ARN, built offline (the environment's key policies name it). */
export function githubDeployRoleArn(naming: Naming, accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${githubDeployRoleName(naming)}`;
}

/** The permissions boundary's name: `<app>-<environment>-github-deploy-boundary`. */
export function githubDeployBoundaryName(naming: Naming): string {
  return naming.name("github-deploy-boundary", 128);
}

/** A permission policy's name: `<app>-<environment>-github-deploy-<part>`. */
export function githubDeployPolicyName(naming: Naming, part: string): string {
  return naming.name(`github-deploy-${part}`, 128);
}

/** The ARN of the deploy role's permissions boundary, built offline. */
export function githubDeployBoundaryArn(naming: Naming, accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:policy/${githubDeployBoundaryName(naming)}`;
}

// ── statement helpers ──

interface DeployScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly naming: Naming;
  readonly stateRoleArns: readonly string[];
  readonly boundaryArn: string;
  readonly workloadBoundaryArn: string;
  readonly hostedZoneIds: readonly string[];
  readonly backupRegion?: string;
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
  "CreateNetworkAcl",
];

// ── permission policies ──

/** Networking, load balancing, certificates and DNS: mostly by tag (generated ids). */
function networkStatements(s: DeployScope): PolicyStatementJson[] {
  const statements: PolicyStatementJson[] = [
    {
      // Describe calls have no resource-level permissions; they read configuration, never data.
      Sid: "Read",
      Effect: "Allow",
      Action: ["ec2:Describe*", "elasticloadbalancing:Describe*"],
      Resource: "*",
    },
    {
      // Resources with generated ids are created tagged as the environment's (the provider's default_tags). Listed:
      // ec2:* with these tags would also create instances, volumes or images. A parent in the same call (the VPC of
      // a subnet) may be untagged or the environment's, never another environment's. ACM has no condition key that
      // tells tagging at creation from tagging an existing certificate: an untagged one could be claimed
      // (docs/security.md, "What the deploy role may do beyond its environment").
      Sid: "CreateTagged",
      Effect: "Allow",
      Action: [...EC2_CREATE.map((a) => `ec2:${a}`), "elasticloadbalancing:CreateTargetGroup", "acm:RequestCertificate", "acm:AddTagsToCertificate"],
      Resource: "*",
      Condition: { StringEquals: tagging(s), StringEqualsIfExists: { "aws:ResourceTag/environment": s.naming.environment } },
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
      // The provider sets the default network ACL's rules before it tags it, so its entries change while it is untagged.
      // Only untagged ACLs, never another environment's (docs/security.md, "What the deploy role may do beyond its environment").
      Sid: "Ec2DefaultAclEntries",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry", "ec2:ReplaceNetworkAclEntry"],
      Resource: regional(s, "ec2", "network-acl/*"),
      Condition: { Null: { "aws:ResourceTag/environment": "true" } },
    },
    {
      // An address is detached from the interface it is on, which AWS may own untagged (a NAT gateway's); the address
      // itself must be the environment's (OwnByTag).
      Sid: "DetachOwnAddresses",
      Effect: "Allow",
      Action: ["ec2:DisassociateAddress"],
      Resource: regional(s, "ec2", "network-interface/*"),
    },
    {
      // Whole services, on resources tagged as the environment's: networking, target groups, certificates.
      Sid: "OwnByTag",
      Effect: "Allow",
      Action: ["ec2:*", "elasticloadbalancing:*", "acm:*"],
      Resource: "*",
      Condition: tagged(s),
    },
    {
      // Interface endpoints with private DNS associate the VPC with the endpoint service's private hosted zone.
      Sid: "EndpointDns",
      Effect: "Allow",
      Action: ["route53:AssociateVPCWithHostedZone"],
      Resource: `arn:${s.partition}:route53:::hostedzone/*`,
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

/** The environment's named resources: compute, database, secrets, storage, logs, keys, alarms, topics, the web ACL. */
function serviceStatements(s: DeployScope): PolicyStatementJson[] {
  const prefix = s.naming.prefix;
  return [
    {
      // Describe and list calls have no resource-level permissions; they read configuration, never data. Nor has
      // GetRandomPassword (the ephemeral passwords of the write-only secrets), which creates and reads nothing.
      Sid: "Read",
      Effect: "Allow",
      Action: [
        "ecs:Describe*",
        "ecs:List*",
        "rds:Describe*",
        "logs:Describe*",
        "application-autoscaling:Describe*",
        "cloudwatch:DescribeAlarms",
        "kms:ListAliases",
        "secretsmanager:GetRandomPassword",
        "servicediscovery:GetOperation",
        "servicediscovery:ListTagsForResource",
      ],
      Resource: "*",
    },
    {
      // Whole services, on resources named as the environment's, one pattern per resource type. GetSecretValue is
      // among them: refreshing a secret version reads it (its value stays out of the state: write-only);
      // GetLogEvents too: the deploy gate streams the migration's output. The default option group is AWS's.
      Sid: "OwnByName",
      Effect: "Allow",
      Action: ["elasticloadbalancing:*", "ecs:*", "rds:*", "secretsmanager:*", "s3:*", "logs:*", "cloudwatch:*", "sns:*", "wafv2:*", "scheduler:*", "sqs:*", "events:*", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
      Resource: [
        ...["loadbalancer", "listener", "listener-rule"].map((t) => regional(s, "elasticloadbalancing", `${t}/app/${prefix}-*`)),
        ...["cluster", "service", "task-definition", "task"].map((t) => regional(s, "ecs", `${t}/${prefix}-*`)),
        ...["db", "pg", "subgrp", "snapshot"].map((t) => regional(s, "rds", `${t}:${prefix}-*`)),
        regional(s, "rds", "og:default:*"),
        regional(s, "secretsmanager", `secret:${s.naming.path()}/*`),
        `arn:${s.partition}:s3:::${prefix}-*`,
        regional(s, "logs", `log-group:${s.naming.path()}/*`),
        regional(s, "logs", `log-group:/aws/rds/instance/${prefix}-*`),
        regional(s, "logs", `log-group:aws-waf-logs-${prefix}*`),
        regional(s, "cloudwatch", `alarm:${prefix}-*`),
        regional(s, "cloudwatch", `alarm:TargetTracking-service/${prefix}-*`),
        // The dashboard is named after the environment (`<app>-<env>`), its alarms `<app>-<env>-<what>`.
        `arn:${s.partition}:cloudwatch::${s.accountId}:dashboard/${prefix}`,
        `arn:${s.partition}:cloudwatch::${s.accountId}:dashboard/${prefix}-*`,
        regional(s, "sns", `${prefix}-*`),
        regional(s, "wafv2", `regional/webacl/${prefix}-*/*`),
        regional(s, "kms", `alias/${prefix}-*`),
        // Scheduled jobs: a schedule group per job and its schedule, the dead-letter queue, the failure rule.
        regional(s, "scheduler", `schedule-group/${prefix}-*`),
        regional(s, "scheduler", `schedule/${prefix}-*/*`),
        regional(s, "sqs", `${prefix}-*`),
        regional(s, "events", `rule/${prefix}-*`),
      ],
    },
    {
      // The Service Connect namespace has a generated id: created tagged as the environment's, then managed by tag.
      // Its operations are read by id, without resource-level permissions.
      Sid: "ServiceConnectNamespace",
      Effect: "Allow",
      Action: ["servicediscovery:CreateHttpNamespace", "servicediscovery:TagResource"],
      Resource: "*",
      Condition: { StringEquals: tagging(s) },
    },
    {
      Sid: "OwnNamespaces",
      Effect: "Allow",
      Action: ["servicediscovery:*"],
      Resource: regional(s, "servicediscovery", "namespace/*"),
      Condition: tagged(s),
    },
    {
      // The web ACL is associated with, and looked up from, the environment's load balancer (a resource type of wafv2).
      Sid: "WebAclOnOwnLoadBalancer",
      Effect: "Allow",
      Action: ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"],
      Resource: regional(s, "elasticloadbalancing", `loadbalancer/app/${prefix}-*`),
    },
    {
      // The web ACL's log delivery writes to its log group under a resource policy of the account: these calls have
      // no resource-level permissions (docs/security.md, "What the deploy role may do beyond its environment").
      Sid: "LogDeliveryPolicies",
      Effect: "Allow",
      Action: ["logs:PutResourcePolicy", "logs:DeleteResourcePolicy"],
      Resource: "*",
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
      // Keys are created tagged as the environment's (creation tags need kms:TagResource on every key). Everything
      // else on a key comes from its own policy, which names this role only on the keys the stack created.
      Sid: "CreateKeys",
      Effect: "Allow",
      Action: ["kms:CreateKey", "kms:TagResource"],
      Resource: "*",
      Condition: { StringEquals: tagging(s), StringEqualsIfExists: { "aws:ResourceTag/environment": s.naming.environment } },
    },
    {
      // Writing and refreshing secrets encrypted with the environment's key: only through Secrets Manager.
      Sid: "KeysThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: regional(s, "kms", "key/*"),
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${s.region}.amazonaws.com`, "aws:ResourceTag/environment": s.naming.environment } },
    },
  ];
}

/**
 * With backups: AWS Backup's resources of the environment in its region and the DR region. Vaults and restore testing
 * plans by name (`<app>-<env>-*`, `<app>_<env>_*`); backup plans have generated ids, so they are created tagged as the
 * environment's and managed by those tags, and their selections through them. The DR region's key aliases by name (the
 * failure notifications' EventBridge rules are the environment's rules, which the services policy owns by name).
 */
function backupStatements(s: DeployScope): PolicyStatementJson[] {
  if (s.backupRegion === undefined) return [];
  const prefix = s.naming.prefix;
  const regions = [s.region, s.backupRegion];
  const inRegions = (service: string, resource: string) => regions.map((r) => `arn:${s.partition}:${service}:${r}:${s.accountId}:${resource}`);
  return [
    { Sid: "BackupRead", Effect: "Allow", Action: ["backup:List*", "backup:Describe*", "backup:Get*"], Resource: "*" },
    {
      Sid: "BackupByName",
      Effect: "Allow",
      Action: ["backup:*", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
      Resource: [
        ...inRegions("backup", `backup-vault:${prefix}-*`),
        regional(s, "backup", `restore-testing-plan:${prefix.replace(/-/g, "_")}_*`),
        `arn:${s.partition}:kms:${s.backupRegion}:${s.accountId}:alias/${prefix}-*`,
      ],
    },
    {
      // Creating a vault with a customer managed key: AWS Backup mounts its storage and takes a grant on the key,
      // through AWS Backup only, on the environment's keys (AWS Backup guide, "Create a backup vault").
      Sid: "BackupVaultKeys",
      Effect: "Allow",
      Action: ["kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
      Resource: inRegions("kms", "key/*"),
      Condition: { StringEquals: { "kms:ViaService": regions.map((r) => `backup.${r}.amazonaws.com`), "aws:ResourceTag/environment": s.naming.environment } },
    },
    {
      // Replicating the database's automated backups: RDS takes a grant on the DR vault's key (in the DR region).
      Sid: "ReplicationKey",
      Effect: "Allow",
      Action: ["kms:CreateGrant", "kms:DescribeKey"],
      Resource: `arn:${s.partition}:kms:${s.backupRegion}:${s.accountId}:key/*`,
      Condition: { StringEquals: { "kms:ViaService": `rds.${s.backupRegion}.amazonaws.com`, "aws:ResourceTag/environment": s.naming.environment } },
    },
    { Sid: "BackupStorage", Effect: "Allow", Action: ["backup-storage:MountCapsule"], Resource: "*" },
    {
      // Tagging in the create call; an untagged existing plan could be claimed (as an untagged certificate), never
      // another environment's.
      Sid: "BackupPlansCreateTagged",
      Effect: "Allow",
      Action: ["backup:CreateBackupPlan", "backup:TagResource"],
      Resource: "*",
      Condition: { StringEquals: tagging(s), StringEqualsIfExists: { "aws:ResourceTag/environment": s.naming.environment } },
    },
    { Sid: "BackupPlansByTag", Effect: "Allow", Action: ["backup:*"], Resource: regional(s, "backup", "backup-plan:*"), Condition: tagged(s) },
  ];
}

/** The workload's roles, the state role and the service-linked roles. */
function roleStatements(s: DeployScope): PolicyStatementJson[] {
  const prefix = s.naming.prefix;
  return [
    { Sid: "State", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: s.stateRoleArns.length === 1 ? s.stateRoleArns[0] : [...s.stateRoleArns] },
    {
      // Listed, not iam:*: PassRole is granted below for three services only. The boundary's guardrails require the
      // workload boundary on every role created or changed.
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
      Condition: { StringEquals: { "iam:PassedToService": [...DEPLOY_ROLE_PASSED_TO_SERVICES, ...(s.backupRegion !== undefined ? [DEPLOY_ROLE_BACKUP_SERVICES.passedTo] : [])] } },
    },
    {
      Sid: "ServiceLinkedRoles",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: iam(s, "role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": [...DEPLOY_ROLE_SERVICE_LINKED_ROLES, ...(s.backupRegion !== undefined ? DEPLOY_ROLE_BACKUP_SERVICES.serviceLinked : [])] } },
    },
  ];
}

// ── the boundary ──

/** The services a deploy uses, whole: the role's own policies confine them; the boundary caps what may ever be attached. */
function ceilingStatements(s: DeployScope): PolicyStatementJson[] {
  const prefix = s.naming.prefix;
  return [
    {
      Sid: "Services",
      Effect: "Allow",
      Action: ["ec2", "elasticloadbalancing", "acm", "route53", "ecs", "rds", "secretsmanager", "s3", "logs", "cloudwatch", "sns", "wafv2", "application-autoscaling", "kms", "scheduler", "sqs", "events", "servicediscovery", ...(s.backupRegion !== undefined ? ["backup", "backup-storage"] : [])].map((x) => `${x}:*`),
      Resource: "*",
    },
    { Sid: "StateRole", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: s.stateRoleArns.length === 1 ? s.stateRoleArns[0] : [...s.stateRoleArns] },
    {
      Sid: "WorkloadRoles",
      Effect: "Allow",
      Action: ["iam:Get*", "iam:List*", "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole*", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:*RolePolicy", "iam:PutRolePermissionsBoundary", "iam:PassRole"],
      Resource: iam(s, `role/${prefix}-*`),
    },
    { Sid: "ServiceLinkedRoles", Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"], Resource: iam(s, "role/aws-service-role/*") },
  ];
}

/**
 * Denies that hold for the deploy role whatever policy is attached to it. Nothing allows removing a boundary or
 * changing a managed policy; these make it explicit where it matters.
 */
function guardrails(s: DeployScope): PolicyStatementJson[] {
  return [
    {
      // Every role created or changed carries the workload boundary: never the deploy role's own, never none.
      Sid: "DenyRolesWithoutWorkloadBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": s.workloadBoundaryArn } },
    },
    { Sid: "DenyRemovingBoundaries", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: "*" },
    {
      // Only an administrator changes the boundaries, these policies and the GitHub roles (which match <app>-<env>-*
      // too); reading them stays possible.
      Sid: "DenyAdminOnly",
      Effect: "Deny",
      NotAction: ["iam:Get*", "iam:List*"],
      Resource: [iam(s, `policy/${s.naming.prefix}-github-*`), s.workloadBoundaryArn, iam(s, `role/${s.naming.prefix}-github-*`)],
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
