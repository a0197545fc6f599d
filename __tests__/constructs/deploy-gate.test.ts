import * as path from "path";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { DeployGate } from "../../src/constructs/deploy-gate";
import { EnvironmentStack } from "../../src/stacks/environment-stack";

const ROOT = path.join(__dirname, "..", "..");

describe("DeployGate", () => {
  // GIVEN a composed environment whose migration task exists
  const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
    config: loadEnvironment(path.join(ROOT, "environments", "staging.json")),
    state: loadStateConfig(path.join(ROOT, "state.json")),
  });

  test("a custom timeout and project root reach the command", () => {
    // WHEN a gate is built with both set
    const gate = new DeployGate(stack, "other_gate", { migration: stack.migration, timeoutMinutes: 30, projectRoot: "/srv/whcsites-infra" });
    // THEN the runner gets the timeout and runs from that folder
    expect(gate.command).toContain("--timeout 30m");
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.terraform_data.other_gate.provisioner[0]["local-exec"].working_dir).toBe("/srv/whcsites-infra");
  });

  test.each([0, 121, 1.5])("timeoutMinutes %p is refused with the allowed range", (timeoutMinutes) => {
    expect(() => new DeployGate(stack, `gate_${String(timeoutMinutes).replace(".", "_")}`, { migration: stack.migration, timeoutMinutes })).toThrow(
      /DeployGate: timeoutMinutes got .*; allowed: an integer from 1 to 120/,
    );
  });
});
