/**
 * Pure IPv4 CIDR arithmetic for carving a VPC into subnet tiers. No dependencies, no AWS calls: plans are computed
 * while synthesizing, so they must be deterministic.
 *
 * ## Layout
 *
 * The VPC CIDR (`/P`, with P from 16 to 21) is split into four equal **tier blocks** of `/P+2`, in this order:
 *
 * | block | tier     |
 * |-------|----------|
 * | 0     | public   |
 * | 1     | private  |
 * | 2     | database |
 * | 3     | spare (reserved for a future tier) |
 *
 * Each tier block is split into eight **AZ slots** of `/P+5`; the subnet of the n-th availability zone (0-based, in
 * the order of the environment file) is slot n of its tier block. At most {@link MAX_AVAILABILITY_ZONES} slots are
 * used; the last two stay free.
 *
 * A subnet's CIDR depends only on the VPC CIDR, its tier and its AZ position, never on how many AZs there are, so
 * appending an AZ later adds subnets and never moves an existing one. (Reordering or removing an AZ from the middle
 * of the list does move the ones after it.)
 *
 * For `10.0.0.0/16`: public `10.0.0.0/21`, `10.0.8.0/21`...; private `10.0.64.0/21`...; database `10.0.128.0/21`....
 */

/** The smallest prefix length (largest block) AWS allows for a VPC CIDR. */
export const MIN_VPC_PREFIX_LENGTH = 16;

/** The largest prefix length (smallest block) this layout accepts: it gives /26 subnets (59 usable addresses). */
export const MAX_VPC_PREFIX_LENGTH = 21;

/** How many availability zones a plan can hold. No AWS region has more than six. */
export const MAX_AVAILABILITY_ZONES = 6;

/** Bits taken by the tier blocks (4 blocks) and by the AZ slots inside a block (8 slots). */
const TIER_BITS = 2;
const SLOT_BITS = 3;

/** The order of the tier blocks inside the VPC CIDR. Changing it would move every subnet. */
const TIER_ORDER = ["public", "private", "database"] as const;

/** One subnet CIDR per availability zone and tier, each list in availability-zone order. */
export interface SubnetPlan {
  /** Public subnets (load balancer, NAT gateways), one per AZ. */
  readonly public: string[];
  /** Private subnets (tasks, egress through NAT), one per AZ. */
  readonly private: string[];
  /** Isolated database subnets (no route to the internet), one per AZ. */
  readonly database: string[];
}

/** A VPC CIDR or AZ count that the subnet layout cannot use. */
export class CidrError extends Error {
  /**
   * @param input which input is wrong: the VPC CIDR or the number of availability zones
   * @param detail `got <value> ...; allowed: ...`
   */
  public constructor(
    public readonly input: "vpcCidr" | "azCount",
    public readonly detail: string,
  ) {
    super(`${input} ${detail}`);
    this.name = "CidrError";
  }
}

/** The private IPv4 ranges a VPC may use: RFC 1918, and RFC 6598 shared address space. */
export const PRIVATE_IPV4_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

/**
 * Whether `cidr` lies inside one of {@link PRIVATE_IPV4_RANGES}. A VPC on public addresses would route some real
 * internet hosts into itself, and AWS does not stop it. False for anything that is not a canonical IPv4 CIDR.
 */
export function isPrivateIpv4Cidr(cidr: string): boolean {
  const parsed = parseCidr(cidr);
  if (parsed === undefined) return false;
  return PRIVATE_IPV4_RANGES.some((range) => {
    const r = parseCidr(range) as { network: number; prefixLength: number };
    const size = 2 ** (32 - r.prefixLength);
    return parsed.prefixLength >= r.prefixLength && parsed.network >= r.network && parsed.network < r.network + size;
  });
}

/** Whether two canonical IPv4 CIDRs share at least one address (false when either is not canonical). */
export function ipv4CidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (x === undefined || y === undefined) return false;
  const xEnd = x.network + 2 ** (32 - x.prefixLength);
  const yEnd = y.network + 2 ** (32 - y.prefixLength);
  return x.network < yEnd && y.network < xEnd;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const PREFIX = /^(0|[1-9][0-9]?)$/;

