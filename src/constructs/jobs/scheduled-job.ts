import { Construct } from "constructs";
import { dependable, ITerraformDependable } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Naming } from "../../core/naming";
import { partitionOf } from "../../domain/partition";
import { isTimeZone, parseScheduleExpression, ScheduleExpression } from "../../domain/schedule-expression";
import { checkFargateTaskProps, Cluster, CpuArchitecture, FargateTask, FargateTaskProps } from "../ecs-service";
import type { ServiceNetwork } from "../network/interfaces";
import type { ServiceSecret } from "../secrets/interfaces";
import { addEgressTo, PropChecks, requireInteger, SecurityGroupPeer } from "../shared";
import { jobContainerCommand } from "./job-command";

/** The longest AWS name a job's name goes into: its roles, `<app>-<env>-<name>-execution` and `-scheduler` (IAM: 64). */
const LONGEST_SUFFIX = "-execution";
const IAM_ROLE_NAME_LIMIT = 64;

/** Seconds a message stays in the dead-letter queue: SQS's maximum, 14 days, so that a failure can still be read. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

// ── props ──

/** Properties of {@link ScheduledJob}. */
export interface ScheduledJobProps {
  /** Naming context of the deployment. */
  readonly naming: Naming;
  /**
   * The part of the job's AWS names: task family, schedule and schedule group `<app>-<env>-<name>`, log group
   * `/<app>/<env>/ecs/<name>`, roles `<app>-<env>-<name>-execution`, `-task` and `-scheduler`, dead-letter queue
   * `<app>-<env>-<name>-dead-letters`, failure rule `<app>-<env>-<name>-failed`. Lower-case letters, digits and single
   * hyphens, short enough for the IAM role names (64 characters).
   *
   * @default the construct id
   */
  readonly name?: string;
  /** The cluster the job's tasks run in. */
  readonly cluster: Cluster;
  /** The network whose private subnets run the tasks. */
  readonly network: ServiceNetwork;
  /**
   * When the job runs: `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` or `rate(<n> <unit>)`, as
   * EventBridge Scheduler takes them.
   */
  readonly schedule: string;
  /**
   * The time zone a cron schedule is read in (an IANA name such as `Europe/Paris`): a job at 02:00 stays at 02:00 local
   * time across daylight saving changes.
   *
   * @default "UTC"
   */
  readonly timezone?: string;
  /** Full image reference (`ghcr.io/owner/name:tag` or `...@sha256:<digest>`); may hold Terraform tokens. */
  readonly image: string;
  /** The job's command, as an exec-form argument list. It must exit 0 when the job succeeded. */
  readonly command: readonly string[];
  /**
   * Minutes a run may take, 1 to 1440: the container stops the command itself after this long (exit code 124), as the
   * migration's container does.
   *
   * @default 60
   */
  readonly timeoutMinutes?: number;
  /**
   * How often EventBridge Scheduler retries a run it could not start (RunTask refused: no capacity, throttling), 0 to
   * 185, before the event goes to the dead-letter queue. A task that starts and exits non-zero is not retried: the
   * failure rule reports it.
   *
   * @default 2
   */
  readonly retries?: number;
  /**
   * Seconds after its scheduled time a run may still be started by a retry, 60 to 86400.
   *
   * @default 3600
   */
  readonly maximumEventAgeSeconds?: number;
  /**
   * Whether the schedule is off (DISABLED): the job keeps its task definition and can still be started by hand.
   *
   * @default false
   */
  readonly paused?: boolean;
  /** Task CPU units; one of the Fargate values. */
  readonly cpu: number;
  /** Task memory in MiB; one of the values Fargate allows for `cpu`. */
  readonly memoryMiB: number;
  /**
   * CPU architecture of the tasks.
   *
   * @default "X86_64"
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /**
   * Plain environment variables of the container. Never a secret: use `secrets`.
   *
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from Secrets Manager when a task starts; the execution role may read exactly these.
   *
   * @default none
   */
  readonly secrets?: Readonly<Record<string, ServiceSecret>>;
  /**
   * ARN of the customer-managed KMS key of `secrets`.
   *
   * @default none
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * Secrets Manager ARN of pull credentials for a private registry.
   *
   * @default none: the image is public
   */
  readonly repositoryCredentialsArn?: string;
  /**
   * Docker labels of the container (a change is a new task definition revision).
   *
   * @default none
   */
  readonly dockerLabels?: Readonly<Record<string, string>>;
  /**
   * Retention of the job's log group, in days; one of the values CloudWatch Logs accepts.
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
  /** The 12-digit account id: the roles' trust conditions, the queue's policy and the failure rule's pattern name it. */
  readonly accountId: string;
  /**
   * Permissions boundary of every role the job creates (see `GithubDeployRole`).
   *
   * @default none
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * A job on a schedule: EventBridge Scheduler starts its task (RunTask) on the shared cluster, in the private subnets,
 * with the job's own security group. The task is a {@link FargateTask}, the same class a `FargateService` runs.
 *
 * - Its schedule sits in a schedule group of its own, so that Scheduler's metrics and the scheduler role's trust
 *   (aws:SourceArn of the group) are the job's alone.
 * - The scheduler role may run exactly the job's task definition family, in this cluster, and pass exactly its two
 *   roles to ECS; it sends a run it could not start, after `retries`, to an SQS dead-letter queue (encrypted with
 *   SSE-SQS, reachable over TLS and from this account only).
 * - The container stops the command after `timeoutMinutes` and prints one line with its exit code and duration.
 * - An EventBridge rule matches the ECS task state changes of the family's tasks that stopped with a non-zero exit code;
 *   `notifyFailures(topicArn)` sends them to the alert topic, and an alarm counts its matches (`JobAlarms`).
 *
 * Wiring: `job.allowTo(database, 5432)` with `database.allowFrom(job)`, and `job.addDependency(gate)`: a new revision
 * of the job then runs only after the deploy gate (the migration) succeeded.
 */
export class ScheduledJob extends Construct implements SecurityGroupPeer {
  /** The part of the job's AWS names. */
  public readonly name: string;
  /** The task the schedule runs: task definition, roles, log group, security group. */
  public readonly task: FargateTask;
  /** Family of the task definition, `<app>-<env>-<name>` (a literal, for patterns and policies). */
  public readonly family: string;
  /** ARN (with revision) of the task definition the schedule runs. */
  public readonly taskDefinitionArn: string;
  /** Name of the cluster the job runs in. */
  public readonly clusterName: string;
  /** Name of the job's log group. */
  public readonly logGroupName: string;
  /** Id of the job's security group. */
  public readonly securityGroupId: string;
  /** The schedule expression. */
  public readonly schedule: string;
  /** The schedule, parsed. */
  public readonly scheduleExpression: ScheduleExpression;
  /** The time zone of the schedule. */
  public readonly timezone: string;
  /** Minutes a run may take before the container stops it. */
  public readonly timeoutMinutes: number;
  /** Name of the schedule. */
  public readonly scheduleName: string;
  /** Name of the job's schedule group (the dimension of EventBridge Scheduler's metrics). */
  public readonly scheduleGroupName: string;
  /** ARN of the schedule. */
  public readonly scheduleArn: string;
  /** Name of the dead-letter queue. */
  public readonly deadLetterQueueName: string;
  /** URL of the dead-letter queue (to read a failed invocation: `aws sqs receive-message --queue-url ...`). */
  public readonly deadLetterQueueUrl: string;
  /** Name of the EventBridge rule that matches failed runs (the dimension of its `MatchedEvents` metric). */
  public readonly failureRuleName: string;
  /** ARN of that rule, built (an alert topic's policy names it: `AlertTopic.acceptEventsFrom`). */
  public readonly failureRuleArn: string;
  /** The `aws_scheduler_schedule` resource. */
  public readonly resource: SchedulerSchedule;
  private readonly failureRule: CloudwatchEventRule;
  private readonly failureMessage: (exitCode: string, stoppedAt: string, reason: string, taskArn: string) => string;
  private readonly prerequisites: ITerraformDependable[] = [];

