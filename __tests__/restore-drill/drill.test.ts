import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import {
  DBInstance,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  RDSClient,
  RDSServiceException,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { Reporter } from "../../src/migrations/runner";
import { DrillExitCode, DrillOptions, runRestoreDrill } from "../../src/restore-drill/drill";
import { DrillTarget, RESTORE_CHECK_STARTED_BY } from "../../src/restore-drill/target";

const rdsMock = mockClient(RDSClient);
const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);

const NOW = Date.parse("2026-12-08T09:00:00Z");
const SOURCE = "whcsites-production-db";
const COPY = `${SOURCE}-drill-20261208090000`;
const TD_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/whcsites-production-restore_check:3";
const TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/whcsites-production-service/0123456789abcdef0123456789abcdef";
const SNAPSHOT = "arn:aws:rds:eu-west-1:123456789012:snapshot:awsbackup:job-0123abcd";

const TARGET: DrillTarget = {
  sourceInstanceIdentifier: SOURCE,
  sourceInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${SOURCE}`,
  region: "eu-west-1",
  instanceClass: "db.m7g.large",
  subnetGroupName: "whcsites-production-db",
  parameterGroupName: "whcsites-production-postgres16-20261201",
  securityGroupIds: ["sg-0restored"],
  vaultName: "whcsites-production-backups",
  drRegion: "eu-central-1",
  drVaultName: "whcsites-production-backups-dr",
  rpoHours: 1,
  rtoHours: 4,
  check: {
    cluster: "whcsites-production-service",
    taskDefinition: TD_ARN,
    containerName: "psql",
    subnetIds: ["subnet-private-a"],
    securityGroupIds: ["sg-0check"],
    region: "eu-west-1",
    logGroup: "/whcsites/production/ecs/restore_check",
    logStreamPrefix: "restore_check",
    image: "public.ecr.aws/docker/library/postgres:17-alpine",
    startedBy: RESTORE_CHECK_STARTED_BY,
  },
};

/** Waiters that poll every few milliseconds: each test runs in well under a second. */
const FAST: DrillOptions = {
  waiterMinDelaySeconds: 0.005,
  waiterMaxDelaySeconds: 0.01,
  checkOptions: { waiterMinDelaySeconds: 0.005, waiterMaxDelaySeconds: 0.01, logPollIntervalMs: 5, heartbeatIntervalMs: 60_000 },
};

function capture(): Reporter & { all: string[] } {
  const all: string[] = [];
  return { all, info: (l) => all.push(l), log: (l) => all.push(l), error: (l) => all.push(l) };
}

const notFound = (id: string) => new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata: {} });

interface World {
  /** The copy's statuses, one per DescribeDBInstances of it (the last repeats). */
  copyStatuses?: string[];
  /** The source's latest restorable time. */
  latest?: Date;
  /** Instances the account has besides the source (a leftover drill copy). */
  others?: string[];
  /** The check container's exit code and log. */
  checkExit?: number;
  checkLog?: string[];
  /** Called at the first DescribeDBInstances of the copy (to interrupt the drill there). */
  onCopyDescribed?: () => void;
  /** Called when the check task is described as RUNNING (to interrupt the drill there). */
  onCheckRunning?: () => void;
  /** DeleteDBInstance answers. */
  deleteFails?: Error[];
}

/** RDS, ECS and CloudWatch Logs as the drill sees them, from `world`; records whether the copy exists. */
function given(world: World = {}): { copy: { exists: boolean; deleted: boolean } } {
  const state = { exists: false, deleted: false };
  let copyDescribes = 0;
  const statuses = world.copyStatuses ?? ["creating", "available"];
  const copy = (): DBInstance => ({
    DBInstanceIdentifier: COPY,
    DBInstanceStatus: statuses[Math.min(copyDescribes - 1, statuses.length - 1)],
    Endpoint: { Address: `${COPY}.abcdefghij.eu-west-1.rds.amazonaws.com`, Port: 5432 },
  });
  rdsMock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
    if (input.DBInstanceIdentifier === SOURCE) {
      return { DBInstances: [{ DBInstanceIdentifier: SOURCE, DBInstanceStatus: "available", LatestRestorableTime: world.latest ?? new Date(NOW - 5 * 60_000) }] };
    }
    if (input.DBInstanceIdentifier === COPY) {
      if (!state.exists || state.deleted) throw notFound(COPY);
      copyDescribes++;
      if (copyDescribes === 1) world.onCopyDescribed?.();
      return { DBInstances: [copy()] };
    }
    if (input.DBInstanceIdentifier === undefined) {
      return { DBInstances: [{ DBInstanceIdentifier: SOURCE }, ...(world.others ?? []).map((id) => ({ DBInstanceIdentifier: id }))] };
    }
    throw notFound(input.DBInstanceIdentifier);
  });
  rdsMock.on(RestoreDBInstanceToPointInTimeCommand).callsFake(() => {
    state.exists = true;
    return { DBInstance: { DBInstanceIdentifier: COPY, DBInstanceStatus: "creating" } };
  });
  rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake(() => {
    state.exists = true;
    return { DBInstance: { DBInstanceIdentifier: COPY, DBInstanceStatus: "creating" } };
  });
  rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotArn: SNAPSHOT, Status: "available", SnapshotCreateTime: new Date(NOW - 20 * 60_000) }] });
  const deleteAnswers = [...(world.deleteFails ?? [])];
  rdsMock.on(DeleteDBInstanceCommand).callsFake(() => {
    const failure = deleteAnswers.shift();
    if (failure !== undefined) throw failure;
    state.deleted = true;
    return { DBInstance: { DBInstanceIdentifier: COPY, DBInstanceStatus: "deleting" } };
  });

  let taskDescribes = 0;
  let stopped = false;
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TD_ARN,
      containerDefinitions: [
        {
          name: "psql",
          image: "public.ecr.aws/docker/library/postgres:17-alpine",
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/whcsites/production/ecs/restore_check", "awslogs-stream-prefix": "restore_check" } },
        },
      ],
    },
  });
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: "PROVISIONING" }], failures: [] });
  ecsMock.on(DescribeTasksCommand).callsFake(() => {
    taskDescribes++;
    if (stopped) return { tasks: [{ taskArn: TASK_ARN, lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "UserInitiated" }] };
    if (taskDescribes === 1) {
      world.onCheckRunning?.();
      return { tasks: [{ taskArn: TASK_ARN, lastStatus: "RUNNING", desiredStatus: "RUNNING" }] };
    }
    if (world.onCheckRunning !== undefined) return { tasks: [{ taskArn: TASK_ARN, lastStatus: "RUNNING", desiredStatus: "RUNNING" }] };
    return { tasks: [{ taskArn: TASK_ARN, lastStatus: "STOPPED", desiredStatus: "STOPPED", containers: [{ name: "psql", exitCode: world.checkExit ?? 0 }] }] };
  });
  ecsMock.on(StopTaskCommand).callsFake(() => {
    stopped = true;
    return { task: { taskArn: TASK_ARN } };
  });
  let read = false;
  logsMock.on(GetLogEventsCommand).callsFake(() => {
    if (read) return { events: [], nextForwardToken: "f/2" };
    read = true;
    return { events: (world.checkLog ?? ["restore-check: 20241115093000"]).map((message, i) => ({ timestamp: i, message })), nextForwardToken: "f/1" };
  });
  return { copy: state };
}

function drill(options: DrillOptions = {}, reporter = capture()) {
  return runRestoreDrill(TARGET, { ...FAST, ...options }, {
    rds: new RDSClient({ region: "eu-west-1" }),
    ecs: new ECSClient({ region: "eu-west-1" }),
    logs: new CloudWatchLogsClient({ region: "eu-west-1" }),
    reporter,
    now: () => NOW,
  });
}

beforeEach(() => {
  rdsMock.reset();
  ecsMock.reset();
  logsMock.reset();
});

describe("a restore drill through the SDK clients (aws-sdk-client-mock)", () => {
  test("GIVEN a database with backups WHEN drilled THEN the copy is restored into the isolated subnets, checked, measured against the targets and deleted", async () => {
    const { copy } = given();
    const out = capture();
    // WHEN
    const result = await drill({}, out);
    // THEN the copy was restored from the latest restorable time, private, behind the restored-copy group
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, {
      SourceDBInstanceIdentifier: SOURCE,
      TargetDBInstanceIdentifier: COPY,
      UseLatestRestorableTime: true,
      DBSubnetGroupName: "whcsites-production-db",
      VpcSecurityGroupIds: ["sg-0restored"],
      DBParameterGroupName: "whcsites-production-postgres16-20261201",
      PubliclyAccessible: false,
      MultiAZ: false,
      DeletionProtection: false,
      Tags: [{ Key: "whcsites:restore-drill", Value: SOURCE }],
    });
    // AND the check ran with the copy's address as a container override, under the drill's own marker
    expect(ecsMock).toHaveReceivedCommandWith(RunTaskCommand, {
      taskDefinition: TD_ARN,
      startedBy: RESTORE_CHECK_STARTED_BY,
      overrides: { containerOverrides: [{ name: "psql", environment: [{ name: "PGHOST", value: `${COPY}.abcdefghij.eu-west-1.rds.amazonaws.com` }, { name: "PGPORT", value: "5432" }] }] },
    });
    // AND the result states the measurements against the targets, and the copy is gone
    expect(result).toMatchObject({ outcome: "succeeded", exitCode: DrillExitCode.Success, schemaVersion: "20241115093000", dataAgeMs: 5 * 60_000, cleanedUp: true, instanceIdentifier: COPY });
    expect(result.message).toMatch(/restore time \(RTO\) .* target 4 h: met\n {2}data age \(RPO\) +5m00s: the copy holds the data of 2026-12-08T08:55:00\.000Z; target 1 h: met\n {2}schema +newest migration 20241115093000/);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: COPY, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    expect(copy.deleted).toBe(true);
    expect(out.all.join("\n")).toContain(`${COPY} deleted.`);
  });

  test("GIVEN a copy without the schema WHEN the check fails THEN the drill fails with exit 1 and the copy is deleted", async () => {
    const { copy } = given({ checkExit: 1, checkLog: ['psql: ERROR:  relation "schema_migrations" does not exist'] });
    const result = await drill();
    expect(result).toMatchObject({ outcome: "check-failed", exitCode: DrillExitCode.CheckFailed, cleanedUp: true });
    expect(result.message).toMatch(/^the restored copy FAILED its check: restore check FAILED: container psql exited with code 1/);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: COPY });
    expect(copy.deleted).toBe(true);
  });

  test("GIVEN the check task cannot start (RunTask refused) THEN the drill exits 6, not as a failed copy, and the copy is deleted", async () => {
    const { copy } = given();
    ecsMock.on(RunTaskCommand).rejects(Object.assign(new Error("User is not authorized to perform: ecs:RunTask"), { name: "AccessDeniedException" }));
    const result = await drill();
    expect(result).toMatchObject({ outcome: "error", exitCode: DrillExitCode.AwsError, cleanedUp: true });
    expect(result.message).toMatch(/^the restore check could not run: .*AccessDeniedException/);
    expect(copy.deleted).toBe(true);
  });

  test("GIVEN Ctrl-C while the copy is being restored THEN the drill exits 130 and deletes the copy", async () => {
    const controller = new AbortController();
    const { copy } = given({ copyStatuses: ["creating", "creating", "available"], onCopyDescribed: () => controller.abort("SIGINT") });
    const result = await drill({ signal: controller.signal });
    expect(result).toMatchObject({ outcome: "interrupted", exitCode: DrillExitCode.Interrupted, cleanedUp: true });
    expect(result.message).toMatch(/^restore drill interrupted \(SIGINT\) while whcsites-production-db-drill-20261208090000 was being restored/);
    expect(ecsMock).not.toHaveReceivedCommand(RunTaskCommand);
    expect(copy.deleted).toBe(true);
  });

  test("GIVEN SIGTERM while the check runs THEN the check task is stopped, the copy deleted, and the drill exits 143", async () => {
    const controller = new AbortController();
    const { copy } = given({ onCheckRunning: () => controller.abort("SIGTERM") });
    const result = await drill({ signal: controller.signal });
    expect(result).toMatchObject({ outcome: "interrupted", exitCode: DrillExitCode.Terminated, cleanedUp: true });
    expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, { task: TASK_ARN });
    expect(copy.deleted).toBe(true);
  });

  test("GIVEN a copy that cannot be deleted while it is still being created THEN the drill waits for it, then deletes it", async () => {
    const controller = new AbortController();
    const busy = new InvalidDBInstanceStateFault({ message: "Instance is not in available state", $metadata: {} });
    const { copy } = given({ copyStatuses: ["creating", "creating", "available"], onCopyDescribed: () => controller.abort("SIGINT"), deleteFails: [busy] });
    const out = capture();
    const result = await drill({ signal: controller.signal }, out);
    expect(result).toMatchObject({ exitCode: DrillExitCode.Interrupted, cleanedUp: true });
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 2);
    expect(out.all.join("\n")).toContain("cannot be deleted while it is being created; waiting for it first");
    expect(copy.deleted).toBe(true);
  });

  test("GIVEN the delete refused THEN the drill exits 8 and prints the command that deletes the copy", async () => {
    const denied = new RDSServiceException({ name: "AccessDenied", $fault: "client", message: "not authorized to perform rds:DeleteDBInstance", $metadata: {} });
    given({ deleteFails: [denied] });
    const result = await drill();
    expect(result).toMatchObject({ exitCode: DrillExitCode.CleanupFailed, cleanedUp: false, instanceIdentifier: COPY });
    expect(result.message).toContain(
      `Deleting the temporary instance ${COPY} FAILED`,
    );
    expect(result.message).toContain(`aws rds delete-db-instance --db-instance-identifier ${COPY} --skip-final-snapshot --delete-automated-backups --region eu-west-1`);
  });

  test("GIVEN data older than the RPO THEN the drill reports the target MISSED and exits 7 (the copy is still deleted)", async () => {
    const { copy } = given({ latest: new Date(NOW - 3 * 3_600_000) });
    const result = await drill();
    expect(result).toMatchObject({ outcome: "target-missed", exitCode: DrillExitCode.TargetMissed, cleanedUp: true });
    expect(result.message).toMatch(/data age \(RPO\) +3h00m: .*; target 1 h: MISSED/);
    expect(copy.deleted).toBe(true);
  });

  test("GIVEN a recovery point THEN the copy is restored from that snapshot, and the data's age is the snapshot's", async () => {
    given();
    const result = await drill({ recoveryPoint: SNAPSHOT });
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: "awsbackup:job-0123abcd" });
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: COPY, DBSnapshotIdentifier: "awsbackup:job-0123abcd", PubliclyAccessible: false });
    expect(result).toMatchObject({ exitCode: DrillExitCode.Success, dataAgeMs: 20 * 60_000 });
  });

  test("GIVEN a point in time THEN the copy is restored to it", async () => {
    given();
    const pointInTime = new Date(NOW - 30 * 60_000);
    const result = await drill({ pointInTime });
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, { RestoreTime: pointInTime, TargetDBInstanceIdentifier: COPY });
    expect(result).toMatchObject({ exitCode: DrillExitCode.Success, dataAgeMs: 30 * 60_000 });
  });

  test.each<[string, DrillOptions, RegExp]>([
    ["a point in time after the latest restorable time", { pointInTime: new Date(NOW - 60_000) }, /is after the latest restorable time of whcsites-production-db, 2026-12-08T08:55:00\.000Z/],
    ["a recovery point in the DR region", { recoveryPoint: "arn:aws:rds:eu-central-1:123456789012:snapshot:awsbackup:copyjob-1" }, /the recovery point is in eu-central-1, the drill restores into eu-west-1's isolated subnets/],
    ["a recovery point that is not a snapshot ARN", { recoveryPoint: "arn:aws:backup:eu-west-1:123456789012:recovery-point:abc" }, /is not an RDS snapshot ARN/],
  ])("GIVEN %s THEN the drill refuses with exit 2 and creates nothing", async (_what, options, message) => {
    given();
    const result = await drill(options);
    expect(result).toMatchObject({ exitCode: DrillExitCode.Usage, cleanedUp: true });
    expect(result.message).toMatch(message);
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  test("GIVEN a drill copy left by a killed drill THEN the drill refuses with exit 3, names it and how to delete it, and touches nothing", async () => {
    given({ others: [`${SOURCE}-drill-20261201080000`] });
    const result = await drill();
    expect(result).toMatchObject({ outcome: "refused", exitCode: DrillExitCode.Refused });
    expect(result.message).toContain(`a drill copy of ${SOURCE} exists (another drill is running, or a killed one left it): ${SOURCE}-drill-20261201080000`);
    expect(result.message).toContain(`aws rds delete-db-instance --db-instance-identifier ${SOURCE}-drill-20261201080000`);
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });
});
