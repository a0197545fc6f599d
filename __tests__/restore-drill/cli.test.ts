import { spawnSync } from "child_process";
import * as path from "path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { DrillCliDeps, main } from "../../src/restore-drill/cli";
import { DrillExitCode, DrillOptions, DrillResult } from "../../src/restore-drill/drill";
import { DrillTarget, drillTargetFromOutput, RESTORE_CHECK_STARTED_BY } from "../../src/restore-drill/target";

const ROOT = path.join(__dirname, "..", "..");

/** The `restore_drill` output as `terraform output -json` gives it (values only). */
const OUTPUT = {
  sourceInstanceIdentifier: "whcsites-production-db",
  sourceInstanceArn: "arn:aws:rds:eu-west-1:123456789012:db:whcsites-production-db",
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
    taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/whcsites-production-restore_check:3",
    containerName: "psql",
    subnetIds: ["subnet-a"],
    securityGroupIds: ["sg-0check"],
    region: "eu-west-1",
    logGroup: "/whcsites/production/ecs/restore_check",
    logStreamPrefix: "restore_check",
    image: "public.ecr.aws/docker/library/postgres:17-alpine",
  },
};

function harness(result: Partial<DrillResult> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const runs: Array<{ target: DrillTarget; options: DrillOptions }> = [];
  const deps: DrillCliDeps = {
    readTarget: async () => drillTargetFromOutput(OUTPUT, "stack whcsites-production"),
    createClients: () => ({ rds: new RDSClient({}), ecs: new ECSClient({}), logs: new CloudWatchLogsClient({}) }),
    run: async (target, options) => {
      runs.push({ target, options });
      return { outcome: "succeeded", exitCode: DrillExitCode.Success, message: "ok", cleanedUp: true, ...result };
    },
    writeOut: (s) => out.push(s),
    writeErr: (s) => err.push(s),
  };
  return { deps, out, err, runs };
}

describe("npm run restore-drill", () => {
  test("GIVEN --help THEN the script exits 0 and prints the steps and exit codes", () => {
    const run = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/restore-drill.ts", "--help"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: restore-drill --stack <name> \[--point-in-time <ISO time> \| --recovery-point <arn>\]/);
    expect(run.stdout).toContain("deletes the instance (no final snapshot, no kept backups) and waits until it is gone: also when a step fails");
    expect(run.stdout).toContain("  8    the temporary instance could not be deleted: delete it by hand (the command is printed)");
  });

  test("GIVEN a stack THEN the drill runs on its output's target, with the check's own startedBy marker", async () => {
    const h = harness();
    expect(await main(["node", "restore-drill", "--stack", "whcsites-production"], h.deps)).toBe(0);
    expect(h.runs[0].target.check.startedBy).toBe(RESTORE_CHECK_STARTED_BY);
    expect(h.runs[0].options).toMatchObject({ restoreTimeoutMs: 7_200_000, checkTimeoutMs: 900_000 });
  });

  test("GIVEN a point in time and timeouts THEN they reach the drill", async () => {
    const h = harness();
    await main(["node", "restore-drill", "--stack", "whcsites-production", "--point-in-time", "2026-12-08T08:30:00Z", "--restore-timeout", "90m", "--instance-class", "db.t4g.medium"], h.deps);
    expect(h.runs[0].options).toMatchObject({ pointInTime: new Date("2026-12-08T08:30:00Z"), restoreTimeoutMs: 5_400_000, instanceClass: "db.t4g.medium" });
  });

  test("GIVEN the drill's exit code THEN the command exits with it", async () => {
    expect(await main(["node", "restore-drill", "--stack", "whcsites-production"], harness({ exitCode: DrillExitCode.CleanupFailed }).deps)).toBe(8);
  });

  test.each<[string, string[], RegExp]>([
    ["no stack", [], /restore-drill: give --stack <name>/],
    ["a point in time and a recovery point", ["--stack", "s", "--point-in-time", "2026-12-08T08:30:00Z", "--recovery-point", "arn:aws:rds:eu-west-1:1:snapshot:x"], /give --point-in-time or --recovery-point, not both/],
    ["a time without its zone", ["--stack", "s", "--point-in-time", "2026-12-08 08:30"], /use an ISO 8601 time with its zone/],
  ])("GIVEN %s THEN it exits 2 with the reason, and no drill runs", async (_what, args, message) => {
    const h = harness();
    expect(await main(["node", "restore-drill", ...args], h.deps)).toBe(2);
    expect(h.err.join("")).toMatch(message);
    expect(h.runs).toEqual([]);
  });

  test("GIVEN an output without the check's task definition THEN it exits 2 naming the field", async () => {
    const h = harness();
    const broken = { ...OUTPUT, check: { ...OUTPUT.check, taskDefinitionArn: undefined }, securityGroupIds: [] };
    expect(await main(["node", "restore-drill", "--stack", "s"], { ...h.deps, readTarget: async () => drillTargetFromOutput(broken, "stack s") })).toBe(2);
    expect(h.err.join("")).toMatch(/the "restore_drill" output is not usable:\n {2}- securityGroupIds must be a non-empty list of sg-\* ids \(got \[\]\)\n {2}- check\.taskDefinitionArn is required \(got undefined\)\n$/);
  });
});
