import { ElementView, PolicyRule, Violation } from "../framework";
import { Config, UNKNOWN, asNumber, block, list } from "../values";

/** Ports that may be open to the internet (EC2.18). */
export const PUBLIC_PORTS: readonly number[] = [80, 443];

/** Ports that are never open to the internet (EC2.19, as listed by AWS Security Hub). */
export const HIGH_RISK_PORTS: readonly number[] = [
  20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888,
  9200, 9300,
];

const INGRESS_TYPES = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"];
const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const ALL_PORTS = { from: 0, to: 65535 };

/** One ingress permission open to the internet: which source and which port range. */
interface OpenIngress {
  readonly label: string;
  readonly source: string;
  readonly from: number;
  readonly to: number;
}

// A CIDR known only at apply (a VPC's cidr_block) is not taken as the internet: only the literal 0.0.0.0/0 and ::/0
// are. An unknown protocol or port is taken as every port, since it cannot be shown to be safe.
function openRange(protocol: unknown, fromPort: unknown, toPort: unknown): { from: number; to: number } | undefined {
  const p = typeof protocol === "number" ? String(protocol) : protocol;
  if (p === "-1" || p === "all") return ALL_PORTS;
  if (p === "icmp" || p === "icmpv6" || p === "1" || p === "58") return undefined; // ICMP types, not ports
  if (p !== "tcp" && p !== "udp" && p !== "6" && p !== "17") return ALL_PORTS;
  const from = asNumber(fromPort);
  const to = asNumber(toPort);
  if (typeof from !== "number" || typeof to !== "number") return ALL_PORTS;
  return { from, to };
}

function worldSources(...lists: unknown[]): string[] {
  return lists.flatMap((value) => {
    const items = list(value);
    return items === UNKNOWN ? [] : items.filter((item): item is string => typeof item === "string" && WORLD.has(item));
  });
}

function openIngress(resource: ElementView): OpenIngress[] {
  const c = resource.config;
  const found: OpenIngress[] = [];
  const add = (label: string, entry: Config, sources: string[], protocol: unknown) => {
    if (sources.length === 0) return;
    const range = openRange(protocol, entry.from_port, entry.to_port);
    if (range !== undefined) found.push({ label, source: sources.join(" and "), ...range });
  };
  if (resource.type === "aws_security_group") {
    const rules = list(c.ingress);
    if (rules === UNKNOWN) return found;
    rules.forEach((rule, index) => {
      const entry = block(rule);
      if (entry !== undefined) add(`ingress #${index + 1}`, entry, worldSources(entry.cidr_blocks, entry.ipv6_cidr_blocks), entry.protocol);
    });
  } else if (resource.type === "aws_security_group_rule") {
    if (c.type !== "egress") add("the rule", c, worldSources(c.cidr_blocks, c.ipv6_cidr_blocks), c.protocol);
  } else {
    add("the rule", c, worldSources([c.cidr_ipv4], [c.cidr_ipv6]), c.ip_protocol);
  }
  return found;
}

function ports(from: number, to: number): string {
  return from === to ? `port ${from}` : `ports ${from}-${to}`;
}

/** EC2.18: only ports 80 and 443 may be open to the internet. */
export const ec2UnrestrictedPorts: PolicyRule = {
  id: "EC2.18",
  title: "Security groups open only ports 80 and 443 to 0.0.0.0/0 or ::/0",
  productionOnly: false,
  resourceTypes: INGRESS_TYPES,
  check(resource) {
    return openIngress(resource)
      .filter((open) => !(open.from === open.to && PUBLIC_PORTS.includes(open.from)))
      .map((open): Violation => ({
        problem: `${open.label} opens ${ports(open.from, open.to)} to ${open.source}; only ${PUBLIC_PORTS.join(" and ")} may be open to the internet`,
        fix: "allow the traffic from a security group or a narrow CIDR instead of the internet",
      }));
  },
};

/** EC2.19: high-risk ports (SSH, RDP, database ports, ...) are never open to the internet. */
export const ec2HighRiskPorts: PolicyRule = {
  id: "EC2.19",
  title: "Security groups never open high-risk ports (22, 3389, 5432, ...) to 0.0.0.0/0 or ::/0",
  productionOnly: false,
  resourceTypes: INGRESS_TYPES,
  check(resource) {
    return openIngress(resource).flatMap((open): Violation[] => {
      const risky = HIGH_RISK_PORTS.filter((port) => port >= open.from && port <= open.to);
      if (risky.length === 0) return [];
      const named = risky.length > 6 ? `${risky.slice(0, 6).join(", ")} and ${risky.length - 6} more` : risky.join(", ");
      return [{
        problem: `${open.label} opens high-risk port(s) ${named} to ${open.source}`,
        fix: "reach the service through a security group reference, SSM Session Manager or ECS Exec, never from the internet",
      }];
    });
  },
};
