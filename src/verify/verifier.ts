import {
  ContainerDefinition,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
  Task,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describeAwsError, withOperationNames } from "../operator/aws-errors";
import { imageMatches, parseImageReference } from "../operator/image-reference";
import { formatDuration } from "../operator/duration";
import { HealthCheckOptions, checkHealth, summarizeOutcomes } from "./health";
import { ServiceTarget } from "./services";

/** Process exit codes of `npm run verify`. */
export const ExitCode = {
  /** Every check of every service passed. */
  Success: 0,
  /** At least one check failed: the deploy is not what was asked for (even if other checks could not run). */
  CheckFailed: 1,
  /** Invalid arguments or configuration (bad flag, unknown service, unusable stack output). */
  Usage: 2,
  /** No check failed, but at least one could not run: an AWS call failed (credentials, permissions, throttling). */
  AwsError: 3,
} as const;

/** The checks, in the order they are printed. */
export type CheckName = "service" | "deployment" | "running count" | "task images" | "targets" | "health check";

/** The result of one check of one service. */
export interface CheckResult {
  /** The service (key of the `services` output). */
  readonly service: string;
  readonly check: CheckName;
  /** `ok`; `failed`: it saw something wrong; `error`: it could not look (AWS error); `skipped`: not applicable. */
  readonly status: "ok" | "failed" | "error" | "skipped";
  /** What it saw, in one line. */
  readonly message: string;
}

/** What {@link verifyServices} found. */
export interface VerifyResult {
  /** Every check of every service, grouped by service in the order given. */
  readonly checks: readonly CheckResult[];
  /** The process exit code (see {@link ExitCode}). */
  readonly exitCode: number;
}

/** Where the verifier writes. */
export interface VerifyReporter {
  /** Progress and passing checks. */
  info(line: string): void;
  /** Failing checks and the verdict when it fails. */
  error(line: string): void;
}

/** A reporter on the console: passing lines on stdout, failing ones on stderr. */
export const consoleVerifyReporter: VerifyReporter = {
  info: (line) => console.log(line),
  error: (line) => console.error(line),
};

/** Options of {@link verifyServices}. */
export interface VerifyOptions {
  /** The image each service must run, by service name. @default each service's configured `image` */
  readonly expectedImages?: ReadonlyMap<string, string>;
  /** How the health check URL is polled. @default see {@link HealthCheckOptions} */
  readonly health?: HealthCheckOptions;
}

/** The AWS clients and hooks the verifier uses; tests pass mocks. */
export interface VerifyDeps {
  /** ECS client, in the environment's region. */
  readonly ecs: ECSClient;
  /** Elastic Load Balancing v2 client, in the environment's region. */
  readonly elb: ElasticLoadBalancingV2Client;
  /** Output. @default {@link consoleVerifyReporter} */
  readonly reporter?: VerifyReporter;
}

/** DescribeServices takes at most 10 services per call. */
const DESCRIBE_SERVICES_BATCH = 10;

/**
 * Checks that a deploy did what was asked, for each service: its primary deployment is COMPLETED on the latest
 * revision of its task definition family, whose container runs the expected image (so not rolled back by the
 * circuit breaker or an alarm); it runs as many tasks as desired; every running task runs the expected digest (as ECS
 * reports it per container); every target of its target group is healthy
 * (draining targets are leaving and do not count); its health check URL answers 200.
 *
 * Prints one block per service and a verdict; returns every result and the exit code. Never throws for AWS errors:
 * a check that could not look is an `error` result.
 */
