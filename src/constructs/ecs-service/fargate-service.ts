import { Construct } from "constructs";
import { dependable, ITerraformDependable, Op, TerraformSelf } from "cdktf";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { EcsService, EcsServiceServiceConnectConfiguration } from "@cdktf/provider-aws/lib/ecs-service";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Naming } from "../../core/naming";
import { tierDefaults } from "../../domain/tier-defaults";
import { modeledRolloutSecondsPerBatch } from "../../domain/target-groups";
import type { AlbHealthCheck, AlbRoute, ServiceLoadBalancer } from "../alb/interfaces";
import type { Cluster } from "./cluster";
import { checkFargateTaskProps, CpuArchitecture, FargateTask, FargateTaskProps } from "./fargate-task";
import type { ServiceConnectNamespace } from "./service-connect-namespace";
import type { ServiceNetwork } from "../network/interfaces";
import type { ServiceSecret } from "../secrets/interfaces";
import { addEgressTo, addIngressFrom, PropChecks, requireInteger, SecurityGroupPeer } from "../shared";

/** The name of the container port mapping that Service Connect exposes. */
export const SERVICE_CONNECT_PORT_NAME = "http";

/** The awslogs stream prefix of the Service Connect proxy's logs in the service's log group. */
export const SERVICE_CONNECT_LOG_STREAM_PREFIX = "service-connect";

const HEALTH_CHECK_PATH = /^\/[A-Za-z0-9._~/-]*$/;
/** A Service Connect discovery name and client alias: a DNS label. */
const SERVICE_CONNECT_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,62}$/;

// ── props ──

/** How the load balancer reaches a service: its route, and the target group the service creates for it. */
export interface ServiceLoadBalancing {
  /** The shared load balancer. */
  readonly alb: ServiceLoadBalancer;
  /** Which requests reach the service (see {@link AlbRoute}). */
  readonly route: AlbRoute;
  /**
   * Health check of the service's target group; its `path` is requested on each task at the container port.
   *
   * @default GET /healthz expecting 200, every 10 s, healthy after 2, unhealthy after 3, 5 s timeout
   */
  readonly healthCheck?: AlbHealthCheck;
  /**
   * Seconds a deregistering task keeps serving in-flight requests, 0 to 3600.
   *
   * @default 30 (AWS's default of 300 slows every deploy)
   */
  readonly deregistrationDelaySeconds?: number;
  /**
   * Seconds ECS ignores failing load balancer health checks of a new task while it boots, 0 to 7200.
   *
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Load balancer requests per task per minute that autoscaling keeps the service at; 1 to 1000000.
   *
   * @default 1000
   */
  readonly targetRequestsPerTarget?: number;
}

/** How a service joins ECS Service Connect: the namespace, and the name and port it is reachable by, if any. */
export interface ServiceConnectSettings {
  /** The environment's Service Connect namespace. */
  readonly namespace: ServiceConnectNamespace;
  /**
   * The name and port callers use (`http://<name>:<port>`): the Service Connect client alias of the container's
   * port. The name is the service's discovery name in the namespace.
   *
   * @default none: the service only calls others (a Service Connect client)
   */
  readonly expose?: { readonly name: string; readonly port: number };
}

