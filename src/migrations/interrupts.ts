import { InterruptReason } from "./runner";
import { watchLifeline } from "./lifeline";

/** What an operator tool says when it is interrupted. */
export interface InterruptTexts {
  /** The program's name, which starts each line (`migrate`). */
  readonly program: string;
  /** What the first interrupt starts, for example `stopping the migration task`. */
  readonly stopping: string;
  /** What still happens, or must be done by hand, when a second SIGINT or SIGTERM quits at once. */
  readonly abandoned: string;
}

/**
 * Wires a process to an abort signal, as the migration runner and the restore drill need it: the first SIGINT or
 * SIGTERM, a SIGHUP, or the loss of the parent process or of the output (see `lifeline.ts`) aborts with the reason
 * (`SIGINT`, `SIGTERM`, `SIGHUP`, `parent-exited`, `output-closed`), so the tool cleans up and exits 130, 143 or 129;
 * a second SIGINT or SIGTERM exits at once without waiting. Call it once, at the entry script's top.
 *
 * @returns the controller whose signal the tool watches
 */
export function abortOnInterrupts(texts: InterruptTexts): AbortController {
  const controller = new AbortController();
  const interrupt = (reason: InterruptReason): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) {
        process.stderr.write(`\n${texts.program}: ${signal} again, exiting without waiting; ${texts.abandoned}.\n`);
        process.exit(signal === "SIGTERM" ? 143 : 130);
      }
      process.stderr.write(`\n${texts.program}: ${signal} received, ${texts.stopping} (press Ctrl-C again to quit at once)...\n`);
      interrupt(signal);
    });
  }
  // A closed terminal: clean up as for Ctrl-C, but a hang-up never means "quit at once".
  process.on("SIGHUP", () => interrupt("SIGHUP"));
  watchLifeline({
    onLost: (reason, detail) => {
      process.stderr.write(`\n${texts.program}: ${detail}; ${texts.stopping}...\n`);
      interrupt(reason);
    },
  });
  return controller;
}
