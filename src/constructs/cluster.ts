import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { Naming } from "../core/naming";
import { CLOUDWATCH_RETENTION_DAYS } from "../domain/cloudwatch";
import { tierDefaults } from "../domain/tier-defaults";
import { PropChecks } from "./validation";

/**
 * Container Insights level of the cluster. Either satisfies AWS FSBP ECS.12. `enhanced` adds task- and
 * container-level metrics and dashboards, billed per observation, so it costs noticeably more per task.
 */
export type ContainerInsightsMode = "enabled" | "enhanced";

const CONTAINER_INSIGHTS_MODES: readonly ContainerInsightsMode[] = ["enabled", "enhanced"];

// ── props ─────────────────────────────────────────────────────────────────────────────────────────────────────────

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
   * Production defaults (log retention).
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

  public constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const containerInsights = props.containerInsights ?? "enabled";
    const executeCommandLogging = props.executeCommandLogging ?? false;
    const logRetentionDays = props.logRetentionDays ?? tierDefaults(props.production ?? false).logRetentionDays;

    // ── validation ──
    const checks = new PropChecks("Cluster");
    checks.oneOf("containerInsights", containerInsights, CONTAINER_INSIGHTS_MODES);
    checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    checks.throwIfAny();

    // ── logging: ECS Exec sessions ──
    const execLogGroup = executeCommandLogging
      ? new CloudwatchLogGroup(this, "exec_log_group", { name: props.naming.path("ecs", id, "exec"), retentionInDays: logRetentionDays })
      : undefined;
    this.executeCommandLogGroupName = execLogGroup?.name;
    this.executeCommandLogGroupArn = execLogGroup?.arn;

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
                // true would require a KMS-encrypted log group; the group has CloudWatch Logs' default encryption.
                logConfiguration: { cloudWatchLogGroupName: execLogGroup.name, cloudWatchEncryptionEnabled: false },
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
}
