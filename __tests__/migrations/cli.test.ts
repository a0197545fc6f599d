import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { CliDeps, main } from "../../src/migrations/cli";
import { ExitCode, MigrationResult, MigrationRunOptions } from "../../src/migrations/runner";
import { MigrationTarget } from "../../src/migrations/target";

const STACK_TARGET: MigrationTarget = {
  cluster: "whcsites-staging",
  taskDefinition: "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-staging-migrate:7",
  containerName: "api",
  subnetIds: ["subnet-aaa", "subnet-bbb"],
  securityGroupIds: ["sg-123"],
  region: "eu-west-1",
};

interface Harness {
  readonly deps: CliDeps;
  readonly out: string[];
  readonly err: string[];
  readonly runs: Array<{ target: MigrationTarget; options: MigrationRunOptions }>;
  readonly stacksRead: string[];
  readonly regions: Array<string | undefined>;
}

function harness(result: Partial<MigrationResult> = {}, readTarget?: (stack: string) => Promise<MigrationTarget>): Harness {
  const out: string[] = [];
  const err: string[] = [];
  const runs: Harness["runs"] = [];
  const stacksRead: string[] = [];
  const regions: Array<string | undefined> = [];
  const deps: CliDeps = {
    writeOut: (s) => out.push(s),
    writeErr: (s) => err.push(s),
    readTarget:
      readTarget ??
      (async (stack) => {
        stacksRead.push(stack);
        return STACK_TARGET;
      }),
    createClients: (region) => {
      regions.push(region);
      return { ecs: new ECSClient({ region: "eu-west-1" }), logs: new CloudWatchLogsClient({ region: "eu-west-1" }) };
    },
    run: async (target, options) => {
      runs.push({ target, options });
      return { outcome: "succeeded", exitCode: 0, message: "ok", ...result };
    },
  };
  return { deps, out, err, runs, stacksRead, regions };
}

const argv = (...args: string[]): string[] => ["node", "scripts/migrate.ts", ...args];

