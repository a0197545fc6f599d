/**
 * `npm run addresses:update`: rewrite addresses/<stack>.json from the synthesized app, on purpose.
 *
 * The address-stability test compares these lists with every synth; run this only when a change of addresses is
 * intended (and, for stateful resources, carried by a move). It prints what changed so the commit can say why.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { ADDRESSES_DIR, compareAddresses, isStateful, readCommittedAddresses, writeAddressFile } from "./lib/addresses";
import { findStackDirs, PROJECT_ROOT } from "./lib/check-stacks";
import { movedAddresses, resourceAddresses, type StackJson } from "./lib/stack-json";
import { synthesizeApp } from "./lib/synth";

async function main(): Promise<void> {
  const options = new Command()
    .name("update-addresses")
    .description("Rewrite the committed resource address lists from a fresh synth")
    .option("--out <dir>", "use this cdktf output dir instead of synthesizing")
    .option("--dir <dir>", "where the lists live", ADDRESSES_DIR)
    .parse()
    .opts<{ out?: string; dir: string }>();

  let outDir = options.out;
  let tempDir: string | undefined;
  if (outDir === undefined) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-addresses-"));
    outDir = (await synthesizeApp(path.join(tempDir, "out"))).outDir;
  }
  try {
    const stacks = findStackDirs(outDir);
    for (const [stack, dir] of stacks) {
      const json = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson;
      const committed = readCommittedAddresses(stack, options.dir);
      const file = writeAddressFile(stack, resourceAddresses(json), options.dir);
      const where = path.relative(PROJECT_ROOT, file);
      if (committed === undefined) {
        console.log(`${where}: new list, ${resourceAddresses(json).length} addresses`);
        continue;
      }
      const diff = compareAddresses(stack, committed, json);
      if (diff.ok) {
        console.log(`${where}: unchanged`);
        continue;
      }
      console.log(`${where}: updated`);
      const moved = movedAddresses(json);
      for (const a of [...diff.statefulRemoved, ...diff.removed]) {
        const note = moved.has(a) ? `   (moved to ${moved.get(a)}: Terraform keeps it)` : isStateful(a) ? "   <- STATEFUL: Terraform will destroy it unless a move carries it" : "";
        console.log(`  - ${a}${note}`);
      }
      for (const a of diff.added) console.log(`  + ${a}`);
    }
    for (const file of fs.existsSync(options.dir) ? fs.readdirSync(options.dir) : []) {
      const stack = file.replace(/\.json$/, "");
      if (file.endsWith(".json") && !stacks.has(stack)) {
        fs.rmSync(path.join(options.dir, file));
        console.log(`${path.relative(PROJECT_ROOT, path.join(options.dir, file))}: removed (the app no longer synthesizes ${stack})`);
      }
    }
  } finally {
    if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`addresses:update failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
