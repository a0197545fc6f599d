import * as fs from "fs";
import * as path from "path";
import { buildApp } from "./src/app";
import { ConfigError } from "./src/config/environment";

// Entry point of `npm run synth` and `cdktf synth`. A bad environment file stops here, before anything is written.
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
try {
  // WHCSITES_ENVIRONMENTS_DIR lets tests and operators point at another folder of environment files.
  const app = buildApp({ outdir, environmentsDir: process.env.WHCSITES_ENVIRONMENTS_DIR });
  app.synth();
  printAnnotations();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Leave no stack behind that an operator could deploy by mistake.
  fs.rmSync(path.join(outdir, "stacks"), { recursive: true, force: true });
  console.error(`Synthesis stopped: ${error.problems.length} problem(s) in the configuration. Nothing was written.\n`);
  for (const p of error.problems) console.error(`  ${p.file}: ${p.field}: ${p.message}`);
  process.exit(1);
}

/** Plain `node main.ts` does not show construct annotations (only the cdktf CLI does), so print them here. */
function printAnnotations(): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { annotations: Array<{ constructPath: string; level: string; message: string }> }>;
  };
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    // Info annotations are the policy guard's acknowledgements, which it prints itself.
    for (const a of stack.annotations.filter((x) => x.level !== "@cdktf/info")) {
      const level = a.level.replace("@cdktf/", "");
      console.error(`${level === "warn" ? "WARNING" : level.toUpperCase()} ${name}: ${a.message}`);
    }
  }
  console.log(`Synthesized ${Object.keys(manifest.stacks).length} stacks to ${path.join(outdir, "stacks")}: ${Object.keys(manifest.stacks).join(", ")}`);
}