export async function verifyServices(services: readonly ServiceTarget[], options: VerifyOptions, deps: VerifyDeps): Promise<VerifyResult> {
  const reporter = deps.reporter ?? consoleVerifyReporter;
  const ecs = withOperationNames(deps.ecs, "ECS");
  const elb = withOperationNames(deps.elb, "ELBv2");
  const described = await describeServices(ecs, services);
  const taskDefinitions = new Map<string, Promise<TaskDefinition | undefined>>();
  const describeTaskDefinition = (taskDefinition: string): Promise<TaskDefinition | undefined> => {
    let found = taskDefinitions.get(taskDefinition);
    if (found === undefined) {
      found = ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })).then((out) => out.taskDefinition);
      taskDefinitions.set(taskDefinition, found);
    }
    return found;
  };

  // Every service at once (the health checks mostly wait); printed in order.
  const perService = services.map((service) =>
    checkService(service, described.get(service.name) ?? { error: "not described" }, {
      expectedImage: options.expectedImages?.get(service.name) ?? service.image,
      health: options.health,
      elb,
      ecs,
      describeTaskDefinition,
    }),
  );
  const checks: CheckResult[] = [];
  for (const [i, pending] of perService.entries()) {
    const results = await pending;
    reporter.info(`${services[i].name} (${services[i].serviceName} on ${services[i].cluster})`);
    for (const r of results) (r.status === "ok" || r.status === "skipped" ? reporter.info : reporter.error)(`  ${LABEL[r.status]} ${r.check}: ${r.message}`);
    checks.push(...results);
  }

  const failed = checks.filter((c) => c.status === "failed");
  const errors = checks.filter((c) => c.status === "error");
  const counted = checks.filter((c) => c.status !== "skipped").length;
  if (failed.length > 0) {
    reporter.error(`FAILED: ${failed.length} of ${counted} checks failed (${failed.map((c) => `${c.service}: ${c.check}`).join(", ")})${errors.length > 0 ? `; ${errors.length} could not run` : ""}`);
    return { checks, exitCode: ExitCode.CheckFailed };
  }
  if (errors.length > 0) {
    reporter.error(`UNKNOWN: ${errors.length} of ${counted} checks could not run (${errors.map((c) => `${c.service}: ${c.check}`).join(", ")}); no check failed`);
    return { checks, exitCode: ExitCode.AwsError };
  }
  reporter.info(`OK: ${counted} checks passed for ${services.length} service(s)`);
  return { checks, exitCode: ExitCode.Success };
}

const LABEL: Readonly<Record<CheckResult["status"], string>> = { ok: "ok     ", failed: "FAILED ", error: "ERROR  ", skipped: "-      " };

type Described = { service: Service } | { missing: string } | { error: string };

/** DescribeServices for every service, by cluster, 10 at a time. */
async function describeServices(ecs: ECSClient, services: readonly ServiceTarget[]): Promise<Map<string, Described>> {
  const result = new Map<string, Described>();
  const byCluster = new Map<string, ServiceTarget[]>();
  for (const s of services) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s]);
  for (const [cluster, members] of byCluster) {
    for (let i = 0; i < members.length; i += DESCRIBE_SERVICES_BATCH) {
      const batch = members.slice(i, i + DESCRIBE_SERVICES_BATCH);
      try {
        const out = await ecs.send(new DescribeServicesCommand({ cluster, services: batch.map((s) => s.serviceName) }));
        for (const s of batch) {
          const found = out.services?.find((d) => d.serviceName === s.serviceName);
          const failure = out.failures?.find((f) => f.arn?.endsWith(`/${s.serviceName}`) || f.arn === s.serviceName);
          if (found !== undefined && found.status !== "INACTIVE") result.set(s.name, { service: found });
          else result.set(s.name, { missing: found?.status ?? failure?.reason ?? "not returned" });
        }
      } catch (error) {
        for (const s of batch) result.set(s.name, { error: describeAwsError(error) });
      }
    }
  }
  return result;
}

interface ServiceContext {
  readonly expectedImage: string;
  readonly health: HealthCheckOptions | undefined;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly describeTaskDefinition: (taskDefinition: string) => Promise<TaskDefinition | undefined>;
  readonly ecs: ECSClient;
}

async function checkService(target: ServiceTarget, described: Described, context: ServiceContext): Promise<CheckResult[]> {
  const result = (check: CheckName, status: CheckResult["status"], message: string): CheckResult => ({ service: target.name, check, status, message });
  const health = checkHealthUrl(target, context, result);
  const targets = checkTargets(target, context, result);
  let ecsChecks: CheckResult[];
  if ("error" in described) {
    ecsChecks = [result("service", "error", described.error)];
  } else if ("missing" in described) {
    ecsChecks = [result("service", "failed", `service ${target.serviceName} not found in cluster ${target.cluster} (${described.missing})`)];
  } else {
    const service = described.service;
    ecsChecks = [await checkDeployment(target, service, context, result), checkRunningCount(service, result), await checkTaskImages(target, context, result)];
  }
  return [...ecsChecks, await targets, await health];
}

type Make = (check: CheckName, status: CheckResult["status"], message: string) => CheckResult;

/** The short name of a task definition ARN: `family:revision`. */
function shortTaskDefinition(arn: string | undefined): string {
  return arn?.split("/").pop() ?? "(none)";
}

