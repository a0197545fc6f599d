import { Construct } from "constructs";
import { ITerraformDependable, Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultRouteTable } from "@cdktf/provider-aws/lib/default-route-table";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { NetworkAcl } from "@cdktf/provider-aws/lib/network-acl";
import { NetworkAclRule } from "@cdktf/provider-aws/lib/network-acl-rule";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { CidrError, isPrivateIpv4Cidr, planSubnets, PRIVATE_IPV4_RANGES, SubnetPlan } from "../../domain/cidr";
import { partitionOf } from "../../domain/partition";
import { Naming } from "../../core/naming";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { NAT_GATEWAY_MODES, NatGatewayMode } from "../../domain/nat-gateways";
import { PropChecks, requireInteger } from "../shared";
import type { ServiceNetwork } from "./interfaces";


/** Interface endpoints created with `vpcEndpoints`: what Fargate tasks call at start that has a VPC endpoint. */
const INTERFACE_ENDPOINT_SERVICES = ["secretsmanager", "logs"] as const;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

// ── props ──

/** Properties of {@link Network}. */
export interface NetworkProps {
  /** Naming context for physical names (log group, IAM role, security group). */
  readonly naming: Naming;
  /**
   * The VPC's IPv4 CIDR, /16 to /21 with zero host bits, inside a private range (RFC 1918 or RFC 6598); subnets are
   * carved from it by {@link planSubnets}.
   */
  readonly cidrBlock: string;
  /**
   * The availability zones, 1 to 6 zones of `region` (for example `["eu-west-1a", "eu-west-1b"]`). Append new zones
   * at the end: a zone's position fixes its subnet CIDRs.
   */
  readonly availabilityZones: readonly string[];
  /** The AWS region, for VPC endpoint service names and to check the availability zones (for example `eu-west-1`). */
  readonly region: string;
  /**
   * `one-per-az` gives each private subnet a NAT gateway in its own AZ (an AZ outage cannot cut the others' egress);
   * `single` shares one NAT gateway in the first AZ (cheaper, for non-production).
   *
   * @default "one-per-az"
   */
  readonly natGateways?: NatGatewayMode;
  /**
   * Whether to record VPC flow logs (ALL traffic) to a CloudWatch log group.
   *
   * @default true
   */
  readonly flowLogs?: boolean;
  /**
   * Retention of the flow-log group, in days; one of {@link CLOUDWATCH_RETENTION_DAYS}.
   *
   * @default 365
   */
  readonly flowLogRetentionDays?: number;
  /**
   * Whether `terraform destroy` leaves the flow-log group (and its logs) in the account instead of deleting it.
   * Recreating the environment then needs the group imported or deleted by hand.
   *
   * @default true (flow logs are audit evidence)
   */
  readonly retainFlowLogsOnDestroy?: boolean;
  /**
   * Whether to add an S3 gateway endpoint and Secrets Manager and CloudWatch Logs interface endpoints, so that these
   * calls skip the NAT gateways.
   *
   * @default false
   */
  readonly vpcEndpoints?: boolean;
  /**
   * Secrets of other accounts that tasks read (full or partial Secrets Manager ARNs). The Secrets Manager endpoint's
   * policy allows this account's secrets and these; anything else is refused at the endpoint.
   *
   * @default none
   */
  readonly crossAccountSecretArns?: readonly string[];
  /**
   * Production: flow logs cannot be turned off (AWS FSBP EC2.6).
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * The 12-digit AWS account id. When given, the flow-log role can only be assumed on behalf of this account's flow
   * logs (aws:SourceAccount and aws:SourceArn conditions, against the confused-deputy problem). Required with
   * `vpcEndpoints`: their policies allow this account's resources only.
   *
   * @default no source conditions (the account id is not known offline)
   */
  readonly accountId?: string;
  /**
   * ARN of a managed policy set as the permissions boundary of every IAM role this construct creates (a deploy role
   * that may only create roles with its boundary needs it: see `GithubDeployRole`).
   *
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
}

/** The ephemeral ports a client's operating system answers on (Linux 32768-60999, others from 1024): AWS's advice. */
const EPHEMERAL_PORTS = { fromPort: 1024, toPort: 65535 } as const;

/**
 * A VPC across availability zones with three subnet tiers per AZ: public (load balancer, NAT gateways), private
 * (tasks, egress through NAT) and isolated database (no route out of the VPC, and a network ACL of its own that
 * admits only the ports {@link Network.allowDatabaseTierPort} opens, from the private tier).
 *
 * It also takes over the VPC's default security group (no rules), default network ACL and main route table (no
 * routes), records flow logs, and can add VPC endpoints. Subnet CIDRs follow the stable layout of `src/domain/cidr.ts`.
 */
export class Network extends Construct implements ServiceNetwork {
  /** The AWS region of the VPC (for example `eu-west-1`). */
  public readonly region: string;
  /** The VPC id. */
  public readonly vpcId: string;
  /** The VPC's IPv4 CIDR. */
  public readonly cidrBlock: string;
  /** The availability zones, in the order of the subnet lists. */
  public readonly availabilityZones: string[];
  /** Public subnet ids, one per AZ, in AZ order. */
  public readonly publicSubnetIds: string[];
  /** Private subnet ids, one per AZ, in AZ order. */
  public readonly privateSubnetIds: string[];
  /** Isolated database subnet ids, one per AZ, in AZ order. */
  public readonly databaseSubnetIds: string[];
  /** The planned subnet CIDRs per tier, in AZ order. */
  public readonly subnetCidrs: SubnetPlan;
  /** The public route table id (default route to the internet gateway). */
  public readonly publicRouteTableId: string;
  /** Private route table ids, one per AZ, in AZ order (default route to a NAT gateway). */
  public readonly privateRouteTableIds: string[];
  /** The database route table id (local routes only). */
  public readonly databaseRouteTableId: string;
  /** NAT gateway ids: one per AZ, or a single one. */
  public readonly natGatewayIds: string[];
  /**
   * The private subnets' routes to the NAT gateways and their route table associations. Depend on them before
   * starting anything in the private subnets that needs the internet (pulling the image from ghcr.io).
   */
  public readonly privateEgress: ITerraformDependable[] = [];
  /** The flow-log group name, or `undefined` when flow logs are off. */
  public readonly flowLogGroupName?: string;
  /** The security group of the interface endpoints, or `undefined` when `vpcEndpoints` is off. */
  public readonly endpointSecurityGroupId?: string;
  /** Id of the database tier's network ACL (see {@link Network.allowDatabaseTierPort}). */
  public readonly databaseNetworkAclId: string;

