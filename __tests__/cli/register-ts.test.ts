import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REGISTER = path.join(__dirname, "..", "..", "scripts", "register-ts.cjs");

/** Runs `file` through the TypeScript runner with its cache in `cacheDir`; gives stdout. */
function run(file: string, cacheDir: string): string {
  const result = spawnSync(process.execPath, ["--require", REGISTER, file], { env: { ...process.env, WHCSITES_TS_CACHE_DIR: cacheDir }, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

describe("scripts/register-ts.cjs (the runner of npm run synth)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-ts-"));
  const cacheDir = path.join(dir, "cache");
  const source = path.join(dir, "hello.ts");

  test("runs TypeScript, reuses the cached transform, and keeps one entry per source file", () => {
    // GIVEN a TypeScript file and a cache holding an entry of an older naming scheme
    fs.mkdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, `${"0".repeat(64)}.js`), "old scheme");
    fs.writeFileSync(source, 'const greeting: string = "hello";\nconsole.log(greeting?.toUpperCase());\n');

    // WHEN it runs THEN the types are stripped, modern syntax kept, and one entry is cached
    expect(run(source, cacheDir)).toBe("HELLO");
    const [entry, ...others] = fs.readdirSync(cacheDir);
    expect(others).toEqual([]);
    expect(fs.readFileSync(path.join(cacheDir, entry), "utf8")).toContain("greeting?.toUpperCase()");

    // WHEN it runs again THEN the cached output is what runs (proved by changing it)
    fs.writeFileSync(path.join(cacheDir, entry), 'console.log("from the cache");\n');
    expect(run(source, cacheDir)).toBe("from the cache");

    // WHEN the source changes THEN the new version runs and replaces the old entry
    fs.writeFileSync(source, 'console.log("edited");\n');
    expect(run(source, cacheDir)).toBe("edited");
    const entries = fs.readdirSync(cacheDir);
    expect(entries).toHaveLength(1);
    expect(entries[0]).not.toBe(entry);
  });
});
