import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { StackOutputs } from "../../src/operator/stack-outputs";
import { VerifyCliDeps, main } from "../../src/verify/cli";
import { ServiceTarget } from "../../src/verify/services";
import { ExitCode, VerifyOptions } from "../../src/verify/verifier";

const REPO = "ghcr.io/example/whcsites";
const TG = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/whcsites-staging-api/0123456789abcdef";

/** Outputs as `terraform output -json` gives them after the multi-service change (values only). */
const OUTPUTS: StackOutputs = {
  api_url: "https://api.example.org",
  cluster_name: "whcsites-staging-service",
  migration: { cluster: "whcsites-staging-service", region: "eu-west-1", image: `${REPO}:1.5.0` },
  services: {
    api: {
      service_name: "whcsites-staging-api",
      cluster: "whcsites-staging-service",
      task_definition_family: "whcsites-staging-api",
      log_group_name: "/whcsites/staging/ecs/api",
      image: `${REPO}:1.5.0`,
      target_group_arn: TG,
      url: "https://api.example.org",
      health_check_url: "https://api.example.org/healthz",
    },
    // No route: the synthesized output leaves the route fields out (the example environments do).
    worker: {
      service_name: "whcsites-staging-worker",
      cluster: "whcsites-staging-service",
      task_definition_family: "whcsites-staging-worker",
      log_group_name: "/whcsites/staging/ecs/worker",
      image: `${REPO}:1.5.0`,
    },
    proxy: {
      service_name: "whcsites-staging-proxy",
      cluster: "whcsites-staging-service",
      image: "public.ecr.aws/nginx/nginx:1.27",
      target_group_arn: null,
      url: null,
      health_check_url: null,
    },
  },
};

interface Harness {
  readonly deps: VerifyCliDeps;
  readonly out: string[];
  readonly err: string[];
  readonly runs: Array<{ services: readonly ServiceTarget[]; options: VerifyOptions }>;
  readonly regions: Array<string | undefined>;
}

function harness(outputs: StackOutputs | Error = OUTPUTS, exitCode: number = ExitCode.Success): Harness {
  const out: string[] = [];
  const err: string[] = [];
  const runs: Harness["runs"] = [];
  const regions: Array<string | undefined> = [];
  const deps: VerifyCliDeps = {
    writeOut: (s) => out.push(s),
    writeErr: (s) => err.push(s),
    reporter: { info: (l) => out.push(l), error: (l) => err.push(l) },
    readOutputs: async () => {
      if (outputs instanceof Error) throw outputs;
      return outputs;
    },
    createClients: (region) => {
      regions.push(region);
      return { ecs: new ECSClient({ region: "eu-west-1" }), elb: new ElasticLoadBalancingV2Client({ region: "eu-west-1" }) };
    },
    run: async (services, options) => {
      runs.push({ services, options });
      return { checks: [], exitCode };
    },
  };
  return { deps, out, err, runs, regions };
}

const argv = (...args: string[]): string[] => ["node", "scripts/verify.ts", ...args];

