import { Testing } from "cdktf";
// Brings the types of cdktf's Jest matchers (toHaveResourceWithProperties, ...) to every test file.
import "cdktf/lib/testing/adapters/jest";
import { configureTokenStackTraces } from "../src/token-stack-traces";

// Registers cdktf's toHaveResource* / toBeValidTerraform matchers.
Testing.setupJest();

// Tests synthesize as the app does (main.ts): without a stack trace per token. Under Jest, whose source-map-aware
// stack traces cost far more than plain Node's, they made up about 60% of the unit tests' time (measured: the
// FargateService and EnvironmentStack suites took 13.3 s with them, 4.6 s without). A test that needs them turns them
// on (token-stack-traces.test.ts).
configureTokenStackTraces({});