/** Properties of {@link FargateService}. */
export interface FargateServiceProps {
  /** Naming context of the deployment. */
  readonly naming: Naming;
  /**
   * The part of the service's AWS names: ECS service and task family `<app>-<env>-<name>`, log group
   * `/<app>/<env>/ecs/<name>`, roles `<app>-<env>-<name>-execution` and `-task`, security group `<app>-<env>-<name>-tasks`.
   * Lower-case letters, digits and hyphens.
   *
   * @default the construct id
   */
  readonly name?: string;
  /** The cluster the service runs in. */
  readonly cluster: Cluster;
  /** The network whose private subnets run the tasks. */
  readonly network: ServiceNetwork;
  /**
   * Full image reference, for example `ghcr.io/owner/whcsites:1.4.2` or `...@sha256:<digest>`. May hold Terraform
   * tokens (a tag from a Terraform variable).
   */
  readonly image: string;
  /**
   * The container's command, replacing the image's `CMD`.
   *
   * @default the image's own command
   */
  readonly command?: readonly string[];
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
   * Production mode: no Fargate Spot, no ECS Exec (the root filesystem stays read-only), at least 2 tasks, long log
   * retention.
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
   * not allowed in production, and only in a cluster that logs Exec sessions (`executeCommandLogging`). Who opened
   * a session is in CloudTrail (`ecs:ExecuteCommand`).
   *
   * @default true outside production, false in production
   */
  readonly enableExecuteCommand?: boolean;
  /**
   * TCP port the container listens on, 1 to 65535. Required with `loadBalancer`.
   *
   * @default none: the container listens on no port (a worker)
   */
  readonly port?: number;
  /**
   * Plain environment variables of the container. Never a secret: use `secrets`.
   *
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from Secrets Manager when a task starts. The execution role may read exactly these
   * secrets (and `repositoryCredentialsArn`), nothing else.
   *
   * @default none
   */
  readonly secrets?: Readonly<Record<string, ServiceSecret>>;
  /**
   * ARN of the customer-managed KMS key that encrypts `secrets`: the execution role may decrypt with it through
   * Secrets Manager only.
   *
   * @default none: the secrets use the AWS-managed key
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * Docker labels of the container. A change is a new task definition, so a rolling deployment: the stack labels the
   * versions of the secrets a service reads, so that a rotated secret reaches new tasks.
   *
   * @default none
   */
  readonly dockerLabels?: Readonly<Record<string, string>>;
  /**
   * Secrets Manager ARN of `{"username", "password"}` pull credentials for a private registry.
   *
   * @default none: the image is public
   */
  readonly repositoryCredentialsArn?: string;
  /**
   * Whether the container's root filesystem is read-only (`/tmp` stays writable). ECS Exec needs it writable.
   *
   * @default true, unless ECS Exec is enabled
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * Retention of the container log group, in days; one of the values CloudWatch Logs accepts.
   *
   * @default 365 in production, 30 elsewhere
   */
  readonly logRetentionDays?: number;
  /**
   * Seconds between SIGTERM and SIGKILL when a task stops, 2 to 120 (the Fargate maximum).
   *
   * @default 30
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * Average CPU utilisation, in percent, that autoscaling keeps the service at; 10 to 90.
   *
   * @default 60
   */
  readonly targetCpuPercent?: number;
  /**
   * Put the service behind the shared load balancer: a target group on `port` and a route.
   *
   * @default none: no inbound traffic at all (a worker)
   */
  readonly loadBalancer?: ServiceLoadBalancing;
  /**
   * Join ECS Service Connect in `namespace`: the service can call the services exposed there by their names (a
   * client), and, with `expose`, is reachable as `http://<name>:<port>` from the services that join it. Needs `port`
   * with `expose`. Admitting callers is separate: `service.allowFrom(caller, port)` and `caller.allowTo(service, port)`.
   *
   * @default none: no Service Connect
   */
  readonly serviceConnect?: ServiceConnectSettings;
  /**
   * The 12-digit AWS account id. When given, the task roles can only be assumed by ECS on behalf of this account
   * (aws:SourceAccount and aws:SourceArn conditions, against the confused-deputy problem).
   *
   * @default no source conditions (the account id is not known offline)
   */
  readonly accountId?: string;
  /**
   * ARN of a managed policy set as the permissions boundary of every IAM role this construct creates (a deploy role
   * that may only create roles with its boundary needs it: see `GithubDeployRole`).
   *
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * A long-running container on ECS Fargate, of any application: the task definition, an execution role scoped to
 * exactly its log group and the secrets it is given, a separate task role, its own security group (no inbound traffic
 * unless admitted), its log group, the service in the private subnets, and target-tracking autoscaling on CPU (plus
 * requests per task behind the load balancer).
 *
 * With `loadBalancer` it creates its own target group, asks the load balancer for its route, and admits the load
 * balancer on `port`. Without it, it is a worker: no target group, no ingress.
 *
 * Deployments are safe by default: rolling 100%/200% with the circuit breaker rolling back a version that never
 * becomes healthy, and `wait_for_steady_state` so that `cdktf deploy` fails in that case.
 *
 * Wiring: `service.allowTo(database, 5432)` with `database.allowFrom(service)`, and `service.addDependency(gate)`.
 */
export class FargateService extends Construct implements SecurityGroupPeer {
  /** The part of the service's AWS names. */
  public readonly name: string;
  /** Name of the ECS cluster it runs in. */
  public readonly clusterName: string;
  /** Name of the ECS service. */
  public readonly serviceName: string;
  /** Family of the service's task definition. */
  public readonly taskDefinitionFamily: string;
  /** ARN (with revision) of the service's current task definition. */
  public readonly taskDefinitionArn: string;
  /** Name of the container, which is also the load balancer's target: the construct id. */
  public readonly containerName: string;
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
  /** The image reference the tasks run. */
  public readonly image: string;
  /** The container's command, when it replaces the image's. */
  public readonly command?: readonly string[];
  /** Port the container listens on, if any. */
  public readonly port?: number;
  /** CPU architecture of the tasks. */
  public readonly cpuArchitecture: CpuArchitecture;
  /** Plain environment of the container (no secrets: see {@link FargateService.containerSecrets}). */
  public readonly containerEnvironment: Readonly<Record<string, string>>;
  /** Secret environment of the container: variable name to Secrets Manager `valueFrom`. */
  public readonly containerSecrets: Readonly<Record<string, string>>;
  /** Secrets Manager ARN of the registry pull credentials, when the image is private. */
  public readonly repositoryCredentialsArn?: string;
  /** Seconds between SIGTERM and SIGKILL when a task stops. */
  public readonly stopTimeoutSeconds: number;
  /** Whether ECS Exec is enabled (and therefore the root filesystem writable). */
  public readonly executeCommandEnabled: boolean;
  /** Whether the container's root filesystem is read-only. */
  public readonly readonlyRootFilesystem: boolean;
  /** ARN of the service's target group, behind the load balancer. */
  public readonly targetGroupArn?: string;
  /** ARN suffix of the target group (CloudWatch's `TargetGroup` dimension), behind the load balancer. */
  public readonly targetGroupArnSuffix?: string;
  /** ARN suffix of the load balancer (CloudWatch's `LoadBalancer` dimension), behind the load balancer. */
  public readonly loadBalancerArnSuffix?: string;
  /** Modeled seconds per rolling-deployment batch at the load balancer; see {@link modeledRolloutSecondsPerBatch}. */
  public readonly rolloutSecondsPerBatch?: number;
  /** The health check path of the target group, behind the load balancer. */
  public readonly healthCheckPath?: string;
  /** The name callers reach the service by through Service Connect (`http://<name>:<port>`), when it is exposed. */
  public readonly serviceConnectName?: string;
  /** The port callers reach the service on through Service Connect, when it is exposed. */
  public readonly serviceConnectPort?: number;
  /** The task the service runs: task definition, roles, log group, security group. */
  public readonly task: FargateTask;
  /** The `aws_ecs_service` resource; prefer {@link FargateService.addDependency} to changing it. */
  public readonly resource: EcsService;
  private readonly prerequisites: ITerraformDependable[] = [];
  private readonly deploymentAlarmNames: string[] = [];

