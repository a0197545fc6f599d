import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Naming } from "../../core/naming";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { accountAdministersKey, rolesAdministerKey } from "../../domain/kms";
import { partitionOf } from "../../domain/partition";
import { tierDefaults } from "../../domain/tier-defaults";
import { PropChecks } from "../shared";

/**
 * Container Insights level of the cluster. Either satisfies AWS FSBP ECS.12. `enhanced` adds task- and
 * container-level metrics and dashboards, billed per observation, so it costs noticeably more per task.
 */
export type ContainerInsightsMode = "enabled" | "enhanced";

const CONTAINER_INSIGHTS_MODES: readonly ContainerInsightsMode[] = ["enabled", "enhanced"];

// ── props ──

/** Properties of {@link Cluster}. */
export interface ClusterProps {
  /** Naming context: the cluster is `<app>-<environment>-<id>`, its ECS Exec log group `/<app>/<environment>/ecs/<id>/exec`. */
  readonly naming: Naming;
  /**
   * Container Insights level.
   *
   * @default "enabled" (service-level metrics, which autoscaling and alarms use, at the lower price)
   */
  readonly containerInsights?: ContainerInsightsMode;
  /**
   * Log what every ECS Exec session types and prints to the cluster's own log group: the audit trail of what was done
   * inside the containers. Services may enable ECS Exec only in a cluster with this on.
   *
   * @default false
   */
  readonly executeCommandLogging?: boolean;
  /**
   * Retention of the ECS Exec session log group, in days; a value CloudWatch Logs accepts.
   *
   * @default 365 in production, 30 elsewhere
   */
  readonly logRetentionDays?: number;
  /**
   * Encrypt the ECS Exec session log group with a customer-managed KMS key of its own (rotated), whose policy lets
   * CloudWatch Logs use it for that log group only; ECS Exec then checks that the group is encrypted
   * (`cloud_watch_encryption_enabled`). Only with `executeCommandLogging`; needs `accountId` and `region`.
   *
   * @default false (CloudWatch Logs' default encryption)
   */
  readonly customerManagedKey?: boolean;
  /**
   * The 12-digit AWS account id, for the key policy of `customerManagedKey`.
   *
   * @default none (required with `customerManagedKey`)
   */
  readonly accountId?: string;
  /**
   * The AWS region, for the key policy of `customerManagedKey` (the CloudWatch Logs service principal is regional).
   *
   * @default none (required with `customerManagedKey`)
   */
  readonly region?: string;
  /**
   * Roles that administer the key through its own policy, besides the account (the environment's deploy role, whose
   * IAM policies grant nothing on existing keys).
   *
   * @default none
   */
  readonly keyAdministratorArns?: readonly string[];
  /**
   * Production defaults (log retention; `prevent_destroy` on the log key).
   *
   * @default false
   */
  readonly production?: boolean;
}

/**
 * An ECS cluster that Fargate services share: Container Insights, the FARGATE and FARGATE_SPOT capacity providers
 * (FARGATE by default), and, when asked, logging of ECS Exec sessions to its own log group.
 *
 * Services take it as a prop (`cluster`) and wait for {@link Cluster.capacityProviders} before they start.
 */
export class Cluster extends Construct {
  /** Name of the ECS cluster. */
  public readonly clusterName: string;
  /** ARN of the ECS cluster. */
  public readonly clusterArn: string;
  /** What a service must wait for: the capacity providers must be associated before a service can use them. */
  public readonly capacityProviders: ITerraformDependable;
  /** Name of the log group of ECS Exec sessions, when `executeCommandLogging` is on. */
  public readonly executeCommandLogGroupName?: string;
  /** ARN of the log group of ECS Exec sessions (without `:*`), when `executeCommandLogging` is on. */
  public readonly executeCommandLogGroupArn?: string;
  /** ARN of the customer-managed key of the ECS Exec log group, when `customerManagedKey` and the logging are on. */
  public readonly executeCommandLogKeyArn?: string;

  public constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const containerInsights = props.containerInsights ?? "enabled";
    const executeCommandLogging = props.executeCommandLogging ?? false;
    const logRetentionDays = props.logRetentionDays ?? tierDefaults(props.production ?? false).logRetentionDays;
    const encryptLogs = executeCommandLogging && (props.customerManagedKey ?? false);

    // ── validation ──
    const checks = new PropChecks("Cluster");
    checks.oneOf("containerInsights", containerInsights, CONTAINER_INSIGHTS_MODES);
    checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    checks.accountId("accountId", props.accountId);
    if (encryptLogs) {
      checks.expect(props.accountId !== undefined, "accountId", props.accountId, "the 12-digit account id with customerManagedKey (the key policy names it)");
      if (checks.expect(props.region !== undefined, "region", props.region, 'the AWS region with customerManagedKey, such as "eu-west-1"')) {
        checks.region("region", props.region as string);
      }
    }
    checks.throwIfAny();

    // ── logging ──
    // ECS Exec sessions.
    const execLogName = props.naming.path("ecs", id, "exec");
    const execLogKey = encryptLogs ? this.execLogKey(props, execLogName) : undefined;
    const execLogGroup = executeCommandLogging
      ? new CloudwatchLogGroup(this, "exec_log_group", { name: execLogName, retentionInDays: logRetentionDays, kmsKeyId: execLogKey?.arn })
      : undefined;
    this.executeCommandLogGroupName = execLogGroup?.name;
    this.executeCommandLogGroupArn = execLogGroup?.arn;
    this.executeCommandLogKeyArn = execLogKey?.arn;

    // ── cluster and capacity ──
    const cluster = new EcsCluster(this, "cluster", {
      name: props.naming.name(id),
      setting: [{ name: "containerInsights", value: containerInsights }],
      configuration:
        execLogGroup === undefined
          ? undefined
          : {
              executeCommandConfiguration: {
                logging: "OVERRIDE",
                // true makes ECS Exec refuse a session unless the group is KMS-encrypted, so only with the key.
                logConfiguration: { cloudWatchLogGroupName: execLogGroup.name, cloudWatchEncryptionEnabled: execLogKey !== undefined },
              },
            },
    });
    this.capacityProviders = new EcsClusterCapacityProviders(this, "cluster_capacity_providers", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
  }

  // ── encryption ──
  /** The key of the ECS Exec log group: the account administers it; CloudWatch Logs uses it for that group only. */
  private execLogKey(props: ClusterProps, logGroupName: string): KmsKey {
    const region = props.region as string;
    const partition = partitionOf(region);
    const logsPrincipal = `logs.${region}.amazonaws.com${partition === "aws-cn" ? ".cn" : ""}`;
    return new KmsKey(this, "exec_log_key", {
      description: `ECS Exec session logs of ${props.naming.prefix} (${logGroupName})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          // Administration by the account; CloudWatch Logs alone uses the key.
          accountAdministersKey(`arn:${partition}:iam::${props.accountId}:root`),
          ...[rolesAdministerKey(props.keyAdministratorArns ?? [])].filter((x) => x !== undefined),
          {
            Sid: "CloudWatchLogsUsesItForTheExecLogGroup",
            Effect: "Allow",
            Principal: { Service: logsPrincipal },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: {
              ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${props.accountId}:log-group:${logGroupName}` },
            },
          },
        ],
      }),
      // The session logs are audit evidence: in production the key outlives a plan that would destroy it.
      lifecycle: props.production === true ? { preventDestroy: true } : undefined,
    });
  }
}
