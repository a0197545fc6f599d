/**
 * The restore drill against the emulator, as far as moto 5.2.1 answers: RDS restores a copy (to a point in time, or
 * from a snapshot), ECS runs the check task (finished through the emulator's control endpoint, as the deploy gate's
 * tasks are), and RDS deletes the copy. Needs python3 with moto 5.2.1 (run by `npm run test:apply`, not `npm test`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { CreateDBInstanceCommand, CreateDBParameterGroupCommand, CreateDBSnapshotCommand, CreateDBSubnetGroupCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { startEmulator, type Emulator } from "../../scripts/lib/emulator/moto";
import { Reporter } from "../../src/migrations/runner";
import { DrillExitCode, DrillOptions, DrillResult, runRestoreDrill } from "../../src/restore-drill/drill";
import { DrillTarget, RESTORE_CHECK_STARTED_BY } from "../../src/restore-drill/target";

const REGION = "eu-west-1";
const SOURCE = "whcsites-drill-db";
const LOG_GROUP = "/whcsites/drill/ecs/restore_check";

/** One EC2 call on the emulator (query protocol; no EC2 client in the dependencies; the emulator checks no signature): the first `<tag>` of the answer. */
async function ec2(endpoint: string, action: string, params: Record<string, string>, tag: string): Promise<string> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: action, Version: "2016-11-15", ...params }).toString(),
  });
  const text = await response.text();
  const value = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(text)?.[1];
  if (response.status !== 200 || value === undefined) throw new Error(`EC2 ${action}: ${response.status} ${text.slice(0, 300)}`);
  return value;
}