  public constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const production = props.production ?? false;
    const defaults = tierDefaults(production);
    const name = props.name ?? id;
    const fargateSpot = props.fargateSpot ?? false;
    const targetCpuPercent = props.targetCpuPercent ?? 60;
    const minCount = props.minCount ?? props.desiredCount;
    const maxCount = props.maxCount ?? Math.max(props.desiredCount * 2, minCount);
    const lb = props.loadBalancer;
    const expose = props.serviceConnect?.expose;
    const healthCheck = {
      path: lb?.healthCheck?.path ?? "/healthz",
      intervalSeconds: lb?.healthCheck?.intervalSeconds ?? 10,
      healthyThreshold: lb?.healthCheck?.healthyThreshold ?? 2,
      unhealthyThreshold: lb?.healthCheck?.unhealthyThreshold ?? 3,
      timeoutSeconds: lb?.healthCheck?.timeoutSeconds ?? 5,
    };
    const deregistrationDelaySeconds = lb?.deregistrationDelaySeconds ?? 30;
    const healthCheckGracePeriodSeconds = lb?.healthCheckGracePeriodSeconds ?? 60;
    const targetRequestsPerTarget = lb?.targetRequestsPerTarget ?? 1000;
    // What the task is; the service only decides how it runs.
    const taskProps: FargateTaskProps = {
      naming: props.naming,
      name,
      containerName: id,
      network: props.network,
      securityGroupDescription:
        lb === undefined
          ? "ECS tasks: no ingress, egress to HTTPS and named peers only"
          : "ECS tasks: ingress from the load balancer, egress to HTTPS and named peers only",
      image: props.image,
      command: props.command,
      cpu: props.cpu,
      memoryMiB: props.memoryMiB,
      cpuArchitecture: props.cpuArchitecture,
      port: props.port,
      portName: expose === undefined || props.port === undefined ? undefined : SERVICE_CONNECT_PORT_NAME,
      environment: props.environment,
      secrets: props.secrets,
      secretsKmsKeyArn: props.secretsKmsKeyArn,
      dockerLabels: props.dockerLabels,
      repositoryCredentialsArn: props.repositoryCredentialsArn,
      enableExecuteCommand: props.enableExecuteCommand ?? defaults.enableExecuteCommand,
      executeCommandLogGroupArn: props.cluster.executeCommandLogGroupArn,
      readonlyRootFilesystem: props.readonlyRootFilesystem,
      logRetentionDays: props.logRetentionDays,
      // A CloudWatch Logs slowdown must not stall the application.
      logMode: "non-blocking",
      stopTimeoutSeconds: props.stopTimeoutSeconds,
      production,
      accountId: props.accountId,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
    };

