import { Token } from "cdktf";
import {
  PropChecks,
  PropError,
  requireAccountId,
  requireFargateSize,
  requireImageReference,
  requireInteger,
  requireOneOf,
  requireRegion,
} from "../../../src/constructs/shared/validation";

/** The PropError `checks.throwIfAny()` throws (or fails). */
function thrownBy(checks: PropChecks): PropError {
  try {
    checks.throwIfAny();
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected throwIfAny to throw");
}

describe("PropChecks", () => {
  test("GIVEN no problem WHEN throwIfAny THEN nothing is thrown", () => {
    // GIVEN
    const checks = new PropChecks("Thing");
    checks.integer("count", 3, 1, 10);
    checks.oneOf("mode", "a", ["a", "b"]);
    checks.expect(true, "flag", true, "anything");
    // WHEN / THEN
    expect(() => checks.throwIfAny()).not.toThrow();
  });

  test("GIVEN several problems WHEN throwIfAny THEN one PropError has a line per problem, in order, and keeps the prop names", () => {
    // GIVEN
    const checks = new PropChecks("Thing");
    checks.integer("count", 0, 1, 10);
    checks.expect(false, "healthCheck.path", "healthz", 'a path starting with "/"');
    checks.oneOf("mode", "x", ["a", "b"]);
    checks.add("environment.FOO", "is also given in secrets; allowed: one of the two");
    // WHEN
    const error = thrownBy(checks);
    // THEN
    expect(error.name).toBe("PropError");
    expect(error.construct).toBe("Thing");
    expect(error.problems).toEqual([
      { prop: "count", detail: "got 0; allowed: an integer from 1 to 10" },
      { prop: "healthCheck.path", detail: 'got "healthz"; allowed: a path starting with "/"' },
      { prop: "mode", detail: 'got "x"; allowed: "a" or "b"' },
      { prop: "environment.FOO", detail: "is also given in secrets; allowed: one of the two" },
    ]);
    expect(error.message).toBe(
      [
        "Thing: count got 0; allowed: an integer from 1 to 10",
        'Thing: healthCheck.path got "healthz"; allowed: a path starting with "/"',
        'Thing: mode got "x"; allowed: "a" or "b"',
        "Thing: environment.FOO is also given in secrets; allowed: one of the two",
      ].join("\n"),
    );
  });

  test("GIVEN a check WHEN it runs THEN it returns whether the value passed, so later checks can depend on it", () => {
    const checks = new PropChecks("Thing");
    expect([checks.integer("a", 1, 1, 2), checks.integer("b", 3, 1, 2), checks.expect(false, "c", 1, "x"), checks.accountId("d", undefined)]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  test("GIVEN no value WHEN described THEN it reads 'nothing'; a value is JSON", () => {
    const checks = new PropChecks("Thing");
    checks.expect(false, "domain", undefined, "a domain");
    checks.expect(false, "list", ["a", 1], "a list of strings");
    expect(thrownBy(checks).message.split("\n")).toEqual(['Thing: domain got nothing; allowed: a domain', 'Thing: list got ["a",1]; allowed: a list of strings']);
  });

  test("GIVEN a fargate size WHEN cpu is wrong THEN memory is not checked against it, and the caller's prop names are used", () => {
    const checks = new PropChecks("Thing");
    expect(checks.fargateSize(300, 99999, { cpu: "migration.cpu", memoryMiB: "migration.memoryMiB" })).toBe(false);
    expect(thrownBy(checks).problems.map((p) => p.prop)).toEqual(["migration.cpu"]);
  });
});

describe("PropError", () => {
  test("GIVEN problems WHEN constructed THEN it is an Error whose message starts each line with the construct", () => {
    const error = new PropError("Alb", [
      { prop: "domain", detail: "got nothing; allowed: a domain" },
      { prop: "accessLogs", detail: "got false; allowed: true" },
    ]);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("Alb: domain got nothing; allowed: a domain\nAlb: accessLogs got false; allowed: true");
  });
});

describe("requireInteger", () => {
  test.each([0, 11, 1.5, Number.NaN])("GIVEN %p outside 1 to 10 WHEN checked THEN the message names construct, prop, value and range", (value) => {
    expect(() => requireInteger("Thing", "count", value, 1, 10)).toThrow(
      new RegExp(`^Thing: count got ${JSON.stringify(value).replace(".", "\\.")}; allowed: an integer from 1 to 10$`),
    );
  });

  test("GIVEN a reason WHEN the check fails THEN the reason follows the range", () => {
    expect(() => requireInteger("Thing", "max", 3, 4, 9, "above min")).toThrow(/^Thing: max got 3; allowed: an integer from 4 to 9 \(above min\)$/);
  });

  test.each([1, 5, 10])("GIVEN the in-range %p WHEN checked THEN it passes", (value) => {
    expect(() => requireInteger("Thing", "count", value, 1, 10)).not.toThrow();
  });
});

describe("requireOneOf", () => {
  test("GIVEN numbers WHEN the value is missing THEN they are listed as 'one of'", () => {
    expect(() => requireOneOf("Thing", "days", 2, [1, 3, 5])).toThrow(/^Thing: days got 2; allowed: one of 1, 3, 5$/);
  });

  test("GIVEN strings WHEN the value is missing THEN they are quoted and joined with 'or'", () => {
    expect(() => requireOneOf("Thing", "mode", "x", ["a", "b"])).toThrow(/^Thing: mode got "x"; allowed: "a" or "b"$/);
    expect(() => requireOneOf("Thing", "mode", "x", ["a", "b", "c"])).toThrow(/allowed: "a", "b" or "c"$/);
  });

  test("GIVEN an allowed value WHEN checked THEN it passes", () => {
    expect(() => requireOneOf("Thing", "mode", "b", ["a", "b"])).not.toThrow();
  });
});

describe("requireRegion and requireAccountId", () => {
  test("GIVEN malformed values WHEN checked THEN they throw naming the value", () => {
    expect(() => requireRegion("Thing", "Ireland")).toThrow(/^Thing: region got "Ireland"; allowed: an AWS region name such as "eu-west-1"$/);
    expect(() => requireAccountId("Thing", "1234")).toThrow(/^Thing: accountId got "1234"; allowed: 12 digits$/);
  });

  test("GIVEN valid or absent values WHEN checked THEN they pass", () => {
    expect(() => requireRegion("Thing", "eu-west-1")).not.toThrow();
    expect(() => requireAccountId("Thing", "123456789012")).not.toThrow();
    expect(() => requireAccountId("Thing", undefined)).not.toThrow();
  });
});

describe("requireFargateSize and requireImageReference", () => {
  test("GIVEN sizes Fargate does not run WHEN checked THEN the allowed values are listed", () => {
    expect(() => requireFargateSize("Thing", 300, 512)).toThrow(/^Thing: cpu got 300; allowed: 256, 512, /);
    expect(() => requireFargateSize("Thing", 256, 4096)).toThrow(/^Thing: memoryMiB got 4096 for cpu 256; allowed for cpu 256: /);
    expect(() => requireFargateSize("Thing", 256, 512)).not.toThrow();
  });

  test("GIVEN image references WHEN checked THEN only full references with a tag or digest (or non-blank tokens) pass", () => {
    expect(() => requireImageReference("Thing", "whcsites")).toThrow(/^Thing: image got "whcsites"; allowed: a full image reference/);
    expect(() => requireImageReference("Thing", "ghcr.io/owner/whcsites:1.4.2")).not.toThrow();
    expect(() => requireImageReference("Thing", `ghcr.io/owner/whcsites:${Token.asString({ ref: "tag" })}`)).not.toThrow();
  });
});