/** The container that runs the expected image's repository, else the only or first one. */
function appContainer(definition: TaskDefinition | undefined, expectedImage: string): ContainerDefinition | undefined {
  const containers = definition?.containerDefinitions ?? [];
  const repository = parseImageReference(expectedImage).repository;
  return containers.find((c) => c.image !== undefined && parseImageReference(c.image).repository === repository) ?? containers.find((c) => c.essential !== false) ?? containers[0];
}

async function checkDeployment(target: ServiceTarget, service: Service, context: ServiceContext, make: Make): Promise<CheckResult> {
  const primary = service.deployments?.find((d) => d.status === "PRIMARY");
  if (primary === undefined) return make("deployment", "failed", `service has no PRIMARY deployment (deployments: ${(service.deployments ?? []).map((d) => d.status).join(", ") || "none"})`);
  const id = primary.id ?? "(no id)";
  const on = shortTaskDefinition(primary.taskDefinition);
  const problems: string[] = [];
  if (primary.rolloutState !== "COMPLETED") {
    problems.push(`rollout ${primary.rolloutState ?? "state not reported"}${primary.rolloutStateReason ? ` (${primary.rolloutStateReason})` : ""}`);
  }
  let found: string | undefined;
  let latest: string | undefined;
  try {
    const definition = await context.describeTaskDefinition(primary.taskDefinition ?? "");
    const container = appContainer(definition, context.expectedImage);
    found = container?.image;
    if (found === undefined) problems.push(`its task definition has no container image (containers: ${(definition?.containerDefinitions ?? []).map((c) => c.name).join(", ") || "none"})`);
    else if (!imageMatches(found, context.expectedImage)) problems.push(`container ${container?.name} runs ${found}, expected ${context.expectedImage}`);
    if (target.taskDefinitionFamily !== undefined) {
      latest = (await context.describeTaskDefinition(target.taskDefinitionFamily))?.taskDefinitionArn;
      if (latest !== undefined && latest !== primary.taskDefinition) problems.push(`the family's latest revision is ${shortTaskDefinition(latest)}`);
    }
  } catch (error) {
    return make("deployment", "error", `deployment ${id} is ${primary.rolloutState ?? "?"} on ${on}; reading its task definition failed: ${describeAwsError(error)}`);
  }
  if (problems.length === 0) return make("deployment", "ok", `deployment ${id} COMPLETED on ${on}, image ${found}`);
  const rollback = (service.events ?? []).find((e) => /roll(ing|ed)? ?back|circuit breaker/i.test(e.message ?? ""));
  const rolledBack = problems.some((p) => p.includes("expected") || p.includes("latest revision")) ? " (rolled back by the circuit breaker or an alarm?)" : "";
  return make(
    "deployment",
    "failed",
    `deployment ${id} on ${on}: ${problems.join("; ")}${rolledBack}${rollback?.message ? `; last rollback event: ${rollback.message}` : ""}`,
  );
}

function checkRunningCount(service: Service, make: Make): CheckResult {
  const running = service.runningCount ?? 0;
  const desired = service.desiredCount ?? 0;
  const pending = service.pendingCount ?? 0;
  if (running === desired) return make("running count", "ok", `${running} running of ${desired} desired`);
  return make("running count", "failed", `${running} running of ${desired} desired${pending > 0 ? ` (${pending} pending)` : ""}`);
}

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_TASKS_BATCH = 100;

/** The digest a task's container runs: ECS's `imageDigest`, else the digest its image reference pins. */
function runningDigest(container: NonNullable<Task["containers"]>[number]): string | undefined {
  return container.imageDigest ?? (container.image === undefined ? undefined : parseImageReference(container.image).digest);
}

/**
 * What the running tasks really run, from ECS (DescribeTasks gives each container's `imageDigest`): with a digest
 * expected, every running task's container of the expected repository runs exactly it; with a tag, every task runs
 * the same digest (a tag moved during a rollout would show as two).
 */
