import * as fs from "fs";
import * as path from "path";
import { buildApp, BuildAppOptions } from "./app";
import { ConfigError } from "./config/environment";

/** Options of {@link synthesize}. */
export interface SynthesizeOptions extends BuildAppOptions {
  /** Where problems and warnings go. @default process.stderr */
  readonly stderr?: (line: string) => void;
  /** Where the summary goes. @default process.stdout */
  readonly stdout?: (line: string) => void;
}

/**
 * `npm run synth`: validates every environment file, then writes all stacks. Returns the exit code.
 *
 * A bad environment file (or a value a construct refuses) stops here with exit code 1, one line per problem, and
 * `<outdir>/stacks` removed, so that no stale or half-written stack can be deployed by mistake.
 */
export function synthesize(options: SynthesizeOptions = {}): number {
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  try {
    buildApp({ ...options, outdir }).synth();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fs.rmSync(path.join(outdir, "stacks"), { recursive: true, force: true });
    stderr(`Synthesis stopped: ${error.problems.length} problem(s) in the configuration. Nothing was written.\n`);
    for (const p of error.problems) stderr(`  ${p.file}: ${p.field}: ${p.message}`);
    return 1;
  }

  // Plain `node main.ts` does not show construct annotations (only the cdktf CLI does), so print them here.
  // Info annotations are the policy guard's acknowledgements, which it prints itself.
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { annotations: Array<{ level: string; message: string }> }>;
  };
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    for (const a of stack.annotations.filter((x) => x.level !== "@cdktf/info")) {
      const level = a.level.replace("@cdktf/", "");
      stderr(`${level === "warn" ? "WARNING" : level.toUpperCase()} ${name}: ${a.message}`);
    }
  }
  const stacks = Object.keys(manifest.stacks);
  stdout(`Synthesized ${stacks.length} stacks to ${path.join(outdir, "stacks")}: ${stacks.join(", ")}`);
  return 0;
}
