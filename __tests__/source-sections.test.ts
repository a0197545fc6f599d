import * as fs from "fs";
import * as path from "path";

/*
 * The source convention of docs/contributing.md, "Source conventions": every file under src/constructs opens its parts with a
 * marked section line, `// ── name ──`, in that one style; props first, then validation first in the construct's body,
 * then the resources by concern.
 */

const ROOT = path.join(__dirname, "..");
const CONSTRUCTS = path.join(ROOT, "src", "constructs");

const MARKER = /^\s*\/\/ ── [a-z0-9][a-z0-9 ,/()-]* ──$/;
// Separators of other styles: `// ---`, `// ===`, `// ***`, `/* --- */`, `// ###`, and a marker-like line in a block comment.
const OTHER_SEPARATOR = /^\s*(\/\/|\/\*+|\*)\s*(-{3,}|={3,}|\*{3,}|#{3,}|~{3,}|_{3,}|─{2,}|━{2,})/;
const PROPS_INTERFACE = /^export interface (\w+Props)\b/m;

/** The problems of one file's sections, one line each, starting with the file's path. */
function sectionProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const markers: Array<{ line: number; name: string; indented: boolean }> = [];
  text.split("\n").forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    if (MARKER.test(line)) {
      markers.push({ line: i + 1, name: line.trim().slice("// ── ".length, -" ──".length), indented: /^\s/.test(line) });
    } else if (line.includes("──") || OTHER_SEPARATOR.test(line)) {
      problems.push(`${at}: ${JSON.stringify(line.trim())} is not a section marker; allowed: "// ── name ──", the name in lower case (a-z, 0-9, space , / ( ) -)`);
    }
  });
  if (markers.length === 0) {
    problems.push(`${file}: no section marker; allowed: "// ── name ──" lines that open its parts (docs/contributing.md, "Source conventions")`);
    return problems;
  }
  const props = markers.find((m) => m.name === "props");
  const propsInterface = PROPS_INTERFACE.exec(text);
  if (propsInterface !== null) {
    const declaredAt = text.slice(0, propsInterface.index).split("\n").length;
    if (props === undefined || props.indented) {
      problems.push(`${file}: exports ${propsInterface[1]} but has no "// ── props ──" line`);
    } else if (props.line > declaredAt) {
      problems.push(`${file}:${props.line}: "// ── props ──" comes after ${propsInterface[1]} (line ${declaredAt}); allowed: before it`);
    }
  }
  if (props !== undefined && markers[0] !== props) {
    problems.push(`${file}:${markers[0].line}: "// ── ${markers[0].name} ──" comes before "// ── props ──"; allowed: props first`);
  }
  const validation = markers.find((m) => m.name === "validation");
  if (validation !== undefined) {
    if (props !== undefined && validation.line < props.line) {
      problems.push(`${file}:${validation.line}: "// ── validation ──" comes before "// ── props ──"; allowed: props, then validation`);
    }
    const firstInBody = markers.find((m) => m.indented);
    if (firstInBody !== undefined && firstInBody !== validation) {
      problems.push(`${file}:${firstInBody.line}: "// ── ${firstInBody.name} ──" comes before "// ── validation ──"; allowed: validation first in the construct's body`);
    }
  }
  return problems;
}

/** A module's index.ts: re-exports only, so no parts to mark (__tests__/constructs/modules.test.ts holds it to that). */
const isReExportIndex = (file: string): boolean =>
  path.basename(file) === "index.ts" && fs.readFileSync(file, "utf8").split("\n").every((line) => line === "" || /^export (type )?\{[^}]*\} from "\.\/[a-z-/]+";$/.test(line));

function constructFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? constructFiles(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : []))
    .filter((file) => !isReExportIndex(file))
    .sort();
}

