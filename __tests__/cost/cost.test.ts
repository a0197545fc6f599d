import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Assumptions, estimateStack, MissingPriceError, spotShare } from "../../scripts/lib/cost/estimate";
import { loadPriceTable, PriceTableError, pricedRegions } from "../../scripts/lib/cost/prices";
import { environmentFolders } from "../../scripts/lib/synth/environment-folders";
import type { StackJson } from "../../scripts/lib/stack/stack-json";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE_PRICES = path.join(__dirname, "..", "fixtures", "cost", "prices");

const ref = (address: string, attribute = "id") => `\${${address}.${attribute}}`;

/** A small stack with one of each priced resource type (and a bucket, priced by use). */
const FIXTURE: StackJson = {
  provider: { aws: [{ region: "test-region-1" }] },
  resource: {
    aws_nat_gateway: { nat: { subnet_id: ref("aws_subnet.public_a"), allocation_id: ref("aws_eip.nat", "allocation_id") } },
    aws_eip: { nat: { domain: "vpc" } },
    aws_vpc_endpoint: {
      logs: { vpc_endpoint_type: "Interface", subnet_ids: [ref("aws_subnet.private_a"), ref("aws_subnet.private_b")] },
      s3: { vpc_endpoint_type: "Gateway", route_table_ids: [ref("aws_route_table.private")] },
    },
    aws_lb: { api: { load_balancer_type: "application", internal: false, subnets: [ref("aws_subnet.public_a"), ref("aws_subnet.public_b")] } },
    aws_wafv2_web_acl: { api: { default_action: { allow: {} }, rule: [{ name: "a" }, { name: "b" }] } },
    aws_ecs_cluster: { main: { name: "main" } },
    aws_ecs_task_definition: { web: { cpu: "1024", memory: "2048", runtime_platform: { cpu_architecture: "ARM64" } } },
    aws_ecs_service: {
      web: {
        name: "web",
        cluster: ref("aws_ecs_cluster.main", "arn"),
        task_definition: ref("aws_ecs_task_definition.web", "arn"),
        desired_count: 5,
        capacity_provider_strategy: [
          { capacity_provider: "FARGATE", base: 1, weight: 1 },
          { capacity_provider: "FARGATE_SPOT", base: 0, weight: 3 },
        ],
      },
    },
    aws_db_instance: { db: { engine: "postgres", instance_class: "db.test.large", multi_az: true, allocated_storage: 100, storage_type: "gp3" } },
    aws_secretsmanager_secret: { a: {}, b: {}, c: {} },
    aws_kms_key: { a: {}, b: {} },
    aws_cloudwatch_log_group: { app: {} },
    aws_cloudwatch_metric_alarm: { cpu: { period: 300 }, fast: { period: 10 } },
    aws_cloudwatch_composite_alarm: { any: {} },
    aws_cloudwatch_dashboard: { main: {} },
    aws_s3_bucket: { logs: {} },
  },
};

const ASSUMPTIONS: Assumptions = {
  hoursPerMonth: 100,
  natGbPerMonth: 10,
  albLcu: 2,
  endpointGbPerMonth: 20,
  spotDiscount: 0.5,
  logGbPerMonth: 4,
  wafRequestsMillions: 3,
  backupStorageFactor: 2,
  backupTransferFactor: 1.5,
};

