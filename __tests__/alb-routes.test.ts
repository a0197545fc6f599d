import { EVERY_PATH, patternCovers, shadowedPatterns, takesEveryRequest } from "../src/domain/alb-routes";

describe("ALB pattern coverage: * any sequence (also none), ? one character, paths case-sensitive, hosts not", () => {
  test.each([
    // [outer, inner]: every string inner matches, outer matches too
    ["/admin/*", "/admin/reports/*"],
    ["/admin/*", "/admin/reports"],
    ["/admin/*", "/admin/"],
    ["/*", "/admin"],
    ["*", "/anything?x*"],
    ["/a?c", "/abc"],
    ["/a*c", "/a?c"],
    ["/a*c", "/a*b*c"],
    ["/*/reports", "/x/reports"],
    ["/?*", "/*?"], // both: at least one character after the slash
    ["/*?", "/?*"],
    ["/admin", "/admin"],
  ])("GIVEN %p WHEN %p is checked THEN it is covered", (outer, inner) => {
    expect(patternCovers(outer, inner)).toBe(true);
  });

  test.each([
    ["/admin/reports/*", "/admin/*"],
    ["/admin/*", "/admin"], // "/admin" has no slash after it
    ["/admin", "/admin/*"],
    ["/api/*", "/admin/*"],
    ["/a?c", "/a*c"], // "/ac" and "/abbc"
    ["/a?c", "/a?"],
    ["/Admin/*", "/admin/x"], // case-sensitive
    ["/*/reports", "/reports"],
    ["/*", "*"], // "*" also matches what does not start with "/" (ALB paths always do, EVERY_PATH is "/*")
  ])("GIVEN %p WHEN %p is checked THEN it is not covered", (outer, inner) => {
    expect(patternCovers(outer, inner)).toBe(false);
  });

  test("host patterns ignore case; path patterns do not", () => {
    expect(patternCovers("*.Example.org", "admin.example.ORG", false)).toBe(true);
    expect(patternCovers("/Admin/*", "/admin/x", true)).toBe(false);
  });
});

describe("shadowed rules: a rule evaluated first that covers a later rule's pattern for the same hosts", () => {
  test("GIVEN /admin/* at 100 beside /admin/reports/* at 101 THEN the later pattern is shadowed, and not the other way round", () => {
    const admin = { paths: ["/admin/*"], priority: 100 };
    const reports = { paths: ["/admin/reports/*"], priority: 101 };
    expect(shadowedPatterns(admin, reports)).toEqual([{ path: "/admin/reports/*", coveredBy: "/admin/*" }]);
    expect(shadowedPatterns(reports, admin)).toEqual([]);
    // the narrower rule first: both get traffic
    expect(shadowedPatterns({ ...reports, priority: 99 }, admin)).toEqual([]);
    expect(shadowedPatterns(admin, { ...reports, priority: 99 })).toEqual([]);
  });

  test("GIVEN hosts THEN only a rule without hosts, or with hosts covering all of the later rule's, shadows it", () => {
    const anyHost = { paths: ["/admin/*"], priority: 100 };
    const adminHost = { hosts: ["admin.example.org"], paths: ["/admin/x/*"], priority: 101 };
    expect(shadowedPatterns(anyHost, adminHost)).toEqual([{ path: "/admin/x/*", coveredBy: "/admin/*" }]);
    // an earlier rule for one host leaves the later rule's requests of every other host alone
    expect(shadowedPatterns({ ...adminHost, paths: ["/admin/*"], priority: 100 }, { paths: ["/admin/x/*"], priority: 101 })).toEqual([]);
    expect(shadowedPatterns({ hosts: ["*.example.org"], priority: 1 }, { hosts: ["admin.example.org", "api.example.org"], paths: ["/x"], priority: 2 })).toEqual([{ path: "/x" }]);
    expect(shadowedPatterns({ hosts: ["admin.example.org"], priority: 1 }, { hosts: ["admin.example.org", "api.example.org"], priority: 2 })).toEqual([]);
  });

  test("GIVEN a later rule with several paths THEN each covered one is reported, the others not", () => {
    expect(shadowedPatterns({ paths: ["/a/*"], priority: 1 }, { paths: ["/a/b", "/c"], priority: 2 })).toEqual([{ path: "/a/b", coveredBy: "/a/*" }]);
    expect(shadowedPatterns({ paths: ["/*"], priority: 1 }, { hosts: ["x.example.org"], priority: 2 })).toEqual([{ coveredBy: "/*" }]);
  });

  test("GIVEN /* (or no path) on every host THEN it takes every request before the default action; with hosts or narrower paths it does not", () => {
    expect(takesEveryRequest({ paths: [EVERY_PATH], priority: 100 })).toEqual({ path: "/*" });
    expect(takesEveryRequest({ paths: ["/admin/*", "*"], priority: 100 })).toEqual({ path: "*" });
    expect(takesEveryRequest({ paths: ["/admin/*"], priority: 100 })).toBeUndefined();
    expect(takesEveryRequest({ hosts: ["admin.example.org"], paths: ["/*"], priority: 100 })).toBeUndefined();
  });
});
