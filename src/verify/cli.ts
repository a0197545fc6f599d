import * as path from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Command, CommanderError, Option } from "commander";
import { digestOption, durationOption, tagOption } from "../operator/cli-options";
import { imageWithTag, parseImageReference } from "../operator/image-reference";
import { StackOutputs, readStackOutputs, requireOutput } from "../operator/stack-outputs";
import { HealthCheckOptions } from "./health";
import { JobReport, JobReportDeps, JOBS_OUTPUT_NAME, JobTarget, jobsFromOutput, reportJobs } from "./jobs";
import { SERVICES_OUTPUT_NAME, ServiceTarget, selectServices, servicesFromOutput } from "./services";
import { ExitCode, VerifyDeps, VerifyOptions, VerifyReporter, VerifyResult, consoleVerifyReporter, verifyServices } from "./verifier";

/** What {@link main} needs from the outside world; tests replace any of it. */
export interface VerifyCliDeps {
  /** Reads every output of a stack. @default {@link readStackOutputs} under `<projectRoot>/cdktf.out` */
  readonly readOutputs?: (stack: string) => Promise<StackOutputs>;
  /** Builds the AWS clients for a region. @default new ECSClient / ElasticLoadBalancingV2Client with the SDK's credential chain */
  readonly createClients?: (region: string | undefined) => Pick<VerifyDeps, "ecs" | "elb">;
  /** Runs the checks. @default {@link verifyServices} */
  readonly run?: (services: readonly ServiceTarget[], options: VerifyOptions, deps: VerifyDeps) => Promise<VerifyResult>;
  /** Builds the CloudWatch Logs client the job report reads each job's last run with. @default new CloudWatchLogsClient */
  readonly createLogsClient?: (region: string | undefined) => CloudWatchLogsClient;
  /** Reports the jobs' last runs. @default {@link reportJobs} */
  readonly runJobs?: (jobs: readonly JobTarget[], deps: JobReportDeps) => Promise<JobReport[]>;
  /** Output of the checks. @default {@link consoleVerifyReporter} */
  readonly reporter?: VerifyReporter;
  /** Help: standard output. @default process.stdout */
  readonly writeOut?: (text: string) => void;
  /** Usage errors: standard error. @default process.stderr */
  readonly writeErr?: (text: string) => void;
  /** Folder holding `cdktf.out`. @default the current directory */
  readonly projectRoot?: string;
  /** Health check settings that the flags do not cover (tests shorten the delays). @default none */
  readonly health?: Omit<HealthCheckOptions, "timeoutMs" | "requestTimeoutMs">;
}

interface RawOptions {
  stack?: string;
  imageTag?: string;
  imageDigest?: string;
  service?: string[];
  job?: string[];
  /** false with --no-jobs. */
  jobs: boolean;
  region?: string;
  healthTimeout: number;
  requestTimeout: number;
}

const EPILOG = `
Reads the stack's "services" output (terraform -chdir=cdktf.out/stacks/<stack> output -json; run terraform init
there first) and checks, for every service of the environment or those named with --service:
  deployment     the primary deployment is COMPLETED, on the latest revision of its task definition family, whose
                 container runs the expected image: the output's image (the environment file's digest), or with
                 --image-digest / --image-tag the release image's repository at that digest / tag (so not rolled
                 back by the circuit breaker or an alarm)
  running count  running tasks = desired tasks
  task images    every running task runs the expected digest, as ECS reports it per container (DescribeTasks
                 imageDigest); expecting a tag, all tasks run one digest
  targets        every target of its target group is healthy (draining targets are leaving and do not count);
                 services without a target group skip this
  health check   GET <health_check_url> answers 200 (timeout per request, retries with backoff up to
                 --health-timeout); services without a health check URL skip this
and, from the "jobs" output, each scheduled job's last run (all jobs, or those named with --job; none when only
--service is given, or with --no-jobs): the newest log stream of its log group and the closing line its container
printed there (exit code, duration); a non-zero exit or a run that ended without that line fails, a job that never
ran is noted. The deploy workflow verifies with --no-jobs: a job has its own failure rule and alarm, and right after
a deploy it has usually not run the new release yet, so an earlier failed run must not block the release that fixes
it.
Every failure says what it saw. Needs ecs:DescribeServices, ecs:DescribeTaskDefinition, ecs:ListTasks,
ecs:DescribeTasks, elasticloadbalancing:DescribeTargetHealth, logs:DescribeLogStreams and logs:GetLogEvents.

Examples:
  npm run verify -- --stack whcsites-staging
  npm run verify -- --stack whcsites-production --image-digest sha256:<64 hex digits>
  npm run verify -- --stack whcsites-production --service api --service admin
  npm run verify -- --stack whcsites-kinds --job nightly-cleanup
  npm run verify -- --stack whcsites-staging --no-jobs --image-digest sha256:<64 hex digits>     (deploy.yml)

Exit codes:
  0  every check passed
  1  a check failed (the deploy is not what was asked for), even if other checks could not run
  2  invalid arguments or configuration (unknown service, stack not synthesized or not initialised, bad output)
  3  no check failed, but some could not run: an AWS call failed (credentials, permissions, throttling, endpoint)
`;