  private readonly databaseAcl: NetworkAcl;
  private readonly databaseTierPorts: number[] = [];
  private readonly privateCidrs: ReadonlyArray<{ readonly letter: string; readonly cidr: string }>;

  public constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? "one-per-az";
    const flowLogs = props.flowLogs ?? true;
    const flowLogRetentionDays = props.flowLogRetentionDays ?? 365;
    const retainFlowLogsOnDestroy = props.retainFlowLogsOnDestroy ?? true;
    const vpcEndpoints = props.vpcEndpoints ?? false;
    // ── validation ──
    const { letters: azLetters, plan } = validate(props, natGateways, flowLogs, flowLogRetentionDays);

    // ── vpc ──
    const vpc = new Vpc(this, "Resource", {
      cidrBlock: props.cidrBlock,
      enableDnsSupport: true,
      // Interface endpoints with private DNS need both DNS settings.
      enableDnsHostnames: true,
    });
    this.region = props.region;
    this.vpcId = vpc.id;
    this.cidrBlock = props.cidrBlock;
    this.availabilityZones = [...props.availabilityZones];
    this.subnetCidrs = plan;

    // ── defaults ──
    // Empty rule lists make Terraform strip any rule added outside it: nothing may use the default group.
    new DefaultSecurityGroup(this, "default_security_group", { vpcId: vpc.id, ingress: [], egress: [] });

    // The public and private subnets use the default ACL. It keeps AWS's allow-all rules because network ACLs are
    // stateless: a tighter list would have to open the NAT gateway's and load balancer's ephemeral ports (1024-65535)
    // to the internet anyway. Managing it makes any change to it show up as drift; security groups do the filtering.
    // The database tier has its own ACL (below): nothing there talks to the internet.
    const allowAll = { protocol: "-1", ruleNo: 100, action: "allow", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 };
    new DefaultNetworkAcl(this, "default_network_acl", {
      defaultNetworkAclId: vpc.defaultNetworkAclId,
      ingress: [allowAll],
      egress: [allowAll],
      // Every subnet without its own ACL is associated with this one, and AWS reports them in subnet_ids; left
      // unmanaged, each plan would "remove" them (perpetual diff, found by the emulator apply). Provider docs:
      // "Managing Subnets In A Default Network ACL".
      lifecycle: { ignoreChanges: ["subnet_ids"] },
    });

