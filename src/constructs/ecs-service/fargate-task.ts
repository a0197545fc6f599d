import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { Naming } from "../../core/naming";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { tierDefaults } from "../../domain/tier-defaults";
import type { ServiceNetwork } from "../network/interfaces";
import type { ServiceSecret } from "../secrets/interfaces";
import { PropChecks, SecurityGroupPeer } from "../shared";
import { appContainerDefinition, containerDefinitionsJson, TMP_VOLUME_NAME } from "./container-definition";
import { TaskExecutionRole } from "./task-execution-role";

/** CPU architectures Fargate runs Linux tasks on; the image must be built for the one chosen. */
export type CpuArchitecture = "X86_64" | "ARM64";

const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ["X86_64", "ARM64"];

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

/** ENV_VAR style: upper-case letters, digits and `_`, not starting with a digit. */
const ENVIRONMENT_NAME = /^[A-Z_][A-Z0-9_]*$/;

// ── props ──

/** Properties of {@link FargateTask}. */
export interface FargateTaskProps {
  /** Naming context of the deployment. */
  readonly naming: Naming;
  /**
   * The part of the task's AWS names: task family `<app>-<env>-<name>`, log group `/<app>/<env>/ecs/<name>`, roles
   * `<app>-<env>-<name>-execution` and `-task`, security group `<app>-<env>-<name>-tasks`. Lower-case letters, digits
   * and single hyphens, starting with a letter.
   */
  readonly name: string;
  /** Name of the task's one container, and the awslogs stream prefix: streams are `<prefix>/<container>/<task id>`. */
  readonly containerName: string;
  /** The network whose private subnets run the tasks (the security group is created in its VPC). */
  readonly network: ServiceNetwork;
  /** Description of the task's security group. A security group's description cannot change without replacing it. */
  readonly securityGroupDescription: string;
  /** Full image reference (`ghcr.io/owner/name:tag` or `...@sha256:<digest>`); may hold Terraform tokens. */
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
  /**
   * CPU architecture of the tasks.
   *
   * @default "X86_64"
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /**
   * TCP port the container listens on, 1 to 65535.
   *
   * @default none: the container listens on no port
   */
  readonly port?: number;
  /**
   * Name of the container's port mapping, with `appProtocol` http: ECS Service Connect names the port it exposes by it.
   * Only with `port`.
   *
   * @default none: the port mapping has no name
   */
  readonly portName?: string;
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
   * Docker labels of the container (a change is a new task definition revision).
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
   * Allow ECS Exec into running tasks: the task role gets the Session Manager channels and may write the session log
   * group `executeCommandLogGroupArn`. Needs a writable root filesystem; not allowed in production.
   *
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
  /**
   * ARN of the cluster's ECS Exec session log group (without `:*`); required with `enableExecuteCommand`.
   *
   * @default none
   */
  readonly executeCommandLogGroupArn?: string;
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
   * `non-blocking` buffers log lines so that a CloudWatch Logs slowdown cannot stall the application (lines beyond
   * the buffer are lost); `blocking` keeps every line and stalls instead.
   *
   * @default "non-blocking"
   */
  readonly logMode?: "blocking" | "non-blocking";
  /**
   * Seconds between SIGTERM and SIGKILL when a task stops, 2 to 120 (the Fargate maximum).
   *
   * @default 30
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * Production mode: no ECS Exec, long log retention.
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * The 12-digit AWS account id: only ECS on behalf of this account may assume the roles (aws:SourceAccount and
   * aws:SourceArn conditions, against the confused-deputy problem).
   *
   * @default no source conditions
   */
  readonly accountId?: string;
  /**
   * ARN of a managed policy set as the permissions boundary of both roles (see `GithubDeployRole`).
   *
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * Checks the props of a {@link FargateTask} into `checks`, so that a construct built from one (a service, a scheduled
 * job) reports every problem of its props at once, under its own name, before it creates anything.
 */
export function checkFargateTaskProps(checks: PropChecks, props: FargateTaskProps): void {
  const enableExecuteCommand = props.enableExecuteCommand ?? false;
  const readonlyRootFilesystem = props.readonlyRootFilesystem ?? !enableExecuteCommand;
  const logRetentionDays = props.logRetentionDays ?? tierDefaults(props.production ?? false).logRetentionDays;
  checks.expect(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(props.name), "name", props.name, "lower-case letters, digits and single hyphens, starting with a letter");
  checks.imageReference("image", props.image);
  if (props.command !== undefined) {
    checks.expect(props.command.length > 0 && props.command.every((arg) => typeof arg === "string" && arg.length > 0), "command", props.command,
      'a non-empty list of non-empty strings, such as ["/app/bin/server"]');
  }
  checks.fargateSize(props.cpu, props.memoryMiB);
  checks.oneOf("cpuArchitecture", props.cpuArchitecture ?? "X86_64", CPU_ARCHITECTURES);
  if (props.production === true) {
    checks.expect(!enableExecuteCommand, "enableExecuteCommand", enableExecuteCommand,
      "false in production (ECS Exec needs a writable root filesystem, and production keeps it read-only)");
  }
  if (enableExecuteCommand) {
    checks.expect(readonlyRootFilesystem === false, "readonlyRootFilesystem", readonlyRootFilesystem, "false with enableExecuteCommand (the ECS Exec agent writes to the root filesystem)");
    checks.expect(props.executeCommandLogGroupArn !== undefined, "enableExecuteCommand", true,
      "false, or a cluster with executeCommandLogging (every Exec session is logged)");
  }
  if (props.port !== undefined) checks.integer("port", props.port, 1, 65535);
  if (props.portName !== undefined) {
    checks.expect(props.port !== undefined, "portName", props.portName, "only with port (it names the container's port mapping)");
    checks.expect(/^[a-z][a-z0-9-]{0,63}$/.test(props.portName), "portName", props.portName, "lower-case letters, digits and hyphens, starting with a letter, at most 64");
  }
  const environment = props.environment ?? {};
  const secrets = props.secrets ?? {};
  for (const [kind, names] of [["environment", Object.keys(environment)], ["secrets", Object.keys(secrets)]] as const) {
    for (const key of names) checks.expect(ENVIRONMENT_NAME.test(key), `${kind}.${key}`, key, "a variable name: upper-case letters, digits and _, not starting with a digit");
  }
  for (const key of Object.keys(environment).filter((k) => k in secrets)) {
    checks.add(`environment.${key}`, "is also given in secrets; allowed: a variable either plain or secret, not both");
  }
  checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
  checks.integer("stopTimeoutSeconds", props.stopTimeoutSeconds ?? 30, 2, 120);
  checks.accountId("accountId", props.accountId);
}

/**
 * What every Fargate task of an application needs, whoever starts it: its log group, an execution role scoped to
 * exactly that log group and the secrets it is given, a separate task role (the application's own identity), its own
 * security group (HTTPS out; no ingress unless admitted), and the task definition of its one container, read-only root
 * with `/tmp` writable.
 *
 * A {@link FargateService} runs it as a long-running service; a scheduled job (`ScheduledJob`) runs it on a schedule.
 * Both create it with the transparent id `Default`, so that its resources keep the addresses of their owner
 * (`aws_ecs_task_definition.service_api_task_definition`).
 */
export class FargateTask extends Construct implements SecurityGroupPeer {
  /** The part of the task's AWS names. */
  public readonly name: string;
  /** Family of the task definition: `<app>-<env>-<name>`. */
  public readonly family: string;
  /** ARN (with revision) of the task definition this apply registers. */
  public readonly taskDefinitionArn: string;
  /** Name of the container (and its awslogs stream prefix). */
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
  /** AWS region of the tasks. */
  public readonly region: string;
  /** The image reference the tasks run. */
  public readonly image: string;
  /** The container's command, when it replaces the image's. */
  public readonly command?: readonly string[];
  /** Port the container listens on, if any. */
  public readonly port?: number;
  /** Name of the container's port mapping, when it has one (Service Connect). */
  public readonly portName?: string;
  /** CPU architecture of the tasks. */
  public readonly cpuArchitecture: CpuArchitecture;
  /** Plain environment of the container (no secrets: see {@link FargateTask.containerSecrets}). */
  public readonly containerEnvironment: Readonly<Record<string, string>>;
  /** Secret environment of the container: variable name to Secrets Manager `valueFrom`. */
  public readonly containerSecrets: Readonly<Record<string, string>>;
  /** Secrets Manager ARN of the registry pull credentials, when the image is private. */
  public readonly repositoryCredentialsArn?: string;
  /** Seconds between SIGTERM and SIGKILL when a task stops. */
  public readonly stopTimeoutSeconds: number;
  /** Whether ECS Exec is allowed (and therefore the root filesystem writable). */
  public readonly executeCommandEnabled: boolean;
  /** Whether the container's root filesystem is read-only. */
  public readonly readonlyRootFilesystem: boolean;
  /**
   * What must exist before a task can start: the execution role's grants and the HTTPS egress rule (the image pull).
   */
  public readonly taskPrerequisites: readonly ITerraformDependable[];