    // ── validation ──
    const checks = new PropChecks("FargateService");
    checkFargateTaskProps(checks, taskProps);
    const fewest = production ? 2 : 1;
    const why = production ? "at least 2 in production (a task per AZ)" : undefined;
    if (checks.integer("maxCount", maxCount, fewest, 5000, why)) {
      if (props.minCount !== undefined && checks.integer("minCount", minCount, production ? 2 : 0, 5000, why)) {
        checks.expect(minCount <= maxCount, "minCount", minCount, `at most maxCount (${maxCount})`);
      }
      if (checks.integer("desiredCount", props.desiredCount, fewest, 5000, why)) {
        checks.expect(props.desiredCount <= maxCount, "desiredCount", props.desiredCount, `at most maxCount (${maxCount})`);
        checks.expect(props.desiredCount >= minCount, "desiredCount", props.desiredCount, `at least minCount (${minCount})`);
      }
    }
    if (production) {
      checks.expect(!fargateSpot, "fargateSpot", fargateSpot, "false in production (Spot tasks can be reclaimed at two minutes' notice)");
    }
    checks.integer("targetCpuPercent", targetCpuPercent, 10, 90);
    if (lb !== undefined) {
      checks.expect(props.port !== undefined, "port", props.port, "a port with loadBalancer (the target group sends traffic and health checks there)");
      checks.expect(HEALTH_CHECK_PATH.test(healthCheck.path) && healthCheck.path.length <= 1024, "loadBalancer.healthCheck.path", healthCheck.path,
        'a path starting with "/" of URL path characters, at most 1024');
      checks.integer("loadBalancer.healthCheck.intervalSeconds", healthCheck.intervalSeconds, 5, 300);
      checks.integer("loadBalancer.healthCheck.healthyThreshold", healthCheck.healthyThreshold, 2, 10);
      checks.integer("loadBalancer.healthCheck.unhealthyThreshold", healthCheck.unhealthyThreshold, 2, 10);
      checks.integer("loadBalancer.healthCheck.timeoutSeconds", healthCheck.timeoutSeconds, 2, Math.min(120, healthCheck.intervalSeconds - 1), "less than intervalSeconds");
      checks.integer("loadBalancer.deregistrationDelaySeconds", deregistrationDelaySeconds, 0, 3600);
      checks.integer("loadBalancer.healthCheckGracePeriodSeconds", healthCheckGracePeriodSeconds, 0, 7200);
      checks.integer("loadBalancer.targetRequestsPerTarget", targetRequestsPerTarget, 1, 1_000_000);
    }
    if (expose !== undefined) {
      checks.expect(props.port !== undefined, "port", props.port, "a port with serviceConnect.expose (callers reach the container there)");
      checks.expect(SERVICE_CONNECT_NAME.test(expose.name), "serviceConnect.expose.name", expose.name,
        "lower-case letters, digits and single hyphens, starting with a letter, at most 63 (a DNS label callers use)");
      checks.integer("serviceConnect.expose.port", expose.port, 1, 65535);
    }
    checks.throwIfAny();

