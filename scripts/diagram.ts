/**
 * `npm run diagram`: synthesizes the app for each folder of environment files (`environments/`, and each
 * `examples/<name>/environments/`) and writes one Mermaid architecture diagram per environment stack to
 * docs/architecture/<stack>.md (an example's to docs/architecture/examples/<name>/<stack>.md). `--check` writes
 * nothing and exits 1 when a committed diagram differs from the stacks (the test in __tests__/diagram does the same).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { PROJECT_ROOT } from "./lib/terraform/check-stacks";
import { diagramFiles, orphanDiagrams } from "./lib/diagram/mermaid";
import { environmentFolders, synthesizeFolder } from "./lib/synth/environment-folders";
import { runMain } from "./lib/run-main";

async function main(): Promise<number> {
  const options = new Command()
    .name("diagram")
    .description("Write docs/architecture/<stack>.md, a Mermaid diagram of each environment stack, from the synthesized stacks")
    .option("--check", "write nothing; exit 1 when a committed diagram is out of date", false)
    .parse()
    .opts<{ check: boolean }>();

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-diagram-"));
  const stale: string[] = [];
  try {
    for (const folder of environmentFolders(PROJECT_ROOT)) {
      const outDir = await synthesizeFolder(PROJECT_ROOT, folder.dir, path.join(work, folder.dir));
      const files = diagramFiles(folder, outDir);
      for (const [file, content] of files) {
        const target = path.join(PROJECT_ROOT, file);
        const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
        if (current === content) {
          console.log(`up to date: ${file}`);
          continue;
        }
        stale.push(file);
        if (options.check) continue;
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
        console.log(`${current === undefined ? "wrote" : "updated"}: ${file}`);
      }
      for (const orphan of orphanDiagrams(PROJECT_ROOT, files)) {
        stale.push(orphan);
        if (options.check) continue;
        fs.rmSync(path.join(PROJECT_ROOT, orphan));
        console.log(`removed (no such environment): ${orphan}`);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (options.check && stale.length > 0) {
    console.error(`Out of date with the synthesized stacks: ${stale.join(", ")}. Run \`npm run refresh\` (or \`npm run diagram\` for the diagrams alone) and commit the result.`);
    return 1;
  }
  return 0;
}

runMain("diagram", main);
