import {
  AccessDeniedException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  Deployment,
  DeploymentRolloutState,
  ECSClient,
  ListTasksCommand,
  Service,
} from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { HealthCheckOptions } from "../../src/verify/health";
import { ServiceTarget } from "../../src/verify/services";
import { CheckResult, ExitCode, VerifyOptions, VerifyReporter, verifyServices } from "../../src/verify/verifier";
import { HealthServer, startHealthServer } from "./health-server";

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);

const CLUSTER = "whcsites-staging-service";
const REPO = "ghcr.io/example/whcsites";
const TD = (family: string, revision: number): string => `arn:aws:ecs:eu-west-1:111122223333:task-definition/${family}:${revision}`;
const TG = (name: string): string => `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/${name}/0123456789abcdef`;

/** Retries a few milliseconds apart: every test runs in well under a second. */
/**
 * Health-check options on a clock of their own that only the waits between attempts move: how many attempts fit in
 * the timeout does not depend on how busy the machine is (a busy CI machine made one real 300 ms window hold a single
 * attempt). Requests still go to a real local server, with a request timeout no busy machine reaches.
 */
function fastHealth(timeoutMs = 300): HealthCheckOptions {
  let clockMs = 0;
  return {
    timeoutMs,
    requestTimeoutMs: 30_000,
    initialDelayMs: 10,
    maxDelayMs: 40,
    now: () => clockMs,
    sleep: async (ms) => {
      clockMs += ms;
    },
  };
}

function service(name: string, extra: Partial<ServiceTarget> = {}): ServiceTarget {
  return {
    name,
    serviceName: `whcsites-staging-${name}`,
    cluster: CLUSTER,
    image: `${REPO}:1.5.0`,
    taskDefinitionFamily: `whcsites-staging-${name}`,
    targetGroupArn: TG(`whcsites-staging-${name}`),
    url: "http://127.0.0.1",
    ...extra,
  };
}

function deployment(family: string, revision: number, extra: Partial<Deployment> = {}): Deployment {
  return { id: `ecs-svc/${revision}00`, status: "PRIMARY", rolloutState: "COMPLETED", taskDefinition: TD(family, revision), ...extra };
}

function ecsService(target: ServiceTarget, extra: Partial<Service> = {}): Service {
  return {
    serviceName: target.serviceName,
    status: "ACTIVE",
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    deployments: [deployment(target.taskDefinitionFamily as string, 12)],
    events: [],
    ...extra,
  };
}

const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;

function givenServices(...services: Service[]): void {
  ecsMock.on(DescribeServicesCommand).resolves({ services, failures: [] });
  // By default each service runs its running count of tasks, all on one digest of the 1.5.0 image.
  for (const s of services) givenTasks(s.serviceName as string, ...Array.from({ length: s.runningCount ?? 0 }, () => DIGEST_A));
}

/** The running tasks of a service: one per digest given, each with the release image's container (and a sidecar). */
function givenTasks(serviceName: string, ...digests: Array<string | undefined>): void {
  const arns = digests.map((_, i) => `arn:aws:ecs:eu-west-1:111122223333:task/${CLUSTER}/${serviceName}-task${i}`);
  ecsMock.on(ListTasksCommand, { cluster: CLUSTER, serviceName, desiredStatus: "RUNNING" }).resolves({ taskArns: arns });
  ecsMock.on(DescribeTasksCommand, { cluster: CLUSTER, tasks: arns }).resolves({
    tasks: digests.map((digest, i) => ({
      taskArn: arns[i],
      lastStatus: "RUNNING",
      containers: [
        { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", imageDigest: DIGEST_B },
        { name: "app", image: `${REPO}:1.5.0`, ...(digest === undefined ? {} : { imageDigest: digest }) },
      ],
    })),
  });
}

/** Revision `latest` of the family is the newest; every revision runs `images[revision]` (default: the 1.5.0 image). */
function givenTaskDefinitions(family: string, latest: number, images: Record<number, string> = {}): void {
  for (let revision = 1; revision <= latest; revision++) {
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(family, revision) }).resolves({
      taskDefinition: { taskDefinitionArn: TD(family, revision), containerDefinitions: [{ name: "app", image: images[revision] ?? `${REPO}:1.5.0` }] },
    });
  }
  ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: family }).resolves({ taskDefinition: { taskDefinitionArn: TD(family, latest) } });
}

