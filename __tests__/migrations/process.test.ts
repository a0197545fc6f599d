/**
 * The runner as a real process (scripts/migrate.ts, as the deploy gate starts it) against a fake ECS and CloudWatch
 * Logs endpoint on 127.0.0.1: what happens to the task when the runner's caller goes away. Each case is about
 * processes, so each uses real ones: a real signal, a real parent that dies, a real pipe that breaks, a real SIGKILL.
 */
import { ChildProcess, spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { FakeAws, FakeCall, startFakeAws } from "./fake-aws";

const ROOT = path.join(__dirname, "..", "..");
const TASK_ARN = "arn:aws:ecs:eu-west-1:111122223333:task/whcsites-staging-service/0123456789abcdef0123456789abcdef";
const TD_ARN = "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-staging-migrate:7";

/** The deploy gate's command line (see src/constructs/release/deploy-gate.ts), against the fake endpoint. */
const RUNNER_ARGS = [
  "--require",
  "./scripts/register-ts.cjs",
  "scripts/migrate.ts",
  "--non-interactive",
  "--cluster",
  "whcsites-staging-service",
  "--task-definition",
  TD_ARN,
  "--subnets",
  "subnet-a,subnet-b",
  "--security-groups",
  "sg-1",
  "--container",
  "migrate",
  "--region",
  "eu-west-1",
  "--log-group",
  "/whcsites/staging/ecs/service",
  "--log-stream-prefix",
  "migrate",
  "--expected-image",
  "ghcr.io/example/whcsites-api:1.4.0",
  "--timeout",
  "10m",
];

/**
 * ECS as a long migration sees it: the task runs (and logs a line at every read) until StopTask; then it
 * deprovisions for one DescribeTasks and is STOPPED.
 */
async function startEcs(): Promise<FakeAws> {
  let stopped = false;
  let describesAfterStop = 0;
  let logLines = 0;
  return startFakeAws({
    DescribeTaskDefinition: () => ({
      taskDefinition: {
        taskDefinitionArn: TD_ARN,
        containerDefinitions: [
          {
            name: "migrate",
            image: "ghcr.io/example/whcsites-api:1.4.0",
            command: ["/app/bin/migrate"],
            logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/whcsites/staging/ecs/service", "awslogs-stream-prefix": "migrate" } },
          },
        ],
      },
    }),
    ListTasks: () => ({ taskArns: [] }),
    RunTask: () => ({ tasks: [{ taskArn: TASK_ARN, lastStatus: "PROVISIONING", desiredStatus: "RUNNING" }], failures: [] }),
    DescribeTasks: () => {
      if (!stopped) return { tasks: [{ taskArn: TASK_ARN, lastStatus: "RUNNING", desiredStatus: "RUNNING" }], failures: [] };
      describesAfterStop++;
      const lastStatus = describesAfterStop === 1 ? "DEPROVISIONING" : "STOPPED";
      return { tasks: [{ taskArn: TASK_ARN, lastStatus, desiredStatus: "STOPPED", stopCode: "UserInitiated" }], failures: [] };
    },
    StopTask: () => {
      stopped = true;
      return { task: { taskArn: TASK_ARN, lastStatus: "RUNNING", desiredStatus: "STOPPED" } };
    },
    GetLogEvents: () => {
      logLines++;
      return { events: [{ timestamp: logLines, message: `migrating step ${logLines}` }], nextForwardToken: `f/${logLines}` };
    },
  });
}

/** The environment of a process that talks to the fake endpoint only. */
function awsEnv(endpoint: FakeAws): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("AWS_")) delete env[name];
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "example",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Collects a process's output and resolves when it contains `pattern`. */
class Output {
  public text = "";
  private readonly waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];

  public constructor(...streams: Array<NodeJS.ReadableStream | null>) {
    for (const stream of streams) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        this.text += chunk;
        for (const waiter of [...this.waiters]) {
          if (waiter.pattern.test(this.text)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      });
    }
  }

  public waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    if (pattern.test(this.text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`output never matched ${pattern} within ${timeoutMs} ms:\n${this.text}`)), timeoutMs);
      this.waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isStopTask = (c: FakeCall): boolean => c.operation === "StopTask";

/** The DescribeTasks calls after the first StopTask: the wait for STOPPED. */
function describesAfterStop(endpoint: FakeAws): FakeCall[] {
  const stopAt = endpoint.calls.findIndex(isStopTask);
  return stopAt < 0 ? [] : endpoint.calls.slice(stopAt).filter((c) => c.operation === "DescribeTasks");
}

/** A case: its own endpoint; whatever it started is killed and the endpoint closed at the end. */
interface Case {
  readonly endpoint: FakeAws;
  startRunner(): { child: ChildProcess; output: Output };
  adopt(child: ChildProcess): void;
}

function withEndpoint(body: (c: Case) => Promise<void>): () => Promise<void> {
  return async () => {
    const endpoint = await startEcs();
    const started: ChildProcess[] = [];
    const c: Case = {
      endpoint,
      adopt: (child) => void started.push(child),
      startRunner: () => {
        const child = spawn(process.execPath, RUNNER_ARGS, { cwd: ROOT, env: awsEnv(endpoint), stdio: ["ignore", "pipe", "pipe"] });
        started.push(child);
        return { child, output: new Output(child.stdout, child.stderr) };
      },
    };
    try {
      await body(c);
    } finally {
      for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await endpoint.close();
    }
  };
}