async function checkTaskImages(target: ServiceTarget, context: ServiceContext, make: Make): Promise<CheckResult> {
  const expected = parseImageReference(context.expectedImage);
  let tasks: Task[] = [];
  try {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await context.ecs.send(new ListTasksCommand({ cluster: target.cluster, serviceName: target.serviceName, desiredStatus: "RUNNING", nextToken }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_BATCH) {
      const out = await context.ecs.send(new DescribeTasksCommand({ cluster: target.cluster, tasks: arns.slice(i, i + DESCRIBE_TASKS_BATCH) }));
      tasks.push(...(out.tasks ?? []));
    }
  } catch (error) {
    return make("task images", "error", describeAwsError(error));
  }
  tasks = tasks.filter((t) => t.lastStatus === "RUNNING");
  // No task at all is the running count's finding (or a service scaled to zero): nothing to compare here.
  if (tasks.length === 0) return make("task images", "skipped", "no running task");
  const seen = new Map<string, string[]>();
  const problems: string[] = [];
  for (const task of tasks) {
    const id = task.taskArn?.split("/").pop() ?? "?";
    const container = (task.containers ?? []).find((c) => c.image !== undefined && parseImageReference(c.image).repository === expected.repository);
    const digest = container === undefined ? undefined : runningDigest(container);
    if (container === undefined) problems.push(`task ${id} has no container of ${expected.repository}`);
    else if (digest === undefined) problems.push(`task ${id} reports no image digest for container ${container.name}`);
    else seen.set(digest, [...(seen.get(digest) ?? []), id]);
  }
  const summary = [...seen].map(([digest, ids]) => `${digest} (${ids.length} task${ids.length === 1 ? "" : "s"})`).join(", ");
  if (expected.digest !== undefined) {
    for (const [digest, ids] of seen) if (digest !== expected.digest) problems.push(`task${ids.length === 1 ? "" : "s"} ${ids.join(", ")} run${ids.length === 1 ? "s" : ""} ${digest}, expected ${expected.digest}`);
  } else if (seen.size > 1) {
    problems.push(`the tasks run ${seen.size} different digests of ${context.expectedImage}: ${summary}`);
  }
  if (problems.length > 0) return make("task images", "failed", problems.join("; "));
  return make("task images", "ok", `${tasks.length} running task(s) on ${summary}`);
}

function describeTarget(t: TargetHealthDescription): string {
  const id = `${t.Target?.Id ?? "?"}${t.Target?.Port !== undefined ? `:${t.Target.Port}` : ""}`;
  const health = t.TargetHealth;
  const why = [health?.Reason, health?.Description].filter((x) => x !== undefined && x.length > 0).join(": ");
  return `${id} ${health?.State ?? "unknown"}${why ? ` (${why})` : ""}`;
}

async function checkTargets(target: ServiceTarget, context: ServiceContext, make: Make): Promise<CheckResult> {
  if (target.targetGroupArn === undefined) return make("targets", "skipped", "no target group (the service has no route)");
  let descriptions: TargetHealthDescription[];
  try {
    const out = await context.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: target.targetGroupArn }));
    descriptions = out.TargetHealthDescriptions ?? [];
  } catch (error) {
    return make("targets", "error", describeAwsError(error));
  }
  // Targets of the previous tasks drain for the deregistration delay after a rollout: they are leaving, not failing.
  const draining = descriptions.filter((d) => d.TargetHealth?.State === "draining");
  const counted = descriptions.filter((d) => d.TargetHealth?.State !== "draining");
  const unhealthy = counted.filter((d) => d.TargetHealth?.State !== "healthy");
  const drainingNote = draining.length > 0 ? ` (${draining.length} draining, not counted)` : "";
  if (counted.length === 0) return make("targets", "failed", `no target registered in ${target.targetGroupArn}${drainingNote}`);
  if (unhealthy.length > 0) {
    return make("targets", "failed", `${unhealthy.length} of ${counted.length} targets not healthy: ${unhealthy.map(describeTarget).join(", ")}${drainingNote}`);
  }
  return make("targets", "ok", `${counted.length} healthy target(s)${drainingNote}`);
}

async function checkHealthUrl(target: ServiceTarget, context: ServiceContext, make: Make): Promise<CheckResult> {
  const url = target.healthCheckUrl;
  if (url === undefined) return make("health check", "skipped", "no health check URL (no route, or its path is not reachable through the route)");
  const seen = await checkHealth(url, context.health);
  if (seen.ok) {
    const retries = seen.attempts > 1 ? ` at attempt ${seen.attempts} (before: ${summarizeOutcomes(seen.outcomes.slice(0, -1))})` : "";
    return make("health check", "ok", `GET ${url}: HTTP 200 in ${seen.responseMs} ms${retries}`);
  }
  return make(
    "health check",
    "failed",
    `GET ${url}: no HTTP 200 in ${seen.attempts} attempt(s) over ${formatDuration(seen.elapsedMs)}; last: ${seen.outcomes.at(-1)}; seen: ${summarizeOutcomes(seen.outcomes)}`,
  );
}