    // ── the task ──
    // The generic piece every Fargate task has, under the transparent id "Default": its resources keep this
    // construct's addresses (aws_ecs_task_definition.service_api_task_definition).
    const task = new FargateTask(this, "Default", taskProps);
    const { cluster, naming } = props;
    this.task = task;
    this.name = name;
    this.region = task.region;
    this.image = task.image;
    this.command = task.command;
    this.port = task.port;
    this.containerName = task.containerName;
    this.cpuArchitecture = task.cpuArchitecture;
    this.stopTimeoutSeconds = task.stopTimeoutSeconds;
    this.executeCommandEnabled = task.executeCommandEnabled;
    this.readonlyRootFilesystem = task.readonlyRootFilesystem;
    this.privateSubnetIds = task.privateSubnetIds;
    this.repositoryCredentialsArn = task.repositoryCredentialsArn;
    this.clusterName = cluster.clusterName;
    this.containerEnvironment = task.containerEnvironment;
    this.containerSecrets = task.containerSecrets;
    this.logGroupName = task.logGroupName;
    this.logGroupArn = task.logGroupArn;
    this.executionRoleArn = task.executionRoleArn;
    this.taskRoleArn = task.taskRoleArn;
    this.securityGroupId = task.securityGroupId;
    this.taskDefinitionFamily = task.family;
    this.taskDefinitionArn = task.taskDefinitionArn;
    this.serviceConnectName = expose?.name;
    this.serviceConnectPort = expose?.port;
    this.prerequisites.push(...task.taskPrerequisites);

