import { Token } from "cdktf";
import { requireAccountId, requireFargateSize, requireImageReference, requireInteger, requireOneOf, requireRegion } from "../../src/constructs/validation";

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
