import { EMULATOR_ALLOWLIST } from "../../scripts/lib/emulator/allowlist";
import { classifyPlan, describeChange, matchesShape, type PlanJson } from "../../scripts/lib/emulator/drift";

type Change = NonNullable<PlanJson["resource_changes"]>[number];

function change(type: string, actions: string[], before: Record<string, unknown> | null, after: Record<string, unknown> | null, extra: Partial<Change["change"]> = {}): Change {
  return { address: `${type}.x`, mode: "managed", type, change: { actions, before, after, after_unknown: {}, ...extra } };
}

const classify = (...changes: Change[]) => classifyPlan({ resource_changes: changes }, EMULATOR_ALLOWLIST);

describe("classifyPlan with the emulator allowlist", () => {
  it("GIVEN only no-op and read changes THEN nothing is reported", () => {
    expect(classify(change("aws_vpc", ["no-op"], { a: 1 }, { a: 1 }), change("aws_iam_policy_document", ["read"], null, {}))).toEqual([]);
  });

  it("GIVEN an allowlisted attribute whose values have the recorded shapes THEN the change is an allowed artifact", () => {
    const [c] = classify(change("aws_db_instance", ["update"], { monitoring_interval: 0, engine: "postgres" }, { monitoring_interval: 60, engine: "postgres" }));
    expect(c).toMatchObject({ allowed: true, diffs: [{ attribute: "monitoring_interval", before: 0, after: 60, allowedBy: "db-instance-monitoring-interval" }] });
  });

  it("GIVEN the same attribute with other shapes (a real change of value) THEN it is not allowed", () => {
    const [c] = classify(change("aws_db_instance", ["update"], { monitoring_interval: 30 }, { monitoring_interval: 60 }));
    expect(c.allowed).toBe(false);
    expect(c.problem).toBe("monitoring_interval differ(s) and no allowlist entry matches");
  });

  it("GIVEN an allowlisted attribute next to one that is not THEN the whole resource is not allowed (never a whole resource)", () => {
    const [c] = classify(change("aws_db_instance", ["update"], { monitoring_interval: 0, instance_class: "db.t4g.micro" }, { monitoring_interval: 60, instance_class: "db.t4g.small" }));
    expect(c.allowed).toBe(false);
    expect(c.diffs.map((d) => [d.attribute, d.allowedBy])).toEqual([
      ["instance_class", undefined],
      ["monitoring_interval", "db-instance-monitoring-interval"],
    ]);
  });

  it("GIVEN a resource planned for creation or deletion THEN it is never allowed", () => {
    const [created, deleted] = classify(change("aws_ecs_service", ["create"], null, { name: "s" }), change("aws_ecs_service", ["delete"], { name: "s" }, null));
    expect(created).toMatchObject({ allowed: false, problem: "the resource is missing after apply (planned for creation)" });
    expect(deleted).toMatchObject({ allowed: false, problem: "the resource is planned for deletion" });
  });

  it("GIVEN a rule description lost by the emulator THEN it is allowed only for rules that reference a security group", () => {
    const [byGroup, byCidr] = classify(
      change("aws_vpc_security_group_ingress_rule", ["update"], { description: null, referenced_security_group_id: "sg-1" }, { description: "From api", referenced_security_group_id: "sg-1" }),
      change("aws_vpc_security_group_ingress_rule", ["update"], { description: null, cidr_ipv4: "0.0.0.0/0" }, { description: "HTTP", cidr_ipv4: "0.0.0.0/0" }),
    );
    expect(byGroup.allowed).toBe(true);
    expect(byCidr.allowed).toBe(false);
  });

  it("GIVEN values unknown until apply, and null against {} THEN neither counts as a difference", () => {
    const [c] = classify(
      change("aws_db_instance", ["update"], { id: "db-1", tags: {}, monitoring_interval: 0 }, { id: null, tags: null, monitoring_interval: 60 }, { after_unknown: { id: true } }),
    );
    expect(c.diffs.map((d) => d.attribute)).toEqual(["monitoring_interval"]);
    expect(c.allowed).toBe(true);
  });

  it("GIVEN a replacement caused by an allowlisted attribute THEN it is allowed only when every differing attribute is", () => {
    const [c] = classify(change("aws_db_parameter_group", ["delete", "create"], { parameter: [], family: "postgres15" }, { parameter: [{ name: "rds.force_ssl", value: "1" }], family: "postgres16" }));
    expect(c.allowed).toBe(false);
    expect(c.problem).toBe("family differ(s) and no allowlist entry matches");
  });

  it("GIVEN an update where nothing known differs THEN it is reported, not allowed", () => {
    const [c] = classify(change("terraform_data", ["update"], { output: "a" }, { output: null }, { after_unknown: { output: true } }));
    expect(c).toMatchObject({ allowed: false, problem: "planned update with no attribute that differs (only values unknown until apply)" });
  });

  it("GIVEN an output that changes THEN it is not allowed", () => {
    const changes = classifyPlan({ output_changes: { url: { actions: ["update"], before: "a", after: "b" }, same: { actions: ["no-op"] } } }, EMULATOR_ALLOWLIST);
    expect(changes).toEqual([expect.objectContaining({ address: "output.url", allowed: false })]);
  });

  it("GIVEN a sensitive attribute THEN its values are never printed", () => {
    const [c] = classify(change("aws_db_instance", ["update"], { password: "old-secret" }, { password: "new-secret" }, { after_sensitive: { password: true } }));
    const text = describeChange(c).join("\n");
    expect(text).toContain("password: (sensitive) -> (sensitive)  [real difference]");
    expect(text).not.toContain("old-secret");
    expect(text).not.toContain("new-secret");
  });
});

describe("the allowlist itself", () => {
  it("THEN every entry is narrow and documented: a type, one attribute, two shapes that cannot both describe one value, what the emulator does, evidence and a source", () => {
    const ids = new Set<string>();
    for (const e of EMULATOR_ALLOWLIST) {
      expect(ids.has(e.id)).toBe(false);
      ids.add(e.id);
      expect(e.resourceType).toMatch(/^aws_[a-z0-9_]+$/);
      expect(e.attribute).toMatch(/^[a-z0-9_]+$/);
      expect(e.emulator.length).toBeGreaterThan(20);
      expect(e.evidence.length).toBeGreaterThan(20);
      expect(e.sources.length).toBeGreaterThan(0);
      for (const sample of [null, "", [], {}, 0, 1, true, false, "x", [{ a: 1 }]]) {
        expect(matchesShape(sample, e.before) && matchesShape(sample, e.after)).toBe(false);
      }
    }
  });
});
