import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { partitionOf } from "../../domain/partition";
import { Naming } from "../../core/naming";
import { requireAccountId, requireRegion } from "../shared";
import { MANAGED_POLICY_MAX_CHARACTERS, policyJson, type PolicyStatementJson } from "./policy-document";

// ── props ──

/** Properties of {@link WorkloadBoundary}. */
export interface WorkloadBoundaryProps {
  /** Naming context of the environment: the policy is `<app>-<environment>-workload-boundary`. */
  readonly naming: Naming;
  /** The 12-digit account of the environment. */
  readonly accountId: string;
  /** The environment's region. */
  readonly region: string;
  /**
   * Secrets outside `/<app>/<environment>/` that the workload reads (for example a registry pull secret given by ARN).
   *
   * @default none
   */
  readonly workloadSecretArns?: readonly string[];
  /**
   * The workload opens ECS Exec sessions (`service.enableExecuteCommand`): the task roles' Session Manager channels
   * and the session log group lookup are admitted.
   *
   * @default true
   */
  readonly ecsExec?: boolean;
  /**
   * The database has enhanced monitoring: what the AWS managed monitoring policy grants is admitted.
   *
   * @default true
   */
  readonly enhancedMonitoring?: boolean;
  /**
   * The environment's database is backed up by AWS Backup and copied to `drRegion`: what AWS Backup does with the
   * backup role is admitted (snapshots of the environment's database, named `awsbackup:*` by AWS Backup, here and in the
   * DR region; restores to `awsbackup-restore-test-*` instances; the environment's vaults and keys through AWS Backup
   * and RDS).
   *
   * @default none: no backups
   */
  readonly backups?: { readonly drRegion: string };
  /**
   * The environment has scheduled jobs: their scheduler roles (`<app>-<env>-<job>-scheduler`, and only those) may run
   * the environment's task definitions in its cluster, tag the tasks they start, pass the environment's roles to ECS
   * tasks and write the environment's dead-letter queues.
   *
   * @default false
   */
  readonly scheduledJobs?: boolean;
}

/**
 * The permissions boundary of every IAM role an environment's stack creates: the ECS task and execution roles, the RDS
 * monitoring role, the VPC flow logs role, the scheduled jobs' scheduler roles and the AWS Backup role. It admits what
 * those roles do at run time and nothing more: write the environment's logs, read the environment's secrets (through
 * Secrets Manager, decrypting with the environment's keys only through it), ECS Exec's channels, RDS enhanced
 * monitoring, with scheduled jobs what a scheduler role does (start the environment's tasks, pass its roles to ECS
 * tasks, write its dead-letter queues), for the scheduler roles alone, and with backups what AWS Backup does with the
 * backup role (snapshots of the environment's database, their copies to the DR region, restore tests). No other IAM
 * action, no `sts:AssumeRole`, no other environment's secret: a role the deploy role creates can never do more than a
 * workload does.
 *
 * A customer managed policy in the GitHub stack, which an administrator deploys: the deploy role may create and change
 * roles only with this boundary, and may not change the policy.
 */
export class WorkloadBoundary extends Construct {
  /** ARN of the policy (a literal: the deploy role's conditions and the environment's roles name it). */
  public readonly arn: string;
  /** The policy resource. */
  public readonly policy: IamPolicy;
  /** Its statements, in order (for review and tests). */
  public readonly statements: readonly PolicyStatementJson[];

