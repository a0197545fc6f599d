import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { SecurityGroup, SecurityGroupIngress } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { ec2DefaultSecurityGroup } from "../../src/policies/rules/ec2-2-default-security-group";
import { ec2VpcFlowLogs } from "../../src/policies/rules/ec2-6-vpc-flow-logs";
import { ec2SubnetPublicIp } from "../../src/policies/rules/ec2-15-subnet-public-ip";
import { ec2HighRiskPorts, ec2UnrestrictedPorts } from "../../src/policies/rules/ec2-18-19-open-ingress";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

describe("EC2.2 default security group", () => {
  test("passes when the VPC's default security group is adopted with no rules", () => {
    // GIVEN
    const stack = guardedStack([ec2DefaultSecurityGroup]);
    const vpc = new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });
    new DefaultSecurityGroup(stack, "vpc_default", { vpcId: vpc.id });
    // WHEN / THEN
    expectPasses(stack, "EC2.2", ["aws_vpc.vpc", "aws_default_security_group.vpc_default"]);
  });

  test("fails when a VPC's default security group is not managed", () => {
    const stack = guardedStack([ec2DefaultSecurityGroup]);
    new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });
    expectFails(stack, "EC2.2", "vpc", /default security group is not managed.*Fix: add an aws_default_security_group with vpc_id = aws_vpc\.vpc\.id/);
  });

  test("fails when the default security group declares rules", () => {
    const stack = guardedStack([ec2DefaultSecurityGroup]);
    const vpc = new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });
    new DefaultSecurityGroup(stack, "vpc_default", {
      vpcId: vpc.id,
      egress: [{ fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"] }],
    });
    expectFails(stack, "EC2.2", "vpc_default", /declares egress rules/);
  });
});

describe("EC2.6 VPC flow logs (production)", () => {
  test("passes when a flow log targets the VPC", () => {
    const stack = guardedStack([ec2VpcFlowLogs], true);
    const vpc = new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });
    new FlowLog(stack, "flow", { vpcId: vpc.id, trafficType: "ALL", logDestination: "arn:aws:logs:eu-west-1:1:log-group:x" });
    expectPasses(stack, "EC2.6", ["aws_vpc.vpc"]);
  });

  test("fails in production when the VPC has no flow log", () => {
    const stack = guardedStack([ec2VpcFlowLogs], true);
    new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });
    expectFails(stack, "EC2.6", "vpc", /the VPC has no flow log/);
  });

  test("is not applied outside production", () => {
    const stack = guardedStack([ec2VpcFlowLogs], false);
    new Vpc(stack, "vpc", { cidrBlock: "10.0.0.0/16" });
    expect(synthError(stack)).toBeUndefined();
    expect(() => resultOf(stack, "EC2.6")).toThrow(/was not applied/);
  });
});

describe("EC2.15 subnets", () => {
  test("passes when map_public_ip_on_launch is unset or false", () => {
    const stack = guardedStack([ec2SubnetPublicIp]);
    new Subnet(stack, "a", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" });
    new Subnet(stack, "b", { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch: false });
    expectPasses(stack, "EC2.15", ["aws_subnet.a", "aws_subnet.b"]);
  });

  test("fails when map_public_ip_on_launch is true", () => {
    const stack = guardedStack([ec2SubnetPublicIp]);
    new Subnet(stack, "public_a", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24", mapPublicIpOnLaunch: true });
    expectFails(stack, "EC2.15", "public_a", /map_public_ip_on_launch is true/);
  });
});

describe("EC2.18 / EC2.19 ingress open to the internet", () => {
  const rules = [ec2UnrestrictedPorts, ec2HighRiskPorts];
  const open = (port: number, cidr = "0.0.0.0/0"): SecurityGroupIngress => ({ fromPort: port, toPort: port, protocol: "tcp", cidrBlocks: [cidr] });

  test("pass for 80/443 from anywhere and any port from a VPC CIDR or a security group", () => {
    // GIVEN
    const stack = guardedStack(rules);
    new SecurityGroup(stack, "alb", { ingress: [open(80), open(443), { fromPort: 443, toPort: 443, protocol: "tcp", ipv6CidrBlocks: ["::/0"] }] });
    new SecurityGroup(stack, "db", { ingress: [open(5432, "10.0.0.0/16"), { fromPort: 22, toPort: 22, protocol: "tcp", securityGroups: ["sg-1"] }] });
    new VpcSecurityGroupIngressRule(stack, "https", { securityGroupId: "sg-1", cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443, ipProtocol: "tcp" });
    new SecurityGroupRule(stack, "egress_all", { type: "egress", securityGroupId: "sg-1", fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"] });
    // WHEN / THEN
    const checked = ["aws_security_group.alb", "aws_security_group.db", "aws_vpc_security_group_ingress_rule.https", "aws_security_group_rule.egress_all"];
    expectPasses(stack, "EC2.18", checked);
    expectPasses(stack, "EC2.19", checked);
  });

  test("EC2.18 fails for another port open to the internet", () => {
    const stack = guardedStack(rules);
    new SecurityGroup(stack, "app", { ingress: [open(4000)] });
    const error = expectFails(stack, "EC2.18", "app", /ingress #1 opens port 4000 to 0\.0\.0\.0\/0; only 80 and 443/);
    expect(error).not.toMatch(/EC2\.19/);
  });

  test("EC2.18 and EC2.19 fail for SSH open to ::/0 through a vpc_security_group_ingress_rule", () => {
    const stack = guardedStack(rules);
    new VpcSecurityGroupIngressRule(stack, "ssh", { securityGroupId: "sg-1", cidrIpv6: "::/0", fromPort: 22, toPort: 22, ipProtocol: "tcp" });
    expectFails(stack, "EC2.19", "ssh", /opens high-risk port\(s\) 22 to ::\/0/);
    expectFails(stack, "EC2.18", "ssh", /opens port 22 to ::\/0/);
  });

  test("EC2.19 fails for all traffic from anywhere (protocol -1) in an aws_security_group_rule", () => {
    const stack = guardedStack([ec2HighRiskPorts]);
    new SecurityGroupRule(stack, "all", { type: "ingress", securityGroupId: "sg-1", fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"] });
    expectFails(stack, "EC2.19", "all", /opens high-risk port\(s\) 20, 21, 22, 23, 25, 110 and 18 more/);
  });

  test("EC2.19 fails for the database port open to the internet", () => {
    const stack = guardedStack([ec2HighRiskPorts]);
    new SecurityGroup(stack, "db", { ingress: [open(5432)] });
    expectFails(stack, "EC2.19", "db", /high-risk port\(s\) 5432/);
  });
});
