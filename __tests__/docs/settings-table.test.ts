import { spawnSync } from "child_process";
import * as fs from "fs";
import { SCHEMA_PATH } from "../../src/config/environment";
import { tierDefaults } from "../../src/domain/tier-defaults";
import { SETTINGS_DOCUMENT, SchemaNode, SettingRow, codeDefaults, settingRows, settingsTable, staleSettingsTable } from "../../scripts/lib/settings-docs/settings-table";
import { ROOT, readRepositoryFile } from "../helpers/markdown";

const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as SchemaNode;
const keys = settingRows(schema, new Map()).map((r) => r.key);
const rows = new Map(settingRows(schema, codeDefaults(keys)).map((r): [string, SettingRow] => [r.key, r]));

describe("the settings reference of docs/environments.md", () => {
  test("GIVEN environments/schema.json THEN the committed table is the one npm run docs:settings writes", () => {
    expect(staleSettingsTable(readRepositoryFile(SETTINGS_DOCUMENT), settingsTable(schema))).toBeUndefined();
  });

  test("WHEN a description in the schema changes THEN the committed table is stale, and the message names the command", () => {
    const changed = JSON.parse(JSON.stringify(schema)) as { properties: { loadBalancer: { properties: { idleTimeoutSeconds: { description: string } } } } };
    changed.properties.loadBalancer.properties.idleTimeoutSeconds.description = "Seconds of idleness. Default: 60.";
    expect(staleSettingsTable(readRepositoryFile(SETTINGS_DOCUMENT), settingsTable(changed as SchemaNode))).toBe(
      "docs/environments.md: the settings table differs from environments/schema.json; run `npm run refresh` and commit the result",
    );
  });

  test("every setting has a row: nested ones, those of each service, and an alarm's fields once", () => {
    expect(keys).toEqual(expect.arrayContaining([
      "tier", "loadBalancer.idleTimeoutSeconds", "loadBalancer.healthCheck.intervalSeconds", "services.<name>.cpu",
      "services.<name>.route.priority", "alerts.thresholds.service.target5xxPercent", "alerts.thresholds.*.*.threshold", "webAcl.ruleOverrides",
    ]));
    expect(keys.filter((k) => k.endsWith(".threshold"))).toEqual(["alerts.thresholds.*.*.threshold"]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("a setting's row has its type, its default and its description", () => {
    expect(rows.get("loadBalancer.idleTimeoutSeconds")).toEqual({
      key: "loadBalancer.idleTimeoutSeconds",
      type: "integer, 1 to 4000",
      defaultValue: "`60`",
      description: expect.stringMatching(/^Seconds a client connection may stay idle/),
    });
    expect(rows.get("network.natGateways")).toMatchObject({ type: '`"one-per-az"`, `"single"`', defaultValue: '`"one-per-az"` / `"single"`' });
    expect(rows.get("services.<name>.cpu")).toMatchObject({ defaultValue: "required" });
    expect(rows.get("services.<name>.minCount")).toMatchObject({ defaultValue: "desiredCount", description: "Autoscaling floor." });
  });

  test("defaults that depend on the tier come from the code, production first", () => {
    const [production, other] = [tierDefaults(true), tierDefaults(false)];
    expect(rows.get("database.backupRetentionDays")?.defaultValue).toBe(`\`${production.backupRetentionDays}\` / \`${other.backupRetentionDays}\``);
    expect(rows.get("services.<name>.enableExecuteCommand")?.defaultValue).toBe("`false` / `true`");
    const alarm = (s: { threshold: number; periodSeconds: number; datapointsToAlarm: number; evaluationPeriods: number }) =>
      `${s.threshold}; ${s.periodSeconds} s, ${s.datapointsToAlarm} of ${s.evaluationPeriods}`;
    expect(rows.get("alerts.thresholds.service.target5xxPercent")?.defaultValue).toBe(
      `${alarm(production.alarms.service.target5xxPercent)} / ${alarm(other.alarms.service.target5xxPercent)}`,
    );
    // A config field shaped unlike the file's setting is not taken for its default.
    expect(rows.get("alerts.notify")?.defaultValue).toBe("none");
  });

  test("npm run docs:settings -- --check exits 0 on the committed document", () => {
    const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "scripts/docs-settings.ts", "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("up to date: docs/environments.md");
  });
});
