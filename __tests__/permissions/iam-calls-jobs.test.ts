import { iamCallsOf, RecordedRequest } from "../../scripts/lib/permissions/iam-calls";

const SCOPE = { account: "123456789012", partition: "aws" };
const request = (service: string, operation: string, params: Record<string, unknown>, tags?: Record<string, Record<string, string>>): RecordedRequest => ({
  key: "AKIA", account: "123456789012", region: "eu-west-1", service, operation, status: 200, agent: "terraform", params, ...(tags ? { tags } : {}),
});
const ENV_TAGS = { app: "whcsites", environment: "kinds" };

describe("recorded calls of scheduled jobs and Service Connect in IAM's terms", () => {
  test("GIVEN CreateSchedule WHEN mapped THEN the schedule in its group, and passing the scheduler role to EventBridge Scheduler", async () => {
    const calls = await iamCallsOf(request("scheduler", "CreateSchedule", { Name: "whcsites-kinds-nightly", GroupName: "whcsites-kinds-nightly", Target: { RoleArn: "arn:aws:iam::123456789012:role/whcsites-kinds-nightly-scheduler" } }), SCOPE);
    expect(calls.map((c) => [c.action, c.resource, c.context])).toEqual([
      ["scheduler:CreateSchedule", "arn:aws:scheduler:eu-west-1:123456789012:schedule/whcsites-kinds-nightly/whcsites-kinds-nightly", undefined],
      ["iam:PassRole", "arn:aws:iam::123456789012:role/whcsites-kinds-nightly-scheduler", { "iam:PassedToService": "scheduler.amazonaws.com" }],
    ]);
  });

  test("GIVEN a schedule group created with tags WHEN mapped THEN the group, and tagging it on create", async () => {
    const calls = await iamCallsOf(request("scheduler", "CreateScheduleGroup", { Name: "whcsites-kinds-nightly", Tags: [{ Key: "environment", Value: "kinds" }] }), SCOPE);
    expect(calls.map((c) => [c.action, c.resource])).toEqual([
      ["scheduler:CreateScheduleGroup", "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/whcsites-kinds-nightly"],
      ["scheduler:TagResource", "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/whcsites-kinds-nightly"],
    ]);
  });

  test("GIVEN a queue named by its URL WHEN mapped THEN the queue's ARN; a rule by its name on the default bus", async () => {
    const queue = await iamCallsOf(request("sqs", "GetQueueAttributes", { QueueUrl: "http://127.0.0.1:4566/123456789012/whcsites-kinds-nightly-dead-letters" }), SCOPE);
    expect(queue.map((c) => c.resource)).toEqual(["arn:aws:sqs:eu-west-1:123456789012:whcsites-kinds-nightly-dead-letters"]);
    const rule = await iamCallsOf(request("events", "PutTargets", { Rule: "whcsites-kinds-nightly-failed", EventBusName: "default", Targets: [{ Arn: "arn:aws:sns:eu-west-1:123456789012:whcsites-kinds-alerts" }] }), SCOPE);
    expect(rule.map((c) => [c.action, c.resource])).toEqual([["events:PutTargets", "arn:aws:events:eu-west-1:123456789012:rule/whcsites-kinds-nightly-failed"]]);
  });

  test("GIVEN a namespace named by its id WHEN mapped THEN its ARN with the tags it had; GetOperation on namespace/* (its id names none)", async () => {
    const get = await iamCallsOf(request("servicediscovery", "GetNamespace", { Id: "ns-pca4jak7dy6nbjwpod75" }, { "ns-pca4jak7dy6nbjwpod75": ENV_TAGS }), SCOPE);
    expect(get).toEqual([{ action: "servicediscovery:GetNamespace", resource: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-pca4jak7dy6nbjwpod75", resourceTags: ENV_TAGS }]);
    const operation = await iamCallsOf(request("servicediscovery", "GetOperation", { OperationId: "abc" }), SCOPE);
    expect(operation.map((c) => c.resource)).toEqual(["arn:aws:servicediscovery:eu-west-1:123456789012:namespace/*"]);
  });
});
