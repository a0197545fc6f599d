import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { Testing } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { FargateTask } from "../../../src/constructs/ecs-service/fargate-task";
import { ScheduledJob, ScheduledJobProps } from "../../../src/constructs/jobs/scheduled-job";
import { JOB_SHELL } from "../../../src/constructs/jobs/job-command";
import { Network } from "../../../src/constructs/network/network";
import { POSTGRES_PORT, Rds } from "../../../src/constructs/rds/rds";
import { AppSecrets } from "../../../src/constructs/secrets/secrets";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testService } from "../../helpers/service";

type Resource = Record<string, any>;
type Resources = Record<string, Record<string, Resource>>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

const ACCOUNT = "123456789012";

interface Built {
  readonly stack: ReadableStack;
  readonly job: ScheduledJob;
  readonly synth: string;
  readonly resources: Resources;
}

/** An environment's shared parts with a service "api" (as the stack builds them) and a job "nightly" beside it. */
function build(props: Partial<ScheduledJobProps> = {}, extra?: (job: ScheduledJob, stack: ReadableStack) => void): Built {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", "staging");
  const { network, cluster, image } = testService(stack, naming);
  const job = new ScheduledJob(stack, "nightly", {
    naming,
    cluster,
    network,
    schedule: "cron(0 2 * * ? *)",
    timezone: "Europe/Paris",
    image,
    command: ["/app/bin/whcsites", "eval", "Whcsites.Jobs.Cleanup.run()"],
    cpu: 256,
    memoryMiB: 512,
    accountId: ACCOUNT,
    ...props,
  });
  extra?.(job, stack);
  const synth = Testing.synth(stack);
  return { stack, job, synth, resources: JSON.parse(synth).resource as Resources };
}

function problemsOf(props: Partial<ScheduledJobProps>): string[] {
  try {
    build(props);
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return (error as PropError).message.split("\n");
  }
  throw new Error("expected ScheduledJob to refuse its props");
}

const policyOf = (resource: Resource): Statement[] => (JSON.parse(resource.policy as string) as { Statement: Statement[] }).Statement;

