/**
 * The check after a deploy: `npm run verify -- --help`.
 */
import * as path from "node:path";
import { main } from "../src/verify/cli";

main(process.argv, { projectRoot: path.resolve(__dirname, "..") })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    // Only a bug gets here; expected failures come back as exit codes with their message already printed.
    process.stderr.write(`verify: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
