import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT, guides, parseMarkdown, readRepositoryFile } from "../helpers/markdown";

const HELP_PATH = path.join(ROOT, "help");
const SCRIPTS = Object.keys((JSON.parse(readRepositoryFile("package.json")) as { scripts: Record<string, string> }).scripts);

/** Runs `./help` as an operator does: the file itself, through its shebang. */
const help = (...args: string[]) => spawnSync(HELP_PATH, args, { cwd: ROOT, encoding: "utf8" });
const HELP = help().stdout;

/** Every `docs/<guide>.md "<section>"` in a text: the guide sections it points the reader to. */
const references = (text: string): Array<{ guide: string; section: string }> =>
  [...text.matchAll(/(docs\/[a-z-]+\.md) "([^"]+)"/g)].map((m) => ({ guide: m[1], section: m[2] }));

/** The references whose guide does not exist or has no heading of that name. */
const deadReferences = (text: string): string[] =>
  references(text)
    .filter(({ guide, section }) => !fs.existsSync(path.join(ROOT, guide)) || !parseMarkdown(readRepositoryFile(guide)).headings.some((h) => h.text === section))
    .map(({ guide, section }) => `${guide} "${section}"`);

describe("./help runs", () => {
  test("GIVEN a clone WHEN ./help runs THEN it is an executable file that prints the cheat sheet and exits 0", () => {
    expect(fs.statSync(HELP_PATH).mode & 0o111).toBe(0o111);
    const result = help();
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^whcsites-infra: operator cheat sheet/);
    expect(result.stdout).toMatch(/^FIRST DEPLOY OF AN ACCOUNT/m);
    expect(result.stdout).toMatch(/^TROUBLESHOOTING SYNTHESIS/m);
  });

  test("WHEN ./help is given a word THEN it prints the title and only the sections whose title has it", () => {
    const result = help("migrations");
    expect(result.status).toBe(0);
    const titles = result.stdout.split("\n").filter((line) => /^[A-Z]/.test(line));
    expect(titles).toEqual(["MIGRATIONS"]);
    expect(result.stdout).toMatch(/^whcsites-infra: operator cheat sheet/);
    expect(result.stdout).toContain("npm run migrate -- --stack whcsites-staging --dry-run");
    expect(result.stdout).not.toContain("npm run verify");
  });

  test("WHEN no section matches or the arguments are wrong THEN it exits 2 with the reason on stderr and prints no sheet", () => {
    const none = help("kubernetes");
    expect(none.status).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain('help: no section title has "kubernetes"; the sections are:');
    expect(none.stderr).toMatch(/^ {2}SHIP A RELEASE$/m);
    expect(help("a", "b")).toMatchObject({ status: 2, stdout: "", stderr: expect.stringContaining("at most one word") });
    expect(help("--verbose")).toMatchObject({ status: 2, stdout: "", stderr: expect.stringContaining("unknown option --verbose") });
    expect(help("--help")).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: \.\/help \[<word>\]/) });
  });
});

describe("./help and the guides point only to what exists", () => {
  test('every docs/<guide>.md "<section>" in ./help is a heading of that guide', () => {
    expect(references(HELP).length).toBeGreaterThanOrEqual(8);
    expect(deadReferences(HELP)).toEqual([]);
  });

  test("the check finds a reference to a section or a guide that does not exist", () => {
    expect(deadReferences('docs/operating.md "Rotating secrets" and docs/runbook.md "Deploy" and docs/operating.md "Rotate a secret"')).toEqual([
      'docs/operating.md "Rotating secrets"',
      'docs/runbook.md "Deploy"',
    ]);
  });

  test("./help names every guide, and says ./help, never a bare help, where it tells the reader to run it", () => {
    for (const guide of guides()) expect(HELP).toContain(guide);
    const markdown = ["README.md", ...guides()].map((file) => readRepositoryFile(file)).join("\n");
    expect(markdown).toContain("`./help`");
    expect(`${markdown}\n${HELP}`).not.toMatch(/(?<![./\w-])`help`|\brun help\b|\bhelp at the root\b/);
  });

  test("every npm run <script> in ./help is a script of package.json", () => {
    const used = [...HELP.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((m) => m[1]);
    expect(used).toEqual(expect.arrayContaining(["synth", "test:unit", "tf:check", "preview", "addresses:update", "docs:settings"]));
    expect([...new Set(used)].filter((script) => !SCRIPTS.includes(script))).toEqual([]);
  });
});
