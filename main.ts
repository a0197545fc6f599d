import { synthesize } from "./src/synth";
import { configureTokenStackTraces } from "./src/token-stack-traces";

// Entry point of `npm run synth` and `cdktf synth` (see cdktf.json). A bad environment file stops synthesis before
// anything is written. WHCSITES_ENVIRONMENTS_DIR points at another folder of environment files (tests, experiments).
configureTokenStackTraces();
process.exitCode = synthesize({ environmentsDir: process.env.WHCSITES_ENVIRONMENTS_DIR });
