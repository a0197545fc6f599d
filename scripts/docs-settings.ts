/**
 * `npm run docs:settings`: writes the settings reference of docs/environments.md from environments/schema.json (every
 * setting's key, type, default in each tier and description). `--check` writes nothing and exits 1 when the committed
 * table is out of date (the test in __tests__/docs does the same).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { SCHEMA_PATH } from "../src/config/environment";
import { PROJECT_ROOT } from "./lib/terraform/check-stacks";
import { runMain } from "./lib/run-main";
import { SETTINGS_DOCUMENT, SchemaNode, settingsTable, staleSettingsTable, withSettingsTable } from "./lib/settings-docs/settings-table";

async function main(): Promise<number> {
  const options = new Command()
    .name("docs:settings")
    .description(`Write the settings table of ${SETTINGS_DOCUMENT} from environments/schema.json`)
    .option("--check", "write nothing; exit 1 when the committed table is out of date", false)
    .parse()
    .opts<{ check: boolean }>();

  const target = path.join(PROJECT_ROOT, SETTINGS_DOCUMENT);
  const document = fs.readFileSync(target, "utf8");
  const table = settingsTable(JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as SchemaNode);
  const stale = staleSettingsTable(document, table);
  if (stale === undefined) {
    console.log(`up to date: ${SETTINGS_DOCUMENT}`);
    return 0;
  }
  if (options.check) {
    console.error(stale);
    return 1;
  }
  fs.writeFileSync(target, withSettingsTable(document, table));
  console.log(`updated: ${SETTINGS_DOCUMENT}`);
  return 0;
}

runMain("docs:settings", main);
