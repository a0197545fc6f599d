import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SchedulerSchedule, SchedulerScheduleConfig } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SqsQueue, SqsQueueConfig } from "@cdktf/provider-aws/lib/sqs-queue";
import { sqsEncryption } from "../../src/policies/rules/sqs-1-encryption";
import { whcServiceConnectLogs } from "../../src/policies/rules/whc-ecs4-service-connect-logs";
import { whcServiceTrustSource } from "../../src/policies/rules/whc-iam2-service-trust-source";
import { whcScheduleDeadLetters } from "../../src/policies/rules/whc-job1-schedule-dead-letters";
import { expectFails, expectPasses, guardedStack } from "./helpers";

const ACCOUNT = "123456789012";

describe("SQS.1 queues encrypted at rest", () => {
  test("passes for SSE-SQS and for a KMS key", () => {
    const stack = guardedStack([sqsEncryption]);
    new SqsQueue(stack, "sse_sqs", { name: "a", sqsManagedSseEnabled: true });
    new SqsQueue(stack, "kms", { name: "b", kmsMasterKeyId: "alias/queues" });
    expectPasses(stack, "SQS.1", ["aws_sqs_queue.sse_sqs", "aws_sqs_queue.kms"]);
  });

  test.each<[string, SqsQueueConfig, RegExp]>([
    ["nothing set (AWS's default is not code)", { name: "a" }, /the queue is not encrypted by its configuration \(sqs_managed_sse_enabled not set, no kms_master_key_id\)/],
    ["SSE-SQS turned off", { name: "a", sqsManagedSseEnabled: false }, /sqs_managed_sse_enabled false/],
  ])("fails for %s", (_title, config, message) => {
    const stack = guardedStack([sqsEncryption]);
    new SqsQueue(stack, "queue", config);
    expectFails(stack, "SQS.1", "queue", message);
  });
});

describe("WHC.JOB1 schedules that start ECS tasks", () => {
  const compliant = (): SchedulerScheduleConfig => ({
    scheduleExpression: "cron(0 2 * * ? *)",
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/main`,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
      ecsParameters: { taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/job:1`, networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: false } },
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:dead-letters` },
    },
  });

  test("passes for a schedule with a dead-letter queue, bounded retries and no public IP; ignores schedules of other targets", () => {
    const stack = guardedStack([whcScheduleDeadLetters]);
    new SchedulerSchedule(stack, "job", compliant());
    new SchedulerSchedule(stack, "queue_message", { scheduleExpression: "rate(1 hour)", flexibleTimeWindow: { mode: "OFF" }, target: { arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:q`, roleArn: "r" } });
    expectPasses(stack, "WHC.JOB1", ["aws_scheduler_schedule.job", "aws_scheduler_schedule.queue_message"]);
  });

  test.each<[string, (c: SchedulerScheduleConfig) => SchedulerScheduleConfig, RegExp]>([
    ["no dead-letter queue", (c) => ({ ...c, target: { ...c.target, deadLetterConfig: undefined } }), /target\.dead_letter_config is not set: a run Scheduler cannot start .* is dropped without a trace/],
    ["Scheduler's default retries", (c) => ({ ...c, target: { ...c.target, retryPolicy: undefined } }), /maximum_retry_attempts is not set \(Scheduler's default is 185 retries over 24 hours\)/],
    [
      "a public IP",
      (c) => ({ ...c, target: { ...c.target, ecsParameters: { ...c.target.ecsParameters!, networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: true } } } }),
      /assign_public_ip is not false/,
    ],
  ])("fails for %s", (_title, change, message) => {
    const stack = guardedStack([whcScheduleDeadLetters]);
    new SchedulerSchedule(stack, "job", change(compliant()));
    expectFails(stack, "WHC.JOB1", "job", message);
  });
});

describe("WHC.ECS4 Service Connect proxy logs", () => {
  const service = (logs: boolean) => ({
    name: "api",
    serviceConnectConfiguration: {
      enabled: true,
      namespace: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-1",
      logConfiguration: logs ? { logDriver: "awslogs", options: { "awslogs-group": "/app" } } : undefined,
    },
  });

  test("passes for a service whose proxy logs, and for a service without Service Connect", () => {
    const stack = guardedStack([whcServiceConnectLogs]);
    new EcsService(stack, "connected", service(true));
    new EcsService(stack, "plain", { name: "worker" });
    expectPasses(stack, "WHC.ECS4", ["aws_ecs_service.connected", "aws_ecs_service.plain"]);
  });

  test("fails for a service in Service Connect without the proxy's log configuration", () => {
    const stack = guardedStack([whcServiceConnectLogs]);
    new EcsService(stack, "connected", service(false));
    expectFails(stack, "WHC.ECS4", "connected", /service_connect_configuration has no log_configuration\.log_driver: the Service Connect proxy's logs are lost/);
  });
});

describe("WHC.IAM2 covers the scheduler role", () => {
  const trust = (condition?: Record<string, unknown>) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }] });

  test("passes for a scheduler role trusted for this account's schedule group", () => {
    const stack = guardedStack([whcServiceTrustSource]);
    new IamRole(stack, "scheduler", { assumeRolePolicy: trust({ StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnEquals: { "aws:SourceArn": `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule-group/whcsites-demo-nightly` } }) });
    expectPasses(stack, "WHC.IAM2", ["aws_iam_role.scheduler"]);
  });

  test("fails for a scheduler role that any account's schedules could use", () => {
    const stack = guardedStack([whcServiceTrustSource]);
    new IamRole(stack, "scheduler", { assumeRolePolicy: trust() });
    expectFails(stack, "WHC.IAM2", "scheduler", /trust statement #1 lets scheduler\.amazonaws\.com assume the role for any account's resources/);
  });
});