function healthy(ip: string): TargetHealthDescription {
  return { Target: { Id: ip, Port: 4000 }, TargetHealth: { State: "healthy" } };
}

function givenTargets(target: ServiceTarget, ...targets: TargetHealthDescription[]): void {
  elbMock.on(DescribeTargetHealthCommand, { TargetGroupArn: target.targetGroupArn }).resolves({ TargetHealthDescriptions: targets });
}

interface Captured extends VerifyReporter {
  readonly lines: string[];
  readonly errors: string[];
}

function capture(): Captured {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, info: (l) => lines.push(l), error: (l) => (lines.push(l), errors.push(l)) };
}

function run(services: ServiceTarget[], out: Captured, options: VerifyOptions = {}) {
  return verifyServices(services, { health: fastHealth(), ...options }, { ecs: new ECSClient({ region: "eu-west-1" }), elb: new ElasticLoadBalancingV2Client({ region: "eu-west-1" }), reporter: out });
}

function check(checks: readonly CheckResult[], serviceName: string, name: CheckResult["check"]): CheckResult | undefined {
  return checks.find((c) => c.service === serviceName && c.check === name);
}

let server: HealthServer | undefined;

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("verifyServices: one healthy service", () => {
  it("passes every check and exits 0", async () => {
    // GIVEN a completed deployment of the expected image, 2 of 2 tasks, healthy targets, a health check answering 200
    server = await startHealthServer([200]);
    const api = service("api", { healthCheckUrl: server.url });
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12);
    givenTargets(api, healthy("10.0.1.5"), healthy("10.0.2.7"));
    const out = capture();

    // WHEN
    const result = await run([api], out);

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(result.checks.map((c) => [c.check, c.status])).toEqual([
      ["deployment", "ok"],
      ["running count", "ok"],
      ["task images", "ok"],
      ["targets", "ok"],
      ["health check", "ok"],
    ]);
    expect(out.lines[0]).toBe(`api (whcsites-staging-api on ${CLUSTER})`);
    expect(out.lines).toContain(`  ok      deployment: deployment ecs-svc/1200 COMPLETED on whcsites-staging-api:12, image ${REPO}:1.5.0`);
    expect(out.lines).toContain("  ok      running count: 2 running of 2 desired");
    expect(out.lines).toContain("  ok      targets: 2 healthy target(s)");
    expect(out.lines.find((l) => l.includes("health check"))).toMatch(/^ {2}ok {6}health check: GET http:\/\/127\.0\.0\.1:\d+\/healthz: HTTP 200 in \d+ ms$/);
    expect(out.lines.at(-1)).toBe("OK: 5 checks passed for 1 service(s)");
    expect(out.errors).toEqual([]);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: CLUSTER, services: ["whcsites-staging-api"] });
    expect(elbMock).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: api.targetGroupArn });
    expect(server.hits).toEqual(["GET /healthz"]);
  });

  it("accepts a service pinned by digest when the task definition runs that digest", async () => {
    // GIVEN
    const image = `${REPO}@sha256:${"ab".repeat(32)}`;
    const api = service("api", { image, targetGroupArn: undefined });
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12, { 12: image });
    givenTasks("whcsites-staging-api", `sha256:${"ab".repeat(32)}`, `sha256:${"ab".repeat(32)}`);

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(check(result.checks, "api", "deployment")?.status).toBe("ok");
    expect(result.exitCode).toBe(ExitCode.Success);
  });
});

