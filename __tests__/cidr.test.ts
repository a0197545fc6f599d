import { CidrError, isValidIpv4Cidr, planSubnets, SubnetPlan } from "../src/domain/cidr";

// Independent of src/cidr.ts on purpose, so the checks do not reuse the code under test.
function range(cidr: string): [number, number] {
  const [address, prefix] = cidr.split("/");
  const start = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return [start, start + 2 ** (32 - Number(prefix)) - 1];
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
    it.each(["10.0.0.0/22", "10.0.0.0/24", "10.0.0.0/28"])("WHEN it is too small (%s) THEN it names network.vpcCidr, the value and the allowed sizes", (cidr) => {
      expect(() => planSubnets(cidr, 3)).toThrow(CidrError);
      expect(() => planSubnets(cidr, 3)).toThrow(
        new RegExp(`^network\\.vpcCidr: got "${cidr.replace(/[./]/g, "\\$&")}".*allowed: an IPv4 CIDR of /21 or larger.*each subnet is at least /26`),
      );
    });

    it("WHEN it is larger than a VPC may be THEN it throws", () => {
      expect(() => planSubnets("10.0.0.0/15", 3)).toThrow(/network\.vpcCidr: got "10\.0\.0\.0\/15".*larger than AWS allows.*up to \/16/);
    });

    it.each(["10.0.0.1/16", "10.0.0/16", "256.0.0.0/16", "10.0.0.0", "10.0.0.0/", "010.0.0.0/16", "10.0.0.0/16 ", "vpc"])(
      "WHEN it is malformed (%j) THEN it throws naming the field",
      (cidr) => {
        expect(() => planSubnets(cidr, 3)).toThrow(/^network\.vpcCidr: got .*not a canonical IPv4 CIDR.*allowed:/);
      },
    );

    it("WHEN the caller names its own field THEN the message uses it", () => {
      expect(() => planSubnets("10.0.0.0/24", 3, { vpcCidrField: "Network: cidrBlock" })).toThrow(/^Network: cidrBlock: got "10\.0\.0\.0\/24"/);
    });
  });

  describe("GIVEN an AZ count outside 1 to 6", () => {
    it.each([0, 7, 2.5, -1])("WHEN it is %p THEN it names network.availabilityZones and the allowed range", (count) => {
      expect(() => planSubnets("10.0.0.0/16", count)).toThrow(CidrError);
      expect(() => planSubnets("10.0.0.0/16", count)).toThrow(new RegExp(`^network\\.availabilityZones: got ${count} .*allowed: 1 to 6`));
    });

    it("WHEN the caller names its own field THEN the message uses it", () => {
      expect(() => planSubnets("10.0.0.0/16", 9, { azCountField: "zones" })).toThrow(/^zones: got 9/);
    });
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
