/**
 * Releases as commits of the environment files: `npm run release -- --help` (src/operator/release-cli.ts).
 */
import { main } from "../src/operator/release-cli";

// The repository it runs in (npm run runs it at the root; the deploy workflow's checkout is one).
main(process.argv, { root: process.cwd() })
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`release: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