describe("verifyServices: the deploy did not happen as asked", () => {
  it("fails a rolled-back deployment: COMPLETED, but on the previous revision and image", async () => {
    // GIVEN the circuit breaker rolled back: the primary deployment runs revision 11 (image 1.4.0), the newest is 12
    const api = service("api", { targetGroupArn: undefined });
    givenServices(
      ecsService(api, {
        deployments: [deployment("whcsites-staging-api", 11, { id: "ecs-svc/7777" })],
        events: [{ message: "(service whcsites-staging-api) rolling back to deployment ecs-svc/7777." }],
      }),
    );
    givenTaskDefinitions("whcsites-staging-api", 12, { 11: `${REPO}:1.4.0` });
    const out = capture();

    // WHEN
    const result = await run([api], out);

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(check(result.checks, "api", "deployment")).toEqual({
      service: "api",
      check: "deployment",
      status: "failed",
      message:
        `deployment ecs-svc/7777 on whcsites-staging-api:11: container app runs ${REPO}:1.4.0, expected ${REPO}:1.5.0; ` +
        "the family's latest revision is whcsites-staging-api:12 (rolled back by the circuit breaker or an alarm?); " +
        "last rollback event: (service whcsites-staging-api) rolling back to deployment ecs-svc/7777.",
    });
    expect(out.errors).toContain(`  FAILED  deployment: ${check(result.checks, "api", "deployment")?.message}`);
    expect(out.errors.at(-1)).toBe("FAILED: 1 of 3 checks failed (api: deployment)");
  });

  it("fails a rollback to the same image (an environment change rolled back): the revision is not the latest", async () => {
    // GIVEN
    const api = service("api", { targetGroupArn: undefined });
    givenServices(ecsService(api, { deployments: [deployment("whcsites-staging-api", 11, { id: "ecs-svc/7777" })] }));
    givenTaskDefinitions("whcsites-staging-api", 12);

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(check(result.checks, "api", "deployment")?.message).toBe(
      "deployment ecs-svc/7777 on whcsites-staging-api:11: the family's latest revision is whcsites-staging-api:12 (rolled back by the circuit breaker or an alarm?)",
    );
  });

  it.each<[DeploymentRolloutState, string | undefined, string]>([
    ["IN_PROGRESS", undefined, "rollout IN_PROGRESS"],
    ["FAILED", "ECS deployment circuit breaker: tasks failed to start.", "rollout FAILED (ECS deployment circuit breaker: tasks failed to start.)"],
  ])("fails a deployment whose rollout is %s", async (rolloutState, rolloutStateReason, seen) => {
    // GIVEN
    const api = service("api", { targetGroupArn: undefined });
    givenServices(ecsService(api, { deployments: [deployment("whcsites-staging-api", 12, { id: "ecs-svc/9999", rolloutState, rolloutStateReason })] }));
    givenTaskDefinitions("whcsites-staging-api", 12);

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(check(result.checks, "api", "deployment")?.message).toBe(`deployment ecs-svc/9999 on whcsites-staging-api:12: ${seen}`);
  });

  it("fails when the running count is not the desired count, with the counts", async () => {
    // GIVEN
    const api = service("api", { targetGroupArn: undefined });
    givenServices(ecsService(api, { desiredCount: 3, runningCount: 1, pendingCount: 2 }));
    givenTaskDefinitions("whcsites-staging-api", 12);

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(check(result.checks, "api", "running count")).toMatchObject({ status: "failed", message: "1 running of 3 desired (2 pending)" });
  });

  it("fails an unhealthy target, naming it and its reason; draining targets do not count", async () => {
    // GIVEN
    const api = service("api");
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12);
    givenTargets(
      api,
      healthy("10.0.1.5"),
      { Target: { Id: "10.0.2.7", Port: 4000 }, TargetHealth: { State: "unhealthy", Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [502]" } },
      { Target: { Id: "10.0.3.9", Port: 4000 }, TargetHealth: { State: "draining", Reason: "Target.DeregistrationInProgress" } },
    );

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(check(result.checks, "api", "targets")).toMatchObject({
      status: "failed",
      message: "1 of 2 targets not healthy: 10.0.2.7:4000 unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [502]) (1 draining, not counted)",
    });
  });

  it("fails a target group with no registered target", async () => {
    // GIVEN
    const api = service("api");
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12);
    givenTargets(api);

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(check(result.checks, "api", "targets")).toMatchObject({ status: "failed", message: `no target registered in ${api.targetGroupArn}` });
  });

  it("fails a health check that never answers 200, after retries, naming the status", async () => {
    // GIVEN
    server = await startHealthServer([503]);
    const api = service("api", { targetGroupArn: undefined, healthCheckUrl: server.url });
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12);

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    const health = check(result.checks, "api", "health check");
    expect(health?.status).toBe("failed");
    expect(health?.message).toMatch(
      new RegExp(`^GET ${server.url.replace(/[.]/g, "\\.")}: no HTTP 200 in (\\d+) attempt\\(s\\) over 0s; last: HTTP 503 Service Unavailable; seen: HTTP 503 Service Unavailable \\(\\1 times\\)$`),
    );
    expect(server.hits.length).toBeGreaterThan(2);
  });

  it("passes a health check that answers 200 after a few retries, and says so", async () => {
    // GIVEN the new tasks warm up: 502, 503, then 200
    server = await startHealthServer([502, 503, 200]);
    const api = service("api", { targetGroupArn: undefined, healthCheckUrl: server.url });
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12);

    // WHEN
    const result = await run([api], capture(), { health: fastHealth(5_000) });

    // THEN
    expect(result.exitCode).toBe(ExitCode.Success);
    expect(check(result.checks, "api", "health check")?.message).toMatch(/: HTTP 200 in \d+ ms at attempt 3 \(before: HTTP 502 Bad Gateway, HTTP 503 Service Unavailable\)$/);
  });

  it("fails a service that does not exist in the cluster", async () => {
    // GIVEN
    const api = service("api", { targetGroupArn: undefined });
    ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: `arn:aws:ecs:eu-west-1:111122223333:service/${CLUSTER}/${api.serviceName}`, reason: "MISSING" }] });

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(check(result.checks, "api", "service")).toMatchObject({ status: "failed", message: `service whcsites-staging-api not found in cluster ${CLUSTER} (MISSING)` });
  });
});

