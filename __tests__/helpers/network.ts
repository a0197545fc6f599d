import { Construct } from "constructs";
import { Network, NetworkProps } from "../../src/constructs/network/network";
import { Naming } from "../../src/core/naming";

/**
 * The two-AZ network (10.0.0.0/16 in eu-west-1a and eu-west-1b, no flow logs) that construct tests build their
 * construct on, with construct id "network" as in the environment stack.
 */
export function testNetwork(scope: Construct, naming: Naming, overrides: Partial<NetworkProps> = {}): Network {
  return new Network(scope, "network", {
    naming,
    cidrBlock: "10.0.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    region: "eu-west-1",
    flowLogs: false,
    ...overrides,
  });
}
