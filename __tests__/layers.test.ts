import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/**
 * Lints each `code` as if it were the file `file` of the repository, with the repository's own ESLint configuration,
 * and returns the layer rule's messages per case. ESLint runs in a child process: its flat config is an ES module,
 * which Jest's module system cannot load.
 */
function lintAll(cases: ReadonlyArray<readonly [file: string, code: string]>): string[][] {
  const script = `
    const { ESLint } = require("eslint");
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const [file, code] of cases) {
        const [result] = await eslint.lintText(code, { filePath: require("path").resolve(file) });
        out.push(result.messages.filter((m) => m.ruleId === "import/no-restricted-paths").map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const run = spawnSync(process.execPath, ["-e", script, JSON.stringify(cases)], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

const importing = (imported: string): string => `import * as m from "${imported}";\nexport const x = m;\n`;

describe("the layers run one way (import/no-restricted-paths)", () => {
  const upward: Array<[string, string]> = [
    ["src/constructs/example.ts", "../config/environment"],
    ["src/constructs/example.ts", "../stacks/readable-stack"],
    ["src/constructs/example.ts", "../policies/apply"],
    ["src/config/example.ts", "../constructs/network"],
    ["src/policies/example.ts", "../stacks/readable-stack"],
    ["src/policies/example.ts", "../constructs/network"],
    ["src/domain/example.ts", "../constructs/alb"],
    ["src/core/example.ts", "../domain/fargate"],
    ["src/stacks/example.ts", "../app"],
  ];
  const downward: Array<[string, string]> = [
    ["src/constructs/example.ts", "../domain/fargate"],
    ["src/constructs/example.ts", "../core/naming"],
    ["src/config/example.ts", "../domain/rds"],
    ["src/stacks/example.ts", "../policies/apply"],
    ["src/stacks/example.ts", "../constructs/network"],
    ["src/policies/example.ts", "../core/acknowledge"],
  ];
  let results: string[][];

  beforeAll(() => {
    // WHEN each import is linted as part of the file it would sit in
    results = lintAll([...upward, ...downward].map(([file, imported]) => [file, importing(imported)] as const));
  }, 60_000);

  test.each(upward.map((c, i) => [...c, i] as const))("GIVEN %s importing %s (a higher layer) THEN lint fails", (_file, _imported, i) => {
    expect(results[i]).toEqual([expect.stringMatching(/^Unexpected path ".*" imported in restricted zone\. Layers run one way/)]);
  });

  test.each(downward.map((c, i) => [...c, upward.length + i] as const))("GIVEN %s importing %s (its layer or below) THEN lint passes", (_file, _imported, i) => {
    expect(results[i]).toEqual([]);
  });
});
