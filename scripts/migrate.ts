/**
 * Database migration runner: `npm run migrate -- --help`.
 *
 * Wires the process to the runner: the first SIGINT/SIGTERM/SIGHUP, or the loss of the parent process or of the
 * output (see src/migrations/lifeline.ts), stops the started task, waits for it to stop and exits 130/143/129; a
 * second SIGINT or SIGTERM exits at once without waiting (the watchdog still stops the task).
 */
import * as path from "node:path";
import { main } from "../src/migrations/cli";
import { InterruptReason } from "../src/migrations/runner";
import { watchLifeline } from "../src/migrations/lifeline";

const controller = new AbortController();
const interrupt = (reason: InterruptReason): void => {
  if (!controller.signal.aborted) controller.abort(reason);
};

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nmigrate: ${signal} again, exiting without waiting; the watchdog stops the task, check it in the ECS console.\n`);
      process.exit(signal === "SIGTERM" ? 143 : 130);
    }
    process.stderr.write(`\nmigrate: ${signal} received, stopping the migration task (press Ctrl-C again to quit at once)...\n`);
    interrupt(signal);
  });
}
// A closed terminal: stop the task as for Ctrl-C, but a hang-up never means "quit at once".
process.on("SIGHUP", () => interrupt("SIGHUP"));

watchLifeline({
  onLost: (reason, detail) => {
    process.stderr.write(`\nmigrate: ${detail}; stopping the migration task...\n`);
    interrupt(reason);
  },
});

main(process.argv, { signal: controller.signal, projectRoot: path.resolve(__dirname, "..") })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    // Only a bug gets here; expected failures come back as exit codes with their message already printed.
    process.stderr.write(`migrate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
