/**
 * `npm run docs:modules`: rebuilds the generated part of every module README (`src/constructs/<module>/README.md`)
 * from the TSDoc of what the module's index.ts exports (scripts/lib/module-docs/module-docs.ts): props (name, type,
 * default, description), attributes and methods of each construct, and the module's other exports. The hand-written
 * lines above the generated part stay. `--check` writes nothing and exits 1 when a README is missing or stale (the
 * test in __tests__/constructs/module-readmes.test.ts does the same).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { moduleReadmes, readmeProblem } from "./lib/module-docs/module-docs";
import { runMain } from "./lib/run-main";

const ROOT = path.join(__dirname, "..");

async function main(): Promise<number> {
  const options = new Command()
    .name("docs:modules")
    .description("Rebuild the generated part of each src/constructs/<module>/README.md from the TSDoc of its index.ts exports")
    .option("--check", "write nothing; exit 1 when a module README is missing or out of date", false)
    .parse()
    .opts<{ check: boolean }>();

  const problems: string[] = [];
  for (const readme of moduleReadmes(ROOT)) {
    const problem = readmeProblem(readme);
    if (problem === undefined) {
      console.log(`up to date: ${readme.file}`);
      continue;
    }
    if (options.check || readme.expected === undefined) {
      problems.push(problem);
      continue;
    }
    fs.writeFileSync(path.join(ROOT, readme.file), readme.expected);
    console.log(`updated: ${readme.file}`);
  }
  for (const problem of problems) console.error(problem);
  return problems.length > 0 ? 1 : 0;
}

runMain("docs:modules", main);
