// ── types ──

/**
 * The part of a network that tasks run in: what the ECS service module (and a one-off task such as the role
 * bootstrap) needs of {@link Network}, so that they depend on these three attributes and not on the whole VPC.
 */
export interface ServiceNetwork {
  /** The AWS region of the VPC (for example `eu-west-1`). */
  readonly region: string;
  /** The VPC id: the tasks' security groups are created in it. */
  readonly vpcId: string;
  /** Private subnet ids, one per AZ, in AZ order: the tasks run there, with egress through NAT. */
  readonly privateSubnetIds: string[];
}