  public constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    const name = props.name ?? id;
    const timezone = props.timezone ?? "UTC";
    const timeoutMinutes = props.timeoutMinutes ?? 60;
    const retries = props.retries ?? 2;
    const maximumEventAgeSeconds = props.maximumEventAgeSeconds ?? 3600;
    const { naming, cluster, network } = props;
    const taskProps: FargateTaskProps = {
      naming,
      name,
      containerName: name,
      network,
      securityGroupDescription: "Scheduled job tasks: no ingress, egress to HTTPS and named peers only",
      image: props.image,
      command: timeoutMinutes >= 1 ? jobContainerCommand(name, props.command, Math.floor(timeoutMinutes)) : props.command,
      cpu: props.cpu,
      memoryMiB: props.memoryMiB,
      cpuArchitecture: props.cpuArchitecture,
      environment: props.environment,
      secrets: props.secrets,
      secretsKmsKeyArn: props.secretsKmsKeyArn,
      repositoryCredentialsArn: props.repositoryCredentialsArn,
      dockerLabels: props.dockerLabels,
      // Nobody execs into a job: its root stays read-only, /tmp writable.
      enableExecuteCommand: false,
      readonlyRootFilesystem: true,
      logRetentionDays: props.logRetentionDays,
      // Every line of a job matters (its last one carries the exit code and duration), and a job is not latency-bound.
      logMode: "blocking",
      production: props.production,
      accountId: props.accountId,
      permissionsBoundaryArn: props.permissionsBoundaryArn,
    };

