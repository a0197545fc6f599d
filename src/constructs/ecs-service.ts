import { Construct } from "constructs";
import { dependable, ITerraformDependable, Token } from "cdktf";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService as EcsServiceResource } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { appContainerDefinition, containerDefinitionsJson, TMP_PATH, TMP_VOLUME_NAME } from "./container-definition";
import { partitionOf } from "../domain/partition";
import { Naming } from "../core/naming";
import type { Alb } from "./alb";
import { CLOUDWATCH_RETENTION_DAYS } from "../domain/cloudwatch";
import { Network } from "./network";
import type { AppSecrets } from "./secrets";
import { addEgressTo, addIngressFrom, SecurityGroupPeer } from "./security-group-peer";
import { requireAccountId, requireFargateSize, requireImageReference, requireInteger, requireOneOf, requireRegion } from "./validation";
import { tierDefaults } from "../domain/tier-defaults";

/** CPU architectures Fargate runs Linux tasks on; the image must be built for the one chosen. */
export type CpuArchitecture = "X86_64" | "ARM64";

/**
 * Container Insights level of the cluster. Either satisfies AWS FSBP ECS.12. `enhanced` adds task- and
 * container-level metrics and dashboards, billed per observation, so it costs noticeably more per task.
 */
export type ContainerInsightsMode = "enabled" | "enhanced";

const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ["X86_64", "ARM64"];
const CONTAINER_INSIGHTS_MODES: readonly ContainerInsightsMode[] = ["enabled", "enhanced"];

/** The name of the application container in the service's task definition (the load balancer targets it). */
export const API_CONTAINER_NAME = "api";

/**
 * The ECS Exec permissions of the task role: the SSM agent in the container opens its control and data channels to
 * Session Manager. Listed one by one rather than `ssmmessages:*`.
 */