describe("the monthly estimate", () => {
  test("GIVEN a small stack and round prices WHEN estimated THEN each line and the total are the hand-computed amounts", () => {
    const estimate = estimateStack("fixture", FIXTURE, loadPriceTable("test-region-1", FIXTURE_PRICES), ASSUMPTIONS);
    expect(Object.fromEntries(estimate.lines.map((l) => [l.item, l.monthlyUsd]))).toEqual({
      "NAT gateway hours": 5, // 1 × 100 h × 0.05
      "NAT data processed (assumed)": 0.4, // 10 GB × 0.04
      "public IPv4 addresses (Elastic IPs)": 0.5, // 1 × 100 h × 0.005
      "interface endpoints, per AZ": 2, // 2 AZs × 100 h × 0.01 (the gateway endpoint is free)
      "interface endpoint data (assumed)": 0.4, // 20 GB × 0.02
      "application load balancer hours": 2, // 100 h × 0.02
      "load balancer capacity units (assumed)": 2, // 2 LCU × 100 h × 0.01
      "load balancer public IPv4 (one per AZ)": 1, // 2 × 100 h × 0.005
      "web ACL": 7, // 5 + 2 rules × 1
      "web ACL requests (assumed)": 1.8, // 3 M × 0.6
      // 5 tasks × (1 vCPU × 0.03 + 2 GB × 0.003) × 100 h × (1 - 3/5 on Spot × 0.5)
      "Fargate web (partly Spot)": 12.6,
      "RDS db.test.large Multi-AZ (2 instances)": 200, // 2 × 100 h × 1.0
      "RDS storage gp3": 20, // 2 × 100 GB × 0.1
      "Secrets Manager secrets": 1.2, // 3 × 0.4
      "KMS keys": 2, // 2 × 1
      "CloudWatch Logs ingestion (assumed)": 2, // 4 GB × 0.5
      "CloudWatch alarm metrics": 0.4, // 1 standard × 0.1 + 1 high-resolution × 0.3
      "CloudWatch composite alarms": 0.5,
      "CloudWatch dashboards": 3,
    });
    expect(estimate.totalUsd).toBe(263.8);
    expect(estimate.notEstimated).toEqual(expect.arrayContaining([expect.stringMatching(/^S3 storage and requests \(1 aws_s3_bucket\)$/)]));
    expect(estimate.lines.find((l) => l.item.startsWith("Fargate"))?.quantity).toBe(
      "5 task(s) × (1 vCPU × $0.03 + 2 GB × $0.003) × 100 h × (1 - 0.6 × 0.5 Spot discount)",
    );
  });

  test("GIVEN a database backed up to a DR region, replicated and restore-tested THEN storage, transfer and the test are priced, and the targets shown", () => {
    // GIVEN the database of the fixture (100 GB, db.test.large) in a plan of two vaults, replicated, tested monthly
    const stack: StackJson = {
      ...FIXTURE,
      resource: {
        aws_db_instance: FIXTURE.resource?.aws_db_instance as Record<string, Record<string, unknown>>,
        aws_backup_vault: { here: {}, dr: { provider: "aws.dr" } },
        aws_backup_plan: { plan: { rule: [{ rule_name: "daily", target_vault_name: ref("aws_backup_vault.here", "name"), copy_action: [{ destination_vault_arn: ref("aws_backup_vault.dr", "arn") }] }] } },
        aws_backup_selection: { db: { plan_id: ref("aws_backup_plan.plan"), resources: [ref("aws_db_instance.db", "arn")] } },
        aws_db_instance_automated_backups_replication: { replicated: { provider: "aws.dr", source_db_instance_arn: ref("aws_db_instance.db", "arn") } },
        aws_backup_restore_testing_selection: { test: { protected_resource_arns: [ref("aws_db_instance.db", "arn")], validation_window_hours: 2 } },
      },
      output: { restore_drill: { value: { rpoHours: 1, rtoHours: 4, drRegion: "test-region-2" } } },
    };
    // WHEN estimated
    const estimate = estimateStack("fixture", stack, loadPriceTable("test-region-1", FIXTURE_PRICES), ASSUMPTIONS);
    // THEN
    const lines = Object.fromEntries(estimate.lines.map((l) => [l.item, [l.quantity, l.monthlyUsd]]));
    expect(lines["AWS Backup storage (assumed)"]).toEqual(["2 vault(s) × 100 GB × 2 × $0.1/GB", 40]);
    expect(lines["transfer to the DR region: copies + replicated logs (assumed)"]).toEqual(["2 × 100 GB × 1.5 × $0.02/GB", 6]);
    expect(lines["replicated automated backups storage (assumed)"]).toEqual(["100 GB × 2 × $0.1/GB", 20]);
    expect(lines["monthly restore test of aws_db_instance.db"]).toEqual(["1 × 3 h × $1/h (single-AZ)", 3]);
    expect(estimate.notes).toContain("recovery targets: RPO 1 h (transaction logs replicated to test-region-2), RTO 4 h; measure them with npm run restore-drill -- --stack <stack>");
  });

  test("GIVEN scheduled jobs WHEN estimated THEN each is priced by its runs a month times its time limit, an upper bound; a paused one costs nothing", () => {
    // GIVEN a job every 6 hours with a 30-minute limit (2 vCPU, 4 GB, X86_64), a nightly one paused, one without a limit
    const task = (cpu: string, memory: string, command: string[]) => ({ cpu, memory, container_definitions: JSON.stringify([{ name: "job", command }]) });
    const job = (name: string, expression: string, taskName: string, state = "ENABLED") => ({
      name,
      schedule_expression: expression,
      state,
      target: { arn: ref("aws_ecs_cluster.main", "arn"), ecs_parameters: { task_definition_arn: ref(`aws_ecs_task_definition.${taskName}`, "arn") } },
    });
    const stack: StackJson = {
      provider: FIXTURE.provider,
      resource: {
        aws_ecs_task_definition: {
          report: task("2048", "4096", ["sh", "-c", "...", "report", "timeout", "-k", "30", "1800", "/app/bin/report"]),
          cleanup: task("256", "512", ["sh", "-c", "...", "cleanup", "timeout", "-k", "30", "600", "/app/bin/cleanup"]),
          unbounded: task("256", "512", ["/app/bin/forever"]),
        },
        aws_scheduler_schedule: {
          report: job("report", "rate(6 hours)", "report"),
          cleanup: job("cleanup", "cron(0 2 * * ? *)", "cleanup", "DISABLED"),
          unbounded: job("unbounded", "rate(1 day)", "unbounded"),
        },
      },
    };
    // WHEN
    const estimate = estimateStack("fixture", stack, loadPriceTable("test-region-1", FIXTURE_PRICES), ASSUMPTIONS);
    // THEN 730 h / 6 h = 121.67 runs × 0.5 h × (2 vCPU × 0.04 + 4 GB × 0.004)
    const report = estimate.lines.find((l) => l.item === "Fargate job report, at most");
    expect(report?.monthlyUsd).toBeCloseTo((730 / 6) * 0.5 * (2 * 0.04 + 4 * 0.004), 2);
    expect(report?.quantity).toBe("121.67 runs × 30 min limit × (2 vCPU × $0.04 + 4 GB × $0.004)/h");
    expect(estimate.lines.find((l) => l.item === "Fargate job cleanup (paused), at most")?.monthlyUsd).toBe(0);
    expect(estimate.notes).toEqual(expect.arrayContaining([
      "aws_scheduler_schedule.report: an upper bound (every run taking its 30-minute limit; rate(6 hours) runs 121.67 times in an average month)",
      "aws_scheduler_schedule.unbounded: not estimated (its task has no time limit (timeout) to bound a run)",
    ]));
    expect(estimate.notEstimated).toEqual(expect.arrayContaining([expect.stringMatching(/^EventBridge Scheduler invocations .*\(3 aws_scheduler_schedule\)$/)]));
  });

  test.each([
    [[{ capacity_provider: "FARGATE", weight: 1 }], 3, 0],
    [[{ capacity_provider: "FARGATE_SPOT", weight: 1 }], 3, 1],
    [[{ capacity_provider: "FARGATE", base: 1, weight: 1 }, { capacity_provider: "FARGATE_SPOT", weight: 3 }], 5, 0.6],
    [[{ capacity_provider: "FARGATE_SPOT", base: 2, weight: 0 }, { capacity_provider: "FARGATE", weight: 1 }], 4, 0.5],
  ])("Spot share of strategy %j with %i tasks is %d", (strategy, desired, share) => {
    expect(spotShare(strategy, desired)).toBeCloseTo(share);
  });

  test("GIVEN an instance class with no price THEN it names the file, the resource, the class and what is priced", () => {
    const stack = { ...FIXTURE, resource: { aws_db_instance: { db: { engine: "postgres", instance_class: "db.x9.huge", allocated_storage: 20, storage_type: "gp3" } } } };
    expect(() => estimateStack("fixture", stack, loadPriceTable("test-region-1", FIXTURE_PRICES), ASSUMPTIONS)).toThrow(MissingPriceError);
    expect(() => estimateStack("fixture", stack, loadPriceTable("test-region-1", FIXTURE_PRICES), ASSUMPTIONS)).toThrow(
      /prices\.rdsPostgresInstanceHour: no price for aws_db_instance\.db's instance_class "db\.x9\.huge"; priced: db\.test\.large/,
    );
  });

  test("GIVEN a malformed price table THEN one line per problem, with the field, the value and what is allowed", () => {
    let problems: readonly string[] = [];
    try {
      loadPriceTable("broken-region-1", FIXTURE_PRICES);
    } catch (error) {
      expect(error).toBeInstanceOf(PriceTableError);
      problems = (error as PriceTableError).problems;
    }
    expect(problems.map((p) => p.replace(/^.*broken-region-1\.json: /, ""))).toEqual([
      'currency: got "EUR"; allowed: "USD"',
      'asOf: got "last week"; allowed: the date the prices were taken, YYYY-MM-DD',
      'prices.natGatewayHour: got "0.05"; allowed: a price in USD (a number >= 0)',
      "prices.logsIngestionGb: got undefined; allowed: a price in USD (a number >= 0)",
      "prices.fargateVcpuHour.X86_64: got -1; allowed: a price in USD (a number >= 0)",
      "prices.rdsPostgresInstanceHour: got {}; allowed: an object of prices in USD by name",
    ]);
  });

  test("every region of an environment file has a dated price table that loads, and so do eu-west-1 and us-east-1", () => {
    const regions = new Set(["eu-west-1", "us-east-1"]);
    for (const folder of environmentFolders(ROOT)) {
      for (const file of fs.readdirSync(path.join(ROOT, folder.dir)).filter((f) => f.endsWith(".json") && f !== "schema.json")) {
        regions.add(JSON.parse(fs.readFileSync(path.join(ROOT, folder.dir, file), "utf8")).region);
      }
    }
    for (const region of regions) {
      const table = loadPriceTable(region);
      expect(table.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(table.source).toMatch(/refresh/);
    }
    expect(pricedRegions()).toEqual(expect.arrayContaining([...regions]));
  });
});

describe("npm run cost", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/cost.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

  test("prints the assumptions, then a table per environment with a monthly total in USD, and exits 0", () => {
    const result = run();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Assumptions \(change them with the flags/);
    expect(result.stdout).toMatch(/--hours 730 +hours in a month/);
    for (const stack of environmentFolders(ROOT)[0].environmentStacks) {
      expect(result.stdout).toMatch(new RegExp(`^${stack} \\(eu-west-1; prices of \\d{4}-\\d{2}-\\d{2} from src/domain/prices/eu-west-1\\.json\\)$`, "m"));
    }
    // one table for each stack the app synthesizes (environments, state, delivery), each with its total
    const tables = result.stdout.match(/^whcsites-[a-z0-9-]+ \(eu-west-1; prices of /gm) ?? [];
    expect(tables.length).toBeGreaterThanOrEqual(3);
    expect(result.stdout.match(/^ {2}total +\d+\.\d\d$/gm)).toHaveLength(tables.length);
    expect(result.stdout).toMatch(/^ {2}RDS db\.m7g\.large Multi-AZ \(2 instances\) +2 × 730 h/m);
    expect(result.stdout).toMatch(/^ {2}Fargate whcsites-staging-service \(Spot\) .*Spot discount/m);
  });

  test("GIVEN a flag that is not a number THEN exit 1 with what was given and what is allowed", () => {
    const result = run("--lcu", "lots");
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`error: option '--lcu <n>' argument 'lots' is invalid. got "lots"; allowed: a number from 0 (--lcu)`);
  });
});
