/**
 * The runner through the real SDK clients (serialisation, middleware, waiters), with a fake HTTP handler standing in
 * for ECS and CloudWatch Logs. aws-sdk-client-mock replaces `send`, so it cannot catch what only the real client
 * checks (serialisation of the inputs, `send` called on something else than the client); these tests can.
 */
import { Readable } from "node:stream";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ExitCode, Reporter, runMigration } from "../../src/migrations/runner";
import { MigrationTarget } from "../../src/migrations/target";
import { HTML_500, startFakeAws } from "./fake-aws";

const TASK_ARN = "arn:aws:ecs:eu-west-1:111122223333:task/whcsites-staging/0123456789abcdef0123456789abcdef";
const TD_ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-staging-migrate:7";

const TARGET: MigrationTarget = {
  cluster: "whcsites-staging",
  taskDefinition: TD_ARN,
  containerName: "api",
  subnetIds: ["subnet-aaa"],
  securityGroupIds: ["sg-123"],
  region: "eu-west-1",
};

type Handler = (input: Record<string, unknown>) => object;
interface Call {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** A requestHandler answering AWS JSON-protocol operations (by X-Amz-Target) from `handlers`. */
function fakeAws(handlers: Record<string, Handler>, calls: Call[]) {
  return {
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const operation = String(request.headers["x-amz-target"]).split(".").pop() as string;
      const body = request.body;
      const raw = body === undefined ? "" : typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array);
      const input = raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : {};
      calls.push({ operation, input });
      const handler = handlers[operation];
      const output = handler !== undefined ? handler(input) : { __type: "InvalidParameterException", message: `unexpected ${operation}` };
      const statusCode = "__type" in output ? 400 : 200;
      return {
        response: {
          statusCode,
          headers: { "content-type": "application/x-amz-json-1.1" },
          body: Readable.from([Buffer.from(JSON.stringify(output))]),
        },
      };
    },
  };
}