/** The commander program of the verifier (exported for its help text). */
export function buildProgram(writeOut: (s: string) => void, writeErr: (s: string) => void): Command {
  return new Command("verify")
    .description("Check a deploy: each service's deployment, task count, target health and health check URL.")
    .usage("--stack <name> [--image-digest <sha256:...> | --image-tag <tag>] [--service <name>...] [options]")
    .option("--stack <name>", "environment stack to verify, e.g. whcsites-staging")
    .addOption(new Option("--image-digest <digest>", "expect the release image's repository at this digest (sha256:<64 hex digits>, the release just deployed)").argParser(digestOption).conflicts("imageTag"))
    .addOption(new Option("--image-tag <tag>", "expect the release image's repository at this tag (an environment file without a digest)").argParser(tagOption))
    .option("--service <names...>", "only these services (names of the services output; repeat, or comma-separate)")
    .option("--job <names...>", "only these scheduled jobs' last runs (names of the jobs output; repeat, or comma-separate)")
    .addOption(new Option("--no-jobs", "services only: skip the scheduled jobs' last runs (what a deploy checks)").conflicts("job"))
    .option("--region <region>", "AWS region (default: the stack's migration output, else AWS_REGION / profile)")
    .addOption(new Option("--health-timeout <duration>", "keep retrying the health check URL this long").argParser(durationOption).default(60_000, "60s"))
    .addOption(new Option("--request-timeout <duration>", "give up on one health check request after this long").argParser(durationOption).default(5_000, "5s"))
    .addHelpText("after", EPILOG)
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeOut, writeErr });
}

/** The region: the flag, else the `migration` output's, else the SDK's default chain. */
function regionOf(outputs: StackOutputs, flag: string | undefined): string | undefined {
  if (flag !== undefined) return flag;
  const migration = outputs.migration as { region?: unknown } | null | undefined;
  return typeof migration?.region === "string" && migration.region.length > 0 ? migration.region : undefined;
}

/**
 * The image each service must run: its configured image, or with `--image-tag` the release image's repository at
 * that tag for the services that run the release image (services with an image of their own keep it).
 */
function expectedImages(stack: string, outputs: StackOutputs, services: readonly ServiceTarget[], release: { tag?: string; digest?: string }): Map<string, string> {
  const expected = new Map(services.map((s) => [s.name, s.image]));
  if (release.tag === undefined && release.digest === undefined) return expected;
  const migration = outputs.migration as { image?: unknown } | null | undefined;
  let repository: string;
  if (typeof migration?.image === "string") {
    // The migration runs the release image: its repository is the one the tag or digest applies to.
    repository = parseImageReference(migration.image).repository;
  } else {
    const repositories = [...new Set(services.map((s) => parseImageReference(s.image).repository))];
    if (repositories.length !== 1) {
      throw new Error(
        `stack ${stack}: --image-${release.digest === undefined ? "tag" : "digest"} needs the release image, but the stack has no "migration" output with an image and the services run ${repositories.join(", ")}; name one repository's services with --service`,
      );
    }
    repository = repositories[0];
  }
  for (const s of services) {
    if (parseImageReference(s.image).repository !== repository) continue;
    expected.set(s.name, release.digest === undefined ? imageWithTag(s.image, release.tag as string) : `${repository}@${release.digest}`);
  }
  return expected;
}

/**
 * The verifier's command line: parses `argv` (as `process.argv`), reads the stack's outputs, runs the checks.
 *
 * @returns the process exit code (see {@link ExitCode}); never throws for expected failures
 */
