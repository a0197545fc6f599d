import { guides, parseMarkdown, readRepositoryFile } from "../helpers/markdown";

const README = readRepositoryFile("README.md");

/** The text of a `## <title>` section of a Markdown text, up to the next `## `. */
function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) return "";
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe("the README is a front door", () => {
  test("it is at most 250 lines", () => {
    expect(README.split("\n").length).toBeLessThanOrEqual(250);
  });

  test("it has the newcomer's sections, in order", () => {
    const titles = parseMarkdown(README).headings.filter((h) => h.line > 1).map((h) => h.text);
    expect(titles).toEqual(["The picture", "Quick start", "Everyday commands", "The environment file", "Where to read next"]);
  });

  test("the quick start installs with npm ci and gives the time of each command", () => {
    const quickStart = section(README, "Quick start");
    const commands = [...quickStart.matchAll(/^(npm [a-z:]+(?: [a-z:-]+)?|\.\/help)\s+# (\S+(?: \S+)?)\s{2,}/gm)].map((m) => [m[1], m[2]]);
    expect(commands.map(([command]) => command)).toEqual(["npm ci", "npm run synth", "./help", "npm test", "npm run preview", "npm run test:apply"]);
    for (const [command, time] of commands) expect([command, time]).toEqual([command, expect.stringMatching(/^(~[\d-]+ (s|min)|instant)$/)]);
    expect(quickStart).not.toMatch(/npm install/);
    expect(quickStart).toMatch(/two-core/);
  });

  test("the environment file's first screen is the start of environments/staging.json as committed", () => {
    const excerpt = /```json\n([\s\S]*?)```/.exec(section(README, "The environment file"))?.[1] ?? "";
    const staging = readRepositoryFile("environments/staging.json");
    expect(excerpt.split("\n").length).toBeGreaterThan(15);
    expect(staging.startsWith(excerpt)).toBe(true);
  });

  test("the four kinds of workload are shown one of each, as examples/all-kinds runs them", () => {
    // GIVEN the JSON blocks after the first screen: fragments of an environment file ("services": {...} or "jobs": {...})
    const blocks = [...section(README, "The environment file").matchAll(/```json\n([\s\S]*?)```/g)].slice(1).map((m) => JSON.parse(`{${m[1]}}`) as Record<string, Record<string, Record<string, unknown>>>);
    const kinds = JSON.parse(readRepositoryFile("examples/all-kinds/environments/kinds.json")) as Record<string, unknown>;
    // THEN each is exactly a workload of the example file
    for (const block of blocks) {
      const [[key, workloads]] = Object.entries(block);
      for (const [name, settings] of Object.entries(workloads)) expect([key, name, settings]).toEqual([key, name, (kinds[key] as Record<string, unknown>)[name]]);
    }
    // AND they are the four kinds, in order: web service (route), internal service (expose), worker (neither), job
    const kindOf = (key: string, w: Record<string, unknown>) => (key === "jobs" ? "job" : "route" in w ? "web" : "expose" in w ? "internal" : "worker");
    expect(blocks.flatMap((b) => Object.entries(b).flatMap(([key, ws]) => Object.values(ws).map((w) => kindOf(key, w))))).toEqual(["web", "internal", "worker", "job"]);
  });
});

describe("each guide stands on its own", () => {
  test.each(guides())("%s opens with who it is for and its own table of contents", (guide) => {
    const text = readRepositoryFile(guide);
    const doc = parseMarkdown(text);
    expect(doc.headings[0]).toMatchObject({ line: 1 });
    expect(text.split("\n")[2]).toMatch(/^For /);
    const contents = section(text, "Contents");
    const listed = parseMarkdown(contents).links.map((l) => l.href);
    const sections = doc.headings.filter((h) => h.line > 1 && h.text !== "Contents" && /^#{2,3} /m.test(text.split("\n")[h.line - 1])).map((h) => `#${h.slug}`);
    expect(listed).toEqual(sections);
  });
});