// Concurrent: each case mostly waits (process start, the waiters' delays), and Jest runs one file at a time on two cores.
describe("the runner process stops its task when its caller goes away", () => {
  it.concurrent("Ctrl-C (SIGINT): StopTask, waits until the task is STOPPED, exits 130", withEndpoint(async ({ endpoint, startRunner }) => {
    // GIVEN a running migration
    const { child, output } = startRunner();
    const exited = exitOf(child);
    await output.waitFor(/task PROVISIONING -> RUNNING/);

    // WHEN the operator presses Ctrl-C
    child.kill("SIGINT");

    // THEN
    const exit = await exited;
    expect(exit.code).toBe(130);
    const stop = endpoint.calls.filter(isStopTask);
    expect(stop.map((c) => c.input.reason)).toEqual(["whcsites migrate: interrupted by operator (SIGINT)"]);
    // It exited only after ECS said STOPPED (DEPROVISIONING first).
    expect(describesAfterStop(endpoint).length).toBeGreaterThanOrEqual(2);
    expect(output.text).toContain(`migration interrupted by operator (SIGINT); stopped task ${TASK_ARN}.`);
  }));

  it.concurrent("its parent dies (local-exec's shell killed): StopTask, waits until STOPPED, exits", withEndpoint(async ({ endpoint, adopt }) => {
    // GIVEN the runner under `sh -c "...; exit $?"`, which forks it (dash and bash alike) as local-exec's shell does
    // on Debian and Ubuntu
    const command = [process.execPath, ...RUNNER_ARGS].map((a) => `'${a}'`).join(" ");
    const shell = spawn("/bin/sh", ["-c", `${command}; exit $?`], { cwd: ROOT, env: awsEnv(endpoint), stdio: ["ignore", "pipe", "pipe"] });
    adopt(shell);
    const output = new Output(shell.stdout, shell.stderr);
    await output.waitFor(/task PROVISIONING -> RUNNING/);
    const runnerPid = childOf(shell.pid as number);

    // WHEN Terraform is interrupted and kills the shell (SIGKILL: no signal reaches the runner)
    shell.kill("SIGKILL");

    // THEN the orphaned runner notices, stops the task, waits for STOPPED and ends
    await endpoint.waitFor(isStopTask);
    await waitUntilGone(runnerPid);
    expect(endpoint.calls.filter(isStopTask).map((c) => c.input.reason)).toEqual([
      "whcsites migrate: interrupted: the runner's parent process exited (Terraform interrupted?)",
    ]);
    expect(describesAfterStop(endpoint).length).toBeGreaterThanOrEqual(2);
    await output.waitFor(/migration interrupted: the runner's parent process exited \(Terraform interrupted\?\); stopped task/);
  }));

  it.concurrent("its output breaks (EPIPE, Terraform gone): StopTask, waits until STOPPED, exits 129", withEndpoint(async ({ endpoint, startRunner }) => {
    // GIVEN a running migration that prints its log lines
    const { child, output } = startRunner();
    const exited = exitOf(child);
    await output.waitFor(/\| migrating step 1/);

    // WHEN the reader of its standard output goes away
    child.stdout?.destroy();

    // THEN the next log line fails with EPIPE, and the runner stops the task
    const exit = await exited;
    expect(exit.code).toBe(129);
    expect(endpoint.calls.filter(isStopTask).map((c) => c.input.reason)).toEqual([
      "whcsites migrate: interrupted: the runner's output was closed (EPIPE: its reader is gone)",
    ]);
    expect(describesAfterStop(endpoint).length).toBeGreaterThanOrEqual(2);
    // Standard error still works and says why.
    expect(output.text).toMatch(/migrate: writing the output failed \(EPIPE\); stopping the migration task/);
  }));

  it.concurrent("the runner itself is killed (SIGKILL, where sh execs node): its watchdog stops the task and waits for STOPPED", withEndpoint(async ({ endpoint, startRunner }) => {
    // GIVEN a running migration and its watchdog
    const { child, output } = startRunner();
    const exited = exitOf(child);
    await output.waitFor(/Watchdog (\d+) stops the task/);
    await output.waitFor(/task PROVISIONING -> RUNNING/);
    const watchdogPid = Number(/Watchdog (\d+) stops the task/.exec(output.text)?.[1]);
    expect(isAlive(watchdogPid)).toBe(true);

    // WHEN the runner is killed outright
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");

    // THEN the watchdog stops the task, waits for STOPPED, and exits
    const stop = await endpoint.waitFor(isStopTask);
    expect(stop.input).toEqual({
      cluster: "whcsites-staging-service",
      task: TASK_ARN,
      reason: `whcsites migrate: the runner (pid ${child.pid}) ended before its task stopped (watchdog)`,
    });
    await waitUntilGone(watchdogPid);
    expect(describesAfterStop(endpoint).length).toBeGreaterThanOrEqual(2);
  }));

  it.concurrent("a released watchdog makes no call: a run that ends normally is stopped once", withEndpoint(async ({ endpoint, startRunner }) => {
    // GIVEN a running migration and its watchdog
    const { child, output } = startRunner();
    const exited = exitOf(child);
    await output.waitFor(/task PROVISIONING -> RUNNING/);
    const watchdogPid = Number(/Watchdog (\d+) stops the task/.exec(output.text)?.[1]);

    // WHEN the runner stops the task itself (SIGTERM) and exits
    child.kill("SIGTERM");
    expect((await exited).code).toBe(143);

    // THEN the watchdog ends without a call of its own
    await waitUntilGone(watchdogPid);
    expect(endpoint.calls.filter(isStopTask)).toHaveLength(1);
  }));
});

/** The pid of a process's only child (the runner under its shell), from /proc (Linux). */
function childOf(parentPid: number): number {
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; field 2 (the name) may hold spaces, so split after ")".
        return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(")").pop()?.trim().split(" ")[1]) === parentPid;
      } catch {
        return false; // gone meanwhile
      }
    });
  if (children.length !== 1) throw new Error(`expected one child of ${parentPid}, found ${JSON.stringify(children)}`);
  return Number(children[0]);
}