export async function main(argv: readonly string[], deps: VerifyCliDeps = {}): Promise<number> {
  const writeOut = deps.writeOut ?? ((s: string) => void process.stdout.write(s));
  const writeErr = deps.writeErr ?? ((s: string) => void process.stderr.write(s));
  const program = buildProgram(writeOut, writeErr);
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    throw error;
  }
  const usage = (message: string): number => {
    writeErr(`verify: ${message}\n`);
    return ExitCode.Usage;
  };
  if (program.args.length > 0) return usage(`unexpected argument ${JSON.stringify(program.args[0])}; see --help`);
  const o = program.opts<RawOptions>();
  if (o.stack === undefined) return usage("give --stack <name> (for example --stack whcsites-staging)");
  const names = o.service?.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v.length > 0);
  const jobNames = o.job?.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v.length > 0);

  let services: ServiceTarget[];
  let jobs: JobTarget[];
  let options: VerifyOptions;
  let region: string | undefined;
  try {
    const outDir = path.join(deps.projectRoot ?? process.cwd(), "cdktf.out");
    const outputs = await (deps.readOutputs ?? ((stack: string) => readStackOutputs(stack, { outDir })))(o.stack);
    services = selectServices(servicesFromOutput(requireOutput(o.stack, outputs, SERVICES_OUTPUT_NAME), `stack ${o.stack}`), names);
    jobs = !o.jobs ? [] : selectJobs(jobsFromOutput(outputs[JOBS_OUTPUT_NAME], `stack ${o.stack}`), jobNames, names !== undefined && names.length > 0);
    options = {
      expectedImages: expectedImages(o.stack, outputs, services, { tag: o.imageTag, digest: o.imageDigest }),
      health: { ...deps.health, timeoutMs: o.healthTimeout, requestTimeoutMs: o.requestTimeout },
    };
    region = regionOf(outputs, o.region);
  } catch (error) {
    return usage((error as Error).message);
  }

  const reporter = deps.reporter ?? consoleVerifyReporter;
  reporter.info(`Verifying ${o.stack}${region === undefined ? "" : ` in ${region}`}: ${services.map((s) => `${s.name} (expects ${options.expectedImages?.get(s.name)})`).join(", ")}`);
  const clients = (deps.createClients ?? defaultClients)(region);
  const result = await (deps.run ?? verifyServices)(services, options, { ...clients, reporter });
  if (jobs.length === 0) return result.exitCode;
  const logs = (deps.createLogsClient ?? ((r: string | undefined) => new CloudWatchLogsClient({ region: r })))(region);
  const reports = await (deps.runJobs ?? reportJobs)(jobs, { ecs: clients.ecs, logs, reporter });
  const failed = reports.filter((r) => r.status === "failed");
  const errors = reports.filter((r) => r.status === "error");
  if (failed.length > 0) reporter.error(`FAILED: the last run of ${failed.map((r) => r.job).join(", ")} failed`);
  else if (errors.length > 0) reporter.error(`UNKNOWN: the last run of ${errors.map((r) => r.job).join(", ")} could not be read`);
  else reporter.info(`OK: ${reports.length} job(s) reported`);
  // A failure anywhere wins; then an AWS error anywhere.
  if (result.exitCode === ExitCode.CheckFailed || failed.length > 0) return ExitCode.CheckFailed;
  if (result.exitCode === ExitCode.AwsError || errors.length > 0) return ExitCode.AwsError;
  return result.exitCode;
}

/**
 * The jobs named, or all of them; none when only services are named (`--service` without `--job`).
 *
 * @throws Error naming the unknown names and the jobs the environment has
 */
function selectJobs(all: readonly JobTarget[], names: readonly string[] | undefined, servicesNamed: boolean): JobTarget[] {
  if (names === undefined || names.length === 0) return servicesNamed ? [] : [...all];
  const unknown = names.filter((n) => !all.some((j) => j.name === n));
  if (unknown.length > 0) {
    throw new Error(`--job ${unknown.map((n) => JSON.stringify(n)).join(", ")}: no such job; the environment has ${all.length === 0 ? "no jobs" : all.map((j) => j.name).join(", ")}`);
  }
  return [...new Set(names)].map((n) => all.find((j) => j.name === n) as JobTarget);
}

function defaultClients(region: string | undefined): Pick<VerifyDeps, "ecs" | "elb"> {
  return { ecs: new ECSClient({ region }), elb: new ElasticLoadBalancingV2Client({ region }) };
}
