/**
 * `npm run refresh`: after an intended change (a service added or resized, an environment added, a construct
 * changed), rewrites everything the repository generates from the code and the environment files and commits beside
 * them, then lists what changed so the commit can say why:
 *
 * 1. the address lists, `addresses/` (`npm run addresses:update`; a stateful address that disappears still needs a
 *    `moved` block, which the list cannot give: read what it prints);
 * 2. the architecture diagrams, `docs/architecture/` (`npm run diagram`);
 * 3. the settings reference of `docs/environments.md`, from `environments/schema.json` (`npm run docs:settings`);
 * 4. the generated part of each `src/constructs/<module>/README.md` (`npm run docs:modules`);
 * 5. the Jest snapshots of the synthesized stacks, `__tests__/stacks/__snapshots__/` (Jest `-u` on that suite only,
 *    never on the whole run, where it would accept any snapshot change of any suite).
 *
 * The review copies (`review.tf`, `npm run review`) are not committed: they live beside each stack in cdktf.out, so
 * there is nothing of theirs to refresh. Every staleness failure of the tests names this command.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Command } from "commander";
import { runMain } from "./lib/run-main";

const ROOT = path.join(__dirname, "..");

/** What the refresh writes, for the closing list of changes. */
export const GENERATED_PATHS = ["addresses", "docs/architecture", "docs/environments.md", "src/constructs", "__tests__/stacks/__snapshots__"];

/** One step: what it writes, and the command (argv) that writes it. */
interface Step {
  readonly what: string;
  readonly argv: readonly string[];
}

const script = (file: string): string[] => [process.execPath, "--require", "./scripts/register-ts.cjs", file];

export const STEPS: readonly Step[] = [
  { what: "address lists (addresses/)", argv: script("scripts/update-addresses.ts") },
  { what: "architecture diagrams (docs/architecture/)", argv: script("scripts/diagram.ts") },
  { what: "settings reference (docs/environments.md)", argv: script("scripts/docs-settings.ts") },
  { what: "module READMEs (src/constructs/<module>/README.md)", argv: script("scripts/module-docs.ts") },
  {
    what: "stack snapshots (__tests__/stacks/__snapshots__/)",
    argv: [process.execPath, require.resolve("jest/bin/jest"), "--updateSnapshot", "--selectProjects", "unit", "--", "__tests__/stacks/snapshots.test.ts"],
  },
];

async function main(): Promise<number> {
  new Command()
    .name("refresh")
    .description(
      "Rewrite what is generated from the code and the environment files after an intended change: address lists, " +
        "architecture diagrams, the settings reference, the module READMEs and the stack snapshots; then list what changed",
    )
    .parse();

  for (const [i, step] of STEPS.entries()) {
    console.log(`\nrefresh ${i + 1}/${STEPS.length}: ${step.what}`);
    const [command, ...args] = step.argv;
    const run = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
    if (run.status !== 0) {
      console.error(`refresh: step ${i + 1} (${step.what}) failed with exit code ${run.status ?? run.signal}; fix what it printed and run npm run refresh again`);
      return 1;
    }
  }
  const status = spawnSync("git", ["status", "--short", "--", ...GENERATED_PATHS], { cwd: ROOT, encoding: "utf8" });
  const changed = status.status === 0 ? status.stdout.trimEnd() : "";
  console.log(changed === "" ? "\nrefresh: nothing generated changed" : `\nrefresh: changed (review, then commit with the change that caused it):\n${changed}`);
  return 0;
}

if (require.main === module) runMain("refresh", main);
