import { tierDefaults } from "../src/tier-defaults";

describe("tierDefaults", () => {
  test("production keeps logs a year, backups two weeks, and turns every protection on and ECS Exec off", () => {
    expect(tierDefaults(true)).toEqual({
      logRetentionDays: 365,
      backupRetentionDays: 14,
      monitoringIntervalSeconds: 60,
      secretRecoveryWindowDays: 30,
      protective: true,
      enableExecuteCommand: false,
      natGateways: "one-per-az",
    });
  });

  test("other tiers are cheaper and debuggable", () => {
    expect(tierDefaults(false)).toEqual({
      logRetentionDays: 30,
      backupRetentionDays: 7,
      monitoringIntervalSeconds: 0,
      secretRecoveryWindowDays: 7,
      protective: false,
      enableExecuteCommand: true,
      natGateways: "single",
    });
  });
});
