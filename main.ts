import * as fs from "fs";
import * as path from "path";
import { buildApp } from "./src/app";
import { ConfigError } from "./src/config/environment";

// Entry point of `npm run synth` and `cdktf synth`. A bad environment file stops here, before anything is written.
try {
  // WHCSITES_ENVIRONMENTS_DIR lets tests and operators point at another folder of environment files.
  buildApp({ environmentsDir: process.env.WHCSITES_ENVIRONMENTS_DIR }).synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Leave no stack behind that an operator could deploy by mistake.
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  fs.rmSync(path.join(outdir, "stacks"), { recursive: true, force: true });
  console.error(`Synthesis stopped: ${error.problems.length} problem(s) in the configuration. Nothing was written.\n`);
  for (const p of error.problems) console.error(`  ${p.file}: ${p.field}: ${p.message}`);
  process.exit(1);
}
