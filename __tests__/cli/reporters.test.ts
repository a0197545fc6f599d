/**
 * The reporters of npm test (__tests__/reporters/): a passing run prints one line per project and Jest's totals, a
 * failing file prints everything it has, and the snapshot hint names npm run refresh. Real Jest runs on a small
 * fixture project, with this repository's reporters.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const REPORTERS = ["failures.js", "summary.js"].map((f) => path.join(ROOT, "__tests__", "reporters", f));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-reporters-"));
  const project = (name: string) => ({ displayName: name, rootDir: dir, testMatch: [`<rootDir>/${name}/*.test.js`], transform: {} });
  fs.writeFileSync(
    path.join(dir, "jest.config.js"),
    `module.exports = ${JSON.stringify({ rootDir: dir, projects: [project("alpha"), project("beta")], reporters: REPORTERS })};\n`,
  );
  for (const name of ["alpha", "beta"]) fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, "alpha", "quiet.test.js"), 'test("one", () => { console.warn("noise of a passing file"); expect(1).toBe(1); });\ntest("two", () => {});\n');
  fs.writeFileSync(path.join(dir, "beta", "snap.test.js"), 'test("shape", () => { expect({ size: 1 }).toMatchSnapshot(); });\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Jest on the fixture project, with `args`; stdout and stderr together. */
function jest(...args: string[]): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0" };
  delete env.WHCSITES_JEST_TMPDIR;
  const run = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--config", path.join(dir, "jest.config.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the reporters of npm test", () => {
  test("GIVEN passing files WHEN Jest runs THEN one line per project and the totals, no line per file and no passing file's console", () => {
    const run = jest("--ci=false");
    expect(run.status).toBe(0);
    expect(run.output).toMatch(/^alpha {2}1 suite passed, 2 of 2 tests passed, slowest alpha\/quiet\.test\.js \d+\.\d s$/m);
    expect(run.output).toMatch(/^beta {3}1 suite passed, 1 of 1 test passed, 1 snapshot, slowest beta\/snap\.test\.js \d+\.\d s$/m);
    expect(run.output).toMatch(/^Tests: +3 passed, 3 total$/m);
    expect(run.output).not.toMatch(/^PASS /m);
    expect(run.output).not.toMatch(/noise of a passing file/);
  });

  test("GIVEN a snapshot that differs WHEN Jest runs in CI mode THEN the file prints its failure, and the hint names npm run refresh, not -u", () => {
    fs.writeFileSync(path.join(dir, "beta", "__snapshots__", "snap.test.js.snap"), fs.readFileSync(path.join(dir, "beta", "__snapshots__", "snap.test.js.snap"), "utf8").replace('"size": 1', '"size": 2'));
    const run = jest("--ci");
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/^FAIL beta beta\/snap\.test\.js/m);
    expect(run.output).toMatch(/^beta {3}1 of 1 suite FAILED, 0 of 1 test passed, 1 FAILED/m);
    expect(run.output).toMatch(/1 snapshot failed from 1 test suite\. Inspect your code changes or run `npm run refresh` to update them\./);
    expect(run.output).not.toMatch(/-u\b/);
  });
});
