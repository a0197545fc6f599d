import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { ROOT, deadLinks, guides, parseMarkdown, readRepositoryFile, repositoryMarkdownFiles } from "../helpers/markdown";

/**
 * Every `docs/<guide>.md, "<section>"` a text points to (messages, descriptions, comments; quotes as in TS or JSON),
 * and every `README, "<section>"` or `README "<section>"`, which points to a section of README.md.
 */
const sectionPointers = (text: string): Array<{ guide: string; section: string }> =>
  [...text.replace(/\\"/g, '"').matchAll(/\b(docs\/[a-z-]+\.md|README)(?:\.md)?,? "([^"]+)"/g)].map((m) => ({
    guide: m[1] === "README" ? "README.md" : m[1],
    section: m[2],
  }));

/** The pointers whose guide has no heading of that name. */
const deadPointers = (text: string): string[] =>
  sectionPointers(text)
    .filter(({ guide, section }) => !fs.existsSync(path.join(ROOT, guide)) || !parseMarkdown(readRepositoryFile(guide)).headings.some((h) => h.text === section))
    .map(({ guide, section }) => `${guide}, "${section}"`);

/** Every file under a folder of the repository, relative to the root. */
const filesUnder = (dir: string): string[] =>
  fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));

const exists = (relativePath: string): boolean => fs.existsSync(path.join(ROOT, relativePath));
const documents = new Map(repositoryMarkdownFiles().map((file) => [file, readRepositoryFile(file)]));

describe("links between the README and the guides", () => {
  test("GIVEN every Markdown file WHEN its relative links are followed THEN each reaches a file, and each #anchor a heading", () => {
    expect(documents.has("README.md")).toBe(true);
    expect(guides().length).toBeGreaterThanOrEqual(7);
    expect(deadLinks(documents, exists)).toEqual([]);
  });

  test("GIVEN a dead anchor, a missing file and a link out of the repository THEN each is named with its file and line", () => {
    const fixture = new Map([
      ["README.md", "# Title\n\nSee [the guide](docs/guide.md#first-deploy-of-an-account) and [this](#title).\n"],
      ["docs/guide.md", "# Guide\n\n## First deploy\n\n[gone](missing.md), [up](../../etc/passwd), [ok](../README.md#title)\n"],
    ]);
    expect(deadLinks(fixture, () => false)).toEqual([
      "README.md:3: docs/guide.md#first-deploy-of-an-account: docs/guide.md has no heading with the anchor #first-deploy-of-an-account",
      "docs/guide.md:5: missing.md: no such file docs/missing.md",
      "docs/guide.md:5: ../../etc/passwd: leaves the repository",
    ]);
  });

  test("anchors follow GitHub's slugs: markup dropped, punctuation removed, repeats numbered", () => {
    const doc = parseMarkdown("## What it costs to run: `npm run cost`\n## The deploy role's permissions\n## Alarms\n## Alarms\n```md\n## not a heading\n```\n");
    expect(doc.headings.map((h) => h.slug)).toEqual(["what-it-costs-to-run-npm-run-cost", "the-deploy-roles-permissions", "alarms", "alarms-1"]);
  });
});

describe("every guide is reachable", () => {
  const readmeTargets = new Set(parseMarkdown(documents.get("README.md") ?? "").links.map((l) => l.href.split("#")[0]));
  const help = spawnSync(path.join(ROOT, "help"), [], { encoding: "utf8" }).stdout;

  test.each(guides())("%s is linked from README.md and named by ./help", (guide) => {
    expect(readmeTargets).toContain(guide);
    expect(help).toContain(guide);
  });
});

describe("what the code and the schema tell the reader to read", () => {
  // These tests hold dead pointers on purpose, to show that the checks find them.
  const FIXTURES = ["__tests__/docs/links.test.ts", "__tests__/cli/help.test.ts"];
  const sources = [...filesUnder("src"), ...filesUnder("scripts"), ...filesUnder(".github"), ...filesUnder("__tests__"), "environments/schema.json", "eslint.config.mjs"]
    .filter((f) => /\.(ts|json|ya?ml|mjs|md)$/.test(f) && !f.includes("__snapshots__") && !FIXTURES.includes(f));

  test('every docs/<guide>.md, "<section>" and README, "<section>" in the code, the tests and the schema is a heading', () => {
    const pointers = sources.flatMap((file) => sectionPointers(readRepositoryFile(file)).map((p) => `${file}: ${p.guide}, "${p.section}"`));
    expect(pointers.length).toBeGreaterThanOrEqual(4);
    expect(sources.flatMap((file) => deadPointers(readRepositoryFile(file)).map((p) => `${file}: ${p}`))).toEqual([]);
  });

  test("the check finds a pointer to a section that is not there, in TypeScript or in JSON", () => {
    expect(deadPointers('see docs/operating.md, "Rotating secrets"; "description": "docs/operations.md, \\"Alarms\\"."')).toEqual(['docs/operating.md, "Rotating secrets"']);
    expect(deadPointers('(README, "Secrets and rotation") and README "Quick start"')).toEqual(['README.md, "Secrets and rotation"']);
  });
});

describe("the files the README, the guides and ./help name", () => {
  /** Repository paths a text names (`src/...`, `scripts/...`, ...), without patterns such as `<env>` or `*`. */
  const namedPaths = (text: string): string[] =>
    [...text.matchAll(/(?<![\w./-])(?:src|scripts|__tests__|\.github|terraform|examples|environments|addresses|bench)\/[^\s`'"(),;:]+/g)]
      .map((m) => m[0].replace(/[.\]]+$/, ""))
      .filter((p) => !/[<*{]/.test(p));
  // A recipe step (`<!-- recipe ...: copy environments/staging.json environments/qa.json -->`) names the files the
  // recipe creates: __tests__/recipes runs it; those files exist only after it.
  const missing = (text: string): string[] => [...new Set(namedPaths(text.replace(/<!--[ \t]*recipe[^\n]*-->/g, "")))].filter((p) => !exists(p));

  test("GIVEN every path they name THEN it exists (a moved file is followed by its mentions)", () => {
    const texts = ["README.md", ...guides()].map((file) => readRepositoryFile(file));
    const help = spawnSync(path.join(ROOT, "help"), [], { encoding: "utf8" }).stdout;
    expect(namedPaths([...texts, help].join("\n")).length).toBeGreaterThan(50);
    expect(["README.md", ...guides(), "help"].flatMap((file, i) => missing(i < texts.length ? texts[i] : help).map((p) => `${file}: ${p}`))).toEqual([]);
  });

  test("the check finds a file that moved, and leaves patterns alone", () => {
    expect(missing("see `src/constructs/web-acl.ts`, `src/constructs/edge/web-acl.ts`, `addresses/whcsites-<env>.json`, `src/constructs/github-*.ts`")).toEqual([
      "src/constructs/web-acl.ts",
    ]);
  });
});
