/**
 * Releases as commits: the release image of an environment is the `image` line of its file (with the release's
 * `release.schemaVersion`), so recording a release is a one-line change of that file, and the file's git history is
 * the list of releases. Edits keep the file's own formatting (jsonc-parser's edits touch only the values changed).
 */
import { applyEdits, modify, parse, ParseError } from "jsonc-parser";
import { parseImageReference } from "./image-reference";

/** What an environment file says about its release. */
export interface ReleaseFields {
  /** `<repository>:<tag>@sha256:<digest>` (or the parts the file has). */
  readonly image: string;
  /** The release's newest migration version. */
  readonly schemaVersion?: string;
  /** Why the release may run on a newer schema (a rollback). */
  readonly acceptNewerSchema?: string;
}

/** One release of an environment, from the file's history. */
export interface ReleaseEntry extends ReleaseFields {
  /** The commit that made this image the file's (the release commit). */
  readonly commit: string;
  /** Its committer date, ISO 8601. */
  readonly date: string;
  /** Its subject line. */
  readonly subject: string;
  /** The tag part of the image, if any. */
  readonly tag?: string;
  /** The digest part of the image, if any. */
  readonly digest?: string;
}

const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } };

/** The release fields of an environment file's text. @throws Error when it is not JSON with a string `image`. */
export function releaseFields(text: string, file: string): ReleaseFields {
  const errors: ParseError[] = [];
  const json = parse(text, errors, { allowTrailingComma: false }) as { image?: unknown; release?: { schemaVersion?: unknown; acceptNewerSchema?: unknown } } | undefined;
  if (errors.length > 0 || json === undefined || typeof json !== "object") throw new Error(`${file}: is not valid JSON`);
  if (typeof json.image !== "string") throw new Error(`${file}: image: got ${JSON.stringify(json.image ?? null)}; allowed: the release image reference`);
  const schemaVersion = typeof json.release?.schemaVersion === "string" ? json.release.schemaVersion : undefined;
  const acceptNewerSchema = typeof json.release?.acceptNewerSchema === "string" ? json.release.acceptNewerSchema : undefined;
  return { image: json.image, ...(schemaVersion === undefined ? {} : { schemaVersion }), ...(acceptNewerSchema === undefined ? {} : { acceptNewerSchema }) };
}

/**
 * The file's text with `release` as its release: `image` set, `release.schemaVersion` set (or removed when the
 * release has none), and `release.acceptNewerSchema` as given (a new release drops an old acknowledgement). Every
 * other byte stays as it was.
 */
export function withRelease(text: string, release: ReleaseFields): string {
  let out = applyEdits(text, modify(text, ["image"], release.image, FORMAT));
  const current = parse(out) as { release?: Record<string, unknown> };
  const block: Record<string, string> = {
    ...(release.schemaVersion === undefined ? {} : { schemaVersion: release.schemaVersion }),
    ...(release.acceptNewerSchema === undefined ? {} : { acceptNewerSchema: release.acceptNewerSchema }),
  };
  const others = Object.keys(current.release ?? {}).filter((k) => k !== "schemaVersion" && k !== "acceptNewerSchema");
  if (Object.keys(block).length === 0 && others.length === 0) {
    if (current.release !== undefined) out = applyEdits(out, modify(out, ["release"], undefined, FORMAT));
    return out;
  }
  if (current.release === undefined) {
    // A new block goes right after image, where people look for it.
    return applyEdits(out, modify(out, ["release"], block, { ...FORMAT, getInsertionIndex: (keys) => keys.indexOf("image") + 1 }));
  }
  for (const key of ["schemaVersion", "acceptNewerSchema"] as const) out = applyEdits(out, modify(out, ["release", key], block[key], FORMAT));
  return out;
}

/** Runs git with arguments in the repository and returns its standard output. */
export type GitRunner = (args: readonly string[]) => Promise<string>;

/**
 * The releases of an environment, newest first: each commit that changed the file's `image`, with the release fields
 * it set. Commits that changed other lines of the file (infrastructure changes) are not releases.
 *
 * @param file the path of the environment file, relative to the repository root
 * @param limit how many releases to return
 */
export async function releaseHistory(git: GitRunner, file: string, limit: number): Promise<ReleaseEntry[]> {
  const log = await git(["log", "--format=%H%x09%cI%x09%s", "--", file]);
  const commits = log
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [commit, date, ...subject] = line.split("\t");
      return { commit, date, subject: subject.join("\t") };
    })
    .reverse();
  const releases: ReleaseEntry[] = [];
  let previous: string | undefined;
  for (const c of commits) {
    let fields: ReleaseFields;
    try {
      fields = releaseFields(await git(["show", `${c.commit}:${file}`]), `${file} at ${c.commit.slice(0, 12)}`);
    } catch {
      continue; // a version of the file from before it had an image: not a release
    }
    if (fields.image === previous) continue;
    previous = fields.image;
    const ref = parseImageReference(fields.image);
    releases.push({ ...fields, ...c, ...(ref.tag === undefined ? {} : { tag: ref.tag }), ...(ref.digest === undefined ? {} : { digest: ref.digest }) });
  }
  return releases.reverse().slice(0, limit);
}

/**
 * The release `to` names among `history` (newest first): `previous` (the one before the current), a tag, a digest
 * (or its first 12 or more hex digits), or a commit (7 or more hex digits).
 *
 * @throws Error naming what was given and the releases there are
 */
export function findRelease(history: readonly ReleaseEntry[], to: string): ReleaseEntry {
  if (history.length === 0) throw new Error("the file's history has no release");
  if (to === "previous") {
    if (history.length < 2) throw new Error(`--to previous: the file's history has one release only (${history[0].image})`);
    return history[1];
  }
  const hex = to.replace(/^sha256:/, "");
  const matches = history.filter(
    (r) => r.tag === to || (r.digest !== undefined && /^[0-9a-f]{12,64}$/.test(hex) && r.digest.slice("sha256:".length).startsWith(hex)) || (/^[0-9a-f]{7,40}$/.test(to) && r.commit.startsWith(to)),
  );
  const unique = [...new Map(matches.map((m) => [m.commit, m])).values()];
  if (unique.length === 1) return unique[0];
  const listed = history.map((r) => `${r.tag ?? "-"} ${r.digest?.slice(0, 19) ?? "-"} ${r.commit.slice(0, 12)}`).join("; ");
  if (unique.length === 0) throw new Error(`--to got ${JSON.stringify(to)}, which is no release in the file's history; allowed: previous, or a tag, digest or commit of: ${listed}`);
  throw new Error(`--to got ${JSON.stringify(to)}, which names ${unique.length} releases (${unique.map((u) => u.commit.slice(0, 12)).join(", ")}); give the commit`);
}

/** Whether a rollback to `target` from `current` runs a release older than the schema `current` left. */
export function rollbackNeedsNewerSchema(current: ReleaseFields, target: ReleaseFields): boolean | undefined {
  if (current.schemaVersion === undefined || target.schemaVersion === undefined) return undefined;
  return BigInt(target.schemaVersion) < BigInt(current.schemaVersion);
}
