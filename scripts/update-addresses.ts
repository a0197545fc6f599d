/**
 * `npm run addresses:update`: rewrite addresses/<stack>.json from the synthesized app, on purpose (and
 * addresses/examples/<name>/<stack>.json for each example's environment folder, synthesized as its own app).
 *
 * The address-stability test compares these lists with every synth; run this only when a change of addresses is
 * intended (and, for stateful resources, carried by a move). It prints what changed so the commit can say why.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { ADDRESSES_DIR, compareAddresses, isStateful, readCommittedAddresses, writeAddressFile } from "./lib/stack/addresses";
import { findStackDirs, PROJECT_ROOT } from "./lib/terraform/check-stacks";
import { movedAddresses, resourceAddresses, type StackJson } from "./lib/stack/stack-json";
import { environmentFolders, synthesizeApp } from "./lib/synth/synth";

/** Rewrite the lists in `dir` from the stacks in `outDir`; lists of stacks the app no longer has go. */
function updateLists(outDir: string, dir: string): void {
  const stacks = findStackDirs(outDir);
  for (const [stack, stackDir] of stacks) {
    const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as StackJson;
    const committed = readCommittedAddresses(stack, dir);
    const file = writeAddressFile(stack, resourceAddresses(json), dir);
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
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const stack = file.replace(/\.json$/, "");
    if (file.endsWith(".json") && !stacks.has(stack)) {
      fs.rmSync(path.join(dir, file));
      console.log(`${path.relative(PROJECT_ROOT, path.join(dir, file))}: removed (the app no longer synthesizes ${stack})`);
    }
  }
}

async function main(): Promise<void> {
  const options = new Command()
    .name("update-addresses")
    .description(
      "Rewrite the committed resource address lists from a fresh synth of every environment folder " +
        "(environments/ into addresses/, examples/<name>/environments/ into addresses/examples/<name>/)",
    )
    .option("--out <dir>", "use this cdktf output dir instead of synthesizing (its lists go to --dir)")
    .option("--dir <dir>", "where the lists of --out live", ADDRESSES_DIR)
    .parse()
    .opts<{ out?: string; dir: string }>();

  if (options.out !== undefined) {
    updateLists(options.out, options.dir);
    return;
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-addresses-"));
  try {
    for (const [i, folder] of environmentFolders().entries()) {
      const { outDir } = await synthesizeApp(path.join(tempDir, String(i)), { environmentsDir: folder.dir });
      updateLists(outDir, folder.addressesDir);
    }
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`addresses:update failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
