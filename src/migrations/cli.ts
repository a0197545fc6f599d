import * as path from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { Command, CommanderError, Option } from "commander";
import { parseDuration } from "../operator/duration";
import { durationOption, imageOption, tagOption } from "../operator/cli-options";
import { ExitCode, MigrationResult, MigrationRunOptions, MigrationRunnerDeps, Reporter, consoleReporter, runMigration } from "./runner";
import { MigrationTarget, readStackTarget, validateTarget } from "./target";
import { Watchdog, WatchedTask, startWatchdog } from "./watchdog";

/** Default `--timeout`. */
export const DEFAULT_TIMEOUT = "15m";

/** What {@link main} needs from the outside world; tests replace any of it. */
export interface CliDeps {
  /** Reads the `migration` output of a stack. @default {@link readStackTarget} under `<projectRoot>/cdktf.out` */
  readonly readTarget?: (stack: string) => Promise<MigrationTarget>;
  /** Builds the AWS clients for a region. @default new ECSClient / CloudWatchLogsClient with the SDK's credential chain */
  readonly createClients?: (region: string | undefined) => Pick<MigrationRunnerDeps, "ecs" | "logs">;
  /** Runs the migration. @default {@link runMigration} */
  readonly run?: (target: MigrationTarget, options: MigrationRunOptions, deps: MigrationRunnerDeps) => Promise<MigrationResult>;
  /** Output of the run. @default {@link consoleReporter} */
  readonly reporter?: Reporter;
  /** Help and usage errors: standard output. @default process.stdout */
  readonly writeOut?: (text: string) => void;
  /** Help and usage errors: standard error. @default process.stderr */
  readonly writeErr?: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM by the entry script (reason "SIGINT" or "SIGTERM"). @default none */
  readonly signal?: AbortSignal;
  /** Folder holding `cdktf.out`. @default the current directory */
  readonly projectRoot?: string;
  /** Starts the process that stops the task if the runner is killed. @default {@link startWatchdog} */
  readonly startWatchdog?: (task: WatchedTask) => Watchdog;
}

/** The options commander hands over, before checking. */
interface RawOptions {
  stack?: string;
  imageTag?: string;
  expectedImage?: string;
  timeout: number;
  dryRun?: boolean;
  nonInteractive?: boolean;
  cluster?: string;
  taskDefinition?: string;
  subnets?: string[];
  securityGroups?: string[];
  logGroup?: string;
  logStreamPrefix?: string;
  container: string;
  region?: string;
  startedBy?: string;
}

/** Flags that describe the target by hand: only the deploy gate's --non-interactive form uses them. */
const EXPLICIT_FLAGS: ReadonlyArray<[keyof RawOptions, string]> = [
  ["cluster", "--cluster"],
  ["taskDefinition", "--task-definition"],
  ["subnets", "--subnets"],
  ["securityGroups", "--security-groups"],
  ["logGroup", "--log-group"],
  ["logStreamPrefix", "--log-stream-prefix"],
  ["region", "--region"],
  ["startedBy", "--started-by"],
];

const EPILOG = `
Forms:
  Operator:     npm run migrate -- --stack whcsites-staging [--image-tag 1.4.0] [--dry-run] [--timeout 15m]
                Reads cluster, task definition, subnets, security groups and logs from the stack's "migration"
                Terraform output (terraform -chdir=cdktf.out/stacks/<stack> output -json).
  Deploy gate:  npm run migrate -- --non-interactive --cluster <name|arn> --task-definition <arn>
                  --subnets subnet-a,subnet-b --security-groups sg-x [--container api] [--region eu-west-1]
                  [--log-group /whcsites/staging/api --log-stream-prefix migrate] [--expected-image <image>]

Images: <repository>:<tag> or <repository>@sha256:<64 hex digits> (a digest pins the exact bits; then the digest
decides, a tag next to it is a label). --image-tag takes a tag only; give a digest with --expected-image.

Safety rails: refuses when the task definition's image is not the one asked for (--image-tag, --expected-image,
or the stack's configured image), refuses while another task started by the migration marker is running or still
stopping, --dry-run makes no changing call.

Stopping: on timeout, Ctrl-C (SIGINT), SIGTERM or SIGHUP, when the runner's parent process exits (Terraform
interrupted) or its output breaks (EPIPE), the runner calls StopTask and waits for the task to reach STOPPED before
it exits. A detached watchdog process stops the task if the runner is killed outright (SIGKILL).

Exit codes:
  0    migration container exited 0 (or dry run OK)
  1    migration ran and its container exited non-zero
  2    invalid arguments or configuration
  3    refused by a safety rail (nothing started)
  4    task failed to start (RunTask failures, CannotPullContainerError, ResourceInitializationError, ...)
  5    timed out (the task was stopped)
  6    unexpected AWS error (credentials, permissions, throttling, an endpoint answering non-JSON)
  129  lost its caller: parent process exited, output closed (EPIPE) or SIGHUP; task stopped
  130  interrupted by SIGINT (Ctrl-C), task stopped
  143  interrupted by SIGTERM, task stopped
`;




function listOption(value: string, previous: string[] | undefined): string[] {
  const items = value.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
  return [...(previous ?? []), ...items];
}

