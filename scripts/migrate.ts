/**
 * Database migration runner: `npm run migrate -- --help`.
 *
 * Wires process signals to the runner: the first SIGINT/SIGTERM stops the started task and exits 130/143; a second
 * one exits at once without waiting for StopTask.
 */
import * as path from "node:path";
import { main } from "../src/migrations/cli";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nmigrate: ${signal} again, exiting without waiting; check the task in the ECS console.\n`);
      process.exit(signal === "SIGTERM" ? 143 : 130);
    }
    process.stderr.write(`\nmigrate: ${signal} received, stopping the migration task (press Ctrl-C again to quit at once)...\n`);
    controller.abort(signal);
  });
}

main(process.argv, { signal: controller.signal, projectRoot: path.resolve(__dirname, "..") })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    // Only a bug gets here; expected failures come back as exit codes with their message already printed.
    process.stderr.write(`migrate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