    // ── validation ──
    const checks = new PropChecks("ScheduledJob");
    checkFargateTaskProps(checks, taskProps);
    checks.expect(props.command.length > 0 && props.command.every((arg) => typeof arg === "string" && arg.length > 0), "command", props.command,
      'a non-empty list of non-empty strings, such as ["/app/bin/whcsites", "eval", "Whcsites.Jobs.Cleanup.run()"]');
    const longest = `${naming.prefix}-${name}${LONGEST_SUFFIX}`;
    checks.expect(longest.length <= IAM_ROLE_NAME_LIMIT, "name", name,
      `at most ${IAM_ROLE_NAME_LIMIT - naming.prefix.length - 1 - LONGEST_SUFFIX.length} characters in ${naming.prefix} (${longest} is ${longest.length} characters; an IAM role name allows ${IAM_ROLE_NAME_LIMIT})`);
    const parsed = parseScheduleExpression(props.schedule);
    if (!parsed.ok) checks.add("schedule", `got ${JSON.stringify(props.schedule)}: ${parsed.problem}`);
    checks.expect(isTimeZone(timezone), "timezone", timezone, 'an IANA time zone name such as "UTC" or "Europe/Paris"');
    checks.integer("timeoutMinutes", timeoutMinutes, 1, 1440, "a day at most");
    checks.integer("retries", retries, 0, 185, "EventBridge Scheduler's range");
    checks.integer("maximumEventAgeSeconds", maximumEventAgeSeconds, 60, 86400, "EventBridge Scheduler's range");
    checks.accountId("accountId", props.accountId);
    checks.throwIfAny();

    const region = network.region;
    const partition = partitionOf(region);
    const account = props.accountId;
    const family = naming.name(name, 255);
    this.name = name;
    this.family = family;
    this.schedule = props.schedule;
    this.scheduleExpression = (parsed as { ok: true; value: ScheduleExpression }).value;
    this.timezone = timezone;
    this.timeoutMinutes = timeoutMinutes;
    this.clusterName = cluster.clusterName;

    // ── the task ──
    // The same generic piece a service runs, under the transparent id: job_<name>_task_definition.
    const task = new FargateTask(this, "Default", taskProps);
    this.task = task;
    this.taskDefinitionArn = task.taskDefinitionArn;
    this.logGroupName = task.logGroupName;
    this.securityGroupId = task.securityGroupId;
    this.prerequisites.push(...task.taskPrerequisites);

