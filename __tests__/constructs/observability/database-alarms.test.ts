import { Testing } from "cdktf";
import { DatabaseAlarms, DatabaseAlarmsProps } from "../../../src/constructs/observability/database-alarms";
import { Rds, RdsProps } from "../../../src/constructs/rds/rds";
import { AppSecrets } from "../../../src/constructs/secrets/secrets";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { defaultMaxConnections } from "../../../src/domain/rds";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

type Alarm = Record<string, any>;
const TOPIC = "arn:aws:sns:eu-west-1:210987654321:whcsites-staging-alerts";
const GIB = 1024 ** 3;

function build(props: Partial<DatabaseAlarmsProps> = {}, database: Partial<RdsProps> = {}): { alarms: DatabaseAlarms; alarm: (id: string) => Alarm } {
  const stack = new ReadableStack(Testing.app(), "test");
  const production = props.production ?? false;
  const naming = new Naming("whcsites", production ? "production" : "staging");
  const secrets = new AppSecrets(stack, "secrets", { naming });
  const rds = new Rds(stack, "database", {
    naming,
    network: testNetwork(stack, naming),
    masterUsername: secrets.databaseUsername,
    masterPassword: secrets.databasePasswordValue as string,
    databaseName: secrets.databaseName,
    production,
    // Production has enhanced monitoring, whose role trusts RDS only for this account's instance.
    ...(production ? { multiAz: true, deletionProtection: true, accountId: "210987654321" } : {}),
    ...database,
  });
  const alarms = new DatabaseAlarms(stack, "database_alarms", { naming, database: rds, alarmTopicArn: TOPIC, ...props });
  const resources = JSON.parse(Testing.synth(stack)).resource;
  return { alarms, alarm: (id) => resources.aws_cloudwatch_metric_alarm[`database_alarms_${id}`] };
}

describe("DatabaseAlarms of a db.t4g.micro with 20 GiB (non-production)", () => {
  // GIVEN the staging database WHEN synthesized
  const { alarms, alarm } = build();
  const dimensions = { DBInstanceIdentifier: "whcsites-staging-db" };

  test("THEN there are six alarms on the instance, named whcsites-<env>-db-<what>, notifying both ways, keeping their state without data", () => {
    const ids = ["cpu_high", "free_storage_low", "freeable_memory_low", "connections_high", "read_latency_high", "write_latency_high"];
    for (const id of ids) {
      expect(alarm(id)).toMatchObject({ namespace: "AWS/RDS", dimensions, alarm_actions: [TOPIC], ok_actions: [TOPIC], treat_missing_data: "missing" });
      expect(alarm(id).alarm_name).toBe(`whcsites-staging-db-${id.replace(/_/g, "-")}`);
      expect(alarm(id).alarm_description).toMatch(/First look: /);
    }
    expect(alarms.alarmNames).toHaveLength(6);
  });

  test("THEN connections alarm near max_connections computed from the class's memory: 90% of 112 is 101", () => {
    expect(defaultMaxConnections("db.t4g.micro")).toBe(112);
    expect(alarms.maxConnections).toBe(112);
    expect(alarm("connections_high")).toMatchObject({ metric_name: "DatabaseConnections", statistic: "Maximum", comparison_operator: "GreaterThanOrEqualToThreshold", threshold: 101 });
    expect(alarm("connections_high").alarm_description).toContain("max_connections 112 for db.t4g.micro");
  });

  test("THEN free storage alarms below 10% of the allocated 20 GiB, freeable memory below 5% of its 1 GiB, both in bytes", () => {
    expect(alarm("free_storage_low")).toMatchObject({ metric_name: "FreeStorageSpace", statistic: "Minimum", comparison_operator: "LessThanOrEqualToThreshold", threshold: 2 * GIB });
    expect(alarm("freeable_memory_low")).toMatchObject({ metric_name: "FreeableMemory", comparison_operator: "LessThanOrEqualToThreshold", threshold: Math.floor(0.05 * GIB) });
  });

  test("THEN CPU and read/write latency use their averages", () => {
    expect(alarm("cpu_high")).toMatchObject({ metric_name: "CPUUtilization", statistic: "Average", threshold: 90, period: 300, evaluation_periods: 3 });
    expect(alarm("read_latency_high")).toMatchObject({ metric_name: "ReadLatency", statistic: "Average", threshold: 0.1 });
    expect(alarm("write_latency_high")).toMatchObject({ metric_name: "WriteLatency", statistic: "Average", threshold: 0.1 });
  });

  test("THEN its dashboard graphs are CPU, connections, free storage, latency and freeable memory", () => {
    expect(alarms.widgets.map((w) => w.kind === "metric" && w.metrics.map((m) => m.metricName).join(","))).toEqual([
      "CPUUtilization",
      "DatabaseConnections",
      "FreeStorageSpace",
      "ReadLatency,WriteLatency",
      "FreeableMemory",
    ]);
  });
});

describe("DatabaseAlarms variants and validation", () => {
  test("GIVEN production on db.m7g.large with 100 GiB WHEN synthesized THEN 80% of 901 connections, 10% of 100 GiB and of 8 GiB", () => {
    const { alarm } = build({ production: true }, { instanceClass: "db.m7g.large", allocatedStorageGiB: 100 });
    expect(alarm("connections_high").threshold).toBe(Math.ceil(0.8 * 901));
    expect(alarm("free_storage_low").threshold).toBe(10 * GIB);
    expect(alarm("freeable_memory_low").threshold).toBe(Math.floor(0.8 * GIB));
  });

  test("GIVEN a share of free storage of 100% WHEN built THEN it is refused", () => {
    try {
      build({ thresholds: { freeStoragePercent: { threshold: 100 } } });
      throw new Error("expected a PropError");
    } catch (error) {
      expect(error).toBeInstanceOf(PropError);
      expect((error as Error).message).toBe("DatabaseAlarms: thresholds.freeStoragePercent.threshold got 100; allowed: a number from 1 to 99 (percent of the allocated storage)");
    }
  });
});
