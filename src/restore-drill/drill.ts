import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import {
  DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  paginateDescribeDBInstances,
  waitUntilDBInstanceAvailable as sdkWaitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted as sdkWaitUntilDBInstanceDeleted,
} from "@aws-sdk/client-rds";
import { RESTORE_CHECK_MARKER } from "../domain/backup";
import { ExitCode as CheckExitCode, InterruptReason, MigrationResult, MigrationRunnerDeps, MigrationRunOptions, Reporter, consoleReporter, runMigration } from "../migrations/runner";
import type { MigrationTarget } from "../migrations/target";
import { describeAwsError, withOperationNames } from "../operator/aws-errors";
import { formatDuration } from "../operator/duration";
import { DrillTarget } from "./target";

/** Exit codes of the restore drill: a script can tell a drill that found a problem from one that could not run. */
export const DrillExitCode = {
  /** Restored, checked, and within both recovery targets. */
  Success: 0,
  /** Restored, but the check failed: the copy cannot be used (no schema, no migration, no login). */
  CheckFailed: 1,
  /** Invalid arguments or stack output. */
  Usage: 2,
  /** Refused: a drill copy of this database already exists (another drill, or one left by a killed drill). Nothing was started. */
  Refused: 3,
  /** RDS refused the restore, or the copy failed. */
  RestoreFailed: 4,
  /** The restore or the check did not finish in time. */
  TimedOut: 5,
  /** An AWS call failed unexpectedly (credentials, permissions, throttling). */
  AwsError: 6,
  /** Restored and checked, but slower than the RTO or older than the RPO. */
  TargetMissed: 7,
  /** The temporary instance could not be deleted: delete it by hand (the command is printed). Wins over every other code. */
  CleanupFailed: 8,
  /** Lost its caller (parent exited, output closed, SIGHUP); the copy was deleted. */
  Detached: 129,
  /** Interrupted by SIGINT; the copy was deleted. */
  Interrupted: 130,
  /** Interrupted by SIGTERM; the copy was deleted. */
  Terminated: 143,
} as const;

const INTERRUPT_EXIT: Readonly<Record<InterruptReason, number>> = {
  SIGINT: DrillExitCode.Interrupted,
  SIGTERM: DrillExitCode.Terminated,
  SIGHUP: DrillExitCode.Detached,
  "parent-exited": DrillExitCode.Detached,
  "output-closed": DrillExitCode.Detached,
};

/** The tag every drill copy carries: its value is the source instance. */
export const DRILL_TAG = "whcsites:restore-drill";

/** How a drill ended. */
export type DrillOutcome = "succeeded" | "target-missed" | "check-failed" | "invalid" | "refused" | "restore-failed" | "timed-out" | "interrupted" | "error";

/** The result of {@link runRestoreDrill}: never thrown, always returned. */
export interface DrillResult {
  readonly outcome: DrillOutcome;
  /** The process exit code (see {@link DrillExitCode}). */
  readonly exitCode: number;
  /** What happened and what to do. */
  readonly message: string;
  /** The temporary instance, if one was created. */
  readonly instanceIdentifier?: string;
  /** Whether the temporary instance is gone (deleted, or never created). */
  readonly cleanedUp: boolean;
  /** Measured: from the restore call until the copy was available, in milliseconds. */
  readonly restoreMs?: number;
  /** Measured: restore plus check, until the application could use the copy (the RTO), in milliseconds. */
  readonly recoveryMs?: number;
  /** The age of the copy's data when the drill started (the RPO), in milliseconds. */
  readonly dataAgeMs?: number;
  /** The check's value: the newest migration version. */
  readonly schemaVersion?: string;
}

