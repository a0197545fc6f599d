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
const importingType = (imported: string, name: string): string => `import type { ${name} } from "${imported}";\nexport type X = ${name};\n`;

describe("the layers run one way (import/no-restricted-paths)", () => {
  const upward: Array<[string, string]> = [
    ["src/constructs/network/example.ts", "../../config/environment"],
    ["src/constructs/network/example.ts", "../../stacks/readable-stack"],
    ["src/constructs/network/example.ts", "../../policies/apply"],
    ["src/config/example.ts", "../constructs/network"],
    ["src/policies/example.ts", "../stacks/readable-stack"],
    ["src/policies/example.ts", "../constructs/network"],
    ["src/domain/example.ts", "../constructs/alb"],
    ["src/core/example.ts", "../domain/fargate"],
    ["src/stacks/example.ts", "../app"],
  ];
  const downward: Array<[string, string]> = [
    ["src/constructs/network/example.ts", "../../domain/fargate"],
    ["src/constructs/network/example.ts", "../../core/naming"],
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

/*
 * The same rules per module of src/constructs (src/constructs/README.md, eslint.config.mjs MODULES): each module uses
 * only the modules listed for it, through their index.ts, or only their interfaces.ts where the table says so.
 */
describe("the modules of src/constructs use each other one way (import/no-restricted-paths)", () => {
  const ONE_WAY = /^Unexpected path ".*" imported in restricted zone\. Modules use each other one way \(src\/constructs\/README\.md\): /;
  const THROUGH_INDEX = /^Unexpected path ".*" imported in restricted zone\. Use a module through its index\.ts /;
  const ONLY_GITHUB_STACK = /^Unexpected path ".*" imported in restricted zone\. Only the GitHub stack \(src\/stacks\/github-stack\.ts\) uses the delivery module/;
  // [the importing file, its code, the messages expected (none: lint passes)]
  const cases: Array<[string, string, string, RegExp[]]> = [
    // ecs-service/ uses secrets/, network/ and alb/ only through their typed interfaces
    ["ecs-service/ takes the network's interface", "src/constructs/ecs-service/example.ts", importingType("../network/interfaces", "ServiceNetwork"), []],
    ["ecs-service/ takes the Network construct", "src/constructs/ecs-service/example.ts", importingType("../network", "Network"), [ONE_WAY]],
    ["ecs-service/ takes the load balancer's interface", "src/constructs/ecs-service/example.ts", importingType("../alb/interfaces", "ServiceLoadBalancer"), []],
    ["ecs-service/ takes the Alb construct", "src/constructs/ecs-service/example.ts", importingType("../alb", "Alb"), [ONE_WAY]],
    ["ecs-service/ takes the secrets' interface", "src/constructs/ecs-service/profiles/example.ts", importingType("../../secrets/interfaces", "ServiceSecret"), []],
    ["ecs-service/ takes AppSecrets", "src/constructs/ecs-service/profiles/example.ts", importingType("../../secrets", "AppSecrets"), [ONE_WAY]],
    ["ecs-service/ takes the database", "src/constructs/ecs-service/example.ts", importing("../rds"), [ONE_WAY]],
    ["ecs-service/ takes shared/", "src/constructs/ecs-service/example.ts", importing("../shared"), []],
    // nothing imports delivery/ except the GitHub stack
    ["the GitHub stack takes delivery/", "src/stacks/github-stack.ts", importing("../constructs/delivery"), []],
    ["the environment stack takes delivery/", "src/stacks/environment-stack.ts", importing("../constructs/delivery"), [ONLY_GITHUB_STACK]],
    ["the app takes delivery/", "src/app.ts", importing("./constructs/delivery"), [ONLY_GITHUB_STACK]],
    ["release/ takes delivery/", "src/constructs/release/example.ts", importing("../delivery"), [ONE_WAY, ONLY_GITHUB_STACK]],
    // outside its folder a module is its index.ts
    ["a stack takes a module's index", "src/stacks/example.ts", importing("../constructs/alb"), []],
    ["a stack takes a module's file", "src/stacks/example.ts", importing("../constructs/alb/alb"), [THROUGH_INDEX]],
    ["release/ takes a file of ecs-service/", "src/constructs/release/example.ts", importing("../ecs-service/fargate-service"), [THROUGH_INDEX]],
    ["a module takes its own files", "src/constructs/release/example.ts", importing("./migration-task"), []],
    // every module: one module it may use, one it may not
    ["shared/ takes network/", "src/constructs/shared/example.ts", importing("../network"), [ONE_WAY]],
    ["network/ takes shared/", "src/constructs/network/example.ts", importing("../shared"), []],
    ["network/ takes alb/", "src/constructs/network/example.ts", importing("../alb"), [ONE_WAY]],
    ["secrets/ takes ecs-service/", "src/constructs/secrets/example.ts", importing("../ecs-service"), [ONE_WAY]],
    ["alb/ takes network/", "src/constructs/alb/example.ts", importing("../network"), []],
    ["alb/ takes ecs-service/", "src/constructs/alb/example.ts", importing("../ecs-service"), [ONE_WAY]],
    ["rds/ takes network/", "src/constructs/rds/example.ts", importing("../network"), []],
    ["rds/ takes secrets/", "src/constructs/rds/example.ts", importing("../secrets"), [ONE_WAY]],
    ["release/ takes ecs-service/", "src/constructs/release/example.ts", importing("../ecs-service"), []],
    ["release/ takes observability/", "src/constructs/release/example.ts", importing("../observability"), [ONE_WAY]],
    ["jobs/ takes ecs-service/", "src/constructs/jobs/example.ts", importing("../ecs-service"), []],
    ["jobs/ takes the network's interface", "src/constructs/jobs/example.ts", importingType("../network/interfaces", "ServiceNetwork"), []],
    ["jobs/ takes the Network construct", "src/constructs/jobs/example.ts", importingType("../network", "Network"), [ONE_WAY]],
    ["jobs/ takes observability/", "src/constructs/jobs/example.ts", importing("../observability"), [ONE_WAY]],
    ["observability/ takes jobs/", "src/constructs/observability/example.ts", importing("../jobs"), []],
    ["observability/ takes rds/", "src/constructs/observability/example.ts", importing("../rds"), []],
    ["observability/ takes edge/", "src/constructs/observability/example.ts", importing("../edge"), [ONE_WAY]],
    ["edge/ takes observability/", "src/constructs/edge/example.ts", importing("../observability"), []],
    ["edge/ takes release/", "src/constructs/edge/example.ts", importing("../release"), [ONE_WAY]],
    ["delivery/ takes shared/", "src/constructs/delivery/example.ts", importing("../shared"), []],
    ["delivery/ takes ecs-service/", "src/constructs/delivery/example.ts", importing("../ecs-service"), [ONE_WAY]],
    // backup/ builds on the database, the one-off task pieces and the alert topic; the network and secrets by interface
    ["backup/ takes rds/", "src/constructs/backup/example.ts", importing("../rds"), []],
    ["backup/ takes observability/", "src/constructs/backup/example.ts", importing("../observability"), []],
    ["backup/ takes the network's interface", "src/constructs/backup/example.ts", importingType("../network/interfaces", "ServiceNetwork"), []],
    ["backup/ takes the Network construct", "src/constructs/backup/example.ts", importingType("../network", "Network"), [ONE_WAY]],
    ["backup/ takes edge/", "src/constructs/backup/example.ts", importing("../edge"), [ONE_WAY]],
    ["rds/ takes backup/", "src/constructs/rds/example.ts", importing("../backup"), [ONE_WAY]],
  ];
  let results: string[][];

  beforeAll(() => {
    // WHEN each import is linted as part of the file it would sit in
    results = lintAll(cases.map(([, file, code]) => [file, code] as const));
  }, 60_000);

  test.each(cases.map(([title, , , expected], i) => [title, expected.length === 0 ? "passes" : "fails", i] as const))("GIVEN %s THEN lint %s", (_title, _outcome, i) => {
    expect(results[i]).toEqual(cases[i][3].map((pattern) => expect.stringMatching(pattern)));
  });
});
