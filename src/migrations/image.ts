/** The parts of a container image reference such as `ghcr.io/owner/api:1.4.0` or `repo@sha256:...`. */
export interface ImageReference {
  /** Registry and path without tag or digest, for example `ghcr.io/owner/api`. */
  readonly repository: string;
  /** The tag, when the reference has one (`1.4.0`). */
  readonly tag?: string;
  /** The digest, when the reference pins one (`sha256:...`). */
  readonly digest?: string;
}

/**
 * Splits an image reference into repository, tag and digest.
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
 * The image a migration must run when the operator asks for tag `tag`: the same repository as `reference`, with that tag.
 *
 * @param reference an image of the right repository (the stack's configured image or the task definition's image)
 * @param tag the tag about to be deployed
 */
export function imageWithTag(reference: string, tag: string): string {
  return `${parseImageReference(reference).repository}:${tag}`;
}
