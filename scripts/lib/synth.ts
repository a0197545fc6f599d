/** Synthesizing the app (main.ts) into a chosen directory, for the check and the tests. */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./check-stacks";
import { runCommand } from "./terraform-cli";

/** Result of {@link synthesizeApp}. */
export interface SynthResult {
  /** The cdktf output dir, holding `stacks/<name>/cdk.tf.json` and `manifest.json`. */
  readonly outDir: string;
  readonly durationMs: number;
}

/** The app command of cdktf.json as argv, `node` replaced by the running node binary. */
export function appCommand(): string[] {
  const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")) as { app?: string };
  const argv = (config.app ?? "node --require ./scripts/register-ts.cjs main.ts").trim().split(/\s+/);
  return argv[0] === "node" ? [process.execPath, ...argv.slice(1)] : argv;
}

/**
 * Run the app command of cdktf.json (as `npm run synth` does) with `CDKTF_OUTDIR=outDir`. The dir is emptied first
 * so a stack removed from the app does not linger. Throws with the app's output when synthesis fails.
 */
export async function synthesizeApp(outDir: string): Promise<SynthResult> {
  const target = path.resolve(outDir);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // The same command as `npm run synth` and `cdktf synth`: the "app" of cdktf.json, with node as this node.
  const [command, ...args] = appCommand();
  const run = await runCommand(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: target },
    timeoutMs: 300_000,
  });
  if (run.code !== 0 || !fs.existsSync(path.join(target, "stacks"))) {
    throw new Error(`Synthesis failed (${appCommand().slice(1).join(" ")}, exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n${run.stderr}\n${run.stdout}`.trim());
  }
  return { outDir: target, durationMs: run.durationMs };
}