describe("migrate CLI", () => {
  it("--help prints the usage, both forms and the exit codes, and exits 0", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(argv("--help"), h.deps);

    // THEN
    expect(code).toBe(0);
    const help = h.out.join("");
    expect(help).toMatch(/^Usage: migrate --stack <name> \[options\]/);
    for (const flag of ["--stack <name>", "--image-tag <tag>", "--dry-run", "--timeout <duration>", "--non-interactive", "--cluster", "--task-definition", "--subnets", "--security-groups", "--log-group", "--log-stream-prefix", "--container", "--region", "--expected-image"]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("npm run migrate -- --stack whcsites-staging");
    expect(help).toMatch(/130\s+interrupted by SIGINT/);
    expect(help).toMatch(/129\s+lost its caller: parent process exited, output closed \(EPIPE\) or SIGHUP; task stopped/);
    expect(help).toContain("<repository>@sha256:<64 hex digits>");
    expect(h.runs).toHaveLength(0);
  });

  it("--stack reads the stack's migration output and runs with the default 15m timeout", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging", "--image-tag", "1.4.0"), h.deps);

    // THEN
    expect(code).toBe(0);
    expect(h.stacksRead).toEqual(["whcsites-staging"]);
    expect(h.regions).toEqual(["eu-west-1"]);
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0].target).toBe(STACK_TARGET);
    expect(h.runs[0].options).toMatchObject({ timeoutMs: 900_000, dryRun: false, imageTag: "1.4.0", expectedImage: undefined });
  });

  it("passes --dry-run and a parsed --timeout", async () => {
    // GIVEN
    const h = harness({ outcome: "dry-run" });

    // WHEN
    await main(argv("--stack", "whcsites-staging", "--dry-run", "--timeout", "90s"), h.deps);

    // THEN
    expect(h.runs[0].options).toMatchObject({ dryRun: true, timeoutMs: 90_000 });
  });

  it("passes the signal from the entry script to the runner (Ctrl-C stops the task)", async () => {
    // GIVEN
    const h = harness();
    const controller = new AbortController();

    // WHEN
    await main(argv("--stack", "whcsites-staging"), { ...h.deps, signal: controller.signal });

    // THEN
    expect(h.runs[0].options.signal).toBe(controller.signal);
  });

  it("returns the runner's exit code", async () => {
    // GIVEN
    const h = harness({ outcome: "timed-out", exitCode: ExitCode.TimedOut });

    // WHEN / THEN
    await expect(main(argv("--stack", "whcsites-staging"), h.deps)).resolves.toBe(ExitCode.TimedOut);
  });

  it("accepts an --expected-image pinned by digest", async () => {
    // GIVEN
    const h = harness();
    const image = `ghcr.io/example/whcsites-api@sha256:${"ab".repeat(32)}`;

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging", "--expected-image", image), h.deps);

    // THEN
    expect(code).toBe(0);
    expect(h.runs[0].options.expectedImage).toBe(image);
  });

  it("--non-interactive builds the target from explicit flags, lists comma-separated or repeated", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(
      argv(
        "--non-interactive",
        "--cluster", "whcsites-prod",
        "--task-definition", "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-prod-migrate:3",
        "--subnets", "subnet-a,subnet-b",
        "--subnets", "subnet-c",
        "--security-groups", "sg-1",
        "--log-group", "/whcsites/prod/api",
        "--log-stream-prefix", "migrate",
        "--container", "api",
        "--region", "eu-west-1",
        "--expected-image", "ghcr.io/example/whcsites-api:2.0.0",
        "--started-by", "whcsites-prod-migrate",
        "--timeout", "1h",
      ),
      h.deps,
    );

    // THEN
    expect(code).toBe(0);
    expect(h.stacksRead).toEqual([]);
    expect(h.runs[0].target).toEqual({
      cluster: "whcsites-prod",
      taskDefinition: "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-prod-migrate:3",
      containerName: "api",
      subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
      securityGroupIds: ["sg-1"],
      region: "eu-west-1",
      logGroup: "/whcsites/prod/api",
      logStreamPrefix: "migrate",
      startedBy: "whcsites-prod-migrate",
    });
    expect(h.runs[0].options).toMatchObject({ timeoutMs: 3_600_000, expectedImage: "ghcr.io/example/whcsites-api:2.0.0" });
    expect(h.regions).toEqual(["eu-west-1"]);
  });

  it.each([
    [["--timeout", "15x", "--stack", "s"], /argument '15x' is invalid\. invalid duration "15x"/],
    [["--bogus"], /unknown option '--bogus'/],
    [[], /give --stack <name>/],
    [["--stack", "s", "--cluster", "c"], /--cluster only go with --non-interactive/],
    [["--stack", "s", "--container", "worker"], /--container only go with --non-interactive/],
    [["--non-interactive", "--stack", "s"], /--stack and --non-interactive exclude each other/],
    [["--non-interactive", "--cluster", "c"], /--non-interactive needs --task-definition, --subnets, --security-groups/],
    [["--non-interactive", "--cluster", "c", "--task-definition", "t", "--subnets", "vpc-1", "--security-groups", "sg-1"], /subnetIds must hold subnet-\* ids only/],
    [["--stack", "s", "--image-tag", "1", "--expected-image", "x:1"], /give --image-tag or --expected-image, not both/],
    [["--stack", "s", "extra"], /unexpected argument "extra"/],
    [["--stack", "s", "--expected-image", "ghcr.io/x/api@sha256:1234"], /option '--expected-image <image>' argument 'ghcr\.io\/x\/api@sha256:1234' is invalid\. digest "sha256:1234" is not sha256:<64 lowercase hex digits>/],
    [["--stack", "s", "--image-tag", "@sha256:abc"], /argument '@sha256:abc' is invalid\. that is a digest, not a tag: give the full reference with --expected-image/],
    [["--stack", "s", "--image-tag", "-rc1"], /argument '-rc1' is invalid\. a tag is up to 128 letters/],
  ])("rejects %j with a usage error (exit 2) and runs nothing", async (args, message) => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(argv(...(args as string[])), h.deps);

    // THEN
    expect(code).toBe(ExitCode.Usage);
    expect(h.err.join("")).toMatch(message);
    expect(h.runs).toHaveLength(0);
  });

  it("reports an unreadable stack output without a stack trace (exit 2)", async () => {
    // GIVEN
    const h = harness({}, async () => {
      throw new Error('stack whcsites-staging: no "migration" output in the Terraform state (no outputs at all: has the stack been deployed?)');
    });

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging"), h.deps);

    // THEN
    expect(code).toBe(ExitCode.Usage);
    expect(h.err.join("")).toBe('migrate: stack whcsites-staging: no "migration" output in the Terraform state (no outputs at all: has the stack been deployed?)\n');
    expect(h.runs).toHaveLength(0);
  });
});
