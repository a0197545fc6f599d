// Registers cdktf's toHaveResource* / toBeValidTerraform matchers (what Testing.setupJest() calls), and brings their
// types to every test file. Imported from its own module: cdktf's index loads about 400 modules, which a test file
// that never synthesizes (config, migrations, workflows) would pay for (measured: 280 ms against 18 ms, per file).
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { configureTokenStackTraces } from "../src/token-stack-traces";

setupJest();

// Tests synthesize as the app does (main.ts): without a stack trace per token. Under Jest, whose source-map-aware
// stack traces cost far more than plain Node's, they made up about 60% of the unit tests' time (measured: the
// FargateService and EnvironmentStack suites took 13.3 s with them, 4.6 s without). A test that needs them turns them
// on (token-stack-traces.test.ts).
configureTokenStackTraces({});