describe("the restore drill on the emulator", () => {
  let emulator: Emulator;
  let dir: string;
  let clients: { rds: RDSClient; ecs: ECSClient; logs: CloudWatchLogsClient };
  let target: DrillTarget;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-drill-"));
    emulator = await startEmulator({ logFile: path.join(dir, "emulator.log") });
    const config = { region: REGION, endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
    clients = { rds: new RDSClient(config), ecs: new ECSClient(config), logs: new CloudWatchLogsClient(config) };
    // GIVEN the isolated subnets, the restored copies' group and the database's parameter group
    const vpc = await ec2(emulator.endpoint, "CreateVpc", { CidrBlock: "10.0.0.0/16" }, "vpcId");
    // As the Network construct's VPC: tasks' network interfaces get DNS names (moto needs them to place a task).
    await ec2(emulator.endpoint, "ModifyVpcAttribute", { VpcId: vpc, "EnableDnsHostnames.Value": "true" }, "requestId");
    const subnets = [
      await ec2(emulator.endpoint, "CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1a" }, "subnetId"),
      await ec2(emulator.endpoint, "CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.2.0/24", AvailabilityZone: "eu-west-1b" }, "subnetId"),
    ];
    const restoredGroup = await ec2(emulator.endpoint, "CreateSecurityGroup", { GroupName: "whcsites-drill-restored-db", GroupDescription: "restored copies", VpcId: vpc }, "groupId");
    const checkGroup = await ec2(emulator.endpoint, "CreateSecurityGroup", { GroupName: "whcsites-drill-restore_check-tasks", GroupDescription: "the check", VpcId: vpc }, "groupId");
    await clients.rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: "whcsites-drill-db", DBSubnetGroupDescription: "isolated", SubnetIds: subnets }));
    await clients.rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: "whcsites-drill-postgres16", DBParameterGroupFamily: "postgres16", Description: "SSL required" }));
    // AND a database with automated backups, the cluster and the check task's definition and log group
    const db = await clients.rds.send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: SOURCE, DBInstanceClass: "db.t4g.micro", Engine: "postgres", MasterUsername: "whcsites_admin", MasterUserPassword: "Passw0rd-Long-Enough", AllocatedStorage: 20, BackupRetentionPeriod: 7 }),
    );
    await clients.ecs.send(new CreateClusterCommand({ clusterName: "whcsites-drill-service" }));
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    const definition = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "whcsites-drill-restore_check",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [
          {
            name: "psql",
            image: "public.ecr.aws/docker/library/postgres:17-alpine",
            essential: true,
            logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": LOG_GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "restore_check" } },
          },
        ],
      }),
    );
    target = {
      sourceInstanceIdentifier: SOURCE,
      sourceInstanceArn: db.DBInstance?.DBInstanceArn as string,
      region: REGION,
      instanceClass: "db.t4g.micro",
      subnetGroupName: "whcsites-drill-db",
      parameterGroupName: "whcsites-drill-postgres16",
      securityGroupIds: [restoredGroup],
      vaultName: "whcsites-drill-backups",
      drRegion: "eu-central-1",
      drVaultName: "whcsites-drill-backups-dr",
      rpoHours: 24,
      rtoHours: 4,
      check: {
        cluster: "whcsites-drill-service",
        taskDefinition: definition.taskDefinition?.taskDefinitionArn as string,
        containerName: "psql",
        subnetIds: subnets,
        securityGroupIds: [checkGroup],
        region: REGION,
        logGroup: LOG_GROUP,
        logStreamPrefix: "restore_check",
        image: "public.ecr.aws/docker/library/postgres:17-alpine",
        startedBy: RESTORE_CHECK_STARTED_BY,
      },
    };
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a drill while the emulator finishes its check task (exit code and log lines as the real check prints them). */
  async function drill(options: DrillOptions, check: { exitCode: number; logLines: string[] }): Promise<{ result: DrillResult; lines: string[] }> {
    const lines: string[] = [];
    const reporter: Reporter = { info: (l) => lines.push(l), log: (l) => lines.push(l), error: (l) => lines.push(l) };
    let done = false;
    const finisher = (async () => {
      while (!done) {
        await emulator.finishTasks({ startedBy: RESTORE_CHECK_STARTED_BY, exitCode: check.exitCode, logLines: check.logLines, minAgeSeconds: 0.2 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      const result = await runRestoreDrill(
        target,
        { waiterMinDelaySeconds: 0.05, waiterMaxDelaySeconds: 0.1, checkOptions: { waiterMinDelaySeconds: 0.05, waiterMaxDelaySeconds: 0.1, logPollIntervalMs: 50 }, ...options },
        { ...clients, reporter },
      );
      return { result, lines };
    } finally {
      done = true;
      await finisher;
    }
  }

  async function drillCopies(): Promise<string[]> {
    const out = await clients.rds.send(new DescribeDBInstancesCommand({}));
    return (out.DBInstances ?? []).map((db) => db.DBInstanceIdentifier as string).filter((id) => id.startsWith(`${SOURCE}-drill-`));
  }

  test("GIVEN the latest restorable time WHEN drilled THEN the copy is restored, checked, measured and deleted", async () => {
    const { result, lines } = await drill({}, { exitCode: 0, logLines: ["restore-check: 20241115093000"] });
    expect(result).toMatchObject({ outcome: "succeeded", exitCode: DrillExitCode.Success, schemaVersion: "20241115093000", cleanedUp: true });
    expect(lines.join("\n")).toMatch(/restore time \(RTO\) .*target 4 h: met/);
    expect(await drillCopies()).toEqual([]);
  }, 120_000);

  test("GIVEN a snapshot of the database as the recovery point WHEN the check fails THEN exit 1, and the copy is deleted", async () => {
    const snapshot = await clients.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: SOURCE, DBSnapshotIdentifier: "drill-recovery-point" }));
    const { result } = await drill({ recoveryPoint: snapshot.DBSnapshot?.DBSnapshotArn }, { exitCode: 1, logLines: ['psql: error: relation "schema_migrations" does not exist'] });
    expect(result).toMatchObject({ outcome: "check-failed", exitCode: DrillExitCode.CheckFailed, cleanedUp: true });
    expect(await drillCopies()).toEqual([]);
  }, 120_000);

  test("GIVEN Ctrl-C once the copy exists THEN exit 130, and the copy is deleted", async () => {
    const controller = new AbortController();
    // Interrupted as soon as the drill looks at its copy for the first time.
    const watching = new RDSClient({ region: REGION, endpoint: emulator.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    watching.middlewareStack.add(
      (next) => async (args) => {
        const input = (args as { input?: { DBInstanceIdentifier?: string } }).input;
        if (input?.DBInstanceIdentifier?.startsWith(`${SOURCE}-drill-`) && !controller.signal.aborted) controller.abort("SIGINT");
        return next(args);
      },
      { step: "initialize" },
    );
    const lines: string[] = [];
    const result = await runRestoreDrill(target, { waiterMinDelaySeconds: 0.05, waiterMaxDelaySeconds: 0.1, signal: controller.signal }, {
      ...clients,
      rds: watching,
      reporter: { info: (l) => lines.push(l), log: (l) => lines.push(l), error: (l) => lines.push(l) },
    });
    expect(result).toMatchObject({ outcome: "interrupted", exitCode: DrillExitCode.Interrupted, cleanedUp: true });
    expect(await drillCopies()).toEqual([]);
  }, 120_000);
});
