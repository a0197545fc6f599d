import * as fs from "fs";
import * as path from "path";

/**
 * Whether the cdktf CLI (`cdktf synth`, `cdktf deploy`) runs this app. The CLI prints construct annotations
 * (warnings, acknowledged policy exceptions, errors) itself and labels everything the app writes to stderr as an
 * error, so the app then leaves printing them to the CLI. The CLI passes its context in `CDKTF_CONTEXT_JSON`.
 */
export function runByCdktfCli(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CDKTF_CONTEXT_JSON !== undefined;
}

/**
 * The exit code of a synthesis that stopped (a bad environment file, a policy violation) after printing its problems
 * and removing what it had written: 1, except under the cdktf CLI, where it is 0 so that the CLI prints each problem
 * once, and the CLI still fails because there is no manifest.json. Then `note` gets one line saying so.
 *
 * Why, from cdktf-cli 0.21.0 (node_modules/cdktf-cli/bundle/bin/cmds/handlers.js, sources in @cdktf/cli-core and
 * @cdktf/commons): `SynthStack.synth` (cli-core src/lib/synth-stack.js) runs the app with `shell()` (commons
 * src/util.js), which prints the app's stdout as it comes (console.log) and each chunk of its stderr as it comes as
 * an `[ERROR] default -` log line (`exec()` -> `processLoggerError`). When the app exits non-zero, `SynthStack.synth`
 * then prints "cdktf encountered an error while synthesizing ... non-zero exit code 1" followed by all of the app's
 * stderr and stdout again, and exits 1: every line twice, whichever stream it went to. After a zero exit it prints
 * nothing again, but fails on the missing manifest ("ERROR: synthesis failed, because app was expected to call
 * 'synth()', but didn't. Thus "<outdir>/manifest.json" was not created"; with --hcl: "Could not find manifest
 * file") and exits 1, before it reads or removes anything in the outdir. CDKTF_LOG_LEVEL does not hide the
 * `[ERROR]` lines (commons src/logging.js sets the level, then log4js's `configure()` resets it to info);
 * CDKTF_LOG_FILE_DIRECTORY does, but it is the operator's setting, not the app's, and moves all of the CLI's log there.
 *
 * 0 only when manifest.json really is absent, so the CLI cannot take the stopped synthesis for a successful one.
 * __tests__/cli/synth.test.ts runs the real CLI and fails if its behaviour changes (cdktf-cli is pinned).
 */
export function stoppedSynthesisExitCode(outdir: string, note: (line: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  if (!runByCdktfCli(env) || fs.existsSync(path.join(outdir, "manifest.json"))) return 1;
  note(`The cdktf CLI reports this stop next, as "app was expected to call 'synth()', but didn't" (no ${path.join(outdir, "manifest.json")}), and exits 1.`);
  return 0;
}
