import { Lazy, Token } from "cdktf";
import { isNumberTokenMarker, tokenMarkerProblems } from "../../src/config/token-markers";

describe("cdktf token markers in a file", () => {
  test("GIVEN numbers cdktf made for tokens WHEN checked THEN each is a marker; ordinary numbers are not", () => {
    // cdktf's own encoding of a number token and of a list of numbers, so the rule cannot drift from cdktf's
    const number = Token.asNumber(Lazy.numberValue({ produce: () => 1 }));
    const list = Token.asNumberList(Lazy.listValue({ produce: () => ["1"] }))[0];
    expect([number, list].map(isNumberTokenMarker)).toEqual([true, true]);
    expect([0, 1, -1, 85, 0.05, 2_000_000_000, -1e300, 1e300, Number.MAX_VALUE, -Number.MAX_VALUE].map(isNumberTokenMarker)).toEqual(Array(10).fill(false));
  });

  test("GIVEN a file with markers in strings, keys and numbers WHEN checked THEN one problem per field, naming it", () => {
    const raw = { a: "plain", b: ["x", "&{TfToken[TOKEN.4]}"], c: { "k${TfToken[TOKEN.5]}": 1, d: Token.asNumber(Lazy.numberValue({ produce: () => 2 })) } };
    expect(tokenMarkerProblems(raw, "environments/x.json").map((p) => `${p.file}: ${p.field}`)).toEqual([
      "environments/x.json: b[1]",
      "environments/x.json: c.k${TfToken[TOKEN.5]}",
      "environments/x.json: c.d",
    ]);
    expect(tokenMarkerProblems({ a: "${not a token}", b: [1, 2], c: null }, "f")).toEqual([]);
  });
});
