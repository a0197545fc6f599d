import { Testing } from "cdktf";
// Brings the types of cdktf's Jest matchers (toHaveResourceWithProperties, ...) to every test file.
import "cdktf/lib/testing/adapters/jest";

// Registers cdktf's toHaveResource* / toBeValidTerraform matchers.
Testing.setupJest();