describe("ScheduledJob", () => {
  describe("one class, two consumers", () => {
    it("GIVEN a service and a job in one stack WHEN synthesized THEN both run a FargateTask: the same class builds both task definitions, roles and log groups", () => {
      // GIVEN / WHEN
      const { stack, job, resources } = build();
      const service = stack.node.findAll().find((c) => c.node.path === "test/service/api") as unknown as { task: FargateTask };
      // THEN one class, two consumers
      expect(service.task).toBeInstanceOf(FargateTask);
      expect(job.task).toBeInstanceOf(FargateTask);
      expect(Object.getPrototypeOf(job.task)).toBe(Object.getPrototypeOf(service.task));
      // and the same pieces, each under its owner's addresses
      const definitions = resources.aws_ecs_task_definition;
      expect(Object.keys(definitions).sort()).toEqual(["nightly_task_definition", "service_api_task_definition"]);
      for (const owner of ["nightly", "service_api"]) {
        expect(resources.aws_iam_role[`${owner}_execution_role`]).toBeDefined();
        expect(resources.aws_iam_role[`${owner}_task_role`]).toBeDefined();
        expect(resources.aws_cloudwatch_log_group[`${owner}_log_group`]).toBeDefined();
        expect(resources.aws_security_group[`${owner}_security_group`]).toBeDefined();
        expect(definitions[`${owner}_task_definition`].execution_role_arn).toBe(`\${aws_iam_role.${owner}_execution_role.arn}`);
      }
      const shape = (definition: Resource) => ({
        requires: definition.requires_compatibilities,
        network: definition.network_mode,
        volume: definition.volume,
        skip: definition.skip_destroy,
        platform: definition.runtime_platform,
      });
      expect(shape(definitions.nightly_task_definition)).toEqual(shape(definitions.service_api_task_definition));
    });
  });

  describe("the schedule", () => {
    it("GIVEN a nightly cron WHEN synthesized THEN the schedule, in its own group, runs the job's task definition with FARGATE in the private subnets and the job's own security group", () => {
      // GIVEN / WHEN
      const { synth } = build();
      // THEN
      expect(synth).toHaveResourceWithProperties(SchedulerScheduleGroup, { name: "whcsites-staging-nightly" });
      expect(synth).toHaveResourceWithProperties(SchedulerSchedule, {
        name: "whcsites-staging-nightly",
        group_name: "${aws_scheduler_schedule_group.nightly_schedule_group.name}",
        schedule_expression: "cron(0 2 * * ? *)",
        schedule_expression_timezone: "Europe/Paris",
        state: "ENABLED",
        flexible_time_window: { mode: "OFF" },
        target: expect.objectContaining({
          arn: "${aws_ecs_cluster.service_cluster.arn}",
          role_arn: "${aws_iam_role.nightly_scheduler_role.arn}",
          ecs_parameters: expect.objectContaining({
            task_definition_arn: "${aws_ecs_task_definition.nightly_task_definition.arn}",
            launch_type: "FARGATE",
            task_count: 1,
            network_configuration: {
              subnets: ["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"],
              security_groups: ["${aws_security_group.nightly_security_group.id}"],
              assign_public_ip: false,
            },
          }),
          retry_policy: { maximum_retry_attempts: 2, maximum_event_age_in_seconds: 3600 },
          dead_letter_config: { arn: "${aws_sqs_queue.nightly_dead_letter_queue.arn}" },
        }),
      });
    });

    it("GIVEN paused and three retries WHEN synthesized THEN the schedule is DISABLED and retries three times", () => {
      const { resources } = build({ paused: true, retries: 3 });
      const schedule = resources.aws_scheduler_schedule.nightly_schedule;
      expect(schedule.state).toBe("DISABLED");
      expect(schedule.target.retry_policy.maximum_retry_attempts).toBe(3);
    });

    it("GIVEN the job's container WHEN synthesized THEN it runs the command under the job's shell and timeout, with a read-only root and blocking logs", () => {
      // GIVEN / WHEN
      const { resources } = build({ timeoutMinutes: 30 });
      const [container] = JSON.parse(resources.aws_ecs_task_definition.nightly_task_definition.container_definitions as string) as ContainerDefinition[];
      // THEN
      expect(container.command).toEqual(["sh", "-c", JOB_SHELL, "nightly", "timeout", "-k", "30", "1800", "/app/bin/whcsites", "eval", "Whcsites.Jobs.Cleanup.run()"]);
      expect(container.readonlyRootFilesystem).toBe(true);
      expect(container.logConfiguration?.options?.mode).toBe("blocking");
      expect(container.portMappings).toEqual([]);
    });
  });

  describe("the scheduler role", () => {
    it("GIVEN a job WHEN synthesized THEN only Scheduler for the job's schedule group in this account may assume the role", () => {
      const { resources } = build();
      const role = resources.aws_iam_role.nightly_scheduler_role;
      expect(role.name).toBe("whcsites-staging-nightly-scheduler");
      const [trust] = (JSON.parse(role.assume_role_policy as string) as { Statement: Statement[] }).Statement;
      expect(trust.Principal).toEqual({ Service: "scheduler.amazonaws.com" });
      expect(trust.Condition).toEqual({
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnEquals: { "aws:SourceArn": `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule-group/whcsites-staging-nightly` },
      });
    });

    it("GIVEN a job WHEN synthesized THEN the role may run exactly its family in its cluster, pass exactly its two roles to ECS and write its dead-letter queue", () => {
      // GIVEN / WHEN
      const { resources } = build();
      const statements = policyOf(resources.aws_iam_role_policy.nightly_scheduler_role_policy);
      // THEN
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.RunTheJobsFamilyInItsCluster).toEqual({
        Sid: "RunTheJobsFamilyInItsCluster",
        Effect: "Allow",
        Action: ["ecs:RunTask"],
        Resource: [`arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/whcsites-staging-nightly:*`],
        Condition: { ArnEquals: { "ecs:cluster": "${aws_ecs_cluster.service_cluster.arn}" } },
      });
      expect(bySid.PassTheJobsTwoRoles.Resource).toEqual(["${aws_iam_role.nightly_execution_role.arn}", "${aws_iam_role.nightly_task_role.arn}"]);
      expect(bySid.PassTheJobsTwoRoles.Condition).toEqual({ StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
      expect(bySid.WriteDeadLetters).toMatchObject({ Action: ["sqs:SendMessage"], Resource: ["${aws_sqs_queue.nightly_dead_letter_queue.arn}"] });
      expect(bySid.TagTheTasksItStarts.Condition).toEqual({ StringEquals: { "ecs:CreateAction": "RunTask" } });
      // nothing else, and no wildcard resource
      expect(statements).toHaveLength(4);
      expect(statements.flatMap((s) => [s.Resource].flat())).not.toContain("*");
    });
  });

  describe("the dead-letter queue", () => {
    it("GIVEN a job WHEN synthesized THEN its dead-letter queue is encrypted (SSE-SQS), keeps messages 14 days and refuses other accounts and plain HTTP", () => {
      const { synth, resources } = build();
      expect(synth).toHaveResourceWithProperties(SqsQueue, { name: "whcsites-staging-nightly-dead-letters", sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
      const statements = policyOf(resources.aws_sqs_queue_policy.nightly_dead_letter_queue_policy);
      expect(statements.map((s) => [s.Effect, s.Condition])).toEqual([
        ["Deny", { Bool: { "aws:SecureTransport": "false" } }],
        ["Deny", { StringNotEquals: { "aws:PrincipalAccount": ACCOUNT } }],
      ]);
    });
  });

  describe("failed runs", () => {
    it("GIVEN a job WHEN synthesized THEN an EventBridge rule matches its family's stopped tasks with a non-zero exit code", () => {
      // GIVEN / WHEN
      const { resources } = build();
      const rule = resources.aws_cloudwatch_event_rule.nightly_failed_runs;
      // THEN
      expect(rule.name).toBe("whcsites-staging-nightly-failed");
      expect(JSON.parse(rule.event_pattern as string)).toEqual({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: ["${aws_ecs_cluster.service_cluster.arn}"],
          taskDefinitionArn: [{ prefix: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/whcsites-staging-nightly:` }],
          lastStatus: ["STOPPED"],
          containers: { name: ["nightly"], exitCode: [{ "anything-but": 0 }] },
        },
      });
    });

    it("GIVEN notifyFailures WHEN synthesized THEN the rule sends a readable message to the topic; without it the rule has no target", () => {
      const without = build();
      expect(without.resources.aws_cloudwatch_event_target).toBeUndefined();
      const { synth } = build({}, (job) => job.notifyFailures("arn:aws:sns:eu-west-1:123456789012:alerts"));
      expect(synth).toHaveResourceWithProperties(CloudwatchEventTarget, {
        rule: "${aws_cloudwatch_event_rule.nightly_failed_runs.name}",
        arn: "arn:aws:sns:eu-west-1:123456789012:alerts",
        input_transformer: expect.objectContaining({
          input_paths: expect.objectContaining({ exitCode: "$.detail.containers[0].exitCode" }),
          input_template: expect.stringContaining("Job nightly of whcsites-staging failed: its container exited with code <exitCode>"),
        }),
      });
      expect(synth).toHaveResource(CloudwatchEventRule);
    });
  });

  describe("wiring", () => {
    it("GIVEN the database WHEN wired THEN the job has its egress rule and the schedule waits for the rules and the database", () => {
      // GIVEN / WHEN
      const { resources } = build({}, (job, stack) => {
        const naming = new Naming("whcsites", "staging");
        const network = stack.node.findChild("network") as Network;
        const secrets = stack.node.findChild("secrets") as AppSecrets;
        const database = new Rds(stack, "database", {
          naming,
          network,
          masterUsername: secrets.databaseUsername,
          masterPassword: secrets.databasePasswordValue as string,
          databaseName: secrets.databaseName,
          accountId: ACCOUNT,
        });
        job.allowTo(database, POSTGRES_PORT);
        job.addTaskPrerequisite(database.allowFrom(job), database.instance);
      });
      // THEN
      expect(resources.aws_vpc_security_group_egress_rule.nightly_to_database_5432.referenced_security_group_id).toBe("${aws_security_group.database_security_group.id}");
      expect(resources.aws_scheduler_schedule.nightly_schedule.depends_on).toEqual(
        expect.arrayContaining(["aws_vpc_security_group_egress_rule.nightly_to_database_5432", "aws_vpc_security_group_ingress_rule.database_allow_nightly", "aws_db_instance.database"]),
      );
    });
  });

  describe("refused props", () => {
    it.each<[string, Partial<ScheduledJobProps>, RegExp]>([
      ["a five-field cron", { schedule: "cron(0 2 * * *)" }, /^ScheduledJob: schedule got "cron\(0 2 \* \* \*\)": has 5 fields; allowed: exactly six/],
      ["both day fields", { schedule: "cron(0 2 * * MON *)" }, /^ScheduledJob: schedule got "cron\(0 2 \* \* MON \*\)": day-of-month "\*" and day-of-week "MON" are both set/],
      ["rate(0 minutes)", { schedule: "rate(0 minutes)" }, /^ScheduledJob: schedule got "rate\(0 minutes\)": a rate of 0 never runs; allowed: a positive whole number/],
      ["an unknown time zone", { timezone: "Europe/Pariss" }, /^ScheduledJob: timezone got "Europe\/Pariss"; allowed: an IANA time zone name/],
      ["a name too long for the role names", { name: "a-job-name-far-too-long-for-iam-roles-to-take" }, /^ScheduledJob: name got "a-job-name-far-too-long-for-iam-roles-to-take"; allowed: at most 37 characters in whcsites-staging \(whcsites-staging-a-job-name-far-too-long-for-iam-roles-to-take-execution is 72 characters; an IAM role name allows 64\)/],
      ["a timeout over a day", { timeoutMinutes: 1441 }, /^ScheduledJob: timeoutMinutes got 1441; allowed: an integer from 1 to 1440/],
      ["too many retries", { retries: 186 }, /^ScheduledJob: retries got 186; allowed: an integer from 0 to 185/],
      ["an empty command", { command: [] }, /^ScheduledJob: command got \[\]; allowed: a non-empty list/],
      ["a size Fargate does not offer", { memoryMiB: 4096 }, /^ScheduledJob: memoryMiB got 4096/],
    ])("GIVEN %s WHEN built THEN it is refused with one line naming the prop", (_title, props, message) => {
      const problems = problemsOf(props);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    });

    it("GIVEN the longest allowed name WHEN built THEN every generated name fits", () => {
      const name = "a".repeat(37);
      const { resources } = build({ name });
      expect(resources.aws_iam_role.nightly_execution_role.name).toHaveLength(64);
      expect(resources.aws_iam_role.nightly_scheduler_role.name.length).toBeLessThanOrEqual(64);
      expect(resources.aws_cloudwatch_event_rule.nightly_failed_runs.name.length).toBeLessThanOrEqual(64);
      expect(resources.aws_sqs_queue.nightly_dead_letter_queue.name.length).toBeLessThanOrEqual(80);
    });
  });

  it("GIVEN a job WHEN synthesized THEN its task definition is an aws_ecs_task_definition of its own family", () => {
    const { synth } = build();
    expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, { family: "whcsites-staging-nightly" });
  });
});
