import { Testing } from "cdktf";
import { Construct } from "constructs";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { addEgressTo, addIngressFrom, SecurityGroupPeer } from "../../../src/constructs/shared/security-group-peer";
import { ReadableStack } from "../../../src/stacks/readable-stack";

class FakePeer extends Construct implements SecurityGroupPeer {
  public constructor(scope: Construct, id: string, public readonly securityGroupId: string) {
    super(scope, id);
  }
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function given(): { stack: ReadableStack; own: Construct; peer: FakePeer } {
  const stack = new ReadableStack(Testing.app(), "test");
  return { stack, own: new Construct(stack, "own"), peer: new FakePeer(stack, "peer", "sg-0peer") };
}

function resourcesOf(stack: ReadableStack): Resources {
  return JSON.parse(Testing.synth(stack)).resource as Resources;
}

describe("addIngressFrom", () => {
  test("GIVEN a peer WHEN admitted on 4000 THEN one TCP 4000 ingress rule on the own group references the peer's group", () => {
    // GIVEN
    const { stack, own, peer } = given();
    // WHEN
    addIngressFrom(own, "sg-0own", peer, 4000);
    // THEN
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      security_group_id: "sg-0own",
      referenced_security_group_id: "sg-0peer",
      ip_protocol: "tcp",
      from_port: 4000,
      to_port: 4000,
      description: "From peer on TCP 4000",
    });
    const rules = resourcesOf(stack).aws_vpc_security_group_ingress_rule;
    expect(Object.keys(rules)).toEqual(["own_from_peer_4000"]);
    expect(rules.own_from_peer_4000.cidr_ipv4).toBeUndefined();
  });

  test("GIVEN an id and a description WHEN admitted THEN the rule uses them", () => {
    // GIVEN
    const { stack, own, peer } = given();
    // WHEN
    addIngressFrom(own, "sg-0own", peer, 5432, { id: "allow_peer", description: "PostgreSQL from peer" });
    // THEN
    const rules = resourcesOf(stack).aws_vpc_security_group_ingress_rule;
    expect(rules).toEqual({
      own_allow_peer: expect.objectContaining({ description: "PostgreSQL from peer", from_port: 5432, to_port: 5432, referenced_security_group_id: "sg-0peer" }),
    });
  });
});

describe("addEgressTo", () => {
  test("GIVEN a peer WHEN reached on 5432 THEN one TCP 5432 egress rule on the own group references the peer's group", () => {
    // GIVEN
    const { stack, own, peer } = given();
    // WHEN
    addEgressTo(own, "sg-0own", peer, 5432);
    // THEN
    expect(Testing.synth(stack)).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      security_group_id: "sg-0own",
      referenced_security_group_id: "sg-0peer",
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
      description: "To peer on TCP 5432",
    });
    expect(Object.keys(resourcesOf(stack).aws_vpc_security_group_egress_rule)).toEqual(["own_to_peer_5432"]);
  });
});
