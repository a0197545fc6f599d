/**
 * Database migration runner: `npm run migrate -- --help`.
 *
 * Wires the process to the runner (src/migrations/interrupts.ts): the first SIGINT/SIGTERM/SIGHUP, or the loss of the
 * parent process or of the output, stops the started task, waits for it to stop and exits 130/143/129; a second
 * SIGINT or SIGTERM exits at once without waiting (the watchdog still stops the task).
 */
import * as path from "node:path";
import { main } from "../src/migrations/cli";
import { abortOnInterrupts } from "../src/migrations/interrupts";

const controller = abortOnInterrupts({
  program: "migrate",
  stopping: "stopping the migration task",
  abandoned: "the watchdog stops the task, check it in the ECS console",
});

main(process.argv, { signal: controller.signal, projectRoot: path.resolve(__dirname, "..") })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    // Only a bug gets here; expected failures come back as exit codes with their message already printed.
    process.stderr.write(`migrate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