    // Every subnet has its own route table association, so the main table serves nothing; keep it route-less so a
    // subnet that loses its association falls back to no internet access rather than some other tier's.
    new DefaultRouteTable(this, "main_route_table", { defaultRouteTableId: vpc.defaultRouteTableId, route: [] });

    // ── subnets ──
    const subnets = (tier: keyof SubnetPlan): Subnet[] =>
      plan[tier].map(
        (cidrBlock, i) =>
          new Subnet(this, `${tier}_${azLetters[i]}`, {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: props.availabilityZones[i],
            // Nothing here needs a public IP at launch: the ALB and NAT gateways get theirs from AWS (EC2.15).
            mapPublicIpOnLaunch: false,
          }),
      );
    const publicSubnets = subnets("public");
    const privateSubnets = subnets("private");
    const databaseSubnets = subnets("database");
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.databaseSubnetIds = databaseSubnets.map((s) => s.id);

    // ── routing ──
    // Public tier: one route table with the default route to the internet gateway.
    const igw = new InternetGateway(this, "igw", { vpcId: vpc.id });
    const publicRoutes = new RouteTable(this, "public_routes", { vpcId: vpc.id });
    new Route(this, "public_internet", { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public_${azLetters[i]}_assoc`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
    });
    this.publicRouteTableId = publicRoutes.id;

    // NAT gateways live in the public subnets; "single" keeps only the first AZ's.
    const natAzCount = natGateways === "single" ? 1 : azLetters.length;
    const nats = azLetters.slice(0, natAzCount).map((letter, i) => {
      const eip = new Eip(this, `nat_${letter}_eip`, { domain: "vpc", dependsOn: [igw] });
      return new NatGateway(this, `nat_${letter}`, { allocationId: eip.allocationId, subnetId: publicSubnets[i].id, dependsOn: [igw] });
    });
    this.natGatewayIds = nats.map((n) => n.id);

    // Private tier: one route table per AZ even with a single NAT, so switching modes only rewrites routes.
    const privateRoutes = privateSubnets.map((subnet, i) => {
      const letter = azLetters[i];
      const table = new RouteTable(this, `private_${letter}_routes`, { vpcId: vpc.id });
      const nat = nats[Math.min(i, nats.length - 1)];
      this.privateEgress.push(
        new Route(this, `private_${letter}_nat`, { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }),
        new RouteTableAssociation(this, `private_${letter}_assoc`, { subnetId: subnet.id, routeTableId: table.id }),
      );
      return table;
    });
    this.privateRouteTableIds = privateRoutes.map((t) => t.id);

    // Database tier: the empty inline route list makes Terraform remove any route added outside it, so the tier
    // keeps only the implicit local route.
    const databaseRoutes = new RouteTable(this, "database_routes", { vpcId: vpc.id, route: [] });
    databaseSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `database_${azLetters[i]}_assoc`, { subnetId: subnet.id, routeTableId: databaseRoutes.id });
    });
    this.databaseRouteTableId = databaseRoutes.id;

    // The database tier's own network ACL, a second wall behind the database's security group: it admits nothing
    // until allowDatabaseTierPort opens a port to the private tier. Rules are separate resources (the ACL's inline
    // lists would fight them), so that the intent method can add them.
    this.databaseAcl = new NetworkAcl(this, "database_acl", { vpcId: vpc.id, subnetIds: databaseSubnets.map((s) => s.id) });
    this.databaseNetworkAclId = this.databaseAcl.id;
    this.privateCidrs = plan.private.map((cidr, i) => ({ letter: azLetters[i], cidr }));

    // ── flow logs and endpoints ──
    if (flowLogs) {
      this.flowLogGroupName = this.addFlowLogs(vpc, props, flowLogRetentionDays, retainFlowLogsOnDestroy);
    }
    if (vpcEndpoints) {
      this.endpointSecurityGroupId = this.addEndpoints(vpc, props, privateRoutes, privateSubnets, plan);
    }
  }

  // ── intent methods ──
  /**
   * Lets the private subnets reach the database subnets on TCP `port` through the database tier's network ACL: one
   * ingress rule per private subnet, and (once) one egress rule per private subnet for the answers, which a
   * stateless ACL must allow back to the client's ephemeral ports (1024-65535). Everything else stays denied. The
   * database's own security group still decides which tasks may connect.
   *
   * @param port the database's port, 1 to 65535 (PostgreSQL: 5432)
   */
  public allowDatabaseTierPort(port: number): void {
    requireInteger("Network", "allowDatabaseTierPort port", port, 1, 65535);
    if (this.databaseTierPorts.includes(port)) return;
    const portIndex = this.databaseTierPorts.length;
    this.databaseTierPorts.push(port);
    // Rule numbers: 100 + 10 per port + the AZ's position (at most 6 AZs), so that a second port never renumbers the
    // first's rules (a renumbered rule is replaced).
    for (const [i, { letter, cidr }] of this.privateCidrs.entries()) {
      new NetworkAclRule(this, `database_acl_in_${port}_from_private_${letter}`, {
        networkAclId: this.databaseAcl.id,
        ruleNumber: 100 + 10 * portIndex + i,
        egress: false,
        protocol: "tcp",
        ruleAction: "allow",
        cidrBlock: cidr,
        fromPort: port,
        toPort: port,
      });
      if (portIndex === 0) {
        new NetworkAclRule(this, `database_acl_out_to_private_${letter}`, {
          networkAclId: this.databaseAcl.id,
          ruleNumber: 100 + i,
          egress: true,
          protocol: "tcp",
          ruleAction: "allow",
          cidrBlock: cidr,
          ...EPHEMERAL_PORTS,
        });
      }
    }
  }

  // ── logging ──
  private addFlowLogs(vpc: Vpc, props: NetworkProps, retentionDays: number, retainOnDestroy: boolean): string {
    const scope = new Construct(this, "flow_logs");
    const logGroup = new CloudwatchLogGroup(scope, "log_group", {
      name: props.naming.path("vpc-flow-logs"),
      retentionInDays: retentionDays,
      skipDestroy: retainOnDestroy,
    });

    const trust: Record<string, unknown> = {
      Effect: "Allow",
      Principal: { Service: "vpc-flow-logs.amazonaws.com" },
      Action: "sts:AssumeRole",
    };
    if (props.accountId !== undefined) {
      trust.Condition = {
        StringEquals: { "aws:SourceAccount": props.accountId },
        ArnLike: { "aws:SourceArn": `arn:${partitionOf(props.region)}:ec2:${props.region}:${props.accountId}:vpc-flow-log/*` },
      };
    }
    const role = new IamRole(scope, "role", {
      name: props.naming.name("vpc-flow-logs", 64),
      description: "Lets VPC flow logs write to their own CloudWatch log group",
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [trust] }),
      permissionsBoundary: props.permissionsBoundaryArn,
    });
    // Only the one log group and its streams: the group already exists, so no logs:CreateLogGroup.
    new IamRolePolicy(scope, "policy", {
      name: "write-flow-logs",
      role: role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroup.arn, `${logGroup.arn}:log-stream:*`],
          },
        ],
      }),
    });

    new FlowLog(scope, "Resource", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
    });
    return logGroup.name;
  }

  // ── endpoints ──
  private addEndpoints(vpc: Vpc, props: NetworkProps, privateRoutes: RouteTable[], privateSubnets: Subnet[], plan: SubnetPlan): string {
    const scope = new Construct(this, "endpoints");
    const securityGroup = new SecurityGroup(scope, "Resource", {
      name: props.naming.name("vpc-endpoints", 255),
      description: "VPC interface endpoints: HTTPS from the private subnets only",
      vpcId: vpc.id,
      // No egress block: Terraform then removes AWS's allow-all egress rule; endpoints only answer.
    });
    plan.private.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(scope, `https_from_private_${letterOf(props.availabilityZones[i])}`, {
        securityGroupId: securityGroup.id,
        description: `HTTPS from private subnet ${props.availabilityZones[i]}`,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
      });
    });

    // S3 is a gateway endpoint (free, route based). The database tier gets no route to it: RDS does not need one.
    // Every S3 request from the private subnets takes the endpoint, so its policy is the data perimeter: this
    // account's buckets only. Image pulls need no other bucket: ghcr.io serves layers over HTTPS from GitHub (through
    // the NAT gateways), not from S3. ECR would need its layer bucket, arn:aws:s3:::prod-<region>-starport-layer-bucket/*.
    new VpcEndpoint(scope, "s3", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: privateRoutes.map((t) => t.id),
      policy: endpointPolicy("ThisAccountsBuckets", "s3:*", ["*"], { StringEquals: { "aws:ResourceAccount": props.accountId } }),
    });
    const partition = partitionOf(props.region);
    const arnPrefix = (service: string) => `arn:${partition}:${service}:${props.region}:${props.accountId}`;
    const resources: Record<(typeof INTERFACE_ENDPOINT_SERVICES)[number], string[]> = {
      secretsmanager: [`${arnPrefix("secretsmanager")}:secret:*`, ...(props.crossAccountSecretArns ?? []).flatMap(secretArnPatterns)],
      logs: [`${arnPrefix("logs")}:log-group:*`],
    };
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new VpcEndpoint(scope, service, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: privateSubnets.map((s) => s.id),
        securityGroupIds: [securityGroup.id],
        policy: endpointPolicy(service === "logs" ? "ThisAccountsLogGroups" : "ThisAccountsSecrets", `${service}:*`, resources[service]),
      });
    }
    return securityGroup.id;
  }
}

// ── helpers ──

/** A VPC endpoint policy with one Allow statement: any principal, `action`, on `resources` (under `condition`). */
function endpointPolicy(sid: string, action: string, resources: readonly string[], condition?: Record<string, unknown>): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: sid, Effect: "Allow", Principal: "*", Action: action, Resource: [...resources], ...(condition === undefined ? {} : { Condition: condition }) }],
  });
}