function clients(ecsHandlers: Record<string, Handler>, logsHandlers: Record<string, Handler>, calls: Call[]) {
  const common = { region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" }, maxAttempts: 1 };
  return {
    ecs: new ECSClient({ ...common, requestHandler: fakeAws(ecsHandlers, calls) }),
    logs: new CloudWatchLogsClient({ ...common, requestHandler: fakeAws(logsHandlers, calls) }),
  };
}

function reporter(): Reporter & { infos: string[]; logs: string[]; errors: string[] } {
  const infos: string[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  return { infos, logs, errors, info: (l) => infos.push(l), log: (l) => logs.push(l), error: (l) => errors.push(l) };
}

/** ECS answers: the task goes through `statuses` (one per DescribeTasks, the last repeats) until StopTask stops it. */
function baseEcs(statuses: object[]): Record<string, Handler> {
  let describeCalls = 0;
  let stopped = false;
  return {
    DescribeTaskDefinition: () => ({
      taskDefinition: {
        taskDefinitionArn: TD_ARN,
        containerDefinitions: [
          {
            name: "api",
            image: "ghcr.io/example/whcsites-api:1.4.0",
            command: ["/app/bin/migrate"],
            logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/whcsites/staging/api", "awslogs-stream-prefix": "migrate" } },
          },
        ],
      },
    }),
    ListTasks: () => ({ taskArns: [] }),
    RunTask: () => ({ tasks: [{ taskArn: TASK_ARN, lastStatus: "PROVISIONING" }], failures: [] }),
    DescribeTasks: () => ({
      tasks: [{ taskArn: TASK_ARN, ...(stopped ? { lastStatus: "STOPPED", stopCode: "UserInitiated" } : statuses[Math.min(describeCalls++, statuses.length - 1)]) }],
      failures: [],
    }),
    StopTask: () => {
      stopped = true;
      return { task: { taskArn: TASK_ARN } };
    },
  };
}

const FAST = { waiterMinDelaySeconds: 0.005, waiterMaxDelaySeconds: 0.01, logPollIntervalMs: 5 };

describe("runMigration through the real SDK clients", () => {
  it("runs, follows and streams a successful migration", async () => {
    // GIVEN
    const calls: Call[] = [];
    let logReads = 0;
    const aws = clients(
      baseEcs([
        { lastStatus: "PENDING" },
        { lastStatus: "RUNNING" },
        { lastStatus: "STOPPED", stoppedReason: "Essential container in task exited", containers: [{ name: "api", exitCode: 0 }] },
      ]),
      {
        GetLogEvents: (input) => {
          logReads++;
          if (logReads === 1) return { __type: "ResourceNotFoundException", message: "The specified log stream does not exist." };
          if (input.nextToken === undefined) return { events: [{ timestamp: 1, message: "[info] == Running 20240101 Migrate.up/0 forward" }], nextForwardToken: "f/1" };
          return { events: [], nextForwardToken: "f/1" };
        },
      },
      calls,
    );
    const out = reporter();

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 5_000, imageTag: "1.4.0" }, { ...aws, reporter: out });

    // THEN
    expect(result).toMatchObject({ outcome: "succeeded", exitCode: ExitCode.Success, containerExitCode: 0 });
    const runTask = calls.find((c) => c.operation === "RunTask");
    expect(runTask?.input).toMatchObject({
      cluster: "whcsites-staging",
      taskDefinition: TD_ARN,
      launchType: "FARGATE",
      startedBy: "whcsites-migrate",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-aaa"], securityGroups: ["sg-123"], assignPublicIp: "DISABLED" } },
    });
    expect(out.infos.filter((l) => / task /.test(l)).map((l) => l.replace(/^\[\d+s\] task /, ""))).toEqual(
      expect.arrayContaining(["PROVISIONING -> PENDING", "PENDING -> RUNNING", "RUNNING -> STOPPED"]),
    );
    expect(out.logs).toEqual(["  | [info] == Running 20240101 Migrate.up/0 forward"]);
    expect(calls.some((c) => c.operation === "StopTask")).toBe(false);
  });

  it("stops the task through StopTask when the timeout passes, and waits for STOPPED", async () => {
    // GIVEN
    const calls: Call[] = [];
    const aws = clients(baseEcs([{ lastStatus: "RUNNING" }]), { GetLogEvents: () => ({ events: [], nextForwardToken: "f/0" }) }, calls);

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 150 }, { ...aws, reporter: reporter() });

    // THEN
    expect(result.exitCode).toBe(ExitCode.TimedOut);
    expect(calls.filter((c) => c.operation === "StopTask").map((c) => c.input)).toEqual([
      { cluster: "whcsites-staging", task: TASK_ARN, reason: "whcsites migrate: timed out after 0s" },
    ]);
    // The wait after StopTask: DescribeTasks until it answers STOPPED.
    const ecsCalls = calls.map((c) => c.operation).filter((o) => o !== "GetLogEvents");
    expect(ecsCalls.slice(ecsCalls.indexOf("StopTask"))).toEqual(["StopTask", "DescribeTasks"]);
  });

  it("reports an ECS error response by its type", async () => {
    // GIVEN
    const calls: Call[] = [];
    const aws = clients(
      { DescribeTaskDefinition: () => ({ __type: "ClientException", message: "Unable to describe task definition." }) },
      {},
      calls,
    );

    // WHEN
    const result = await runMigration(TARGET, { ...FAST, timeoutMs: 1_000 }, { ...aws, reporter: reporter() });

    // THEN
    expect(result).toMatchObject({ outcome: "error", exitCode: ExitCode.AwsError, message: "AWS error ClientException in ECS DescribeTaskDefinition: Unable to describe task definition." });
    expect(calls.map((c) => c.operation)).toEqual(["DescribeTaskDefinition"]);
  });

  it("names the call and the HTTP status when the endpoint answers an HTML error page (moto's RunTask crash)", async () => {
    // GIVEN a real HTTP endpoint on 127.0.0.1 that answers ECS JSON, except RunTask: an HTML 500 page
    const describe = baseEcs([{ lastStatus: "RUNNING" }]);
    const endpoint = await startFakeAws({
      DescribeTaskDefinition: describe.DescribeTaskDefinition,
      ListTasks: describe.ListTasks,
      RunTask: () => HTML_500,
    });
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" };
    const ecs = new ECSClient({ region: "eu-west-1", endpoint: endpoint.url, credentials, maxAttempts: 1 });
    const logs = new CloudWatchLogsClient({ region: "eu-west-1", endpoint: endpoint.url, credentials, maxAttempts: 1 });
    const out = reporter();

    try {
      // WHEN
      const result = await runMigration(TARGET, { ...FAST, timeoutMs: 5_000 }, { ecs, logs, reporter: out });

      // THEN
      expect(result).toMatchObject({ outcome: "error", exitCode: ExitCode.AwsError });
      expect(result.message).toBe(
        'AWS call ECS RunTask failed: the endpoint answered HTTP 500 with a body that is not an AWS API response (content-type text/html; charset=utf-8, starting "<!doctype "). ' +
          "An emulator that crashed, or a proxy's error page?",
      );
      expect(result.message).not.toMatch(/Unexpected token/);
      expect(endpoint.calls.map((c) => c.operation)).toEqual(["DescribeTaskDefinition", "ListTasks", "ListTasks", "RunTask"]);
    } finally {
      await endpoint.close();
    }
  });
});