/** The commander program of the runner (exported for its help text). */
export function buildProgram(writeOut: (s: string) => void, writeErr: (s: string) => void): Command {
  return new Command("migrate")
    .description("Run the database migration as a one-off ECS Fargate task, stream its log and wait for its exit code.")
    .usage("--stack <name> [options] | --non-interactive --cluster <c> --task-definition <td> --subnets <ids> --security-groups <ids> [options]")
    .option("--stack <name>", "environment stack to read the migration target from, e.g. whcsites-staging")
    .addOption(new Option("--image-tag <tag>", "refuse unless the task definition runs <repository>:<tag> (the version about to be deployed)").argParser(tagOption))
    .addOption(new Option("--expected-image <image>", "refuse unless the task definition runs this image (<repository>:<tag> or <repository>@sha256:<digest>)").argParser(imageOption))
    .addOption(new Option("--timeout <duration>", "stop the task and fail after this long (90s, 15m, 1h)").argParser(durationOption).default(parseDuration(DEFAULT_TIMEOUT), DEFAULT_TIMEOUT))
    .option("--dry-run", "print what would run; start and stop nothing")
    .option("--non-interactive", "deploy-gate form: take the target from the flags below instead of --stack")
    .option("--cluster <name>", "ECS cluster name or ARN (--non-interactive)")
    .option("--task-definition <arn>", "migration task definition ARN, family:revision or family (--non-interactive)")
    .option("--subnets <ids>", "private subnet ids, comma-separated or repeated (--non-interactive)", listOption)
    .option("--security-groups <ids>", "security group ids, comma-separated or repeated (--non-interactive)", listOption)
    .option("--log-group <name>", "log group of the container (--non-interactive; default: from the task definition)")
    .option("--log-stream-prefix <prefix>", "awslogs stream prefix (--non-interactive; default: from the task definition)")
    .option("--container <name>", "container that runs the migration", "api")
    .option("--region <region>", "AWS region (--non-interactive; default: AWS_REGION / profile)")
    .option("--started-by <marker>", "startedBy marker of migration tasks (--non-interactive; default whcsites-migrate)")
    .addHelpText("after", EPILOG)
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeOut, writeErr });
}

/** Checks the flag combination; returns an error message or the target source. */
function resolveSource(o: RawOptions, explicitGiven: string[]): { error: string } | { stack: string } | { target: MigrationTarget } {
  if (o.imageTag !== undefined && o.expectedImage !== undefined) return { error: "give --image-tag or --expected-image, not both" };
  if (o.nonInteractive === true) {
    if (o.stack !== undefined) return { error: "--stack and --non-interactive exclude each other: the deploy gate passes the target as flags" };
    const missing = (
      [
        ["cluster", "--cluster"],
        ["taskDefinition", "--task-definition"],
        ["subnets", "--subnets"],
        ["securityGroups", "--security-groups"],
      ] as const
    )
      .filter(([key]) => o[key] === undefined)
      .map(([, flag]) => flag);
    if (missing.length > 0) return { error: `--non-interactive needs ${missing.join(", ")}` };
    const target: MigrationTarget = {
      cluster: o.cluster as string,
      taskDefinition: o.taskDefinition as string,
      containerName: o.container,
      subnetIds: o.subnets as string[],
      securityGroupIds: o.securityGroups as string[],
      region: o.region,
      logGroup: o.logGroup,
      logStreamPrefix: o.logStreamPrefix,
      startedBy: o.startedBy,
    };
    const problems = validateTarget(target);
    return problems.length > 0 ? { error: problems.join("; ") } : { target };
  }
  if (o.stack === undefined) return { error: "give --stack <name> (for example --stack whcsites-staging), or --non-interactive with the target flags" };
  if (explicitGiven.length > 0) {
    return { error: `${explicitGiven.join(", ")} only go with --non-interactive; with --stack the target comes from the stack's outputs` };
  }
  return { stack: o.stack };
}

/**
 * The runner's command line: parses `argv` (as `process.argv`), finds the target, runs the migration.
 *
 * @returns the process exit code (see {@link ExitCode}); never throws for expected failures
 */
export async function main(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const writeOut = deps.writeOut ?? ((s: string) => void process.stdout.write(s));
  const writeErr = deps.writeErr ?? ((s: string) => void process.stderr.write(s));
  const program = buildProgram(writeOut, writeErr);
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error.
      return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    }
    throw error;
  }
  if (program.args.length > 0) {
    writeErr(`migrate: unexpected argument ${JSON.stringify(program.args[0])}; see --help\n`);
    return ExitCode.Usage;
  }
  const options = program.opts<RawOptions>();
  const explicitGiven = EXPLICIT_FLAGS.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
  if (program.getOptionValueSource("container") === "cli" && options.nonInteractive !== true) explicitGiven.push("--container");
  const source = resolveSource(options, explicitGiven);
  if ("error" in source) {
    writeErr(`migrate: ${source.error}\n`);
    return ExitCode.Usage;
  }

  let target: MigrationTarget;
  if ("stack" in source) {
    const outDir = path.join(deps.projectRoot ?? process.cwd(), "cdktf.out");
    const readTarget = deps.readTarget ?? ((stack: string) => readStackTarget(stack, { outDir }));
    try {
      target = await readTarget(source.stack);
    } catch (error) {
      writeErr(`migrate: ${(error as Error).message}\n`);
      return ExitCode.Usage;
    }
  } else {
    target = source.target;
  }

  const clients = (deps.createClients ?? defaultClients)(target.region);
  const result = await (deps.run ?? runMigration)(
    target,
    {
      timeoutMs: options.timeout,
      dryRun: options.dryRun === true,
      imageTag: options.imageTag,
      expectedImage: options.expectedImage,
      signal: deps.signal,
    },
    { ...clients, reporter: deps.reporter ?? consoleReporter, startWatchdog: deps.startWatchdog ?? ((task) => startWatchdog(task)) },
  );
  return result.exitCode;
}

function defaultClients(region: string | undefined): Pick<MigrationRunnerDeps, "ecs" | "logs"> {
  return { ecs: new ECSClient({ region }), logs: new CloudWatchLogsClient({ region }) };
}
