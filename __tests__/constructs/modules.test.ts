import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/*
 * The layout of src/constructs (src/constructs/README.md): one folder per module, each with an index.ts of re-exports
 * (its README.md: __tests__/constructs/module-readmes.test.ts), no construct file left at the top; and no import cycle anywhere in src/, type-only imports included
 * (ESLint's import/no-cycle skips those).
 */

const ROOT = path.join(__dirname, "..", "..");
const CONSTRUCTS = path.join(ROOT, "src", "constructs");
const DESIGN_MODULES = ["network", "alb", "ecs-service", "rds", "secrets"];

const entries = fs.readdirSync(CONSTRUCTS, { withFileTypes: true });
const modules = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();

function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []))
    .sort();
}

describe("the module folders of src/constructs", () => {
  test("GIVEN src/constructs THEN the modules the design names are folders, and no .ts file is left at the top", () => {
    expect(modules).toEqual(expect.arrayContaining(DESIGN_MODULES));
    expect(entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => e.name)).toEqual([]);
  });

  test.each(modules)("GIVEN %s/ THEN it has an index.ts of re-exports from its own files", (name) => {
    const dir = path.join(CONSTRUCTS, name);
    const index = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    const source = ts.createSourceFile("index.ts", index, ts.ScriptTarget.Latest, true);
    const notReExports = source.statements.filter(
      (s) => !(ts.isExportDeclaration(s) && s.moduleSpecifier !== undefined && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text.startsWith("./")),
    );
    expect(notReExports.map((s) => s.getText(source))).toEqual([]);
  });

  test.each(modules)("GIVEN %s/ THEN its index.ts re-exports every construct of the module", (name) => {
    const dir = path.join(CONSTRUCTS, name);
    const index = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    const constructs = tsFiles(dir).flatMap((file) =>
      [...fs.readFileSync(file, "utf8").matchAll(/^export class (\w+) extends (?:Construct|TerraformElement|TerraformResource)\b/gm)].map((m) => m[1]),
    );
    expect(constructs.length).toBeGreaterThan(0);
    expect(constructs.filter((c) => !new RegExp(`\\b${c}\\b`).test(index))).toEqual([]);
  });
});

/** The import graph of `files` (relative imports, type-only ones included), as file -> imported files. */
function importGraph(files: readonly string[], read: (file: string) => string, exists: (file: string) => boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imported = ts.preProcessFile(read(file), true, true).importedFiles.map((f) => f.fileName).filter((f) => f.startsWith("."));
    graph.set(
      file,
      imported.flatMap((spec) => {
        const base = path.join(path.dirname(file), spec);
        return [`${base}.ts`, path.join(base, "index.ts")].filter(exists).slice(0, 1);
      }),
    );
  }
  return graph;
}

/** The cycles of a graph: its strongly connected components of more than one file (Tarjan), each sorted. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("imports in src/", () => {
  test("GIVEN every file of src/ THEN no import cycle, type-only imports included", () => {
    const files = tsFiles(path.join(ROOT, "src"));
    const graph = importGraph(files, (f) => fs.readFileSync(f, "utf8"), (f) => fs.existsSync(f));
    expect(graph.size).toBeGreaterThan(100);
    expect(cycles(graph).map((c) => c.map((f) => path.relative(ROOT, f)).join(" -> "))).toEqual([]);
  });

  test("GIVEN two files that import each other's types THEN the check names the cycle", () => {
    // GIVEN the shape of the deploy gate and the migration task before the run target had a file of its own
    const sources: Record<string, string> = {
      "/m/deploy-gate.ts": 'import type { MigrationRunTarget } from "./migration-task";\nimport { TerraformData } from "../shared";',
      "/m/migration-task.ts": 'import type { DeployGateStep } from "./deploy-gate";',
      "/shared/index.ts": "export {};",
    };
    // WHEN the graph is checked
    const graph = importGraph(Object.keys(sources), (f) => sources[f], (f) => f in sources);
    // THEN the two files are one cycle, and the file they both use is in none
    expect(cycles(graph)).toEqual([["/m/deploy-gate.ts", "/m/migration-task.ts"]]);
  });
});
