import * as path from "path";
import { BEGIN_MARKER, END_MARKER, moduleReadmes, readmeProblem } from "../../scripts/lib/module-docs/module-docs";

/*
 * Every module folder of src/constructs has a README whose API part (props, attributes, methods, other exports) is
 * generated from the code's TSDoc by `npm run docs:modules`; a README that no longer matches the code fails here, as a
 * stale architecture diagram fails __tests__/diagram.
 */

const ROOT = path.join(__dirname, "..", "..");

describe("module READMEs (npm run docs:modules)", () => {
  const readmes = moduleReadmes(ROOT);

  test("GIVEN src/constructs THEN every module folder has a README", () => {
    expect(readmes.map((r) => r.module)).toEqual(expect.arrayContaining(["network", "alb", "ecs-service", "rds", "secrets"]));
    expect(readmes.filter((r) => r.current === undefined).map((r) => r.file)).toEqual([]);
  });

  test.each(readmes.map((r) => [r.file, r] as const))("GIVEN %s THEN its generated part matches the code", (_file, readme) => {
    expect(readmeProblem(readme)).toBeUndefined();
  });

  test("GIVEN a README whose generated part differs from the code THEN the problem names the file and the command", () => {
    const readme = readmes.find((r) => r.module === "network");
    expect(readme?.expected).toContain("| `cidrBlock` | `string` | required |");
    // WHEN one prop's description in the README is not the one in the code
    const stale = { ...readme!, current: readme!.expected!.replace("| `cidrBlock` | `string` | required | The VPC's", "| `cidrBlock` | `string` | required | A VPC's") };
    // THEN
    expect(readmeProblem(stale)).toBe("src/constructs/network/README.md: the generated part differs from the code's TSDoc; run `npm run refresh` and commit the result");
  });

  test("GIVEN a README without the markers THEN the problem says which lines to add", () => {
    const problem = readmeProblem({ module: "x", file: "src/constructs/x/README.md", current: "# x\n" });
    expect(problem).toBe(`src/constructs/x/README.md: no generated part; allowed: the lines ${BEGIN_MARKER} and ${END_MARKER} below the hand-written text, then npm run docs:modules`);
  });

  test("GIVEN the hand-written part of a README THEN the generator keeps it as it is", () => {
    for (const readme of readmes) {
      const handWritten = readme.current!.slice(0, readme.current!.indexOf(BEGIN_MARKER));
      expect(handWritten.length).toBeGreaterThan(0);
      expect(readme.expected!.startsWith(handWritten)).toBe(true);
    }
  });
});