  public constructor(scope: Construct, id: string, props: WorkloadBoundaryProps) {
    super(scope, id);
    // ── validation ──
    const name = "WorkloadBoundary";
    requireAccountId(name, props.accountId);
    requireRegion(name, props.region);
    if (props.backups !== undefined) requireRegion(name, props.backups.drRegion);
    for (const arn of props.workloadSecretArns ?? []) {
      if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*?]+$/.test(arn)) {
        throw new Error(`${name}: workloadSecretArns got ${JSON.stringify(arn)}; allowed: full Secrets Manager secret ARNs (no wildcard)`);
      }
    }

    // ── statements ──
    this.statements = workloadStatements({
      partition: partitionOf(props.region),
      region: props.region,
      accountId: props.accountId,
      naming: props.naming,
      workloadSecretArns: props.workloadSecretArns ?? [],
      ecsExec: props.ecsExec ?? true,
      enhancedMonitoring: props.enhancedMonitoring ?? true,
      drRegion: props.backups?.drRegion,
      scheduledJobs: props.scheduledJobs ?? false,
    });
    const document = policyJson(this.statements);
    if (document.length > MANAGED_POLICY_MAX_CHARACTERS) {
      throw new Error(`${name}: the workload boundary of ${props.naming.environment} is ${document.length} characters; allowed: at most ${MANAGED_POLICY_MAX_CHARACTERS} (IAM's managed policy limit): give fewer workloadSecretArns`);
    }

    // ── iam ──
    this.policy = new IamPolicy(this, "Resource", {
      name: workloadBoundaryName(props.naming),
      description: `Permissions boundary of every role of ${props.naming.environment}'s stack: its logs, its secrets, ECS Exec and RDS monitoring; no IAM, no role assumption`,
      policy: document,
    });
    this.arn = workloadBoundaryArn(props.naming, props.accountId, props.region);
  }
}

// ── names ──

/** The workload boundary's name: `<app>-<environment>-workload-boundary`. */
export function workloadBoundaryName(naming: Naming): string {
  return naming.name("workload-boundary", 128);
}

/**
 * The ARN of the environment's workload boundary, built offline (no reference between stacks): the
 * `permissions_boundary` of every IAM role of the environment's stack.
 */
