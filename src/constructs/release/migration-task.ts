import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { appContainerDefinition, CONTAINER_KILL_AFTER_SECONDS, containerDefinitionsJson, TaskExecutionRole, timeLimitedCommand, TMP_VOLUME_NAME } from "../ecs-service";
import { Naming } from "../../core/naming";
import type { DeployGateStep } from "./deploy-gate";
import type { MigrationRunTarget } from "./run-target";
import type { FargateService } from "../ecs-service";
import type { ServiceSecret } from "../secrets";
import { PropChecks } from "../shared";

/** Name of the container that runs the migration command; its exit code decides success. */
export const MIGRATION_CONTAINER_NAME = "migrate";

/** The awslogs stream prefix of migration tasks: streams are `migrate/migrate/<task id>`. */
export const MIGRATION_LOG_STREAM_PREFIX = "migrate";

/** The script `mix phx.gen.release` generates; it runs the Ecto migrations of the release. */
export const DEFAULT_MIGRATION_COMMAND: readonly string[] = ["/app/bin/migrate"];

/**
 * Seconds the container's own time limit runs past `timeoutMinutes`. The runner's clock starts at RunTask and the
 * container's only when the command starts (after the image pull), so the runner always stops the task first when it
 * is there to do it; the container's limit is the backstop for when it is not.
 */
export const CONTAINER_TIME_LIMIT_GRACE_SECONDS = 60;

/** Seconds `timeout` waits after its SIGTERM (the release shuts down, Ecto's transaction rolls back) before SIGKILL. */
export { CONTAINER_KILL_AFTER_SECONDS };

// ── props ──

/** Properties of {@link MigrationTask}. */
export interface MigrationTaskProps {
  /** Naming context of the deployment: the task family is `<app>-<environment>-migrate`. */
  readonly naming: Naming;
  /**
   * The service whose image, secrets, environment, roles, log group and CPU architecture the migration reuses; it
   * runs in the service's private subnets with the service's security group (which the database admits).
   */
  readonly service: FargateService;
  /**
   * The container's plain environment.
   *
   * @default the service's container environment (an application profile may give one without its server switch)
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The container's secrets. Given, the task gets an execution role of its own that reads exactly these (and the
   * registry credentials): for example a migration that logs in as the schema owner, whose secret the service must
   * not read.
   *
   * @default the service's secrets, read through the service's execution role
   */
  readonly secrets?: Readonly<Record<string, ServiceSecret>>;
  /**
   * ARN of the customer-managed key of `secrets` (the own execution role decrypts through Secrets Manager).
   *
   * @default none
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * The 12-digit account id, for the own execution role's source conditions.
   *
   * @default no source conditions
   */
  readonly accountId?: string;
  /**
   * Permissions boundary of the own execution role (see `GithubDeployRole`).
   *
   * @default none
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * The command the container runs, as an exec-form argument list.
   *
   * @default ["/app/bin/migrate"]
   */
  readonly command?: readonly string[];
  /**
   * How long a migration may run, in minutes, 1 to 120: the deploy gate's runner stops the task after this long, and
   * with `containerTimeLimit` the container stops itself {@link CONTAINER_TIME_LIMIT_GRACE_SECONDS} seconds later.
   *
   * @default 15
   */
  readonly timeoutMinutes?: number;
  /**
   * Whether the container has its own time limit: the command runs as `timeout -k 30 <seconds> <command...>`, so a
   * migration ends even when no runner is left to stop it (Terraform interrupted and the runner's watchdog gone too).
   * The image needs a `timeout` command with `-k`: GNU coreutils (every Debian or Ubuntu image, such as the release
   * image `mix phx.gen.release --docker` builds) or BusyBox 1.36 and later. Turn it off for an image without one
   * (distroless); then only the runner and its watchdog stop a migration that runs too long.
   *
   * @default true
   */
  readonly containerTimeLimit?: boolean;
  /**
   * Task CPU units; one of the Fargate values.
   *
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB; one of the values Fargate allows for `cpu`.
   *
   * @default 512
   */
  readonly memoryMiB?: number;
}

/**
 * The one-off task definition that runs the database migrations from the service's release image, before the
 * service rolls out a new version. Nothing runs it by itself: the deploy gate (or an operator) starts it through
 * the migration runner, with {@link MigrationTask.runTarget}.
 *
 * It uses the same image, secrets and environment as the service (or the environment it
 * is given: a migration never serves traffic). Its root filesystem is always read-only (nobody execs into a
 * migration), with `/tmp` writable. By default the container also has its own time limit (`containerTimeLimit`), a
 * little longer than the runner's `timeoutMinutes`.
 */
export class MigrationTask extends Construct {
  /** ARN with revision of the task definition. */
  public readonly taskDefinitionArn: string;
  /** Task definition family. */
  public readonly family: string;
  /** Task definition revision: changes whenever the image, command or secrets change (the deploy gate's trigger). */
  public readonly revision: number;
  /** Name of the container that runs the command: {@link MIGRATION_CONTAINER_NAME}. */
  public readonly containerName: string = MIGRATION_CONTAINER_NAME;
  /** awslogs stream prefix: {@link MIGRATION_LOG_STREAM_PREFIX}. */
  public readonly logStreamPrefix: string = MIGRATION_LOG_STREAM_PREFIX;
  /** The log group the container writes to (the service's). */
  public readonly logGroupName: string;
  /** The image the task runs (the service's). */
  public readonly image: string;
  /** The migration command, as given (see {@link MigrationTask.containerCommand} for what the container runs). */
  public readonly command: readonly string[];
  /** What the container runs: the command, under `timeout` when the container has its own time limit. */
  public readonly containerCommand: readonly string[];
  /** How long a migration may run, in minutes: the runner's timeout. */
  public readonly timeoutMinutes: number;
  /** The container's own time limit in seconds (`timeoutMinutes` plus the grace), or undefined when it has none. */
  public readonly containerTimeLimitSeconds?: number;
  /** Everything RunTask needs, for the stack's `migration` output or the deploy gate's arguments. */
  public readonly runTarget: MigrationRunTarget;
  /** What must exist before the task starts besides the service's prerequisites: its own execution role's grants. */
  public readonly taskPrerequisites: ITerraformDependable[];