/** What the drill restores and how long it waits. */
export interface DrillOptions {
  /** Restore the database as it was at this time (within its automated backups' window). @default the latest restorable time */
  readonly pointInTime?: Date;
  /** Restore this recovery point: an RDS snapshot ARN in the environment's region (AWS Backup's recovery points of RDS are). */
  readonly recoveryPoint?: string;
  /** The copy's instance class. @default the database's */
  readonly instanceClass?: string;
  /** Give up (and delete the copy) when it is not available after this long. @default 7200000 (2 hours) */
  readonly restoreTimeoutMs?: number;
  /** Give up on the check task after this long. @default 900000 (15 minutes) */
  readonly checkTimeoutMs?: number;
  /** After DeleteDBInstance, how long to wait for the copy to be gone. @default 1800000 (30 minutes) */
  readonly deleteWaitMs?: number;
  /** Aborting it deletes the copy and waits for it; the reason decides the exit code (SIGINT 130, SIGTERM 143, others 129). */
  readonly signal?: AbortSignal;
  /** First and longest delay between two DescribeDBInstances of the waiters, in seconds. @default 15 and 60 */
  readonly waiterMinDelaySeconds?: number;
  readonly waiterMaxDelaySeconds?: number;
  /** Options passed on to the check task's runner (its waiters' delays, log polling). @default the runner's */
  readonly checkOptions?: Partial<MigrationRunOptions>;
}

/** The clients and hooks of the drill; tests pass mocks. */
export interface DrillDeps {
  readonly rds: RDSClient;
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  /** Output. @default {@link consoleReporter} */
  readonly reporter?: Reporter;
  /** @default `waitUntilDBInstanceAvailable` of @aws-sdk/client-rds */
  readonly waitUntilDBInstanceAvailable?: typeof sdkWaitUntilDBInstanceAvailable;
  /** @default `waitUntilDBInstanceDeleted` of @aws-sdk/client-rds */
  readonly waitUntilDBInstanceDeleted?: typeof sdkWaitUntilDBInstanceDeleted;
  /** Runs the check task. @default {@link runMigration} (the migration runner: RunTask, its log, its exit code, StopTask on abort) */
  readonly runCheck?: (target: MigrationTarget, options: MigrationRunOptions, deps: MigrationRunnerDeps) => Promise<MigrationResult>;
  /** Hooks of the check task's runner (its ECS waiters). @default the runner's */
  readonly checkDeps?: Partial<MigrationRunnerDeps>;
  /** Clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Restores the environment's database to a new, temporary instance in its isolated subnets (the latest restorable
 * time, a point in time, or a recovery point), runs the check task against it, measures how long the restore took
 * (RTO) and how old the restored data is (RPO), compares both with the environment file's targets, and deletes the
 * instance: also when a step fails and when the drill is interrupted. Expected failures are returned, not thrown.
 */
export async function runRestoreDrill(target: DrillTarget, options: DrillOptions, deps: DrillDeps): Promise<DrillResult> {
  return new Drill(target, options, deps).execute();
}

/** What the copy is restored from, and the time its data is of. */
interface Source {
  readonly describe: string;
  readonly dataTime: Date;
  /** Makes the restore call for the copy `identifier`. */
  readonly restore: (identifier: string) => Promise<unknown>;
}

class Drill {
  private readonly reporter: Reporter;
  private readonly now: () => number;
  private readonly rds: RDSClient;
  /** The temporary instance, once the restore call has created it. */
  private created: string | undefined;

  public constructor(
    private readonly target: DrillTarget,
    private readonly options: DrillOptions,
    private readonly deps: DrillDeps,
  ) {
    this.reporter = deps.reporter ?? consoleReporter;
    this.now = deps.now ?? Date.now;
    this.rds = withOperationNames(deps.rds, "RDS");
  }

  public async execute(): Promise<DrillResult> {
    const problems = this.problems();
    if (problems.length > 0) return this.finish({ outcome: "invalid", exitCode: DrillExitCode.Usage, message: `invalid restore drill:\n  - ${problems.join("\n  - ")}`, cleanedUp: true });
    let result: Omit<DrillResult, "cleanedUp">;
    try {
      result = await this.steps();
    } catch (error) {
      result = { outcome: "error", exitCode: DrillExitCode.AwsError, message: describeAwsError(error) };
    }
    const cleanup = await this.cleanUp();
    if (cleanup !== undefined) {
      return this.finish({ ...result, exitCode: DrillExitCode.CleanupFailed, message: `${result.message}\n${cleanup}`, instanceIdentifier: this.created, cleanedUp: false });
    }
    return this.finish({ ...result, instanceIdentifier: this.created, cleanedUp: true });
  }

