import { IConstruct } from "constructs";

/**
 * Something with its own security group that another construct can admit or reach through an intent method
 * (`database.allowFrom(service)`, `alb.allowTo(service)`), without passing raw ids or CIDRs around.
 *
 * Each construct only writes rules on its own security group; the stack wires both sides.
 */
export interface SecurityGroupPeer extends IConstruct {
  /** The id of the peer's security group. */
  readonly securityGroupId: string;
}