describe("verifyServices: several services", () => {
  it("checks each service (routed or not) and fails only what failed", async () => {
    // GIVEN api and admin routed with health checks, worker without a route; admin runs 1 of 2
    server = await startHealthServer([200]);
    const api = service("api", { healthCheckUrl: server.url });
    const admin = service("admin", { healthCheckUrl: server.url.replace("/healthz", "/admin/healthz") });
    const worker = service("worker", { targetGroupArn: undefined, url: undefined });
    givenServices(ecsService(api), ecsService(admin, { runningCount: 1 }), ecsService(worker, { desiredCount: 1, runningCount: 1 }));
    for (const family of ["whcsites-staging-api", "whcsites-staging-admin", "whcsites-staging-worker"]) givenTaskDefinitions(family, 12);
    givenTargets(api, healthy("10.0.1.5"), healthy("10.0.2.7"));
    givenTargets(admin, healthy("10.0.1.8"));
    const out = capture();

    // WHEN
    const result = await run([admin, api, worker], out);

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(result.checks.filter((c) => c.status !== "ok").map((c) => `${c.service} ${c.check} ${c.status}`)).toEqual([
      "admin running count failed",
      "worker targets skipped",
      "worker health check skipped",
    ]);
    // One DescribeServices call for the cluster's three services.
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
    expect(ecsMock).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: CLUSTER, services: ["whcsites-staging-admin", "whcsites-staging-api", "whcsites-staging-worker"] });
    expect(server.hits.sort()).toEqual(["GET /admin/healthz", "GET /healthz"]);
    expect(out.lines.filter((l) => !l.startsWith("  "))).toEqual([
      `admin (whcsites-staging-admin on ${CLUSTER})`,
      `api (whcsites-staging-api on ${CLUSTER})`,
      `worker (whcsites-staging-worker on ${CLUSTER})`,
      "FAILED: 1 of 13 checks failed (admin: running count)",
    ]);
    expect(out.lines).toContain("  -       targets: no target group (the service has no route)");
  });

  it("uses the expected image given per service (--image-tag)", async () => {
    // GIVEN the task definition runs 1.5.0 but 1.6.0 was deployed
    const api = service("api", { targetGroupArn: undefined });
    givenServices(ecsService(api));
    givenTaskDefinitions("whcsites-staging-api", 12);

    // WHEN
    const result = await run([api], capture(), { expectedImages: new Map([["api", `${REPO}:1.6.0`]]) });

    // THEN
    expect(check(result.checks, "api", "deployment")?.message).toContain(`container app runs ${REPO}:1.5.0, expected ${REPO}:1.6.0`);
  });
});