/** Parses `a.b.c.d/p` into a 32-bit network number and prefix, or `undefined` when it is not a canonical IPv4 CIDR. */
function parseCidr(cidr: string): { network: number; prefixLength: number } | undefined {
  const parts = cidr.split("/");
  if (parts.length !== 2) return undefined;
  const [address, prefixText] = parts;
  const octets = address.split(".");
  // Leading zeros are rejected: some tools read them as octal.
  if (octets.length !== 4 || !octets.every((o) => OCTET.test(o)) || !PREFIX.test(prefixText)) return undefined;
  const values = octets.map(Number);
  const prefixLength = Number(prefixText);
  if (values.some((v) => v > 255) || prefixLength > 32) return undefined;
  const network = values.reduce((acc, v) => acc * 256 + v, 0);
  const hostSize = 2 ** (32 - prefixLength);
  if (network % hostSize !== 0) return undefined;
  return { network, prefixLength };
}

function formatCidr(network: number, prefixLength: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefixLength}`;
}

/**
 * Whether `cidr` is a canonical IPv4 CIDR: four decimal octets 0-255 without leading zeros, a prefix length 0-32,
 * and all host bits zero (`10.0.0.0/16` is valid, `10.0.0.1/16` is not).
 */
export function isValidIpv4Cidr(cidr: string): boolean {
  return parseCidr(cidr) !== undefined;
}

/**
 * Plans the public, private and database subnet CIDRs of a VPC for `azCount` availability zones, with the stable
 * layout described at the top of this module.
 *
 * @param vpcCidr the VPC CIDR, an IPv4 CIDR from /16 to /21 with zero host bits
 * @param azCount how many availability zones, 1 to {@link MAX_AVAILABILITY_ZONES}
 * @throws CidrError when the CIDR is malformed, has host bits set or is outside /16-/21, or the AZ count is out of range
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
  const parsed = parseCidr(vpcCidr);
  if (parsed === undefined || parsed.prefixLength < MIN_VPC_PREFIX_LENGTH || parsed.prefixLength > MAX_VPC_PREFIX_LENGTH) {
    const problem =
      parsed === undefined
        ? "not a canonical IPv4 CIDR (four octets 0-255, a prefix length, host bits zero)"
        : parsed.prefixLength > MAX_VPC_PREFIX_LENGTH
          ? "too small for the subnet layout"
          : "larger than AWS allows for a VPC";
    throw new CidrError(
      "vpcCidr",
      `got ${JSON.stringify(vpcCidr)} (${problem}); allowed: an IPv4 CIDR of /${MAX_VPC_PREFIX_LENGTH} or larger, ` +
        `up to /${MIN_VPC_PREFIX_LENGTH}, with host bits zero (for example "10.0.0.0/16"), so that each subnet is at least ` +
        `/${MAX_VPC_PREFIX_LENGTH + TIER_BITS + SLOT_BITS} (4 tier blocks x 8 AZ slots)`,
    );
  }
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AVAILABILITY_ZONES) {
    throw new CidrError(
      "azCount",
      `got ${azCount} availability zones; allowed: 1 to ${MAX_AVAILABILITY_ZONES} (the subnet layout reserves 8 slots per tier)`,
    );
  }

  const tierPrefix = parsed.prefixLength + TIER_BITS;
  const subnetPrefix = tierPrefix + SLOT_BITS;
  const tierSize = 2 ** (32 - tierPrefix);
  const subnetSize = 2 ** (32 - subnetPrefix);
  const tier = (index: number): string[] =>
    Array.from({ length: azCount }, (_, az) => formatCidr(parsed.network + index * tierSize + az * subnetSize, subnetPrefix));

  const [publicTier, privateTier, databaseTier] = TIER_ORDER.map((_, index) => tier(index));
  return { public: publicTier, private: privateTier, database: databaseTier };
}
