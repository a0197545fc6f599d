import { CidrError, ipv4CidrsOverlap, isPrivateIpv4Cidr, isValidIpv4Cidr, planSubnets, PRIVATE_IPV4_RANGES, SubnetPlan } from "../src/domain/cidr";

// Independent of src/domain/cidr.ts on purpose, so the checks do not reuse the code under test.
function range(cidr: string): [number, number] {
  const [address, prefix] = cidr.split("/");
  const start = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return [start, start + 2 ** (32 - Number(prefix)) - 1];
}

/** The CidrError planSubnets throws (or fails). */
function cidrErrorOf(vpcCidr: string, azCount: number): CidrError {
  try {
    planSubnets(vpcCidr, azCount);
  } catch (error) {
    expect(error).toBeInstanceOf(CidrError);
    return error as CidrError;
  }
  throw new Error("expected planSubnets to throw");
}

function allSubnets(plan: SubnetPlan): string[] {
  return [...plan.public, ...plan.private, ...plan.database];
}

describe("planSubnets", () => {
  describe("GIVEN a /16 VPC and three AZs", () => {
    // WHEN
    const plan = planSubnets("10.0.0.0/16", 3);

    it("THEN gives one /21 per AZ in each tier, tiers in their own quarter of the VPC", () => {
      expect(plan).toEqual({
        public: ["10.0.0.0/21", "10.0.8.0/21", "10.0.16.0/21"],
        private: ["10.0.64.0/21", "10.0.72.0/21", "10.0.80.0/21"],
        database: ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
      });
    });

    it("THEN keeps every subnet inside the VPC, with no two subnets overlapping", () => {
      const [vpcStart, vpcEnd] = range("10.0.0.0/16");
      const ranges = allSubnets(plan).map(range).sort((a, b) => a[0] - b[0]);
      ranges.forEach(([start, end], i) => {
        expect(start).toBeGreaterThanOrEqual(vpcStart);
        expect(end).toBeLessThanOrEqual(vpcEnd);
        if (i > 0) expect(start).toBeGreaterThan(ranges[i - 1][1]);
      });
    });
  });

  describe("GIVEN the same VPC planned for more AZs later", () => {
    // WHEN
    const before = planSubnets("172.16.32.0/19", 2);
    const after = planSubnets("172.16.32.0/19", 6);

    it("THEN the existing AZs keep their subnets and the new ones are appended", () => {
      for (const tier of ["public", "private", "database"] as const) {
        expect(after[tier].slice(0, 2)).toEqual(before[tier]);
        expect(after[tier]).toHaveLength(6);
      }
    });

    it("THEN six AZs still fit without overlaps", () => {
      const ranges = allSubnets(after).map(range).sort((a, b) => a[0] - b[0]);
      expect(new Set(allSubnets(after)).size).toBe(18);
      ranges.slice(1).forEach(([start], i) => expect(start).toBeGreaterThan(ranges[i][1]));
    });
  });

  describe("GIVEN the smallest allowed VPC, a /21", () => {
    // WHEN
    const plan = planSubnets("192.168.8.0/21", 6);

    it("THEN the subnets are /26", () => {
      expect(plan.public[0]).toBe("192.168.8.0/26");
      expect(plan.database[5]).toBe("192.168.13.64/26"); // database block 192.168.12.0/23, slot 5 = +5 x 64;
      expect(allSubnets(plan).every((cidr) => cidr.endsWith("/26"))).toBe(true);
    });
  });

  describe("GIVEN a VPC CIDR the layout cannot use", () => {
    const allowed = 'allowed: an IPv4 CIDR of /21 or larger, up to /16, with host bits zero (for example "10.0.0.0/16"), so that each subnet is at least /26 (4 tier blocks x 8 AZ slots)';

    it.each(["10.0.0.0/22", "10.0.0.0/24", "10.0.0.0/28"])("WHEN it is too small (%s) THEN the CidrError names vpcCidr, the value and the allowed sizes", (cidr) => {
      const error = cidrErrorOf(cidr, 3);
      expect(error.input).toBe("vpcCidr");
      expect(error.detail).toBe(`got "${cidr}" (too small for the subnet layout); ${allowed}`);
      expect(error.message).toBe(`vpcCidr ${error.detail}`);
      expect(error.name).toBe("CidrError");
    });

    it("WHEN it is larger than a VPC may be THEN it says so", () => {
      expect(cidrErrorOf("10.0.0.0/15", 3).detail).toBe(`got "10.0.0.0/15" (larger than AWS allows for a VPC); ${allowed}`);
    });

    it.each(["10.0.0.1/16", "10.0.0/16", "256.0.0.0/16", "10.0.0.0", "10.0.0.0/", "010.0.0.0/16", "10.0.0.0/16 ", "vpc"])(
      "WHEN it is malformed (%j) THEN the detail says it is not a canonical CIDR",
      (cidr) => {
        const error = cidrErrorOf(cidr, 3);
        expect(error.input).toBe("vpcCidr");
        expect(error.detail).toBe(`got ${JSON.stringify(cidr)} (not a canonical IPv4 CIDR (four octets 0-255, a prefix length, host bits zero)); ${allowed}`);
      },
    );

    it("WHEN both the CIDR and the AZ count are wrong THEN the CIDR is reported", () => {
      expect(cidrErrorOf("10.0.0.0/24", 0).input).toBe("vpcCidr");
    });
  });

  describe("GIVEN an AZ count outside 1 to 6", () => {
    it.each([0, 7, 2.5, -1])("WHEN it is %p THEN the CidrError names azCount and the allowed range", (count) => {
      const error = cidrErrorOf("10.0.0.0/16", count);
      expect(error.input).toBe("azCount");
      expect(error.detail).toBe(`got ${count} availability zones; allowed: 1 to 6 (the subnet layout reserves 8 slots per tier)`);
      expect(error.message).toBe(`azCount ${error.detail}`);
    });
  });
});