  public constructor(scope: Construct, id: string, props: MigrationTaskProps) {
    super(scope, id);
    const command = props.command ?? DEFAULT_MIGRATION_COMMAND;
    const cpu = props.cpu ?? 256;
    const memoryMiB = props.memoryMiB ?? 512;
    const timeoutMinutes = props.timeoutMinutes ?? 15;
    const containerTimeLimit = props.containerTimeLimit ?? true;

    // ── validation ──
    const checks = new PropChecks("MigrationTask");
    checks.expect(command.length > 0 && command.every((arg) => typeof arg === "string" && arg.length > 0), "command", command,
      'a non-empty list of non-empty strings, such as ["/app/bin/migrate"]');
    checks.fargateSize(cpu, memoryMiB);
    checks.integer("timeoutMinutes", timeoutMinutes, 1, 120);
    checks.throwIfAny();

    // ── time limit ──
    // The backstop for a migration no runner is left to stop.
    const limitSeconds = containerTimeLimit ? timeoutMinutes * 60 + CONTAINER_TIME_LIMIT_GRACE_SECONDS : undefined;
    const containerCommand = limitSeconds === undefined ? [...command] : timeLimitedCommand(command, limitSeconds);

    const { service } = props;
    const environment = props.environment ?? service.containerEnvironment;

    // ── iam ──
    // With secrets of its own, an execution role that reads exactly those.
    let executionRoleArn = service.executionRoleArn;
    let containerSecrets = service.containerSecrets;
    this.taskPrerequisites = [];
    if (props.secrets !== undefined) {
      const execution = new TaskExecutionRole(this, "execution_role", {
        naming: props.naming,
        name: id,
        description: `ECS starts ${props.naming.prefix} ${id} tasks with it: the service's log group and the migration's secrets only`,
        region: service.region,
        logGroupArn: service.logGroupArn,
        secretArns: [...Object.values(props.secrets).map((s) => s.arn), ...(service.repositoryCredentialsArn === undefined ? [] : [service.repositoryCredentialsArn])],
        secretsKmsKeyArn: props.secretsKmsKeyArn,
        accountId: props.accountId,
        permissionsBoundaryArn: props.permissionsBoundaryArn,
      });
      executionRoleArn = execution.roleArn;
      this.taskPrerequisites.push(...execution.grants);
      containerSecrets = Object.fromEntries(
        Object.entries(props.secrets).map(([variable, secret]) => [variable, secret.jsonKey === undefined ? secret.arn : `${secret.arn}:${secret.jsonKey}::`]),
      );
    }

    // ── task definition ──
    const taskDefinition = new EcsTaskDefinition(this, "Resource", {
      family: props.naming.name("migrate", 255),
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(cpu),
      memory: String(memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: service.cpuArchitecture },
      // The service's execution role (reading exactly the service's secrets), or the task's own.
      executionRoleArn,
      taskRoleArn: service.taskRoleArn,
      volume: [{ name: TMP_VOLUME_NAME }],
      containerDefinitions: containerDefinitionsJson([
        appContainerDefinition({
          name: MIGRATION_CONTAINER_NAME,
          image: service.image,
          command: containerCommand,
          environment,
          secrets: containerSecrets,
          repositoryCredentialsArn: service.repositoryCredentialsArn,
          logGroupName: service.logGroupName,
          logRegion: service.region,
          logStreamPrefix: MIGRATION_LOG_STREAM_PREFIX,
          // Every line of a migration matters, and a migration is not latency-sensitive.
          logMode: "blocking",
          readonlyRootFilesystem: true,
          stopTimeoutSeconds: service.stopTimeoutSeconds,
        }),
      ]),
      // Keeps the revision a running migration uses ACTIVE when the next deploy registers a new one.
      skipDestroy: true,
    });

    // ── outputs ──
    this.taskDefinitionArn = taskDefinition.arn;
    this.family = taskDefinition.family;
    this.revision = taskDefinition.revision;
    this.logGroupName = service.logGroupName;
    this.image = service.image;
    this.command = [...command];
    this.containerCommand = containerCommand;
    this.timeoutMinutes = timeoutMinutes;
    this.containerTimeLimitSeconds = limitSeconds;
    this.runTarget = {
      cluster: service.clusterName,
      taskDefinitionArn: taskDefinition.arn,
      containerName: MIGRATION_CONTAINER_NAME,
      subnetIds: service.privateSubnetIds,
      securityGroupIds: [service.securityGroupId],
      region: service.region,
      logGroup: service.logGroupName,
      logStreamPrefix: MIGRATION_LOG_STREAM_PREFIX,
      image: service.image,
    };
  }

  // ── deploy step ──
  /**
   * This task as a step of the deploy gate, under `name` (which keys the gate's triggers): its run target with its
   * time limits, so the gate's runner never waits longer than the container's own limit allows.
   */
  public deployStep(name: string): DeployGateStep {
    return { name, target: this.runTarget, timeoutMinutes: this.timeoutMinutes, containerTimeLimitSeconds: this.containerTimeLimitSeconds };
  }
}
