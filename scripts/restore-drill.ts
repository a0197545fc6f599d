/**
 * The restore drill: `npm run restore-drill -- --help`.
 *
 * Wired to interrupts as the migration runner is (src/migrations/interrupts.ts): the first SIGINT/SIGTERM/SIGHUP, or
 * the loss of the parent process or of the output, deletes the temporary instance, waits for it to be gone and exits
 * 130/143/129; a second SIGINT or SIGTERM exits at once (the deletion, once asked for, goes on in RDS).
 */
import * as path from "node:path";
import { abortOnInterrupts } from "../src/migrations/interrupts";
import { main } from "../src/restore-drill/cli";

const controller = abortOnInterrupts({
  program: "restore-drill",
  stopping: "deleting the temporary instance",
  abandoned: "if the drill's instance is still listed, delete it with the aws rds delete-db-instance command the drill printed",
});

main(process.argv, { signal: controller.signal, projectRoot: path.resolve(__dirname, "..") })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    // Only a bug gets here; expected failures come back as exit codes with their message already printed.
    process.stderr.write(`restore-drill: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