    // ── load balancing ──
    // Own target group, route, and the load balancer admitted on the port.
    let routeReady: ITerraformDependable | undefined;
    if (lb !== undefined && props.port !== undefined) {
      // `name_prefix` + create_before_destroy: changes to port, protocol or VPC replace a target group, and the old one
      // cannot be deleted while a listener uses it. The prefix allows 6 characters; the construct id keeps it recognisable.
      const targetGroup = new LbTargetGroup(this, "target_group", {
        namePrefix: `${id.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 5) || "tg"}-`,
        targetType: "ip",
        protocol: "HTTP",
        protocolVersion: "HTTP1",
        port: props.port,
        vpcId: lb.alb.vpcId,
        deregistrationDelay: String(deregistrationDelaySeconds),
        healthCheck: {
          enabled: true,
          protocol: "HTTP",
          port: "traffic-port",
          path: healthCheck.path,
          matcher: "200",
          interval: healthCheck.intervalSeconds,
          timeout: healthCheck.timeoutSeconds,
          healthyThreshold: healthCheck.healthyThreshold,
          unhealthyThreshold: healthCheck.unhealthyThreshold,
        },
        lifecycle: { createBeforeDestroy: true },
      });
      this.targetGroupArn = targetGroup.arn;
      this.targetGroupArnSuffix = targetGroup.arnSuffix;
      this.loadBalancerArnSuffix = lb.alb.arnSuffix;
      this.healthCheckPath = healthCheck.path;
      this.rolloutSecondsPerBatch = modeledRolloutSecondsPerBatch({
        healthyThreshold: healthCheck.healthyThreshold,
        intervalSeconds: healthCheck.intervalSeconds,
        deregistrationDelaySeconds,
      });
      routeReady = lb.alb.addRoute(this, "route", { route: lb.route, targetGroupArn: targetGroup.arn });
      this.allowFrom(lb.alb, props.port);
      lb.alb.allowTo(this, props.port);
    }

    // ── service ──
    this.resource = new EcsService(this, "Resource", {
      name: naming.name(name, 255),
      cluster: cluster.clusterArn,
      taskDefinition: task.taskDefinitionArn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: [{ capacityProvider: fargateSpot ? "FARGATE_SPOT" : "FARGATE", weight: 1, base: 0 }],
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets: task.privateSubnetIds,
        securityGroups: [task.securityGroupId],
        assignPublicIp: false,
      },
      loadBalancer: this.targetGroupArn === undefined ? undefined : [{ targetGroupArn: this.targetGroupArn, containerName: id, containerPort: props.port as number }],
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      healthCheckGracePeriodSeconds: lb === undefined ? undefined : healthCheckGracePeriodSeconds,
      // `cdktf deploy` fails when a new version never becomes healthy (the circuit breaker has rolled it back).
      waitForSteadyState: true,
      // Moves tasks back into an AZ that recovers from an outage.
      availabilityZoneRebalancing: "ENABLED",
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      enableExecuteCommand: task.executeCommandEnabled,
      serviceConnectConfiguration: props.serviceConnect === undefined ? undefined : serviceConnectConfiguration(props.serviceConnect, task),
      // Without it the provider replaces the service (an outage) when the capacity provider strategy changes, for
      // example when fargateSpot is toggled; with it the change is a normal rolling deployment.
      forceNewDeployment: true,
      lifecycle: {
        // Autoscaling owns the running count after creation.
        ignoreChanges: ["desired_count"],
        // A rollback (circuit breaker or deployment alarm) also ends in a steady state, at the previous task
        // definition, and the provider's wait_for_steady_state then reports success (hashicorp/terraform-provider-aws
        // #19519). The service must run the task definition this apply registered, or the apply fails.
        postcondition: [
          {
            condition: Op.eq(TerraformSelf.getString("task_definition"), task.taskDefinitionArn),
            errorMessage: "The ECS service is not running the task definition this apply registered: the deployment was rolled back (circuit breaker or deployment alarm). See the service's events (aws ecs describe-services) and its log group.",
          },
        ],
      },
      dependsOn: [
        // A capacity provider must be associated with the cluster before a service can use it.
        cluster.capacityProviders,
        // Registering in a target group that no listener uses fails at apply, which a plan cannot show.
        ...(routeReady === undefined ? [] : [routeReady]),
        // IAM grants, the egress rule and the ingress rule the first tasks need.
        ...this.prerequisites,
      ],
    });
    this.serviceName = this.resource.name;

