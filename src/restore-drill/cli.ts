import * as path from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { consoleReporter, Reporter } from "../migrations/runner";
import { durationOption } from "../operator/cli-options";
import { parseDuration } from "../operator/duration";
import { DrillDeps, DrillExitCode, DrillOptions, DrillResult, runRestoreDrill } from "./drill";
import { DrillTarget, readDrillTarget } from "./target";

/** What {@link main} needs from the outside world; tests replace any of it. */
export interface DrillCliDeps {
  /** Reads the `restore_drill` output of a stack. @default {@link readDrillTarget} under `<projectRoot>/cdktf.out` */
  readonly readTarget?: (stack: string) => Promise<DrillTarget>;
  /** Builds the AWS clients for the environment's region. @default the SDK's clients with its credential chain */
  readonly createClients?: (region: string) => Pick<DrillDeps, "rds" | "ecs" | "logs">;
  /** Runs the drill. @default {@link runRestoreDrill} */
  readonly run?: (target: DrillTarget, options: DrillOptions, deps: DrillDeps) => Promise<DrillResult>;
  /** Output of the drill. @default {@link consoleReporter} */
  readonly reporter?: Reporter;
  /** Help and usage errors. @default process.stdout / process.stderr */
  readonly writeOut?: (text: string) => void;
  readonly writeErr?: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM/SIGHUP or a lost caller by the entry script. @default none */
  readonly signal?: AbortSignal;
  /** Folder holding `cdktf.out`. @default the current directory */
  readonly projectRoot?: string;
}

interface RawOptions {
  stack?: string;
  pointInTime?: Date;
  recoveryPoint?: string;
  instanceClass?: string;
  restoreTimeout: number;
  checkTimeout: number;
}

const EPILOG = `
What it does:
  1. reads the stack's "restore_drill" output (terraform -chdir=cdktf.out/stacks/<stack> output -json);
  2. refuses when a drill copy of the database exists already (another drill, or one a killed drill left);
  3. restores the database to a new instance <database>-drill-<time> in the isolated subnets, behind the security
     group that admits only the restore check, not public, single-AZ, no deletion protection: from the latest
     restorable time (default), --point-in-time, or --recovery-point (an RDS snapshot ARN, as AWS Backup's recovery
     points of the database are);
  4. runs the restore check task in the environment's cluster: psql, read-only, as the application's role; it prints
     the newest migration version;
  5. prints the measured restore time (RTO: until the copy was available and checked) and the data's age (RPO: how old
     the copy's data was when the drill started), each against the environment file's dr.rtoHours and dr.rpoHours;
  6. deletes the instance (no final snapshot, no kept backups) and waits until it is gone: also when a step fails,
     and on Ctrl-C, SIGTERM, SIGHUP or when its caller goes away. A second Ctrl-C quits at once; the instance is then
     being deleted, or the command to delete it is printed.

It costs the instance class's hours while it runs (about half an hour for a small database) and needs, besides
reading the stack's state: rds:DescribeDBInstances, DescribeDBSnapshots, RestoreDBInstanceToPointInTime,
RestoreDBInstanceFromDBSnapshot, AddTagsToResource, DeleteDBInstance; ecs:RunTask, DescribeTasks, ListTasks,
StopTask, DescribeTaskDefinition; iam:PassRole on the check task's execution role; logs:GetLogEvents.

Exit codes:
  0    restored, checked, within both targets
  1    restored, but the check failed (no schema, no migration, no login)
  2    invalid arguments or stack output
  3    refused: a drill copy of the database exists; nothing was started
  4    RDS refused the restore, or the copy failed
  5    the restore or the check timed out
  6    unexpected AWS error (credentials, permissions, throttling)
  7    restored and checked, but a recovery target was missed
  8    the temporary instance could not be deleted: delete it by hand (the command is printed)
  129  lost its caller (parent exited, output closed, SIGHUP); the copy was deleted
  130  interrupted by SIGINT (Ctrl-C); the copy was deleted
  143  interrupted by SIGTERM; the copy was deleted
`;