/**
 * The patterns that match a secret given by full or partial ARN: the ARN itself, and with the `-` and six characters
 * Secrets Manager appends to a name (a partial ARN cannot be told from a full one by its form).
 */
function secretArnPatterns(arn: string): string[] {
  return [arn, `${arn}-??????`];
}

function letterOf(availabilityZone: string): string {
  return availabilityZone.slice(-1);
}

/**
 * Checks every prop and plans the subnets; throws one PropError listing every problem. Returns the AZ letters that
 * suffix the subnet ids, and the plan.
 */
function validate(props: NetworkProps, natGateways: string, flowLogs: boolean, flowLogRetentionDays: number): { letters: string[]; plan: SubnetPlan } {
  const checks = new PropChecks("Network");
  for (const [prop, value] of [["region", props.region], ["cidrBlock", props.cidrBlock], ...props.availabilityZones.map((z, i) => [`availabilityZones[${i}]`, z])]) {
    checks.expect(!Token.isUnresolved(value), prop, value, "a literal string, known at synthesis");
  }
  checks.region("region", props.region);
  const zones = props.availabilityZones;
  const zonePattern = new RegExp(`^${props.region}[a-z]$`);
  zones.forEach((zone, i) => {
    checks.expect(zonePattern.test(zone), `availabilityZones[${i}]`, zone,
      `a zone of region ${props.region}: the region name and one letter (for example "${props.region}a")`);
  });
  checks.expect(new Set(zones).size === zones.length, "availabilityZones", zones, "each zone once");
  checks.oneOf("natGateways", natGateways as NatGatewayMode, NAT_GATEWAY_MODES);
  checks.oneOf("flowLogRetentionDays", flowLogRetentionDays, CLOUDWATCH_RETENTION_DAYS);
  checks.accountId("accountId", props.accountId);
  if (props.vpcEndpoints === true) {
    checks.expect(props.accountId !== undefined, "accountId", props.accountId, "the 12-digit account id with vpcEndpoints (the endpoint policies allow this account's resources only)");
  }
  (props.crossAccountSecretArns ?? []).forEach((arn, i) => {
    checks.expect(SECRET_ARN.test(arn), `crossAccountSecretArns[${i}]`, arn, "a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:name-AbCdEf");
  });
  if (props.production === true) checks.expect(flowLogs, "flowLogs", flowLogs, "true in production (AWS FSBP EC2.6)");
  let plan: SubnetPlan = { public: [], private: [], database: [] };
  if (Token.isUnresolved(props.cidrBlock)) {
    checks.throwIfAny();
  }
  try {
    plan = planSubnets(props.cidrBlock, zones.length);
    checks.expect(isPrivateIpv4Cidr(props.cidrBlock), "cidrBlock", props.cidrBlock, `a private range: inside ${PRIVATE_IPV4_RANGES.join(", ")} (RFC 1918, RFC 6598)`);
  } catch (error) {
    if (!(error instanceof CidrError)) throw error;
    checks.add(error.input === "vpcCidr" ? "cidrBlock" : "availabilityZones", error.detail);
  }
  checks.throwIfAny();
  return { letters: zones.map(letterOf), plan };
}