export const ECS_EXEC_ACTIONS: readonly string[] = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** Properties of {@link EcsService}. */
export interface EcsServiceProps {
  /** Naming context of the deployment: cluster, service, task family, log group, roles and security group names. */
  readonly naming: Naming;
  /** The network whose private subnets run the tasks. */
  readonly network: Network;
  /** AWS region of the stack, for example `eu-west-1` (the awslogs driver needs it). */
  readonly region: string;
  /**
   * Full image reference, for example `ghcr.io/owner/whcsites:1.4.2`. May hold Terraform tokens: the environment
   * stack passes `<repository>:${imageTag.stringValue}` so the tag comes from the `image_tag` variable.
   */
  readonly image: string;
  /** The application's secrets: `SECRET_KEY_BASE`, `DATABASE_URL` and, when configured, the registry credentials. */
  readonly secrets: AppSecrets;
  /**
   * The load balancer in front of the service. Its target group receives the tasks, its security group is admitted on
   * `containerPort`, and the service waits for its listener. The stack still calls
   * `loadBalancer.allowTo(service, service.containerPort)` for the load balancer's side.
   */
  readonly loadBalancer: Alb;
  /**
   * The host name Phoenix generates URLs for (`PHX_HOST`): the domain, or the load balancer's DNS name without one.
   * A host name, not a URL.
   */
  readonly phxHost: string;
  /** Task CPU units; one of the Fargate values 256, 512, 1024, 2048, 4096, 8192, 16384. */
  readonly cpu: number;
  /** Task memory in MiB; one of the values Fargate allows for `cpu` (see `src/domain/fargate.ts`). */
  readonly memoryMiB: number;
  /** Tasks at creation, from `minCount` to `maxCount`; at least 2 in production. Afterwards autoscaling owns the count. */
  readonly desiredCount: number;
  /**
   * Fewest tasks autoscaling keeps; at least 2 in production.
   *
   * @default desiredCount
   */
  readonly minCount?: number;
  /**
   * Most tasks autoscaling starts.
   *
   * @default twice desiredCount, and at least minCount
   */
  readonly maxCount?: number;
  /**
   * Production mode: no Fargate Spot, no ECS Exec (the root filesystem stays read-only), at least 2 tasks.
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * CPU architecture of the tasks.
   *
   * @default "X86_64"
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /**
   * Run the tasks on Fargate Spot (cheaper, reclaimable at two minutes' notice). Not allowed in production.
   *
   * @default false
   */
  readonly fargateSpot?: boolean;
  /**
   * Allow ECS Exec into running tasks. Exec needs a writable root filesystem, so it turns the read-only root off;
   * not allowed in production. Every session's commands and output are logged to their own log group
   * ({@link EcsService.execLogGroupName}); who opened a session is in CloudTrail (`ecs:ExecuteCommand`).
   *
   * @default true outside production, false in production
   */
  readonly enableExecuteCommand?: boolean;
  /**
   * Port the release listens on (`PORT`); must be the load balancer target group's port. 1 to 65535.
   *
   * @default 4000
   */
  readonly containerPort?: number;
  /**
   * Ecto connection pool size per task (`POOL_SIZE`), 1 to 1000.
   *
   * @default 10
   */
  readonly poolSize?: number;
  /**
   * Retention of the container log group, in days; one of the values CloudWatch Logs accepts.
   *
   * @default 365 in production, 30 elsewhere
   */
  readonly logRetentionDays?: number;
  /**
   * Seconds ECS ignores failing load balancer health checks of a new task while the release boots, 0 to 7200.
   *
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Average CPU utilisation, in percent, that autoscaling keeps the service at; 10 to 90.
   *
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * Load balancer requests per task per minute that autoscaling keeps the service at; 1 or more.
   *
   * @default 1000
   */
  readonly targetRequestsPerTarget?: number;
  /**
   * Seconds between SIGTERM and SIGKILL when a task stops, 2 to 120 (the Fargate maximum).
   *
   * @default 30
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * Container Insights level of the cluster.
   *
   * @default "enabled" (service-level metrics, which autoscaling and alarms use, at the lower price)
   */
  readonly containerInsights?: ContainerInsightsMode;
  /**
   * The 12-digit AWS account id. When given, the task roles can only be assumed by ECS on behalf of this account
   * (aws:SourceAccount and aws:SourceArn conditions, against the confused-deputy problem).
   *
   * @default no source conditions (the account id is not known offline)
   */
  readonly accountId?: string;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * The Phoenix API on ECS Fargate behind the load balancer: a cluster (Container Insights, FARGATE and FARGATE_SPOT
 * capacity providers), the `api` task definition, the service in the private subnets with its own security group, a
 * log group, an execution role scoped to exactly this task's log group and secrets, a separate task role, and
 * target-tracking autoscaling on CPU and on requests per task.
 *
 * Deployments are safe by default: rolling 100%/200% with the circuit breaker rolling back a version that never
 * becomes healthy, and `wait_for_steady_state` so that `cdktf deploy` fails in that case.
 *
 * Wiring: the service admits its load balancer itself. The stack calls `loadBalancer.allowTo(service, service.containerPort)`,
 * `service.allowTo(database, 5432)` with `database.allowFrom(service)`, and `service.addDependency(gate)`.
 */
export class EcsService extends Construct implements SecurityGroupPeer {
  /** Name of the ECS cluster. */
  public readonly clusterName: string;
  /** ARN of the ECS cluster. */
  public readonly clusterArn: string;
  /** Name of the ECS service. */
  public readonly serviceName: string;
  /** Family of the service's task definition. */
  public readonly taskDefinitionFamily: string;
  /** ARN (with revision) of the service's current task definition. */
  public readonly taskDefinitionArn: string;
  /** Name of the container log group. */
  public readonly logGroupName: string;
  /** ARN of the container log group (without the `:*` suffix). */
  public readonly logGroupArn: string;
  /** Id of the tasks' security group. */
  public readonly securityGroupId: string;
  /** ARN of the task execution role (pulls the image, reads the secrets, writes the logs). */
  public readonly executionRoleArn: string;
  /** ARN of the task role (the application's own AWS identity). */
  public readonly taskRoleArn: string;
  /** Private subnet ids the tasks run in. */
  public readonly privateSubnetIds: string[];
  /** AWS region of the service. */
  public readonly region: string;
  /** The image reference the tasks run (may hold the `image_tag` variable). */
  public readonly image: string;
  /** Name of the application container, the load balancer's target: {@link API_CONTAINER_NAME}. */
  public readonly containerName: string = API_CONTAINER_NAME;
  /** Port the application container listens on. */
  public readonly containerPort: number;
  /** CPU architecture of the tasks. */
  public readonly cpuArchitecture: CpuArchitecture;
  /** Plain environment of the application container (no secrets: see {@link EcsService.containerSecrets}). */
  public readonly containerEnvironment: Readonly<Record<string, string>>;
  /** Secret environment of the application container: variable name to Secrets Manager `valueFrom`. */
  public readonly containerSecrets: Readonly<Record<string, string>>;
  /** Secrets Manager ARN of the registry pull credentials, when the image is private. */
  public readonly repositoryCredentialsArn?: string;
  /** Seconds between SIGTERM and SIGKILL when a task stops. */
  public readonly stopTimeoutSeconds: number;
  /** Whether ECS Exec is enabled (and therefore the root filesystem writable). */
  public readonly executeCommandEnabled: boolean;
  /** Name of the log group of ECS Exec sessions (commands and output), when ECS Exec is enabled. */
  public readonly execLogGroupName?: string;
  /** Whether the application container's root filesystem is read-only. */
  public readonly readonlyRootFilesystem: boolean;
  /** The `aws_ecs_service` resource; prefer {@link EcsService.addDependency} to changing it. */
  public readonly resource: EcsServiceResource;
  private readonly prerequisites: ITerraformDependable[] = [];