export function workloadBoundaryArn(naming: Naming, accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:policy/${workloadBoundaryName(naming)}`;
}

// ── statements ──

interface WorkloadScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly naming: Naming;
  readonly workloadSecretArns: readonly string[];
  readonly ecsExec: boolean;
  readonly enhancedMonitoring: boolean;
  readonly drRegion?: string;
  readonly scheduledJobs: boolean;
}

function workloadStatements(s: WorkloadScope): PolicyStatementJson[] {
  const regional = (service: string, resource: string) => `arn:${s.partition}:${service}:${s.region}:${s.accountId}:${resource}`;
  const statements: PolicyStatementJson[] = [
    {
      // Containers' and flow logs' streams in the environment's log groups (the groups themselves are the deploy's).
      Sid: "OwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: regional("logs", `log-group:${s.naming.path()}/*`),
    },
    {
      Sid: "OwnSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [regional("secretsmanager", `secret:${s.naming.path()}/*`), ...s.workloadSecretArns],
    },
    {
      // A customer managed key of the environment decrypts its secrets, and only through Secrets Manager.
      Sid: "OwnKeysThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: regional("kms", "key/*"),
      Condition: {
        StringEquals: { "kms:ViaService": `secretsmanager.${s.region}.amazonaws.com`, "aws:ResourceTag/environment": s.naming.environment },
      },
    },
  ];
  if (s.ecsExec) {
    statements.push({
      // ECS Exec: the channels have no resource-level permissions; the agent looks up the session log group.
      Sid: "EcsExec",
      Effect: "Allow",
      Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "logs:DescribeLogGroups"],
      Resource: "*",
    });
  }
  if (s.enhancedMonitoring) {
    statements.push({
      // What the AWS managed AmazonRDSEnhancedMonitoringRole grants, on the log group AWS names RDSOSMetrics.
      Sid: "RdsMonitoring",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
      Resource: regional("logs", "log-group:RDSOSMetrics*"),
    });
  }
  if (s.drRegion !== undefined) statements.push(...backupStatements(s, s.drRegion));
  if (s.scheduledJobs) {
    // What EventBridge Scheduler does with a job's scheduler role, and only with those roles (by name).
    const schedulerRoles = { "aws:PrincipalArn": `arn:${s.partition}:iam::${s.accountId}:role/${s.naming.prefix}-*-scheduler` };
    statements.push(
      {
        Sid: "ScheduledJobsRunTasks",
        Effect: "Allow",
        Action: ["ecs:RunTask"],
        Resource: regional("ecs", `task-definition/${s.naming.prefix}-*`),
        Condition: { ArnLike: { ...schedulerRoles, "ecs:cluster": regional("ecs", `cluster/${s.naming.prefix}-*`) } },
      },
      {
        Sid: "ScheduledJobsTagTasks",
        Effect: "Allow",
        Action: ["ecs:TagResource"],
        Resource: regional("ecs", `task/${s.naming.prefix}-*/*`),
        Condition: { ArnLike: schedulerRoles, StringEquals: { "ecs:CreateAction": "RunTask" } },
      },
      {
        Sid: "ScheduledJobsPassTaskRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: `arn:${s.partition}:iam::${s.accountId}:role/${s.naming.prefix}-*`,
        Condition: { ArnLike: schedulerRoles, StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
      {
        Sid: "ScheduledJobsDeadLetters",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: regional("sqs", `${s.naming.prefix}-*`),
        Condition: { ArnLike: schedulerRoles },
      },
    );
  }
  return statements;
}

/**
 * What AWS Backup does with the backup role for an RDS instance (the RDS, KMS and vault parts of the AWS managed
 * AWSBackupServiceRolePolicyForBackup and ...ForRestores, which the role attaches): snapshot the environment's
 * database, copy the snapshot to the DR region and expire it, restore it to an instance of the monthly restore test,
 * with the environment's vault keys only through AWS Backup and RDS. AWS Backup names the snapshots (`awsbackup:*`)
 * and the restored instances (`awsbackup-restore-test-*`), not the environment (docs/security.md).
 */
function backupStatements(s: WorkloadScope, drRegion: string): PolicyStatementJson[] {
  const regions = [s.region, drRegion];
  const arn = (service: string, region: string, resource: string) => `arn:${s.partition}:${service}:${region}:${s.accountId}:${resource}`;
  const prefix = s.naming.prefix;
  const snapshots = regions.map((r) => arn("rds", r, "snapshot:awsbackup:*"));
  return [
    { Sid: "BackupDescribe", Effect: "Allow", Action: ["rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "tag:GetResources"], Resource: "*" },
    {
      Sid: "BackupSnapshots",
      Effect: "Allow",
      Action: ["rds:CreateDBSnapshot", "rds:CopyDBSnapshot", "rds:DeleteDBSnapshot", "rds:ModifyDBSnapshotAttribute", "rds:AddTagsToResource", "rds:ListTagsForResource"],
      Resource: [arn("rds", s.region, `db:${prefix}-*`), ...snapshots],
    },
    {
      // Restores (the restore test's): into the environment's subnet and parameter groups; the restored instance is
      // deleted by the restore testing service-linked role, or by AWS Backup after a failed restore.
      Sid: "BackupRestores",
      Effect: "Allow",
      Action: ["rds:RestoreDBInstanceFromDBSnapshot", "rds:AddTagsToResource", "rds:ListTagsForResource", "rds:DeleteDBInstance"],
      Resource: [
        arn("rds", s.region, "db:awsbackup-restore-test-*"),
        ...snapshots,
        arn("rds", s.region, `subgrp:${prefix}-*`),
        arn("rds", s.region, `pg:${prefix}-*`),
        arn("rds", s.region, "og:default:*"),
      ],
    },
    {
      Sid: "BackupVaults",
      Effect: "Allow",
      Action: ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"],
      Resource: regions.map((r) => arn("backup", r, `backup-vault:${prefix}-*`)),
    },
    {
      // The vault keys (each key's policy admits its account's roles through AWS Backup and RDS only).
      Sid: "BackupKeys",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
      Resource: regions.map((r) => arn("kms", r, "key/*")),
      Condition: {
        StringEquals: { "kms:ViaService": regions.flatMap((r) => [`backup.${r}.amazonaws.com`, `rds.${r}.amazonaws.com`]), "aws:ResourceTag/environment": s.naming.environment },
      },
    },
  ];
}