  private problems(): string[] {
    const { pointInTime, recoveryPoint } = this.options;
    const problems: string[] = [];
    if (pointInTime !== undefined && recoveryPoint !== undefined) problems.push("give --point-in-time or --recovery-point, not both");
    if (pointInTime !== undefined && Number.isNaN(pointInTime.getTime())) problems.push("the point in time is not a date");
    if (pointInTime !== undefined && pointInTime.getTime() > this.now()) problems.push(`the point in time ${pointInTime.toISOString()} is in the future`);
    if (recoveryPoint !== undefined) {
      const region = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):[0-9]{12}:snapshot:.+$/.exec(recoveryPoint)?.[1];
      if (region === undefined) {
        problems.push(`the recovery point ${JSON.stringify(recoveryPoint)} is not an RDS snapshot ARN (arn:aws:rds:<region>:<account>:snapshot:<name>; AWS Backup's recovery points of a database are)`);
      } else if (region !== this.target.region) {
        problems.push(
          `the recovery point is in ${region}, the drill restores into ${this.target.region}'s isolated subnets: ` +
            `restore a copy in ${this.target.drRegion} by hand (docs/operating.md, "Disaster recovery"), or give a recovery point of ${this.target.region}`,
        );
      }
    }
    return problems;
  }

  private finish(result: DrillResult): DrillResult {
    (result.exitCode === DrillExitCode.Success ? this.reporter.info : this.reporter.error)(result.message);
    return result;
  }

  private async steps(): Promise<Omit<DrillResult, "cleanedUp">> {
    const { target, options } = this;
    const sourceInstance = await this.instance(target.sourceInstanceIdentifier);
    if (sourceInstance === undefined) {
      return { outcome: "invalid", exitCode: DrillExitCode.Usage, message: `the database ${target.sourceInstanceIdentifier} does not exist in ${target.region}` };
    }
    const leftovers = await this.drillCopies();
    if (leftovers.length > 0) {
      return {
        outcome: "refused",
        exitCode: DrillExitCode.Refused,
        message:
          `refusing to start: a drill copy of ${target.sourceInstanceIdentifier} exists (another drill is running, or a killed one left it): ${leftovers.join(", ")}. ` +
          `When no drill runs, delete it: ${leftovers.map((id) => this.deleteCommand(id)).join("; ")}`,
      };
    }
    const source = await this.source(sourceInstance);
    if ("problem" in source) return { outcome: "invalid", exitCode: DrillExitCode.Usage, message: source.problem };

    const startedAt = this.now();
    const identifier = `${target.sourceInstanceIdentifier}-drill-${new Date(startedAt).toISOString().replace(/[-:T]/g, "").slice(0, 14)}`.slice(0, 63);
    this.printPlan(source, identifier);
    if (options.signal?.aborted) return this.interrupted("before the restore; nothing was created");

    this.reporter.info(`[${formatDuration(0)}] restoring ${identifier} from ${source.describe}...`);
    try {
      await source.restore(identifier);
    } catch (error) {
      return { outcome: "restore-failed", exitCode: DrillExitCode.RestoreFailed, message: `RDS refused the restore: ${describeAwsError(error)}` };
    }
    this.created = identifier;
    const available = await this.waitAvailable(identifier, startedAt + (options.restoreTimeoutMs ?? 7_200_000), options.signal);
    if (available === "aborted") return this.interrupted(`while ${identifier} was being restored`);
    if (available === "timeout") {
      return { outcome: "timed-out", exitCode: DrillExitCode.TimedOut, message: `${identifier} was not available after ${formatDuration(options.restoreTimeoutMs ?? 7_200_000)}` };
    }
    const copy = await this.instance(identifier);
    if (copy?.DBInstanceStatus !== "available" || copy.Endpoint?.Address === undefined) {
      return { outcome: "restore-failed", exitCode: DrillExitCode.RestoreFailed, message: `the restore of ${identifier} failed: status ${copy?.DBInstanceStatus ?? "gone"}` };
    }
    const restoreMs = this.now() - startedAt;
    this.reporter.info(`[${formatDuration(restoreMs)}] ${identifier} is available at ${copy.Endpoint.Address}:${copy.Endpoint.Port ?? 5432}; checking it...`);

    const values: string[] = [];
    const reporter: Reporter = {
      info: (line) => this.reporter.info(line),
      error: (line) => this.reporter.error(line),
      log: (line) => {
        const at = line.indexOf(RESTORE_CHECK_MARKER);
        if (at >= 0) values.push(line.slice(at + RESTORE_CHECK_MARKER.length).trim());
        this.reporter.log(line);
      },
    };
    const check = await (this.deps.runCheck ?? runMigration)(
      target.check,
      {
        ...options.checkOptions,
        timeoutMs: options.checkTimeoutMs ?? 900_000,
        signal: options.signal,
        label: "restore check",
        containerEnvironment: { PGHOST: copy.Endpoint.Address, PGPORT: String(copy.Endpoint.Port ?? 5432) },
      },
      { ...this.deps.checkDeps, ecs: this.deps.ecs, logs: this.deps.logs, reporter },
    );
    const recoveryMs = this.now() - startedAt;
    const dataAgeMs = startedAt - source.dataTime.getTime();
    if (check.outcome === "interrupted") return this.interrupted("during the check", { restoreMs });
    if (check.outcome === "timed-out") return { outcome: "timed-out", exitCode: DrillExitCode.TimedOut, message: `the restore check did not finish: ${check.message}`, restoreMs };
    // The check could not run at all: that says nothing about the copy.
    if (check.outcome === "error") return { outcome: "error", exitCode: DrillExitCode.AwsError, message: `the restore check could not run: ${check.message}`, restoreMs };
    if (check.outcome === "refused" || check.outcome === "invalid") {
      return { outcome: check.outcome, exitCode: check.outcome === "refused" ? DrillExitCode.Refused : DrillExitCode.Usage, message: `the restore check did not start: ${check.message}`, restoreMs };
    }
    if (check.exitCode !== CheckExitCode.Success || values.length === 0) {
      const why = check.exitCode === CheckExitCode.Success ? "the check task printed no value" : check.message;
      return { outcome: "check-failed", exitCode: DrillExitCode.CheckFailed, message: `the restored copy FAILED its check: ${why}`, restoreMs, recoveryMs, dataAgeMs };
    }
    return this.verdict({ restoreMs, recoveryMs, dataAgeMs, dataTime: source.dataTime, schemaVersion: values[values.length - 1] });
  }