  public constructor(scope: Construct, id: string, props: FargateTaskProps) {
    super(scope, id);
    const checks = new PropChecks("FargateTask");
    checkFargateTaskProps(checks, props);
    checks.throwIfAny();

    const { naming, network, name } = props;
    const region = network.region;
    const environment = props.environment ?? {};
    const secrets = props.secrets ?? {};
    const enableExecuteCommand = props.enableExecuteCommand ?? false;
    this.name = name;
    this.region = region;
    this.image = props.image;
    this.command = props.command === undefined ? undefined : [...props.command];
    this.port = props.port;
    this.portName = props.portName;
    this.containerName = props.containerName;
    this.cpuArchitecture = props.cpuArchitecture ?? "X86_64";
    this.stopTimeoutSeconds = props.stopTimeoutSeconds ?? 30;
    this.executeCommandEnabled = enableExecuteCommand;
    this.readonlyRootFilesystem = props.readonlyRootFilesystem ?? !enableExecuteCommand;
    this.privateSubnetIds = network.privateSubnetIds;
    this.repositoryCredentialsArn = props.repositoryCredentialsArn;
    this.containerEnvironment = { ...environment };
    this.containerSecrets = Object.fromEntries(
      Object.entries(secrets).map(([variable, secret]) => [variable, secret.jsonKey === undefined ? secret.arn : `${secret.arn}:${secret.jsonKey}::`]),
    );

    // ── logging ──
    const logGroup = new CloudwatchLogGroup(this, "log_group", {
      name: naming.path("ecs", name),
      retentionInDays: props.logRetentionDays ?? tierDefaults(props.production ?? false).logRetentionDays,
    });
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;

    // ── iam ──
    // The execution role starts the task, the task role is the application's own identity.
    const execution = new TaskExecutionRole(this, "execution_role", {
      naming,
      name,
      description: `ECS starts ${naming.prefix} ${name} tasks with it: its log group and its secrets only`,
      region,
      logGroupArn: logGroup.arn,
      secretArns: [...Object.values(secrets).map((s) => s.arn), ...(props.repositoryCredentialsArn === undefined ? [] : [props.repositoryCredentialsArn])],
      secretsKmsKeyArn: props.secretsKmsKeyArn,
      accountId: props.accountId,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
    });
    this.executionRoleArn = execution.roleArn;

    const taskRole = new IamRole(this, "task_role", {
      name: naming.name([name, "task"], 64),
      description: `The ${naming.prefix} ${name} application's own identity${enableExecuteCommand ? " (ECS Exec allowed)" : ""}`,
      assumeRolePolicy: execution.trustPolicy,
      permissionsBoundary: props.permissionsBoundaryArn,
    });
    if (enableExecuteCommand && props.executeCommandLogGroupArn !== undefined) {
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
              Resource: [`${props.executeCommandLogGroupArn}:*`],
            },
          ],
        }),
      });
    }
    this.taskRoleArn = taskRole.arn;

    // ── network ──
    // No inline rules: Terraform then removes AWS's allow-all egress, and every rule is explicit. A security group's
    // description cannot change without replacing the group, so the owner passes the text it was first deployed with.
    const securityGroup = new SecurityGroup(this, "security_group", {
      name: naming.name([name, "tasks"]),
      description: props.securityGroupDescription,
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
    this.taskPrerequisites = [...execution.grants, httpsOut];

    // ── task definition ──
    const taskDefinition = new EcsTaskDefinition(this, "task_definition", {
      family: naming.name(name, 255),
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: this.cpuArchitecture },
      executionRoleArn: execution.roleArn,
      taskRoleArn: taskRole.arn,
      volume: [{ name: TMP_VOLUME_NAME }],
      containerDefinitions: containerDefinitionsJson([
        appContainerDefinition({
          name: props.containerName,
          image: props.image,
          command: props.command,
          environment: this.containerEnvironment,
          secrets: this.containerSecrets,
          repositoryCredentialsArn: props.repositoryCredentialsArn,
          containerPort: props.port,
          portName: props.portName,
          logGroupName: logGroup.name,
          logRegion: region,
          logStreamPrefix: props.containerName,
          logMode: props.logMode ?? "non-blocking",
          readonlyRootFilesystem: this.readonlyRootFilesystem,
          stopTimeoutSeconds: this.stopTimeoutSeconds,
          dockerLabels: props.dockerLabels,
        }),
      ]),
      // Replaced revisions stay ACTIVE, so that a rollback (or a task started a moment ago) can always use them.
      skipDestroy: true,
    });
    this.family = taskDefinition.family;
    this.taskDefinitionArn = taskDefinition.arn;
  }
}
