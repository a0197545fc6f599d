/**
 * Every Jest run gets a temporary directory of its own: the global setup points TMPDIR (and TMP, TEMP) at a fresh
 * `whcsites-jest-*` folder, so that every `os.tmpdir()` in the tests, their workers and the processes they start
 * lands there. The global teardown counts what the run left in it: any `whcsites-*` folder fails the run (a test
 * that does not clean up after itself), and the folder goes either way. Other runs on the machine (another checkout's
 * tests) cannot disturb the count, as they would in the shared system temp directory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const RUN_TMPDIR = "WHCSITES_JEST_TMPDIR";
const SYSTEM_TMPDIR = "WHCSITES_JEST_SYSTEM_TMPDIR";
const VARIABLES = ["TMPDIR", "TMP", "TEMP"] as const;

/** Point the temporary directory at a fresh folder for this run (once per run; later calls do nothing). */
export function isolateTempDir(): string {
  const current = process.env[RUN_TMPDIR];
  if (current !== undefined && fs.existsSync(current)) return current;
  const system = os.tmpdir();
  const dir = fs.mkdtempSync(path.join(system, "whcsites-jest-"));
  process.env[SYSTEM_TMPDIR] = JSON.stringify(Object.fromEntries(VARIABLES.map((v) => [v, process.env[v] ?? null])));
  process.env[RUN_TMPDIR] = dir;
  for (const variable of VARIABLES) process.env[variable] = dir;
  return dir;
}

/** `whcsites-*` entries left in a directory. */
export function whcsitesEntries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.startsWith("whcsites-")).sort() : [];
}

/**
 * Remove the run's temporary folder and restore the variables. Throws when the tests left `whcsites-*` folders in it
 * (the count before the run is 0: the folder was new).
 */
export function checkTempDirLeftovers(): void {
  const dir = process.env[RUN_TMPDIR];
  if (dir === undefined) return;
  const left = whcsitesEntries(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  const saved = JSON.parse(process.env[SYSTEM_TMPDIR] ?? "{}") as Record<string, string | null>;
  for (const variable of VARIABLES) {
    if (saved[variable] === null || saved[variable] === undefined) delete process.env[variable];
    else process.env[variable] = saved[variable] as string;
  }
  delete process.env[RUN_TMPDIR];
  delete process.env[SYSTEM_TMPDIR];
  if (left.length > 0) {
    throw new Error(
      `The tests left ${left.length} whcsites-* temporary folder(s) behind (removed now): ${left.join(", ")}. ` +
        "Every test removes what it creates in os.tmpdir() (afterAll or finally).",
    );
  }
}
