/** How many NAT gateways the private tier gets: one per availability zone, or one shared by all zones. */
export type NatGatewayMode = "one-per-az" | "single";

/** Every {@link NatGatewayMode}. */
export const NAT_GATEWAY_MODES: readonly NatGatewayMode[] = ["one-per-az", "single"];