describe("isPrivateIpv4Cidr", () => {
  it("lists RFC 1918 and RFC 6598", () => {
    expect(PRIVATE_IPV4_RANGES).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]);
  });

  it.each(["10.0.0.0/8", "10.255.0.0/16", "172.16.0.0/12", "172.31.248.0/21", "192.168.0.0/16", "192.168.255.0/24", "100.64.0.0/10", "100.127.0.0/16"])(
    "accepts %s, inside a private range",
    (cidr) => {
      expect(isPrivateIpv4Cidr(cidr)).toBe(true);
    },
  );

  it.each([
    ["8.8.0.0/16", "public"],
    ["172.32.0.0/16", "just above 172.16.0.0/12"],
    ["172.15.0.0/16", "just below 172.16.0.0/12"],
    ["100.128.0.0/16", "just above 100.64.0.0/10"],
    ["100.63.0.0/16", "just below 100.64.0.0/10"],
    ["192.169.0.0/16", "just above 192.168.0.0/16"],
    ["10.0.0.0/7", "larger than 10.0.0.0/8, though it starts inside"],
    ["172.0.0.0/8", "larger than 172.16.0.0/12, though it contains it"],
    ["0.0.0.0/0", "everything"],
    ["10.0.0.1/16", "not canonical"],
    ["10.0.0.0", "malformed"],
  ])("refuses %s (%s)", (cidr) => {
    expect(isPrivateIpv4Cidr(cidr)).toBe(false);
  });
});

describe("ipv4CidrsOverlap", () => {
  it.each([
    ["10.0.0.0/16", "10.0.0.0/16", "the same block"],
    ["10.0.0.0/16", "10.0.255.0/24", "the second inside the first"],
    ["10.0.128.0/17", "10.0.0.0/8", "the first inside the second"],
    ["0.0.0.0/0", "192.168.1.0/24", "everything"],
    ["10.0.0.255/32", "10.0.0.0/24", "a single address"],
  ])("%s and %s overlap (%s), in either order", (a, b) => {
    expect(ipv4CidrsOverlap(a, b)).toBe(true);
    expect(ipv4CidrsOverlap(b, a)).toBe(true);
  });

  it.each([
    ["10.0.0.0/16", "10.1.0.0/16", "neighbours"],
    ["10.0.0.0/24", "10.0.1.0/24", "adjacent /24s"],
    ["10.0.0.255/32", "10.0.1.0/32", "adjacent addresses"],
    ["172.16.0.0/12", "192.168.0.0/16", "different ranges"],
  ])("%s and %s do not overlap (%s), in either order", (a, b) => {
    expect(ipv4CidrsOverlap(a, b)).toBe(false);
    expect(ipv4CidrsOverlap(b, a)).toBe(false);
  });

  it("is false when either CIDR is not canonical", () => {
    expect(ipv4CidrsOverlap("10.0.0.1/16", "10.0.0.0/16")).toBe(false);
    expect(ipv4CidrsOverlap("10.0.0.0/16", "vpc")).toBe(false);
  });
});

describe("isValidIpv4Cidr", () => {
  it.each(["10.0.0.0/16", "0.0.0.0/0", "255.255.255.255/32", "192.168.1.128/25", "172.16.0.0/12"])("accepts %s", (cidr) => {
    expect(isValidIpv4Cidr(cidr)).toBe(true);
  });

  it.each(["10.0.0.1/16", "192.168.1.1/25", "10.0.0.0/33", "10.0.0.0/016", "01.0.0.0/8", "1.2.3.256/32", "1.2.3/24", "1.2.3.4.5/32", "a.b.c.d/8", "", "/8", "10.0.0.0/-1"])(
    "rejects %j",
    (cidr) => {
      expect(isValidIpv4Cidr(cidr)).toBe(false);
    },
  );
});
