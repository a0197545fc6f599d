import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { buildApp, BuildAppOptions } from "./app";
import { runByCdktfCli } from "./core/cdktf-cli";
import { ConfigError, ConfigWarning } from "./config/environment";
import { formatProblem } from "./config/errors";

/** Options of {@link synthesize}. */
export interface SynthesizeOptions extends BuildAppOptions {
  /** Where problems and warnings go. @default process.stderr */
  readonly stderr?: (line: string) => void;
  /** Where the summary goes. @default process.stdout */
  readonly stdout?: (line: string) => void;
  /** Builds the app to synthesize. @default {@link buildApp} */
  readonly build?: (options: BuildAppOptions) => App;
}

interface Manifest {
  readonly stacks: Record<string, { readonly annotations: ReadonlyArray<{ readonly level: string; readonly message: string }> }>;
}

/**
 * `npm run synth`: validates every environment file, then writes all stacks. Returns the exit code.
 *
 * Exit code 1, one line per problem, and `<outdir>/stacks` removed (so that no stale, half-written or insecure stack
 * can be deployed by mistake) when an environment file is bad, a construct refuses a value, or the policy guard
 * finds a violation in any stack.
 */
export function synthesize(options: SynthesizeOptions = {}): number {
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stop = (headline: string, lines: readonly string[]): number => {
    fs.rmSync(path.join(outdir, "stacks"), { recursive: true, force: true });
    stderr(`Synthesis stopped: ${headline}. No stack was left in ${path.join(outdir, "stacks")}.\n`);
    for (const line of lines) stderr(`  ${line}`);
    return 1;
  };

  // cdktf throws at the first stack with an error annotation (a policy violation), which would hide the other
  // stacks' violations; synthesize them all (as the cdktf CLI does) and decide below.
  const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  try {
    const warn = options.warn ?? ((w: ConfigWarning) => stderr(`WARNING ${formatProblem(w)}`));
    (options.build ?? buildApp)({ ...options, outdir, warn }).synth();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return stop(`${error.problems.length} problem(s) in the configuration`, error.problems.map((p) => `${p.file}: ${p.field}: ${p.message}`));
  } finally {
    if (previous === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
  }

  // Plain `node main.ts` does not show construct annotations (the cdktf CLI does), so print warnings here. Info
  // annotations are the policy guard's acknowledgements, which it prints itself.
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  const errors: string[] = [];
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    for (const a of stack.annotations) {
      if (a.level === "@cdktf/error") errors.push(`${name}: ${a.message}`);
      else if (a.level === "@cdktf/warn" && !runByCdktfCli()) stderr(`WARNING ${name}: ${a.message}`);
    }
  }
  if (errors.length > 0) return stop(`${errors.length} policy violation(s)`, errors);
  const stacks = Object.keys(manifest.stacks);
  stdout(`Synthesized ${stacks.length} stacks to ${path.join(outdir, "stacks")}: ${stacks.join(", ")}`);
  return 0;
}
