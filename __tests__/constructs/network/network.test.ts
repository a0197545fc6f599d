import { DefaultTokenResolver, StringConcat, Testing, Tokenization } from "cdktf";
// Brings the typings of the matchers that __tests__/setup.ts registers.
import type {} from "cdktf/lib/testing/adapters/jest";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Network, NetworkProps } from "../../../src/constructs/network/network";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";

type Block = Record<string, Record<string, Record<string, unknown>>>;
interface Synthesized {
  synth: string;
  resources: Block;
  data: unknown;
  network: Network;
  stack: ReadableStack;
}

const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

function synthNetwork(overrides: Partial<NetworkProps> = {}): Synthesized {
  const stack = new ReadableStack(Testing.app(), "test");
  const network = new Network(stack, "network", {
    naming: new Naming("whcsites", "production"),
    cidrBlock: "10.0.0.0/16",
    availabilityZones: ZONES,
    region: "eu-west-1",
    ...overrides,
  });
  const synth = Testing.synth(stack);
  const parsed = JSON.parse(synth) as { resource: Block; data?: unknown };
  return { synth, resources: parsed.resource, data: parsed.data, network, stack };
}

/** The PropError building the network throws (or fails). */
function errorOf(overrides: Partial<NetworkProps>): PropError {
  try {
    synthNetwork(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected the construct to throw");
}

function ofType(s: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return s.resources[type] ?? {};
}

/** What a token stands for in the synthesized JSON, for example `${aws_vpc.network.id}`. */
function resolve(stack: ReadableStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

const ref = (address: string, attribute = "id"): string => `\${${address}.${attribute}}`;

/** The route table a subnet is associated with, as a reference, from its associations. */
function routeTablesOf(s: Synthesized, subnetAddress: string): string[] {
  return Object.values(ofType(s, "aws_route_table_association"))
    .filter((a) => a.subnet_id === ref(subnetAddress))
    .map((a) => a.route_table_id as string);
}

/** Every route a route table has: separate aws_route resources plus inline routes. */
function routesOf(s: Synthesized, tableRef: string): Record<string, unknown>[] {
  const separate = Object.values(ofType(s, "aws_route")).filter((r) => r.route_table_id === tableRef);
  const tableName = tableRef.replace(/^\$\{aws_route_table\.|\.id\}$/g, "");
  const inline = (ofType(s, "aws_route_table")[tableName]?.route as Record<string, unknown>[] | undefined) ?? [];
  return [...separate, ...inline];
}

describe("Network", () => {
  describe("GIVEN production defaults across three AZs", () => {
    // WHEN
    const s = synthNetwork();

    it("THEN creates a VPC with DNS support and hostnames on", () => {
      expect(s.synth).toHaveResourceWithProperties(Vpc, { cidr_block: "10.0.0.0/16", enable_dns_support: true, enable_dns_hostnames: true });
      expect(Object.keys(ofType(s, "aws_vpc"))).toEqual(["network"]);
    });

    it("THEN creates one public, one private and one database subnet per AZ, from the planned CIDRs, none mapping public IPs", () => {
      const subnets = ofType(s, "aws_subnet");
      expect(Object.keys(subnets).sort()).toEqual(
        ["database_a", "database_b", "database_c", "private_a", "private_b", "private_c", "public_a", "public_b", "public_c"].map((n) => `network_${n}`),
      );
      expect(subnets.network_public_b).toMatchObject({ availability_zone: "eu-west-1b", cidr_block: "10.0.8.0/21", vpc_id: ref("aws_vpc.network") });
      expect(subnets.network_private_c).toMatchObject({ availability_zone: "eu-west-1c", cidr_block: "10.0.80.0/21" });
      expect(subnets.network_database_a).toMatchObject({ availability_zone: "eu-west-1a", cidr_block: "10.0.128.0/21" });
      expect(Object.values(subnets).every((subnet) => subnet.map_public_ip_on_launch === false)).toBe(true);
      expect(s.synth).toHaveResourceWithProperties(Subnet, { availability_zone: "eu-west-1c", cidr_block: "10.0.144.0/21" });
    });

    it("THEN creates one NAT gateway per AZ, each in its AZ's public subnet with its own Elastic IP", () => {
      const nats = ofType(s, "aws_nat_gateway");
      expect(Object.keys(nats).sort()).toEqual(["network_nat_a", "network_nat_b", "network_nat_c"]);
      for (const letter of ["a", "b", "c"]) {
        expect(nats[`network_nat_${letter}`]).toMatchObject({
          subnet_id: ref(`aws_subnet.network_public_${letter}`),
          allocation_id: ref(`aws_eip.network_nat_${letter}_eip`, "allocation_id"),
        });
      }
      expect(Object.values(ofType(s, "aws_eip")).map((e) => e.domain)).toEqual(["vpc", "vpc", "vpc"]);
    });

    it("THEN routes each private subnet to the internet through the NAT gateway of its own AZ", () => {
      for (const letter of ["a", "b", "c"]) {
        const tables = routeTablesOf(s, `aws_subnet.network_private_${letter}`);
        expect(tables).toEqual([ref(`aws_route_table.network_private_${letter}_routes`)]);
        expect(routesOf(s, tables[0])).toEqual([
          expect.objectContaining({ destination_cidr_block: "0.0.0.0/0", nat_gateway_id: ref(`aws_nat_gateway.network_nat_${letter}`) }),
        ]);
      }
    });

    it("THEN routes the public subnets to the internet gateway", () => {
      expect(Object.keys(ofType(s, "aws_internet_gateway"))).toEqual(["network_igw"]);
      for (const letter of ["a", "b", "c"]) {
        const tables = routeTablesOf(s, `aws_subnet.network_public_${letter}`);
        expect(tables).toEqual([ref("aws_route_table.network_public_routes")]);
        expect(routesOf(s, tables[0])).toEqual([
          expect.objectContaining({ destination_cidr_block: "0.0.0.0/0", gateway_id: ref("aws_internet_gateway.network_igw") }),
        ]);
      }
    });

    it("THEN gives the database subnets a route table with no route at all, pinned empty", () => {
      for (const letter of ["a", "b", "c"]) {
        const tables = routeTablesOf(s, `aws_subnet.network_database_${letter}`);
        expect(tables).toEqual([ref("aws_route_table.network_database_routes")]);
        expect(routesOf(s, tables[0])).toEqual([]);
      }
      // An explicit empty list makes Terraform remove routes added outside it.
      expect(ofType(s, "aws_route_table").network_database_routes.route).toEqual([]);
      const internetRoutes = Object.values(ofType(s, "aws_route")).filter((r) => r.destination_cidr_block === "0.0.0.0/0");
      expect(internetRoutes.some((r) => r.route_table_id === ref("aws_route_table.network_database_routes"))).toBe(false);
    });

    it("THEN associates every subnet with exactly one route table, so none falls back to the main one", () => {
      const associations = Object.values(ofType(s, "aws_route_table_association")).map((a) => a.subnet_id);
      expect(associations.sort()).toEqual(Object.keys(ofType(s, "aws_subnet")).map((n) => ref(`aws_subnet.${n}`)).sort());
      expect(ofType(s, "aws_default_route_table").network_main_route_table).toMatchObject({
        default_route_table_id: ref("aws_vpc.network", "default_route_table_id"),
        route: [],
      });
    });

    it("THEN manages the default security group with no rules at all", () => {
      expect(s.synth).toHaveResourceWithProperties(DefaultSecurityGroup, { vpc_id: ref("aws_vpc.network") });
      const groups = Object.values(ofType(s, "aws_default_security_group"));
      expect(groups).toHaveLength(1);
      expect(groups[0].ingress).toEqual([]);
      expect(groups[0].egress).toEqual([]);
    });

    it("THEN manages the VPC's default network ACL with explicit rules, so the stateless ACL does not cut NAT or ALB return traffic", () => {
      expect(s.synth).toHaveResourceWithProperties(DefaultNetworkAcl, { default_network_acl_id: ref("aws_vpc.network", "default_network_acl_id") });
      const acls = Object.values(ofType(s, "aws_default_network_acl"));
      expect(acls).toHaveLength(1);
      const allowAll = { protocol: "-1", rule_no: 100, action: "allow", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0 };
      expect(acls[0].ingress).toEqual([allowAll]);
      expect(acls[0].egress).toEqual([allowAll]);
    });

    it("THEN leaves the default network ACL's subnet associations to AWS, so a plan after apply never tries to remove them", () => {
      const acls = Object.values(ofType(s, "aws_default_network_acl"));
      expect(acls[0].lifecycle).toEqual({ ignore_changes: ["subnet_ids"] });
      expect(acls[0].subnet_ids).toBeUndefined();
    });

    it("THEN records ALL traffic to a CloudWatch log group with 365 days' retention, kept on destroy", () => {
      const logGroup = "aws_cloudwatch_log_group.network_flow_logs_log_group";
      expect(s.synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/whcsites/production/vpc-flow-logs", retention_in_days: 365, skip_destroy: true });
      expect(s.synth).toHaveResourceWithProperties(FlowLog, {
        vpc_id: ref("aws_vpc.network"),
        traffic_type: "ALL",
        log_destination_type: "cloud-watch-logs",
        log_destination: ref(logGroup, "arn"),
        iam_role_arn: ref("aws_iam_role.network_flow_logs_role", "arn"),
      });
      expect(Object.keys(ofType(s, "aws_flow_log"))).toEqual(["network_flow_logs"]);
      expect(s.network.flowLogGroupName).toBeDefined();
      expect(resolve(s.stack, s.network.flowLogGroupName)).toBe(ref(logGroup, "name"));
    });

    it("THEN lets only the flow-logs service assume the role, which may only write to its own log group", () => {
      expect(s.synth).toHaveResourceWithProperties(IamRole, { name: "whcsites-production-vpc-flow-logs" });
      const role = Object.values(ofType(s, "aws_iam_role"))[0];
      const trust = JSON.parse(role.assume_role_policy as string);
      expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }]);

      const policies = Object.values(ofType(s, "aws_iam_role_policy"));
      expect(policies).toHaveLength(1);
      expect(policies[0].role).toBe(ref("aws_iam_role.network_flow_logs_role"));
      const statements = JSON.parse(policies[0].policy as string).Statement as { Action: string[]; Resource: string[] }[];
      const arn = ref("aws_cloudwatch_log_group.network_flow_logs_log_group", "arn");
      expect(statements).toEqual([
        { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:log-stream:*`] },
      ]);
      expect(policies[0].policy).not.toMatch(/"\*"/);
    });

    it("THEN creates no VPC endpoints by default", () => {
      expect(ofType(s, "aws_vpc_endpoint")).toEqual({});
      expect(ofType(s, "aws_security_group")).toEqual({});
      expect(s.network.endpointSecurityGroupId).toBeUndefined();
    });

    it("THEN uses no data source", () => {
      expect(s.data).toBeUndefined();
    });

    it("THEN exposes typed outputs in AZ order", () => {
      const { network, stack } = s;
      expect(resolve(stack, network.vpcId)).toBe(ref("aws_vpc.network"));
      expect(network.cidrBlock).toBe("10.0.0.0/16");
      expect(network.availabilityZones).toEqual(ZONES);
      expect(resolve(stack, network.publicSubnetIds)).toEqual(["a", "b", "c"].map((l) => ref(`aws_subnet.network_public_${l}`)));
      expect(resolve(stack, network.privateSubnetIds)).toEqual(["a", "b", "c"].map((l) => ref(`aws_subnet.network_private_${l}`)));
      expect(resolve(stack, network.databaseSubnetIds)).toEqual(["a", "b", "c"].map((l) => ref(`aws_subnet.network_database_${l}`)));
      expect(resolve(stack, network.natGatewayIds)).toHaveLength(3);
      expect(resolve(stack, network.databaseRouteTableId)).toBe(ref("aws_route_table.network_database_routes"));
      expect(network.subnetCidrs.private).toEqual(["10.0.64.0/21", "10.0.72.0/21", "10.0.80.0/21"]);
    });
  });

  describe("GIVEN the database tier's network ACL", () => {
    // WHEN nothing opens it, and WHEN the database's port is opened (twice: the second call adds nothing)
    const closed = synthNetwork();
    const stack = new ReadableStack(Testing.app(), "test");
    const network = new Network(stack, "network", { naming: new Naming("whcsites", "production"), cidrBlock: "10.0.0.0/16", availabilityZones: ZONES, region: "eu-west-1" });
    network.allowDatabaseTierPort(5432);
    network.allowDatabaseTierPort(5432);
    const open = JSON.parse(Testing.synth(stack)) as { resource: Block };
    const rulesOf = (resources: Block) => Object.entries(resources.aws_network_acl_rule ?? {});

    it("THEN the database subnets, and only they, get an ACL of their own that admits nothing until a port is opened", () => {
      expect(closed.resources.aws_network_acl).toEqual({
        network_database_acl: { vpc_id: ref("aws_vpc.network"), subnet_ids: ["a", "b", "c"].map((l) => ref(`aws_subnet.network_database_${l}`)) },
      });
      expect(rulesOf(closed.resources)).toEqual([]);
      expect(resolve(closed.stack, closed.network.databaseNetworkAclId)).toBe(ref("aws_network_acl.network_database_acl"));
    });

    it("THEN an opened port admits TCP on it from each private subnet, and lets the answers back to their ephemeral ports, nothing else", () => {
      const rules = Object.fromEntries(rulesOf(open.resource));
      const privateCidrs = ["10.0.64.0/21", "10.0.72.0/21", "10.0.80.0/21"];
      expect(Object.keys(rules).sort()).toEqual([
        ...["a", "b", "c"].map((l) => `network_database_acl_in_5432_from_private_${l}`),
        ...["a", "b", "c"].map((l) => `network_database_acl_out_to_private_${l}`),
      ]);
      ["a", "b", "c"].forEach((l, i) => {
        const common = { network_acl_id: ref("aws_network_acl.network_database_acl"), protocol: "tcp", rule_action: "allow", cidr_block: privateCidrs[i], rule_number: 100 + i };
        expect(rules[`network_database_acl_in_5432_from_private_${l}`]).toEqual({ ...common, egress: false, from_port: 5432, to_port: 5432 });
        expect(rules[`network_database_acl_out_to_private_${l}`]).toEqual({ ...common, egress: true, from_port: 1024, to_port: 65535 });
      });
      // no rule names a public subnet or the internet
      expect(Object.values(rules).every((r) => privateCidrs.includes(r.cidr_block as string))).toBe(true);
    });

    it("THEN a second port gets rules numbered after the first's, so the first's are never renumbered", () => {
      network.allowDatabaseTierPort(6432);
      const rules = (JSON.parse(Testing.synth(stack)) as { resource: Block }).resource.aws_network_acl_rule;
      expect(rules.network_database_acl_in_5432_from_private_a.rule_number).toBe(100);
      expect(rules.network_database_acl_in_6432_from_private_c).toMatchObject({ rule_number: 112, from_port: 6432, to_port: 6432, egress: false });
      expect(Object.keys(rules).filter((k) => k.includes("_out_"))).toHaveLength(3);
    });

    it("THEN a port outside 1-65535 is refused", () => {
      expect(() => network.allowDatabaseTierPort(0)).toThrow(/allowDatabaseTierPort port/);
    });
  });

  describe("GIVEN a single NAT gateway (staging)", () => {
    // WHEN
    const s = synthNetwork({ naming: new Naming("whcsites", "staging"), natGateways: "single" });

    it("THEN creates one NAT gateway, in the first AZ's public subnet", () => {
      expect(Object.keys(ofType(s, "aws_nat_gateway"))).toEqual(["network_nat_a"]);
      expect(Object.keys(ofType(s, "aws_eip"))).toHaveLength(1);
      expect(s.synth).toHaveResourceWithProperties(NatGateway, { subnet_id: ref("aws_subnet.network_public_a") });
    });

    it("THEN still gives each private subnet its own route table, all routing through that NAT gateway", () => {
      for (const letter of ["a", "b", "c"]) {
        const tables = routeTablesOf(s, `aws_subnet.network_private_${letter}`);
        expect(tables).toEqual([ref(`aws_route_table.network_private_${letter}_routes`)]);
        expect(routesOf(s, tables[0])).toEqual([expect.objectContaining({ destination_cidr_block: "0.0.0.0/0", nat_gateway_id: ref("aws_nat_gateway.network_nat_a") })]);
      }
    });
  });

  describe("GIVEN a fourth AZ appended to an existing network", () => {
    // WHEN
    const before = synthNetwork();
    const after = synthNetwork({ availabilityZones: [...ZONES, "eu-west-1d"] });

    it("THEN the existing subnets keep their addresses and CIDRs and the new AZ gets a subnet per tier", () => {
      const subnetsBefore = ofType(before, "aws_subnet");
      const subnetsAfter = ofType(after, "aws_subnet");
      for (const [name, subnet] of Object.entries(subnetsBefore)) {
        expect(subnetsAfter[name].cidr_block).toBe(subnet.cidr_block);
      }
      expect(Object.keys(subnetsAfter)).toHaveLength(12);
      expect(subnetsAfter.network_database_d).toMatchObject({ availability_zone: "eu-west-1d", cidr_block: "10.0.152.0/21" });
      expect(Object.keys(ofType(after, "aws_nat_gateway"))).toHaveLength(4);
    });
  });

  describe("GIVEN flow logs turned off", () => {
    // WHEN
    const s = synthNetwork({ flowLogs: false });

    it("THEN creates no flow log, log group or IAM role", () => {
      expect(ofType(s, "aws_flow_log")).toEqual({});
      expect(ofType(s, "aws_cloudwatch_log_group")).toEqual({});
      expect(ofType(s, "aws_iam_role")).toEqual({});
      expect(ofType(s, "aws_iam_role_policy")).toEqual({});
      expect(s.network.flowLogGroupName).toBeUndefined();
    });
  });

  describe("GIVEN a 30-day retention, logs not kept on destroy and a known account id", () => {
    // WHEN
    const s = synthNetwork({ flowLogRetentionDays: 30, retainFlowLogsOnDestroy: false, accountId: "123456789012" });

    it("THEN the log group keeps logs 30 days and is deleted on destroy", () => {
      expect(s.synth).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 30, skip_destroy: false });
    });

    it("THEN the role can only be assumed for this account's flow logs", () => {
      const trust = JSON.parse(Object.values(ofType(s, "aws_iam_role"))[0].assume_role_policy as string);
      expect(trust.Statement[0].Condition).toEqual({
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*" },
      });
    });
  });

  describe("GIVEN VPC endpoints turned on", () => {
    // WHEN
    const s = synthNetwork({ vpcEndpoints: true, accountId: "123456789012" });
    const privateTables = ["a", "b", "c"].map((l) => ref(`aws_route_table.network_private_${l}_routes`));
    const privateSubnets = ["a", "b", "c"].map((l) => ref(`aws_subnet.network_private_${l}`));
    const endpointGroup = ref("aws_security_group.network_endpoints");

    it("THEN adds an S3 gateway endpoint on the private route tables only", () => {
      expect(s.synth).toHaveResourceWithProperties(VpcEndpoint, {
        service_name: "com.amazonaws.eu-west-1.s3",
        vpc_endpoint_type: "Gateway",
        route_table_ids: privateTables,
      });
    });

    it("THEN adds Secrets Manager and CloudWatch Logs interface endpoints in the private subnets, behind their own security group", () => {
      for (const service of ["secretsmanager", "logs"]) {
        expect(s.synth).toHaveResourceWithProperties(VpcEndpoint, {
          service_name: `com.amazonaws.eu-west-1.${service}`,
          vpc_endpoint_type: "Interface",
          private_dns_enabled: true,
          subnet_ids: privateSubnets,
          security_group_ids: [endpointGroup],
        });
      }
      expect(Object.keys(ofType(s, "aws_vpc_endpoint"))).toHaveLength(3);
      expect(resolve(s.stack, s.network.endpointSecurityGroupId)).toBe(endpointGroup);
    });

    it("THEN the endpoint security group admits HTTPS from the private subnet CIDRs and nothing else", () => {
      const rules = Object.values(ofType(s, "aws_vpc_security_group_ingress_rule"));
      expect(rules.map((r) => r.cidr_ipv4).sort()).toEqual(["10.0.64.0/21", "10.0.72.0/21", "10.0.80.0/21"]);
      for (const rule of rules) {
        expect(rule).toMatchObject({ security_group_id: endpointGroup, ip_protocol: "tcp", from_port: 443, to_port: 443 });
      }
      expect(s.synth).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { cidr_ipv4: "10.0.64.0/21", from_port: 443 });
      expect(ofType(s, "aws_vpc_security_group_egress_rule")).toEqual({});
      const group = Object.values(ofType(s, "aws_security_group"))[0];
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
    });

    it("THEN each endpoint's policy allows this account's resources only: buckets by owner, secrets and log groups by ARN", () => {
      const policies = Object.fromEntries(
        Object.entries(ofType(s, "aws_vpc_endpoint")).map(([name, endpoint]) => [name, JSON.parse(endpoint.policy as string).Statement]),
      );
      expect(policies).toEqual({
        network_endpoints_s3: [
          { Sid: "ThisAccountsBuckets", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: ["*"], Condition: { StringEquals: { "aws:ResourceAccount": "123456789012" } } },
        ],
        network_endpoints_secretsmanager: [
          { Sid: "ThisAccountsSecrets", Effect: "Allow", Principal: "*", Action: "secretsmanager:*", Resource: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"] },
        ],
        network_endpoints_logs: [
          { Sid: "ThisAccountsLogGroups", Effect: "Allow", Principal: "*", Action: "logs:*", Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:*"] },
        ],
      });
    });

    it("THEN the database route table still has no route", () => {
      expect(routesOf(s, ref("aws_route_table.network_database_routes"))).toEqual([]);
      expect(s.synth).not.toHaveResourceWithProperties(Route, { route_table_id: ref("aws_route_table.network_database_routes") });
    });
  });

  describe("GIVEN VPC endpoints and secrets of another account", () => {
    it("THEN the Secrets Manager endpoint also allows those secrets, by full or partial ARN", () => {
      // GIVEN / WHEN
      const shared = "arn:aws:secretsmanager:eu-west-1:999999999999:secret:stripe";
      const s = synthNetwork({ vpcEndpoints: true, accountId: "123456789012", crossAccountSecretArns: [shared] });
      // THEN
      const statement = JSON.parse(ofType(s, "aws_vpc_endpoint").network_endpoints_secretsmanager.policy as string).Statement[0];
      expect(statement.Resource).toEqual(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:*", shared, `${shared}-??????`]);
    });

    it("THEN endpoints without the account id, or a secret that is not an ARN, are refused", () => {
      expect(errorOf({ vpcEndpoints: true }).message).toBe(
        "Network: accountId got nothing; allowed: the 12-digit account id with vpcEndpoints (the endpoint policies allow this account's resources only)",
      );
      expect(errorOf({ vpcEndpoints: true, accountId: "123456789012", crossAccountSecretArns: ["stripe"] }).message).toMatch(
        /^Network: crossAccountSecretArns\[0\] got "stripe"; allowed: a Secrets Manager secret ARN/,
      );
    });
  });

  describe("GIVEN a VPC CIDR in each private range", () => {
    it.each(["10.0.0.0/16", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16", "100.64.0.0/16", "100.127.248.0/21"])(
      "WHEN %s THEN the network is built (RFC 1918 and RFC 6598 shared address space)",
      (cidrBlock) => {
        expect(synthNetwork({ cidrBlock }).synth).toHaveResourceWithProperties(Vpc, { cidr_block: cidrBlock });
      },
    );
  });

  describe("GIVEN production", () => {
    it("WHEN flow logs are turned off THEN it is refused (AWS FSBP EC2.6)", () => {
      expect(errorOf({ production: true, flowLogs: false }).message).toBe("Network: flowLogs got false; allowed: true in production (AWS FSBP EC2.6)");
    });

    it("WHEN flow logs are on THEN it is built", () => {
      expect(Object.keys(ofType(synthNetwork({ production: true }), "aws_flow_log"))).toEqual(["network_flow_logs"]);
    });
  });

  describe("GIVEN invalid props", () => {
    const privateRanges = "a private range: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 (RFC 1918, RFC 6598)";
    it.each([
      [{ cidrBlock: "10.0.0.0/24" }, /^Network: cidrBlock got "10\.0\.0\.0\/24" \(too small for the subnet layout\); allowed: an IPv4 CIDR of \/21 or larger, up to \/16/],
      [{ cidrBlock: "10.0.0.0/15" }, /^Network: cidrBlock got "10\.0\.0\.0\/15" \(larger than AWS allows for a VPC\); allowed: /],
      [{ cidrBlock: "10.0.0.1/16" }, /^Network: cidrBlock got "10\.0\.0\.1\/16" \(not a canonical IPv4 CIDR .*\); allowed: /],
      [{ cidrBlock: "8.8.0.0/16" }, new RegExp(`^Network: cidrBlock got "8\\.8\\.0\\.0/16"; allowed: ${privateRanges.replace(/[.()/]/g, "\\$&")}$`)],
      [{ cidrBlock: "172.32.0.0/16" }, /^Network: cidrBlock got "172\.32\.0\.0\/16"; allowed: a private range/],
      [{ cidrBlock: "100.128.0.0/16" }, /^Network: cidrBlock got "100\.128\.0\.0\/16"; allowed: a private range/],
      [{ availabilityZones: [] }, /^Network: availabilityZones got 0 availability zones; allowed: 1 to 6 \(the subnet layout reserves 8 slots per tier\)$/],
      [
        { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d", "eu-west-1e", "eu-west-1f", "eu-west-1g"] },
        /^Network: availabilityZones got 7 availability zones; allowed: 1 to 6/,
      ],
      [{ availabilityZones: ["eu-west-1a", "us-east-1b"] }, /^Network: availabilityZones\[1\] got "us-east-1b"; allowed: a zone of region eu-west-1: the region name and one letter \(for example "eu-west-1a"\)$/],
      [{ availabilityZones: ["eu-west-1a", "eu-west-1a"] }, /^Network: availabilityZones got \["eu-west-1a","eu-west-1a"\]; allowed: each zone once$/],
      [{ natGateways: "none" as never }, /^Network: natGateways got "none"; allowed: "one-per-az" or "single"$/],
      [{ flowLogRetentionDays: 0 }, /^Network: flowLogRetentionDays got 0; allowed: one of 1, 3, .*3653$/],
      [{ flowLogRetentionDays: 366 }, /^Network: flowLogRetentionDays got 366; allowed: one of/],
      [{ accountId: "12345" }, /^Network: accountId got "12345"; allowed: 12 digits$/],
    ] as [Partial<NetworkProps>, RegExp][])("WHEN %j THEN it throws one line naming the prop, the value and what is allowed", (overrides, message) => {
      const error = errorOf(overrides);
      expect(error.message).toMatch(message);
      expect(error.message.split("\n")).toHaveLength(1);
    });

    it("WHEN the region is malformed THEN the region and every zone that is not of it are named", () => {
      expect(errorOf({ region: "Ireland" }).message.split("\n")).toEqual([
        'Network: region got "Ireland"; allowed: an AWS region name such as "eu-west-1"',
        'Network: availabilityZones[0] got "eu-west-1a"; allowed: a zone of region Ireland: the region name and one letter (for example "Irelanda")',
        'Network: availabilityZones[1] got "eu-west-1b"; allowed: a zone of region Ireland: the region name and one letter (for example "Irelanda")',
        'Network: availabilityZones[2] got "eu-west-1c"; allowed: a zone of region Ireland: the region name and one letter (for example "Irelanda")',
      ]);
    });

    it("WHEN several zones are wrong THEN each is named by its index", () => {
      const error = errorOf({ availabilityZones: ["eu-west-1a", "us-east-1b", "eu-west-1", "eu-west-1ab"] });
      expect(error.problems.map((p) => p.prop)).toEqual(["availabilityZones[1]", "availabilityZones[2]", "availabilityZones[3]"]);
    });

    it("WHEN the subnet layout refuses the CIDR or the zone count THEN the CidrError becomes a problem of cidrBlock or availabilityZones", () => {
      // GIVEN a CIDR the layout cannot use and no zone at all: planSubnets stops at the first, so one CidrError is mapped
      const error = errorOf({ cidrBlock: "10.0.0.0/24", availabilityZones: [], natGateways: "none" as never });
      // THEN it is collected with the construct's own problems, under the prop name
      expect(error).toBeInstanceOf(PropError);
      expect(error.problems.map((p) => p.prop)).toEqual(["natGateways", "cidrBlock"]);
      expect(errorOf({ availabilityZones: [] }).problems.map((p) => p.prop)).toEqual(["availabilityZones"]);
    });

    it("WHEN the CIDR is a token THEN it throws, since subnets are planned at synthesis", () => {
      const stack = new ReadableStack(Testing.app(), "test");
      const token = new Vpc(stack, "other", { cidrBlock: "10.1.0.0/16" }).cidrBlock;
      expect(() => new Network(stack, "network", { naming: new Naming("a", "b"), cidrBlock: token, availabilityZones: ZONES, region: "eu-west-1" })).toThrow(
        /^Network: cidrBlock got "\$\{TfToken\[TOKEN\.\d+\]\}"; allowed: a literal string, known at synthesis$/m,
      );
    });
  });
});
