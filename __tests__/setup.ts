import { Testing } from "cdktf";

// Registers cdktf's toHaveResource* / toBeValidTerraform matchers.
Testing.setupJest();