function isoTimeOption(value: string): Date {
  const parsed = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime())) {
    throw new InvalidArgumentError("use an ISO 8601 time with its zone, such as 2026-12-08T09:30:00Z");
  }
  return parsed;
}

/** The commander program of the drill (exported for its help text). */
export function buildDrillProgram(writeOut: (s: string) => void, writeErr: (s: string) => void): Command {
  return new Command("restore-drill")
    .description("Restore the environment's database to a temporary instance, check it, measure RTO and RPO, delete it.")
    .usage("--stack <name> [--point-in-time <ISO time> | --recovery-point <arn>] [options]")
    .option("--stack <name>", "environment stack whose database is restored, e.g. whcsites-production")
    .addOption(new Option("--point-in-time <time>", "restore the data as of this ISO 8601 time (within the automated backups' window)").argParser(isoTimeOption))
    .option("--recovery-point <arn>", "restore this recovery point (an RDS snapshot ARN in the environment's region)")
    .option("--instance-class <class>", "instance class of the copy (default: the database's)")
    .addOption(new Option("--restore-timeout <duration>", "give up when the copy is not available after this long").argParser(durationOption).default(parseDuration("2h"), "2h"))
    .addOption(new Option("--check-timeout <duration>", "give up on the check task after this long").argParser(durationOption).default(parseDuration("15m"), "15m"))
    .addHelpText("after", EPILOG)
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeOut, writeErr });
}

/**
 * The drill's command line: parses `argv` (as `process.argv`), reads the stack's target, runs the drill.
 *
 * @returns the process exit code (see {@link DrillExitCode}); never throws for expected failures
 */
export async function main(argv: readonly string[], deps: DrillCliDeps = {}): Promise<number> {
  const writeOut = deps.writeOut ?? ((s: string) => void process.stdout.write(s));
  const writeErr = deps.writeErr ?? ((s: string) => void process.stderr.write(s));
  const program = buildDrillProgram(writeOut, writeErr);
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? DrillExitCode.Success : DrillExitCode.Usage;
    throw error;
  }
  const usage = (message: string): number => {
    writeErr(`restore-drill: ${message}; see --help\n`);
    return DrillExitCode.Usage;
  };
  if (program.args.length > 0) return usage(`unexpected argument ${JSON.stringify(program.args[0])}`);
  const options = program.opts<RawOptions>();
  if (options.stack === undefined) return usage("give --stack <name> (for example --stack whcsites-production)");
  if (options.pointInTime !== undefined && options.recoveryPoint !== undefined) return usage("give --point-in-time or --recovery-point, not both");

  let target: DrillTarget;
  try {
    const outDir = path.join(deps.projectRoot ?? process.cwd(), "cdktf.out");
    target = await (deps.readTarget ?? ((stack: string) => readDrillTarget(stack, { outDir })))(options.stack);
  } catch (error) {
    writeErr(`restore-drill: ${(error as Error).message}\n`);
    return DrillExitCode.Usage;
  }
  const clients = (deps.createClients ?? defaultClients)(target.region);
  const result = await (deps.run ?? runRestoreDrill)(
    target,
    {
      pointInTime: options.pointInTime,
      recoveryPoint: options.recoveryPoint,
      instanceClass: options.instanceClass,
      restoreTimeoutMs: options.restoreTimeout,
      checkTimeoutMs: options.checkTimeout,
      signal: deps.signal,
    },
    { ...clients, reporter: deps.reporter ?? consoleReporter },
  );
  return result.exitCode;
}

function defaultClients(region: string): Pick<DrillDeps, "rds" | "ecs" | "logs"> {
  return { rds: new RDSClient({ region }), ecs: new ECSClient({ region }), logs: new CloudWatchLogsClient({ region }) };
}