  public constructor(scope: Construct, id: string, props: EcsServiceProps) {
    super(scope, id);
    const production = props.production ?? false;
    const cpuArchitecture = props.cpuArchitecture ?? "X86_64";
    const fargateSpot = props.fargateSpot ?? false;
    const defaults = tierDefaults(production);
    const enableExecuteCommand = props.enableExecuteCommand ?? defaults.enableExecuteCommand;
    const containerPort = props.containerPort ?? 4000;
    const poolSize = props.poolSize ?? 10;
    const logRetentionDays = props.logRetentionDays ?? defaults.logRetentionDays;
    const healthCheckGracePeriodSeconds = props.healthCheckGracePeriodSeconds ?? 60;
    const targetCpuPercent = props.targetCpuPercent ?? 60;
    const targetRequestsPerTarget = props.targetRequestsPerTarget ?? 1000;
    const stopTimeoutSeconds = props.stopTimeoutSeconds ?? 30;
    const containerInsights = props.containerInsights ?? "enabled";
    const minCount = props.minCount ?? props.desiredCount;
    const maxCount = props.maxCount ?? Math.max(props.desiredCount * 2, minCount);

    // Validation first: nothing is created from a bad configuration.
    const name = "EcsService";
    requireRegion(name, props.region);
    requireImageReference(name, props.image);
    if (props.phxHost.length === 0 || /\s|\//.test(props.phxHost) || (!Token.isUnresolved(props.phxHost) && !HOST_NAME.test(props.phxHost))) {
      throw new Error(`${name}: phxHost got ${JSON.stringify(props.phxHost)}; allowed: a host name such as "api.example.org" (no scheme, no path)`);
    }
    requireFargateSize(name, props.cpu, props.memoryMiB);
    requireOneOf(name, "cpuArchitecture", cpuArchitecture, CPU_ARCHITECTURES);
    requireOneOf(name, "containerInsights", containerInsights, CONTAINER_INSIGHTS_MODES);
    requireInteger(name, "maxCount", maxCount, 1, 5000);
    requireInteger(name, "minCount", minCount, production ? 2 : 0, maxCount);
    requireInteger(name, "desiredCount", props.desiredCount, Math.max(minCount, production ? 2 : 0), maxCount);
    if (production && fargateSpot) {
      throw new Error(`${name}: fargateSpot got true in production; allowed in production: false (Spot tasks can be reclaimed at two minutes' notice)`);
    }
    if (production && enableExecuteCommand) {
      throw new Error(
        `${name}: enableExecuteCommand got true in production; allowed in production: false (ECS Exec needs a writable root filesystem, and production keeps it read-only)`,
      );
    }
    requireInteger(name, "containerPort", containerPort, 1, 65535);
    requireInteger(name, "poolSize", poolSize, 1, 1000);
    requireOneOf(name, "logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    requireInteger(name, "healthCheckGracePeriodSeconds", healthCheckGracePeriodSeconds, 0, 7200);
    requireInteger(name, "targetCpuPercent", targetCpuPercent, 10, 90);
    requireInteger(name, "targetRequestsPerTarget", targetRequestsPerTarget, 1, 1_000_000);
    requireInteger(name, "stopTimeoutSeconds", stopTimeoutSeconds, 2, 120);
    requireAccountId(name, props.accountId);

    const { naming, network, secrets, loadBalancer } = props;
    this.region = props.region;
    this.image = props.image;
    this.containerPort = containerPort;
    this.cpuArchitecture = cpuArchitecture;
    this.stopTimeoutSeconds = stopTimeoutSeconds;
    this.executeCommandEnabled = enableExecuteCommand;
    // ECS Exec's agent writes to the container filesystem, so exec and a read-only root exclude each other.
    this.readonlyRootFilesystem = !enableExecuteCommand;
    this.privateSubnetIds = network.privateSubnetIds;
    this.repositoryCredentialsArn = secrets.registryCredentialsArn;

    // Cluster. With ECS Exec, the cluster sends what every session types and prints to its own log group: an
    // audit trail of what was done inside the containers.
    const execLogGroup = enableExecuteCommand
      ? new CloudwatchLogGroup(this, "exec_log_group", { name: naming.path("ecs", id, "exec"), retentionInDays: logRetentionDays })
      : undefined;
    const cluster = new EcsCluster(this, "cluster", {
      name: naming.name(id),
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
    this.execLogGroupName = execLogGroup?.name;
    const capacityProviders = new EcsClusterCapacityProviders(this, "cluster_capacity_providers", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;

    const logGroup = new CloudwatchLogGroup(this, "log_group", {
      name: naming.path("ecs", id),
      retentionInDays: logRetentionDays,
    });
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;

    // IAM. Two roles: the execution role is what ECS uses to start the task, the task role is the application's.
    const trustPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          ...(props.accountId === undefined
            ? {}
            : {
                Condition: {
                  StringEquals: { "aws:SourceAccount": props.accountId },
                  ArnLike: { "aws:SourceArn": `arn:${partitionOf(props.region)}:ecs:${props.region}:${props.accountId}:*` },
                },
              }),
        },
      ],
    });
    // Deliberately no AmazonECSTaskExecutionRolePolicy: it grants ECR and logs on "*". The image is on ghcr.io.
    const executionRole = new IamRole(this, "execution_role", {
      name: naming.name([id, "execution"], 64),
      description: `ECS starts ${naming.prefix} ${id} tasks with it: its log group and its secrets only`,
      assumeRolePolicy: trustPolicy,
    });
    const logsPolicy = new IamRolePolicy(this, "execution_role_logs", {
      name: "write-container-logs",
      role: executionRole.name,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteContainerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            // The group already exists (no logs:CreateLogGroup); `:*` covers its streams.
            Resource: [`${logGroup.arn}:*`],
          },
        ],
      }),
    });
    // GetSecretValue on exactly the task's secret ARNs (and the registry secret), plus kms:Decrypt on the CMK if any.
    const readSecretsPolicy = secrets.grantRead(executionRole);
    this.executionRoleArn = executionRole.arn;

    const taskRole = new IamRole(this, "task_role", {
      name: naming.name([id, "task"], 64),
      description: `The ${naming.prefix} ${id} application's own identity${enableExecuteCommand ? " (ECS Exec allowed)" : ""}`,
      assumeRolePolicy: trustPolicy,
    });
    if (execLogGroup !== undefined) {
      new IamRolePolicy(this, "task_role_exec", {
        name: "ecs-exec",
        role: taskRole.name,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EcsExecSessionChannels",
              Effect: "Allow",
              Action: [...ECS_EXEC_ACTIONS],
              // By AWS design: ssmmessages actions have no resource type, so IAM accepts only "*" for them. Exposure is
              // bounded by who may call ecs:ExecuteCommand on this cluster, and the statement exists only when exec is on.
              Resource: "*",
            },
            {
              // The SSM agent checks that the session log group exists before a session starts (a list call).
              Sid: "EcsExecFindSessionLogGroup",
              Effect: "Allow",
              Action: ["logs:DescribeLogGroups"],
              Resource: "*",
            },
            {
              Sid: "EcsExecWriteSessionLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
              Resource: [`${execLogGroup.arn}:*`],
            },
          ],
        }),
      });
    }
    this.taskRoleArn = taskRole.arn;

    // Security group. No inline rules: Terraform then removes AWS's allow-all egress, and every rule is explicit.
    const securityGroup = new SecurityGroup(this, "security_group", {
      name: naming.name([id, "tasks"]),
      description: "ECS tasks: ingress from the load balancer, egress to HTTPS and named peers only",
      vpcId: network.vpcId,
    });
    this.securityGroupId = securityGroup.id;
    // 443 anywhere: ghcr.io has no fixed address ranges, and Secrets Manager, CloudWatch Logs and SSM (ECS Exec) are
    // public AWS endpoints unless VPC endpoints serve them. DNS and the time service are not filtered by security groups.
    const httpsOut = new VpcSecurityGroupEgressRule(this, "https_out", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to ghcr.io and AWS APIs",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    this.allowFrom(loadBalancer, containerPort);

    // Task definition.
    this.containerEnvironment = {
      PHX_HOST: props.phxHost,
      PHX_SERVER: "true",
      PORT: String(containerPort),
      POOL_SIZE: String(poolSize),
      RELEASE_TMP: TMP_PATH,
    };
    this.containerSecrets = {
      SECRET_KEY_BASE: secrets.secretKeyBaseArn,
      DATABASE_URL: secrets.databaseUrlValueFrom,
    };
    const family = naming.name(id, 255);
    const taskDefinition = new EcsTaskDefinition(this, "task_definition", {
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      volume: [{ name: TMP_VOLUME_NAME }],
      containerDefinitions: containerDefinitionsJson([
        appContainerDefinition({
          name: API_CONTAINER_NAME,
          image: props.image,
          environment: this.containerEnvironment,
          secrets: this.containerSecrets,
          repositoryCredentialsArn: secrets.registryCredentialsArn,
          containerPort,
          logGroupName: logGroup.name,
          logRegion: props.region,
          logStreamPrefix: API_CONTAINER_NAME,
          // A CloudWatch Logs slowdown must not stall request handling.
          logMode: "non-blocking",
          readonlyRootFilesystem: this.readonlyRootFilesystem,
          stopTimeoutSeconds,
        }),
      ]),
      // Replaced revisions stay ACTIVE, so the circuit breaker (or an operator) can always roll back to them.
      skipDestroy: true,
    });
    this.taskDefinitionFamily = taskDefinition.family;
    this.taskDefinitionArn = taskDefinition.arn;

    // Service.
    this.resource = new EcsServiceResource(this, "Resource", {
      name: naming.name(id, 255),
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: [{ capacityProvider: fargateSpot ? "FARGATE_SPOT" : "FARGATE", weight: 1, base: 0 }],
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets: network.privateSubnetIds,
        securityGroups: [securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [{ targetGroupArn: loadBalancer.targetGroupArn, containerName: API_CONTAINER_NAME, containerPort }],
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      healthCheckGracePeriodSeconds,
      // `cdktf deploy` fails when a new version never becomes healthy (the circuit breaker has rolled it back).
      waitForSteadyState: true,
      // Moves tasks back into an AZ that recovers from an outage.
      availabilityZoneRebalancing: "ENABLED",
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      enableExecuteCommand,
      // Without it the provider replaces the service (an outage) when the capacity provider strategy changes, for
      // example when fargateSpot is toggled; with it the change is a normal rolling deployment.
      forceNewDeployment: true,
      // Autoscaling owns the running count after creation.
      lifecycle: { ignoreChanges: ["desired_count"] },
      dependsOn: [
        // Registering in a target group that no listener uses fails at apply, which a plan cannot show.
        loadBalancer.listener,
        // A capacity provider must be associated with the cluster before a service can use it.
        capacityProviders,
        // Task prerequisites added before this point (the rule admitting the load balancer).
        ...this.prerequisites,
      ],
    });
    this.serviceName = this.resource.name;
    // The first tasks write logs, read their secrets and pull the image at once: IAM grants and the 443 egress rule
    // must exist before they start.
    this.addTaskPrerequisite(logsPolicy, readSecretsPolicy, httpsOut);

    // Autoscaling: target tracking on CPU and on requests per task; whichever asks for more tasks wins.
    const scalingTarget = new AppautoscalingTarget(this, "scaling_target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${cluster.name}/${this.resource.name}`,
      minCapacity: minCount,
      maxCapacity: maxCount,
    });
    const targetTracking = (policyId: string, policyName: string, metric: { predefinedMetricType: string; resourceLabel?: string }, targetValue: number) =>
      new AppautoscalingPolicy(this, policyId, {
        name: naming.name([id, policyName], 255),
        policyType: "TargetTrackingScaling",
        serviceNamespace: scalingTarget.serviceNamespace,
        scalableDimension: scalingTarget.scalableDimension,
        resourceId: scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: metric,
          targetValue,
          // Scale out fast, scale in slowly so that a short lull does not drop capacity needed a minute later.
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      });
    targetTracking("scale_on_cpu", "cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, targetCpuPercent);
    targetTracking(
      "scale_on_requests",
      "requests",
      { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: `${loadBalancer.arnSuffix}/${loadBalancer.targetGroupArnSuffix}` },
      targetRequestsPerTarget,
    );
  }

  /**
   * Admits `peer` to the tasks on `port` (an ingress rule on the service's own security group).
   *
   * @param peer the construct that sends traffic, for example the load balancer (admitted by the constructor)
   * @param port the TCP port, 1 to 65535
   */
  public allowFrom(peer: SecurityGroupPeer, port: number): void {
    requireInteger("EcsService", "allowFrom port", port, 1, 65535);
    this.addTaskPrerequisite(addIngressFrom(this, this.securityGroupId, peer, port));
  }

  /**
   * Lets the tasks reach `peer` on `port` (an egress rule on the service's own security group), for example the
   * database on 5432. The peer admits the service on its side (`database.allowFrom(service)`).
   *
   * @param peer the construct that receives traffic
   * @param port the TCP port, 1 to 65535
   */
  public allowTo(peer: SecurityGroupPeer, port: number): void {
    requireInteger("EcsService", "allowTo port", port, 1, 65535);
    this.addTaskPrerequisite(addEgressTo(this, this.securityGroupId, peer, port));
  }

  /**
   * Makes the `aws_ecs_service` wait for `dependencies` (for example the migration deploy gate), so that a failed
   * dependency stops the deployment before a new version rolls out.
   */
  public addDependency(...dependencies: ITerraformDependable[]): void {
    this.addDependsOn(dependencies);
  }

  /**
   * What must exist before any task of this service's (or a migration task with its roles and network) can start:
   * IAM grants, security group rules, the routes out, the database. The service depends on them; so must anything
   * else that starts tasks, such as the deploy gate. Grows with {@link EcsService.addTaskPrerequisite},
   * {@link EcsService.allowTo} and {@link EcsService.allowFrom}.
   */
  public get taskPrerequisites(): readonly ITerraformDependable[] {
    return [...this.prerequisites];
  }

  /**
   * Adds things tasks need at start (see {@link EcsService.taskPrerequisites}), for example the NAT routes
   * (`network.privateEgress`) or the database (`database.instance`). The service waits for them.
   */
  public addTaskPrerequisite(...prerequisites: ITerraformDependable[]): void {
    this.prerequisites.push(...prerequisites);
    this.addDependsOn(prerequisites);
  }

  private addDependsOn(dependencies: readonly ITerraformDependable[]): void {
    // Before the service resource exists, its constructor picks the prerequisites up itself.
    if (this.resource === undefined) return;
    // `dependable` renders the bare address (`terraform_data.gate`), as `depends_on` requires; `fqn` is an interpolation.
    this.resource.dependsOn = [...(this.resource.dependsOn ?? []), ...dependencies.map((d) => dependable(d))];
  }
}
