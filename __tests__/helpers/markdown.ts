import * as fs from "fs";
import * as path from "path";
import MarkdownIt from "markdown-it";
import GithubSlugger from "github-slugger";

// ── types ──

/** A heading of a Markdown document, with the anchor GitHub gives it. */
export interface MarkdownHeading {
  /** Its text as GitHub renders it: markup removed, code spans kept. */
  readonly text: string;
  /** Its anchor (`#<slug>`), unique in the document as GitHub makes it (a repeated heading gets `-1`, `-2`). */
  readonly slug: string;
  /** 1-based line. */
  readonly line: number;
}

/** A link or image of a Markdown document. */
export interface MarkdownLink {
  readonly href: string;
  /** 1-based line of the block it is in. */
  readonly line: number;
}

/** What the link check needs of one document. */
export interface MarkdownDocument {
  readonly headings: readonly MarkdownHeading[];
  readonly links: readonly MarkdownLink[];
}

// ── parsing ──

const parser = new MarkdownIt({ html: true });

/** Headings and links of a Markdown text, parsed with markdown-it (CommonMark: code blocks hold neither). */
export function parseMarkdown(source: string): MarkdownDocument {
  const tokens = parser.parse(source, {});
  const slugger = new GithubSlugger();
  const headings: MarkdownHeading[] = [];
  const links: MarkdownLink[] = [];
  tokens.forEach((token, i) => {
    const line = (token.map?.[0] ?? 0) + 1;
    if (token.type === "heading_open") {
      const inline = tokens[i + 1];
      const text = (inline.children ?? []).filter((c) => c.type === "text" || c.type === "code_inline").map((c) => c.content).join("");
      headings.push({ text, slug: slugger.slug(text), line });
    }
    if (token.type !== "inline") return;
    for (const child of token.children ?? []) {
      const href = child.type === "link_open" ? child.attrGet("href") : child.type === "image" ? child.attrGet("src") : null;
      if (href !== null) links.push({ href: String(href), line });
    }
  });
  return { headings, links };
}

// ── the link check ──

/** A link that goes somewhere other than this repository's files. */
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Every relative link of the documents that does not resolve: to a file that does not exist, out of the repository, or
 * to an anchor that no heading of the target has (GitHub's slugs). Links to other sites are not followed.
 *
 * @param documents Markdown text by path relative to `root` (forward slashes)
 * @param exists whether a path relative to `root` is a file or folder of the repository
 * @returns one line per dead link: `<file>:<line>: <href>: <why>`
 */
export function deadLinks(documents: ReadonlyMap<string, string>, exists: (relativePath: string) => boolean): string[] {
  const parsed = new Map([...documents].map(([file, source]) => [file, parseMarkdown(source)]));
  const problems: string[] = [];
  for (const [file, doc] of parsed) {
    for (const link of doc.links) {
      if (EXTERNAL.test(link.href)) continue;
      const [target, anchor] = splitHref(link.href);
      const resolved = target === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(target)));
      const where = `${file}:${link.line}: ${link.href}`;
      if (resolved.startsWith("../") || path.posix.isAbsolute(resolved)) {
        problems.push(`${where}: leaves the repository`);
        continue;
      }
      if (!parsed.has(resolved) && !exists(resolved)) {
        problems.push(`${where}: no such file ${resolved}`);
        continue;
      }
      if (anchor === undefined) continue;
      const targetDoc = parsed.get(resolved);
      if (targetDoc === undefined) {
        problems.push(`${where}: an anchor into ${resolved}, which is not a Markdown document of the check`);
      } else if (!targetDoc.headings.some((h) => h.slug === anchor)) {
        problems.push(`${where}: ${resolved} has no heading with the anchor #${anchor}`);
      }
    }
  }
  return problems;
}

function splitHref(href: string): [string, string | undefined] {
  const hash = href.indexOf("#");
  return hash < 0 ? [href, undefined] : [href.slice(0, hash), decodeURIComponent(href.slice(hash + 1))];
}

// ── the repository's documents ──

/** The repository root. */
export const ROOT = path.join(__dirname, "..", "..");

/** README.md, every Markdown file under docs/, and the README.md of folders under src/ and scripts/: paths relative to the root, sorted. */
export function repositoryMarkdownFiles(): string[] {
  const files = ["README.md"];
  const walk = (dir: string, keep: (name: string) => boolean): void => {
    if (!fs.existsSync(path.join(ROOT, dir))) return;
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative, keep);
      else if (keep(entry.name)) files.push(relative);
    }
  };
  walk("docs", (name) => name.endsWith(".md"));
  walk("src", (name) => name === "README.md");
  walk("scripts", (name) => name === "README.md");
  return files.sort();
}

/** The guides: every `docs/*.md` (not the generated diagrams under docs/architecture/). */
export function guides(): string[] {
  return fs.readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`);
}

/** The text of a file of the repository. */
export function readRepositoryFile(relativePath: string): string {
  return fs.readFileSync(path.join(ROOT, relativePath), "utf8");
}
