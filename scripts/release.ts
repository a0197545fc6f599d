/**
 * Releases as commits of the environment files: `npm run release -- --help` (src/operator/release-cli.ts).
 */
import * as path from "node:path";
import { main } from "../src/operator/release-cli";

main(process.argv, { root: path.resolve(__dirname, "..") })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`release: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