    // ── scaling ──
    // Target tracking on CPU, and on requests per task behind the load balancer; the larger count wins.
    const scalingTarget = new AppautoscalingTarget(this, "scaling_target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${cluster.clusterName}/${this.resource.name}`,
      minCapacity: minCount,
      maxCapacity: maxCount,
    });
    const targetTracking = (policyId: string, policyName: string, metric: { predefinedMetricType: string; resourceLabel?: string }, targetValue: number) =>
      new AppautoscalingPolicy(this, policyId, {
        name: naming.name([name, policyName], 255),
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
    if (lb !== undefined) {
      targetTracking(
        "scale_on_requests",
        "requests",
        { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: `${lb.alb.arnSuffix}/${this.targetGroupArnSuffix}` },
        targetRequestsPerTarget,
      );
    }
  }

  // ── intent methods ──
  /**
   * Admits `peer` to the tasks on `port` (an ingress rule on the service's own security group).
   *
   * @param peer the construct that sends traffic, for example the load balancer (admitted by the constructor)
   * @param port the TCP port, 1 to 65535
   */
  public allowFrom(peer: SecurityGroupPeer, port: number): void {
    requireInteger("FargateService", "allowFrom port", port, 1, 65535);
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
    requireInteger("FargateService", "allowTo port", port, 1, 65535);
    this.addTaskPrerequisite(addEgressTo(this, this.securityGroupId, peer, port));
  }

  /**
   * Rolls a deployment back when one of these CloudWatch alarms goes into ALARM while ECS watches the deployment (the
   * `alarms` block: enable and rollback). Alarms are named, not referenced by ARN: that is how ECS takes them. Pass the
   * alarm resources' `alarmName` attributes, so that the alarms exist before the service uses them. Calling it again
   * adds alarms.
   *
   * @param alarmNames names of alarms in the service's account and region, at least one
   */
  public rollBackOnAlarms(...alarmNames: string[]): void {
    const checks = new PropChecks("FargateService");
    checks.expect(alarmNames.length > 0 && alarmNames.every((n) => typeof n === "string" && n.length > 0), "rollBackOnAlarms alarmNames", alarmNames, "at least one alarm name");
    checks.throwIfAny();
    this.deploymentAlarmNames.push(...alarmNames.filter((n) => !this.deploymentAlarmNames.includes(n)));
    this.resource.putAlarms({ alarmNames: [...this.deploymentAlarmNames], enable: true, rollback: true });
  }

  // ── dependencies ──
  /**
   * Makes the `aws_ecs_service` wait for `dependencies` (for example the migration deploy gate), so that a failed
   * dependency stops the deployment before a new version rolls out.
   */
  public addDependency(...dependencies: ITerraformDependable[]): void {
    this.addDependsOn(dependencies);
  }

  /**
   * What must exist before any task of this service's (or a one-off task with its roles and network) can start: IAM
   * grants, security group rules, the routes out, the database. The service depends on them; so must anything else
   * that starts tasks, such as the deploy gate. Grows with {@link FargateService.addTaskPrerequisite},
   * {@link FargateService.allowTo} and {@link FargateService.allowFrom}.
   */
  public get taskPrerequisites(): readonly ITerraformDependable[] {
    return [...this.prerequisites];
  }

  /**
   * Adds things tasks need at start (see {@link FargateService.taskPrerequisites}), for example the NAT routes
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

// ── service connect ──

/**
 * The service's `service_connect_configuration`: a client of the namespace, and with `expose` a server under its
 * discovery name on the container's named port. The proxy logs to the service's log group.
 */
function serviceConnectConfiguration(settings: ServiceConnectSettings, task: FargateTask): EcsServiceServiceConnectConfiguration {
  const expose = settings.expose;
  return {
    enabled: true,
    namespace: settings.namespace.namespaceArn,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": task.logGroupName,
        "awslogs-region": task.region,
        "awslogs-stream-prefix": SERVICE_CONNECT_LOG_STREAM_PREFIX,
      },
    },
    service:
      expose === undefined
        ? undefined
        : [{ portName: SERVICE_CONNECT_PORT_NAME, discoveryName: expose.name, clientAlias: { port: expose.port, dnsName: expose.name } }],
  };
}