describe("verify CLI", () => {
  it("--help exits 0 and lists the checks and the exit codes", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(argv("--help"), h.deps);

    // THEN
    expect(code).toBe(0);
    const help = h.out.join("");
    expect(help).toMatch(/^Usage: verify --stack <name> \[--image-digest <sha256:\.\.\.> \| --image-tag <tag>\] \[--service <name>\.\.\.\]/);
    for (const flag of ["--stack <name>", "--image-tag <tag>", "--service <names...>", "--region <region>", "--health-timeout <duration>", "--request-timeout <duration>"]) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/Exit codes:\n {2}0 {2}every check passed\n {2}1 {2}a check failed.*\n {2}2 {2}invalid arguments or configuration.*\n {2}3 {2}no check failed, but some could not run/);
    expect(h.runs).toHaveLength(0);
  });

  it("reads the services output, checks every service with its own image, in the migration output's region", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging"), h.deps);

    // THEN
    expect(code).toBe(0);
    expect(h.regions).toEqual(["eu-west-1"]);
    expect(h.runs[0].services.map((s) => s.name)).toEqual(["api", "proxy", "worker"]);
    expect(h.runs[0].services[0]).toEqual({
      name: "api",
      serviceName: "whcsites-staging-api",
      cluster: "whcsites-staging-service",
      image: `${REPO}:1.5.0`,
      taskDefinitionFamily: "whcsites-staging-api",
      targetGroupArn: TG,
      url: "https://api.example.org",
      healthCheckUrl: "https://api.example.org/healthz",
    });
    expect(h.runs[0].services[2]).toEqual({
      name: "worker",
      serviceName: "whcsites-staging-worker",
      cluster: "whcsites-staging-service",
      image: `${REPO}:1.5.0`,
      taskDefinitionFamily: "whcsites-staging-worker",
      targetGroupArn: undefined,
      url: undefined,
      healthCheckUrl: undefined,
    });
    expect([...(h.runs[0].options.expectedImages ?? [])]).toEqual([
      ["api", `${REPO}:1.5.0`],
      ["proxy", "public.ecr.aws/nginx/nginx:1.27"],
      ["worker", `${REPO}:1.5.0`],
    ]);
    expect(h.runs[0].options.health).toMatchObject({ timeoutMs: 60_000, requestTimeoutMs: 5_000 });
  });

  it("--image-tag expects the release image's repository at that tag, for the services that run it", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    await main(argv("--stack", "whcsites-staging", "--image-tag", "1.6.0"), h.deps);

    // THEN
    expect(Object.fromEntries(h.runs[0].options.expectedImages ?? [])).toEqual({
      api: `${REPO}:1.6.0`,
      worker: `${REPO}:1.6.0`,
      proxy: "public.ecr.aws/nginx/nginx:1.27",
    });
  });

  it("--service selects services, repeated or comma-separated; --region and the timeouts are passed on", async () => {
    // GIVEN
    const h = harness();

    // WHEN
    await main(argv("--stack", "whcsites-staging", "--service", "worker,api", "--service", "api", "--region", "eu-central-1", "--health-timeout", "2m", "--request-timeout", "3s"), h.deps);

    // THEN
    expect(h.runs[0].services.map((s) => s.name)).toEqual(["worker", "api"]);
    expect(h.regions).toEqual(["eu-central-1"]);
    expect(h.runs[0].options.health).toMatchObject({ timeoutMs: 120_000, requestTimeoutMs: 3_000 });
  });

  it("returns the checks' exit code", async () => {
    // GIVEN
    const h = harness(OUTPUTS, ExitCode.CheckFailed);

    // WHEN / THEN
    await expect(main(argv("--stack", "whcsites-staging"), h.deps)).resolves.toBe(ExitCode.CheckFailed);
  });

  it.each([
    [[], "verify: give --stack <name> (for example --stack whcsites-staging)\n"],
    [["--stack", "s", "--bogus"], /unknown option '--bogus'/],
    [["--stack", "s", "extra"], 'verify: unexpected argument "extra"; see --help\n'],
    [["--stack", "s", "--image-tag", `sha256:${"a".repeat(64)}`], /that is a digest, not a tag/],
    [["--stack", "s", "--health-timeout", "soon"], /invalid duration "soon"/],
    [["--stack", "whcsites-staging", "--service", "api,admin"], 'verify: --service "admin": no such service; the environment has api, proxy, worker\n'],
  ])("rejects %j with a usage error (exit 2) and checks nothing", async (args, message) => {
    // GIVEN
    const h = harness();

    // WHEN
    const code = await main(argv(...(args as string[])), h.deps);

    // THEN
    expect(code).toBe(ExitCode.Usage);
    if (typeof message === "string") expect(h.err.join("")).toBe(message);
    else expect(h.err.join("")).toMatch(message);
    expect(h.runs).toHaveLength(0);
  });

  it("says the stack has no services output and lists the outputs it has (exit 2)", async () => {
    // GIVEN a stack deployed before the multi-service outputs
    const h = harness({ api_url: "https://api.example.org", service_name: "whcsites-staging-service", migration: {} });

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging"), h.deps);

    // THEN
    expect(code).toBe(ExitCode.Usage);
    expect(h.err.join("")).toBe('verify: stack whcsites-staging: no "services" output in the Terraform state (outputs: api_url, service_name, migration)\n');
  });

  it("reports an unusable services output, one line per problem (exit 2)", async () => {
    // GIVEN
    const h = harness({
      services: {
        api: { service_name: "", cluster: "c", image: "ghcr.io/x/api@sha256:123", target_group_arn: "tg-1", health_check_url: "not a url" },
        worker: "whcsites-staging-worker",
      },
    });

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging"), h.deps);

    // THEN
    expect(code).toBe(ExitCode.Usage);
    expect(h.err.join("")).toBe(
      [
        'verify: stack whcsites-staging: the "services" output is not usable:',
        '  - api.service_name: got ""; allowed: a non-empty string',
        '  - api.target_group_arn: got "tg-1"; allowed: a target group ARN (arn:aws:elasticloadbalancing:...) or null',
        '  - api.health_check_url: got "not a url"; allowed: an http(s) URL or null',
        '  - api.image: got "ghcr.io/x/api@sha256:123"; digest "sha256:123" is not sha256:<64 lowercase hex digits>',
        '  - worker: must be an object, got "whcsites-staging-worker"',
        "",
      ].join("\n"),
    );
  });

  it("reports a stack whose outputs cannot be read (exit 2)", async () => {
    // GIVEN
    const h = harness(new Error("stack whcsites-staging: cdktf.out/stacks/whcsites-staging does not exist. Run `npx cdktf synth` and `terraform -chdir=... init` first."));

    // WHEN
    const code = await main(argv("--stack", "whcsites-staging"), h.deps);

    // THEN
    expect(code).toBe(ExitCode.Usage);
    expect(h.err.join("")).toMatch(/^verify: stack whcsites-staging: cdktf\.out\/stacks\/whcsites-staging does not exist/);
  });
});