describe("verifyServices: AWS errors", () => {
  it("exits 3 when checks could not run and none failed, naming the call", async () => {
    // GIVEN
    const api = service("api");
    ecsMock.on(DescribeServicesCommand).rejects(new AccessDeniedException({ message: "not authorized to perform ecs:DescribeServices", $metadata: {} }));
    givenTargets(api, healthy("10.0.1.5"));
    const out = capture();

    // WHEN
    const result = await run([api], out);

    // THEN
    expect(result.exitCode).toBe(ExitCode.AwsError);
    expect(check(result.checks, "api", "service")).toMatchObject({
      status: "error",
      message: "AWS error AccessDeniedException in ECS DescribeServices: not authorized to perform ecs:DescribeServices (the caller lacks an IAM permission)",
    });
    // The checks that do not need ECS still ran.
    expect(check(result.checks, "api", "targets")?.status).toBe("ok");
    expect(out.errors.at(-1)).toBe("UNKNOWN: 1 of 2 checks could not run (api: service); no check failed");
  });

  it("exits 1 when a check failed, even if another could not run", async () => {
    // GIVEN
    const api = service("api");
    givenServices(ecsService(api, { runningCount: 0 }));
    givenTaskDefinitions("whcsites-staging-api", 12);
    elbMock.on(DescribeTargetHealthCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }));

    // WHEN
    const result = await run([api], capture());

    // THEN
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(check(result.checks, "api", "targets")).toMatchObject({ status: "error", message: "AWS error Throttling in ELBv2 DescribeTargetHealth: Rate exceeded" });
  });
});

describe("verifyServices: the digest the tasks run (DescribeTasks)", () => {
  const api = (): ServiceTarget => service("api", { targetGroupArn: undefined });
  const expectDigest = (digest: string): VerifyOptions => ({ expectedImages: new Map([["api", `${REPO}@${digest}`]]) });

  function givenRelease(digest: string): void {
    const target = api();
    givenServices(ecsService(target));
    givenTaskDefinitions("whcsites-staging-api", 12, { 12: `${REPO}@${digest}` });
  }

  test("GIVEN every task on the expected digest WHEN verified THEN the check passes and names the digest and the count", async () => {
    givenRelease(DIGEST_A);
    const out = capture();
    const result = await run([api()], out, expectDigest(DIGEST_A));
    expect(check(result.checks, "api", "task images")).toEqual({ service: "api", check: "task images", status: "ok", message: `2 running task(s) on ${DIGEST_A} (2 tasks)` });
    expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, { cluster: CLUSTER, serviceName: "whcsites-staging-api", desiredStatus: "RUNNING" });
  });

  test("GIVEN one task still on another digest WHEN verified THEN it fails naming the task, its digest and the expected one", async () => {
    givenRelease(DIGEST_A);
    givenTasks("whcsites-staging-api", DIGEST_A, DIGEST_B);
    const out = capture();
    const result = await run([api()], out, expectDigest(DIGEST_A));
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(check(result.checks, "api", "task images")?.message).toBe(`task whcsites-staging-api-task1 runs ${DIGEST_B}, expected ${DIGEST_A}`);
    expect(out.errors).toContain(`  FAILED  task images: task whcsites-staging-api-task1 runs ${DIGEST_B}, expected ${DIGEST_A}`);
  });

  test("GIVEN a task that reports no digest and whose image pins none WHEN a digest is expected THEN it fails instead of assuming", async () => {
    givenRelease(DIGEST_A);
    givenTasks("whcsites-staging-api", DIGEST_A, undefined);
    const result = await run([api()], capture(), expectDigest(DIGEST_A));
    expect(check(result.checks, "api", "task images")).toMatchObject({ status: "failed", message: "task whcsites-staging-api-task1 reports no image digest for container app" });
  });

  test("GIVEN a tag expected and the tasks on two digests of it WHEN verified THEN it fails: the tag moved during the rollout", async () => {
    givenServices(ecsService(api()));
    givenTaskDefinitions("whcsites-staging-api", 12);
    givenTasks("whcsites-staging-api", DIGEST_A, DIGEST_B);
    const result = await run([api()], capture());
    expect(check(result.checks, "api", "task images")?.message).toBe(`the tasks run 2 different digests of ${REPO}:1.5.0: ${DIGEST_A} (1 task), ${DIGEST_B} (1 task)`);
  });

  test("GIVEN ListTasks is denied WHEN verified THEN that check could not run (exit 3), naming the call", async () => {
    givenRelease(DIGEST_A);
    ecsMock.on(ListTasksCommand).rejects(new AccessDeniedException({ message: "not authorized to perform: ecs:ListTasks", $metadata: { httpStatusCode: 400 } }));
    const result = await run([api()], capture(), expectDigest(DIGEST_A));
    expect(result.exitCode).toBe(ExitCode.AwsError);
    expect(check(result.checks, "api", "task images")).toMatchObject({ status: "error", message: expect.stringMatching(/ListTasks.*ecs:ListTasks/) });
  });
});
