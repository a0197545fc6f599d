import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { projects } = require(path.join(ROOT, "jest.config.js")) as { projects: Array<{ displayName: string; testMatch: string[]; testPathIgnorePatterns?: string[] }> };
const TERRAFORM_SUITES = projects.find((p) => p.displayName === "terraform")?.testMatch ?? [];
const CLI_SUITES = projects.find((p) => p.displayName === "cli")?.testMatch ?? [];

/** What running the terraform binary looks like in a test file: the check, the binary's lookup, or spawning it. */
const RUNS_TERRAFORM = /\b(checkStacks|findTerraform|initRealBackend)\(|\bspawn(Sync)?\(\s*["'`]terraform["'`]/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : testFiles(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}

describe("Jest projects: npm run test:unit runs no Terraform, npm run test:cli the process-level suites", () => {
  test("every test file that runs terraform is in the terraform project, and every file listed there exists", () => {
    // GIVEN the test files and what the terraform project lists
    const listed = TERRAFORM_SUITES.map((s) => path.join(ROOT, s.replace("<rootDir>/", "")));
    const usingTerraform = testFiles(path.join(ROOT, "__tests__")).filter((f) => f !== __filename && RUNS_TERRAFORM.test(fs.readFileSync(f, "utf8")));
    // THEN the ones that run terraform are listed (so the unit project never waits on it), and the list is current
    expect(usingTerraform.length).toBeGreaterThan(0);
    expect(usingTerraform.filter((f) => !listed.includes(f)).map((f) => path.relative(ROOT, f))).toEqual([]);
    expect(listed.filter((f) => !fs.existsSync(f)).map((f) => path.relative(ROOT, f))).toEqual([]);
    expect(projects.map((p) => p.displayName)).toEqual(["unit", "terraform", "cli"]);
  });

  test("the process-level suites are the cli project's alone, and every one listed exists", () => {
    // GIVEN the cli project's list THEN each file exists, and the unit project leaves each out (no suite runs twice)
    expect(CLI_SUITES.length).toBeGreaterThan(0);
    expect(CLI_SUITES.filter((s) => !fs.existsSync(path.join(ROOT, s.replace("<rootDir>/", ""))))).toEqual([]);
    const unitIgnores = projects.find((p) => p.displayName === "unit")?.testPathIgnorePatterns ?? [];
    expect(CLI_SUITES.filter((s) => !unitIgnores.includes(s))).toEqual([]);
    expect(CLI_SUITES.filter((s) => TERRAFORM_SUITES.includes(s))).toEqual([]);
  });

  test("the check recognises a test file that runs terraform", () => {
    expect(RUNS_TERRAFORM.test('const results = await checkStacks({ outDir });')).toBe(true);
    expect(RUNS_TERRAFORM.test('spawnSync("terraform", ["plan"])')).toBe(true);
    expect(RUNS_TERRAFORM.test('expect(calls).toEqual([["terraform", ["output"]]]); path.join("fixtures", "terraform")')).toBe(false);
  });
});
