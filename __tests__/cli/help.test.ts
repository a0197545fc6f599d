import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const HELP = fs.readFileSync(path.join(ROOT, "help"), "utf8");
const SCRIPTS = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

/** The README's headings, without their #s. */
const headings = README.split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, "").trim());

/** Every `<prefix>"<name>"` in a text: the sections it points the reader to. */
const references = (text: string, prefix: RegExp): string[] => [...text.matchAll(new RegExp(`${prefix.source}"([^"]+)"`, "g"))].map((m) => m[1]);

describe("help and README point only to what exists", () => {
  test('every README "<section>" in help and every see "<section>" in the README is a README heading', () => {
    // GIVEN the references (help names README sections; the README refers to its own)
    const fromHelp = references(HELP, /README /);
    const fromReadme = references(README, /see /);
    expect(fromHelp.length).toBeGreaterThan(0);
    expect(fromReadme.length).toBeGreaterThan(0);
    // THEN each one is a heading
    expect([...fromHelp, ...fromReadme].filter((name) => !headings.includes(name))).toEqual([]);
  });

  test("the check finds a reference to a section that does not exist", () => {
    expect(references('see README "Rotating secrets" (terraform apply)', /README /).filter((n) => !headings.includes(n))).toEqual(["Rotating secrets"]);
  });

  test("every npm run <script> in help is a script of package.json", () => {
    const used = [...HELP.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((m) => m[1]);
    expect(used).toEqual(expect.arrayContaining(["synth", "test:unit", "tf:check", "preview", "addresses:update"]));
    expect([...new Set(used)].filter((script) => !SCRIPTS.includes(script))).toEqual([]);
  });

  test("the quick start installs with npm ci, as help does", () => {
    const quickStart = README.slice(README.indexOf("## Quick start"), README.indexOf("\n## ", README.indexOf("## Quick start") + 1));
    expect(quickStart).toMatch(/^npm ci && npm run synth/m);
    expect(quickStart).not.toMatch(/npm install/);
    expect(HELP).toMatch(/^ {2}npm ci {2,}/m);
  });
});