  /** The measurements against the file's targets. */
  private verdict(m: { restoreMs: number; recoveryMs: number; dataAgeMs: number; dataTime: Date; schemaVersion: string }): Omit<DrillResult, "cleanedUp"> {
    const rtoMs = this.target.rtoHours * 3_600_000;
    const rpoMs = this.target.rpoHours * 3_600_000;
    const rtoMet = m.recoveryMs <= rtoMs;
    const rpoMet = m.dataAgeMs <= rpoMs;
    const lines = [
      `Restore drill of ${this.target.sourceInstanceIdentifier}:`,
      `  restore time (RTO)  ${formatDuration(m.recoveryMs)}: ${formatDuration(m.restoreMs)} until the copy was available, then the check; target ${this.target.rtoHours} h: ${rtoMet ? "met" : "MISSED"}`,
      `  data age (RPO)      ${formatDuration(m.dataAgeMs)}: the copy holds the data of ${m.dataTime.toISOString()}; target ${this.target.rpoHours} h: ${rpoMet ? "met" : "MISSED"}`,
      `  schema              newest migration ${m.schemaVersion}`,
    ];
    const measured = { restoreMs: m.restoreMs, recoveryMs: m.recoveryMs, dataAgeMs: m.dataAgeMs, schemaVersion: m.schemaVersion };
    if (rtoMet && rpoMet) return { outcome: "succeeded", exitCode: DrillExitCode.Success, message: lines.join("\n"), ...measured };
    return { outcome: "target-missed", exitCode: DrillExitCode.TargetMissed, message: `${lines.join("\n")}\nA recovery target was MISSED: raise it in the environment file, or make the restore faster (docs/operating.md, "Disaster recovery").`, ...measured };
  }