describe("source sections of src/constructs", () => {
  const files = constructFiles(CONSTRUCTS).map((f) => path.relative(ROOT, f).split(path.sep).join("/"));

  test("GIVEN src/constructs THEN every .ts file is read, profiles and shared helpers included", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files).toEqual(expect.arrayContaining([
      "src/constructs/ecs-service/fargate-service.ts", "src/constructs/shared/validation.ts", "src/constructs/ecs-service/profiles/phoenix.ts", "src/constructs/shared/security-group-peer.ts",
    ]));
  });

  test.each(files)("GIVEN %s THEN its sections follow the convention", (file) => {
    expect(sectionProblems(file, fs.readFileSync(path.join(ROOT, file), "utf8"))).toEqual([]);
  });
});

describe("the section check refuses", () => {
  const good = [
    'import { Construct } from "constructs";',
    "",
    "// ── props ──",
    "",
    "export interface ThingProps {",
    "  readonly size: number;",
    "}",
    "",
    "export class Thing extends Construct {",
    "  public constructor(scope: Construct, id: string, props: ThingProps) {",
    "    super(scope, id);",
    "    // ── validation ──",
    "    check(props.size);",
    "",
    "    // ── iam ──",
    "    role();",
    "  }",
    "",
    "  // ── intent methods ──",
    "  public allowFrom(): void {}",
    "}",
    "",
    "// ── helpers ──",
    "",
    "function check(size: number): void {}",
  ].join("\n");
  const edit = (from: string, to: string): string => {
    expect(good).toContain(from);
    return good.replace(from, to);
  };

  test("GIVEN a file that follows the convention THEN no problem", () => {
    expect(sectionProblems("x.ts", good)).toEqual([]);
  });

  test.each([
    ["no props marker", edit("// ── props ──\n", ""), 'x.ts: exports ThingProps but has no "// ── props ──" line'],
    ["the props marker after the interface", edit("// ── props ──\n\nexport interface ThingProps {\n  readonly size: number;\n}", "export interface ThingProps {\n  readonly size: number;\n}\n// ── props ──"),
      'x.ts:6: "// ── props ──" comes after ThingProps (line 3); allowed: before it'],
    ["no marker at all", good.split("\n").filter((l) => !l.includes("──")).join("\n"), "x.ts: no section marker"],
    ["a dashed separator", edit("    // ── iam ──", "    // --- iam ---"), 'x.ts:15: "// --- iam ---" is not a section marker'],
    ["an equals separator", edit("    // ── iam ──", "    // ===== iam"), 'x.ts:15: "// ===== iam" is not a section marker'],
    ["a block-comment marker", edit("    // ── iam ──", "    /* ── iam ── */"), 'x.ts:15: "/* ── iam ── */" is not a section marker'],
    ["an upper-case name", edit("    // ── iam ──", "    // ── IAM ──"), 'x.ts:15: "// ── IAM ──" is not a section marker'],
    ["a name with a colon", edit("    // ── iam ──", "    // ── iam: the roles ──"), 'x.ts:15: "// ── iam: the roles ──" is not a section marker'],
    ["a long rule", edit("// ── props ──", "// ── props ────────────"), 'x.ts:3: "// ── props ────────────" is not a section marker', 'x.ts: exports ThingProps but has no "// ── props ──" line'],
    ["validation after a resource group", edit("    // ── validation ──\n    check(props.size);\n\n    // ── iam ──", "    // ── iam ──\n    check(props.size);\n\n    // ── validation ──"),
      'x.ts:12: "// ── iam ──" comes before "// ── validation ──"; allowed: validation first in the construct\'s body'],
    ["a marker before props", edit('import { Construct } from "constructs";\n', 'import { Construct } from "constructs";\n// ── constants ──\n'),
      'x.ts:2: "// ── constants ──" comes before "// ── props ──"; allowed: props first'],
  ])("GIVEN %s THEN the problem names the file", (_case, text, ...expected) => {
    expect(sectionProblems("x.ts", text)).toEqual(expected.map((e) => expect.stringContaining(e)));
  });
});
