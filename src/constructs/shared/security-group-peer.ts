import { Construct, IConstruct } from "constructs";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { logicalIdOf } from "../../core/logical-id";

// ── types ──

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

/** Overrides for a rule written by {@link addIngressFrom} or {@link addEgressTo}. */
export interface PeerRuleOptions {
  /**
   * Construct id of the rule under `scope` (it becomes part of the Terraform address).
   *
   * @default `from_<peer>_<port>` for ingress, `to_<peer>_<port>` for egress, where `<peer>` is the peer's path below
   *   its stack in snake_case (`service_api`)
   */
  readonly id?: string;
  /**
   * Description of the rule.
   *
   * @default `From <peer id> on TCP <port>` for ingress, `To <peer id> on TCP <port>` for egress
   */
  readonly description?: string;
}

// ── rules ──

/**
 * Admits `peer`'s security group on TCP `port` with an ingress rule on `ownSecurityGroupId`, created under `scope`.
 * The caller validates `port`, so that the message names its own construct and method.
 */
export function addIngressFrom(
  scope: Construct,
  ownSecurityGroupId: string,
  peer: SecurityGroupPeer,
  port: number,
  options: PeerRuleOptions = {},
): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(scope, options.id ?? `from_${logicalIdOf(peer)}_${port}`, {
    securityGroupId: ownSecurityGroupId,
    description: options.description ?? `From ${peer.node.id} on TCP ${port}`,
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    referencedSecurityGroupId: peer.securityGroupId,
  });
}

/**
 * Lets `ownSecurityGroupId` reach `peer`'s security group on TCP `port` with an egress rule created under `scope`.
 * The caller validates `port`, so that the message names its own construct and method.
 */
export function addEgressTo(
  scope: Construct,
  ownSecurityGroupId: string,
  peer: SecurityGroupPeer,
  port: number,
  options: PeerRuleOptions = {},
): VpcSecurityGroupEgressRule {
  return new VpcSecurityGroupEgressRule(scope, options.id ?? `to_${logicalIdOf(peer)}_${port}`, {
    securityGroupId: ownSecurityGroupId,
    description: options.description ?? `To ${peer.node.id} on TCP ${port}`,
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    referencedSecurityGroupId: peer.securityGroupId,
  });
}
