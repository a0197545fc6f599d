import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { ROOT, deadLinks, guides, parseMarkdown, readRepositoryFile, repositoryMarkdownFiles } from "../helpers/markdown";

/** Every `docs/<guide>.md, "<section>"` a text points to (messages, descriptions; quotes as in TS or JSON). */
const sectionPointers = (text: string): Array<{ guide: string; section: string }> =>
  [...text.replace(/\\"/g, '"').matchAll(/(docs\/[a-z-]+\.md), "([^"]+)"/g)].map((m) => ({ guide: m[1], section: m[2] }));

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
  const sources = [...filesUnder("src"), ...filesUnder("scripts"), ...filesUnder(".github"), "environments/schema.json"].filter((f) => /\.(ts|json|ya?ml)$/.test(f));

  test('every docs/<guide>.md, "<section>" in src/, scripts/, .github/ and the schema is a heading of that guide', () => {
    const pointers = sources.flatMap((file) => sectionPointers(readRepositoryFile(file)).map((p) => `${file}: ${p.guide}, "${p.section}"`));
    expect(pointers.length).toBeGreaterThanOrEqual(4);
    expect(sources.flatMap((file) => deadPointers(readRepositoryFile(file)).map((p) => `${file}: ${p}`))).toEqual([]);
  });

  test("the check finds a pointer to a section that is not there, in TypeScript or in JSON", () => {
    expect(deadPointers('see docs/operating.md, "Rotating secrets"; "description": "docs/operations.md, \\"Alarms\\"."')).toEqual(['docs/operating.md, "Rotating secrets"']);
  });
});
