import { UNKNOWN, asBool, asNumber, asString, block, list, parseJsonWithTokens } from "../../src/policies/values";

describe("reading resolved values", () => {
  test("parseJsonWithTokens keeps references in strings and quotes bare expressions", () => {
    // GIVEN JSON as cdktf renders it: a number token leaves a bare ${...}, possibly with nested braces and quotes
    const text = '[{"name":"app","port":${var.port},"x":${lookup({"a" = 1}, "a")},"arn":"${aws_kms_key.k.arn}"}]';
    // WHEN / THEN
    expect(parseJsonWithTokens(text)).toEqual([
      { name: "app", port: "${var.port}", x: '${lookup({"a" = 1}, "a")}', arn: "${aws_kms_key.k.arn}" },
    ]);
  });

  test("parseJsonWithTokens gives UNKNOWN for an HCL expression", () => {
    expect(parseJsonWithTokens('${jsonencode([{"name" = "a"}])}')).toBe(UNKNOWN);
    expect(parseJsonWithTokens(undefined)).toBe(UNKNOWN);
  });

  test("scalars: literal, unset, and known only at apply", () => {
    expect([asBool(true), asBool("false"), asBool(undefined), asBool("${var.x}")]).toEqual([true, false, undefined, UNKNOWN]);
    expect([asNumber(7), asNumber("7"), asNumber(null), asNumber("${var.n}")]).toEqual([7, 7, undefined, UNKNOWN]);
    // A literal "unknown" stays a string: the marker is a symbol
    expect([asString("unknown"), asString("${var.s}")]).toEqual(["unknown", UNKNOWN]);
  });

  test("blocks and lists", () => {
    expect(block([{ enabled: true }])).toEqual({ enabled: true });
    expect(block({ enabled: true })).toEqual({ enabled: true });
    expect(list(undefined)).toEqual([]);
    expect(list("${var.subnets}")).toBe(UNKNOWN);
  });
});
