/**
 * Container image references as the operator tools compare them: `ghcr.io/owner/api:1.4.0`,
 * `ghcr.io/owner/api@sha256:<64 hex>`, or both (`repo:1.4.0@sha256:...`, where the digest decides what runs).
 */

/** The parts of a container image reference. */
export interface ImageReference {
  /** Registry and path without tag or digest, for example `ghcr.io/owner/api`. */
  readonly repository: string;
  /** The tag, when the reference has one (`1.4.0`). */
  readonly tag?: string;
  /** The digest, when the reference pins one (`sha256:...`). */
  readonly digest?: string;
}

/** A tag as registries accept it: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** The only digest form the tools accept: sha256 and 64 lowercase hex digits. */
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Splits an image reference into repository, tag and digest. It does not validate: see {@link imageReferenceProblem}.
 *
 * A `:` counts as the tag separator only after the last `/`, so a registry port (`host:5000/api`) is not a tag.
 */
export function parseImageReference(image: string): ImageReference {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  }
  return { repository: rest, digest };
}

/**
 * What is wrong with an image reference, or `undefined` when it is usable: a repository, then a tag, a
 * `@sha256:<64 hex>` digest, or both.
 */
export function imageReferenceProblem(image: string): string | undefined {
  const ref = parseImageReference(image);
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:-]*$/.test(ref.repository)) {
    return "it needs a repository such as ghcr.io/owner/api, then :<tag> or @sha256:<64 hex digits>";
  }
  if (ref.tag !== undefined && !TAG.test(ref.tag)) return `tag ${JSON.stringify(ref.tag)} is not a valid tag (letters, digits, "_", "." and "-", at most 128)`;
  if (ref.digest !== undefined && !DIGEST.test(ref.digest)) return `digest ${JSON.stringify(ref.digest)} is not sha256:<64 lowercase hex digits>`;
  return undefined;
}

/** What is wrong with a tag given on its own (`--image-tag`), or `undefined` when it is a valid tag. */
export function imageTagProblem(tag: string): string | undefined {
  if (TAG.test(tag)) return undefined;
  if (/^@?sha256:/.test(tag)) return "that is a digest, not a tag: give the full reference with --expected-image <repository>@sha256:<64 hex digits>";
  return 'a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"';
}

/**
 * The image a migration or a service must run when the operator asks for tag `tag`: the repository of `reference`
 * (whatever tag or digest it has) with that tag.
 *
 * @param reference an image of the right repository (the stack's configured image or the task definition's image)
 * @param tag the tag about to be deployed
 */
export function imageWithTag(reference: string, tag: string): string {
  return `${parseImageReference(reference).repository}:${tag}`;
}

/**
 * Whether `actual` (what a task definition runs) is the image `expected` asks for.
 *
 * The repositories must be equal. When `expected` pins a digest, the digests decide (a tag next to them is only a
 * label). Otherwise the tags must be equal (no tag means `latest`); a digest that `actual` adds to the same tag still
 * matches, but a bare digest cannot be told to be that tag without asking the registry, so it does not.
 */
export function imageMatches(actual: string, expected: string): boolean {
  const a = parseImageReference(actual);
  const e = parseImageReference(expected);
  if (a.repository !== e.repository) return false;
  if (e.digest !== undefined) return a.digest?.toLowerCase() === e.digest.toLowerCase();
  if (a.tag === undefined && a.digest !== undefined) return false;
  return (a.tag ?? "latest") === (e.tag ?? "latest");
}