    // ── dead letters ──
    // Runs Scheduler could not start, with the reason, for 14 days.
    const queueName = naming.name([name, "dead-letters"], 80);
    const queue = new SqsQueue(this, "dead_letter_queue", {
      name: queueName,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    });
    const queueArn = `arn:${partition}:sqs:${region}:${account}:${queueName}`;
    new SqsQueuePolicy(this, "dead_letter_queue_policy", {
      queueUrl: queue.url,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: queueArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            // Scheduler writes with the scheduler role (this account); nobody from another account reads or writes.
            Sid: "ThisAccountOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: queueArn,
            Condition: { StringNotEquals: { "aws:PrincipalAccount": account } },
          },
        ],
      }),
    });
    this.deadLetterQueueName = queue.name;
    this.deadLetterQueueUrl = queue.url;

    // ── scheduler role ──
    const group = new SchedulerScheduleGroup(this, "schedule_group", { name: naming.name(name, 64) });
    const groupArn = `arn:${partition}:scheduler:${region}:${account}:schedule-group/${naming.name(name, 64)}`;
    const schedulerRole = new IamRole(this, "scheduler_role", {
      name: naming.name([name, "scheduler"], IAM_ROLE_NAME_LIMIT),
      description: `EventBridge Scheduler starts the ${naming.prefix} ${name} job with it: its task definition family and its two roles only`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            // AWS: scope aws:SourceArn to the schedule group (never a schedule); the group is this job's alone.
            Condition: { StringEquals: { "aws:SourceAccount": account }, ArnEquals: { "aws:SourceArn": groupArn } },
          },
        ],
      }),
      permissionsBoundary: props.permissionsBoundaryArn,
    });
    const clusterArn = cluster.clusterArn;
    const rolePolicy = new IamRolePolicy(this, "scheduler_role_policy", {
      name: "run-job",
      role: schedulerRole.name,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "RunTheJobsFamilyInItsCluster",
            Effect: "Allow",
            Action: ["ecs:RunTask"],
            Resource: [`arn:${partition}:ecs:${region}:${account}:task-definition/${family}:*`],
            Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
          },
          {
            // RunTask with managed and propagated tags tags the task it starts.
            Sid: "TagTheTasksItStarts",
            Effect: "Allow",
            Action: ["ecs:TagResource"],
            Resource: [`arn:${partition}:ecs:${region}:${account}:task/${cluster.clusterName}/*`],
            Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
          },
          {
            Sid: "PassTheJobsTwoRoles",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: [task.executionRoleArn, task.taskRoleArn],
            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
          },
          {
            Sid: "WriteDeadLetters",
            Effect: "Allow",
            Action: ["sqs:SendMessage"],
            Resource: [queue.arn],
          },
        ],
      }),
    });

    // ── schedule ──
    this.resource = new SchedulerSchedule(this, "schedule", {
      name: naming.name(name, 64),
      groupName: group.name,
      description: `Runs the ${naming.prefix} ${name} job (task family ${family}); a run it cannot start goes to ${queueName}`,
      scheduleExpression: props.schedule,
      scheduleExpressionTimezone: timezone,
      state: props.paused === true ? "DISABLED" : "ENABLED",
      // At the scheduled minute, not within a window.
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: cluster.clusterArn,
        roleArn: schedulerRole.arn,
        ecsParameters: {
          taskDefinitionArn: task.taskDefinitionArn,
          taskCount: 1,
          launchType: "FARGATE",
          platformVersion: "LATEST",
          networkConfiguration: { subnets: task.privateSubnetIds, securityGroups: [task.securityGroupId], assignPublicIp: false },
          enableEcsManagedTags: true,
          propagateTags: "TASK_DEFINITION",
        },
        retryPolicy: { maximumRetryAttempts: retries, maximumEventAgeInSeconds: maximumEventAgeSeconds },
        deadLetterConfig: { arn: queue.arn },
      },
      // The role, its policy and everything the first task needs exist before the first run.
      dependsOn: [rolePolicy, ...this.prerequisites],
    });
    this.scheduleName = this.resource.name;
    this.scheduleGroupName = group.name;
    this.scheduleArn = this.resource.arn;

    // ── failed runs ──
    // A task of the family that stopped with a non-zero exit code (124: the time limit).
    const ruleName = naming.name([name, "failed"], 64);
    const rule = new CloudwatchEventRule(this, "failed_runs", {
      name: ruleName,
      description: `Runs of the ${naming.prefix} ${name} job whose container exited non-zero`,
      eventPattern: JSON.stringify({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: [clusterArn],
          taskDefinitionArn: [{ prefix: `arn:${partition}:ecs:${region}:${account}:task-definition/${family}:` }],
          lastStatus: ["STOPPED"],
          containers: { name: [name], exitCode: [{ "anything-but": 0 }] },
        },
      }),
    });
    this.failureRuleName = rule.name;
    this.failureRuleArn = `arn:${partition}:events:${region}:${account}:rule/${ruleName}`;
    this.failureRule = rule;
    this.failureMessage = (exitCode: string, stoppedAt: string, reason: string, taskArn: string) =>
      `Job ${name} of ${naming.prefix} failed: its container exited with code ${exitCode} at ${stoppedAt} (124: stopped after ${timeoutMinutes} minutes). ` +
      `Reason: ${reason}. Task: ${taskArn}. Its log: ${naming.path("ecs", name)}, stream ${name}/${name}/<task id>.`;
  }

  // ── intent methods ──
  /**
   * Sends each failed run to `topicArn` (an SNS topic whose policy lets this rule publish, as `AlertTopic` does for
   * {@link ScheduledJob.failureRuleArn} with `acceptEventsFrom`): a message with the exit code, the reason, the task and its log stream.
   * Without it the failure rule only counts failed runs, for the alarm.
   */
  public notifyFailures(topicArn: string): void {
    new CloudwatchEventTarget(this, "failed_runs_notification", {
      rule: this.failureRule.name,
      targetId: "alert-topic",
      arn: topicArn,
      inputTransformer: {
        inputPaths: { task: "$.detail.taskArn", reason: "$.detail.stoppedReason", exitCode: "$.detail.containers[0].exitCode", stoppedAt: "$.detail.stoppedAt" },
        // A JSON string: SNS e-mails show it as the message.
        inputTemplate: JSON.stringify(this.failureMessage("<exitCode>", "<stoppedAt>", "<reason>", "<task>")),
      },
    });
  }

  /**
   * Lets the job's tasks reach `peer` on `port` (an egress rule on its own security group), for example the database on
   * 5432; the peer admits the job on its side (`database.allowFrom(job)`).
   */
  public allowTo(peer: SecurityGroupPeer, port: number): void {
    requireInteger("ScheduledJob", "allowTo port", port, 1, 65535);
    this.addTaskPrerequisite(addEgressTo(this, this.securityGroupId, peer, port));
  }

  /**
   * Makes the schedule wait for `dependencies`, for example the deploy gate: a new revision of the job (a new release)
   * is scheduled only after the migration succeeded.
   */
  public addDependency(...dependencies: ITerraformDependable[]): void {
    this.resource.dependsOn = [...(this.resource.dependsOn ?? []), ...dependencies.map((d) => dependable(d))];
  }

  /** Things the job's tasks need at start (the NAT routes, the database): the schedule waits for them. */
  public addTaskPrerequisite(...prerequisites: ITerraformDependable[]): void {
    this.prerequisites.push(...prerequisites);
    this.addDependency(...prerequisites);
  }

  /** What must exist before a run can start (grants, rules, routes, the database): the deploy gate may wait for them too. */
  public get taskPrerequisites(): readonly ITerraformDependable[] {
    return [...this.prerequisites];
  }
}