  /** What the copy is restored from, checked against the source's restorable window. */
  private async source(instance: DBInstance): Promise<Source | { problem: string }> {
    const { target, options } = this;
    const common = {
      DBInstanceClass: options.instanceClass ?? target.instanceClass,
      DBSubnetGroupName: target.subnetGroupName,
      VpcSecurityGroupIds: [...target.securityGroupIds],
      DBParameterGroupName: target.parameterGroupName,
      PubliclyAccessible: false,
      MultiAZ: false,
      DeletionProtection: false,
      AutoMinorVersionUpgrade: false,
      CopyTagsToSnapshot: false,
      Tags: [{ Key: DRILL_TAG, Value: target.sourceInstanceIdentifier }],
    };
    if (options.recoveryPoint !== undefined) {
      // The snapshot's identifier in its own account and region (AWS Backup's are awsbackup:job-<id>): every RDS call takes it.
      const snapshotId = options.recoveryPoint.slice(options.recoveryPoint.indexOf(":snapshot:") + ":snapshot:".length);
      const described = await this.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
      const snapshot = described.DBSnapshots?.[0];
      if (snapshot === undefined || snapshot.Status !== "available") {
        return { problem: `the recovery point ${options.recoveryPoint} is ${snapshot === undefined ? "not found" : `not available (${snapshot.Status})`}` };
      }
      const dataTime = snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime;
      if (dataTime === undefined) return { problem: `the recovery point ${options.recoveryPoint} has no creation time` };
      return {
        describe: `recovery point ${options.recoveryPoint} (taken ${dataTime.toISOString()})`,
        dataTime,
        restore: (identifier) => this.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ ...common, DBInstanceIdentifier: identifier, DBSnapshotIdentifier: snapshotId })),
      };
    }
    const latest = instance.LatestRestorableTime;
    if (latest === undefined) return { problem: `${target.sourceInstanceIdentifier} has no latest restorable time (automated backups off, or not taken yet)` };
    if (options.pointInTime !== undefined) {
      if (options.pointInTime.getTime() > latest.getTime()) {
        return { problem: `the point in time ${options.pointInTime.toISOString()} is after the latest restorable time of ${target.sourceInstanceIdentifier}, ${latest.toISOString()}` };
      }
      const pointInTime = options.pointInTime;
      return {
        describe: `the point in time ${pointInTime.toISOString()}`,
        dataTime: pointInTime,
        restore: (identifier) =>
          this.rds.send(new RestoreDBInstanceToPointInTimeCommand({ ...common, SourceDBInstanceIdentifier: target.sourceInstanceIdentifier, TargetDBInstanceIdentifier: identifier, RestoreTime: pointInTime })),
      };
    }
    return {
      describe: `the latest restorable time (${latest.toISOString()})`,
      dataTime: latest,
      restore: (identifier) =>
        this.rds.send(new RestoreDBInstanceToPointInTimeCommand({ ...common, SourceDBInstanceIdentifier: target.sourceInstanceIdentifier, TargetDBInstanceIdentifier: identifier, UseLatestRestorableTime: true })),
    };
  }

  private printPlan(source: Source, identifier: string): void {
    const { target, options } = this;
    this.reporter.info(
      [
        `Restore drill of ${target.sourceInstanceIdentifier} (${target.region})`,
        `  restore from     ${source.describe}`,
        `  temporary copy   ${identifier} · ${options.instanceClass ?? target.instanceClass} · single-AZ · not public · deleted at the end`,
        `  subnets          ${target.subnetGroupName} (isolated)`,
        `  security groups  ${target.securityGroupIds.join(", ")} (admit the restore check only)`,
        `  check            ${target.check.taskDefinition} on ${target.check.cluster}`,
        `  targets          RPO ${target.rpoHours} h · RTO ${target.rtoHours} h`,
      ].join("\n"),
    );
  }

  private async instance(identifier: string): Promise<DBInstance | undefined> {
    try {
      const out = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      return out.DBInstances?.[0];
    } catch (error) {
      if (isNamed(error, "DBInstanceNotFound", "DBInstanceNotFoundFault")) return undefined;
      throw error;
    }
  }

  /** The instances a drill of this database made (by their name), whatever their state. */
  private async drillCopies(): Promise<string[]> {
    const prefix = `${this.target.sourceInstanceIdentifier}-drill-`;
    const found: string[] = [];
    for await (const page of paginateDescribeDBInstances({ client: this.rds }, {})) {
      for (const db of page.DBInstances ?? []) if (db.DBInstanceIdentifier?.startsWith(prefix)) found.push(db.DBInstanceIdentifier);
    }
    return found;
  }

  private async waitAvailable(identifier: string, deadline: number, signal: AbortSignal | undefined): Promise<"done" | "timeout" | "aborted"> {
    const minDelay = this.options.waiterMinDelaySeconds ?? 15;
    const maxDelay = Math.max(minDelay, this.options.waiterMaxDelaySeconds ?? 60);
    const maxWaitTime = (deadline - this.now()) / 1_000;
    if (signal?.aborted) return "aborted";
    if (maxWaitTime <= minDelay) return "timeout";
    const wait = this.deps.waitUntilDBInstanceAvailable ?? sdkWaitUntilDBInstanceAvailable;
    try {
      await wait({ client: this.rds, maxWaitTime, minDelay, maxDelay, abortSignal: signal }, { DBInstanceIdentifier: identifier });
      return "done";
    } catch (error) {
      if (signal?.aborted || isNamed(error, "AbortError")) return "aborted";
      if (isNamed(error, "TimeoutError")) return "timeout";
      // FAILURE (failed, incompatible-*, deleted): the next DescribeDBInstances tells which.
      return "done";
    }
  }

  /**
   * Deletes the temporary instance, without a final snapshot or its automated backups, and waits for it to be gone
   * (deaf to the abort signal that may have brought the drill here). A copy still being created cannot be deleted:
   * then it waits for it first. Returns undefined when the copy is gone (or none was made), else what to do by hand.
   */
  private async cleanUp(): Promise<string | undefined> {
    const identifier = this.created;
    if (identifier === undefined) return undefined;
    const deleteRequest = new DeleteDBInstanceCommand({ DBInstanceIdentifier: identifier, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    const limitMs = this.options.deleteWaitMs ?? 1_800_000;
    try {
      try {
        await this.rds.send(deleteRequest);
      } catch (error) {
        if (isNamed(error, "DBInstanceNotFound", "DBInstanceNotFoundFault")) return undefined;
        if (!isNamed(error, "InvalidDBInstanceState", "InvalidDBInstanceStateFault")) throw error;
        this.reporter.info(`${identifier} cannot be deleted while it is being created; waiting for it first...`);
        await this.waitAvailable(identifier, this.now() + (this.options.restoreTimeoutMs ?? 7_200_000), undefined);
        await this.rds.send(deleteRequest);
      }
      this.reporter.info(`Deleting ${identifier} (no final snapshot); waiting up to ${formatDuration(limitMs)} for it to be gone...`);
      const minDelay = this.options.waiterMinDelaySeconds ?? 15;
      const wait = this.deps.waitUntilDBInstanceDeleted ?? sdkWaitUntilDBInstanceDeleted;
      try {
        await wait({ client: this.rds, maxWaitTime: Math.max(limitMs / 1_000, minDelay * 2), minDelay, maxDelay: Math.max(minDelay, this.options.waiterMaxDelaySeconds ?? 60) }, { DBInstanceIdentifier: identifier });
      } catch (error) {
        if (isNamed(error, "TimeoutError")) return `${identifier} is being deleted but was not gone after ${formatDuration(limitMs)}: check it with aws rds describe-db-instances --db-instance-identifier ${identifier} --region ${this.target.region}`;
        // The waiter's other failure is the instance being gone already.
      }
      this.reporter.info(`${identifier} deleted.`);
      return undefined;
    } catch (error) {
      return `Deleting the temporary instance ${identifier} FAILED (${describeAwsError(error)}): delete it by hand: ${this.deleteCommand(identifier)}`;
    }
  }

  private deleteCommand(identifier: string): string {
    return `aws rds delete-db-instance --db-instance-identifier ${identifier} --skip-final-snapshot --delete-automated-backups --region ${this.target.region}`;
  }

  private interrupted(when: string, measured: Partial<DrillResult> = {}): Omit<DrillResult, "cleanedUp"> {
    const reason: unknown = this.options.signal?.reason;
    const exitCode = typeof reason === "string" && reason in INTERRUPT_EXIT ? INTERRUPT_EXIT[reason as InterruptReason] : DrillExitCode.Interrupted;
    return { ...measured, outcome: "interrupted", exitCode, message: `restore drill interrupted (${typeof reason === "string" ? reason : "SIGINT"}) ${when}` };
  }
}

function isNamed(error: unknown, ...names: string[]): boolean {
  const e = error as { name?: string; Code?: string; code?: string } | null;
  return e !== null && typeof e === "object" && names.some((n) => e.name === n || e.Code === n || e.code === n);
}
