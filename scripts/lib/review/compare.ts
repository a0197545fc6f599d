/**
 * Whether a review copy (review.tf, parsed back to JSON with `@cdktf/hcl2json`) describes the same stack as the
 * cdk.tf.json beside it: the same blocks, the same attributes and the same values.
 *
 * Both are brought to one form first, and only where the two syntaxes write the same thing differently:
 * - cdktf's metadata (`"//"`) is dropped: it is a comment in Terraform's JSON syntax.
 * - A list holding exactly one object equals that object: the JSON syntax writes a single nested block either way,
 *   and hcl2json gives every block as a list.
 * - Whitespace inside `${...}` sequences is ignored outside quoted strings: the HCL formatter re-spaces expressions.
 * - Where the JSON syntax takes a static reference or type as a bare string (`moved` `from`/`to`, a variable's
 *   `type`), hcl2json gives the expression as `${...}`; the braces are dropped there.
 * Nothing else is forgiven: a value, key, block or list entry that differs is reported.
 */
import { canonicalTemplate, templateParts } from "../stack/templates";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Paths whose strings are static references or types in Terraform's JSON syntax, list indices left out (`*` matches
 * any one name).
 */
const STATIC_EXPRESSIONS: readonly (readonly string[])[] = [
  ["moved", "from"],
  ["moved", "to"],
  ["variable", "*", "type"],
];

function isStaticPosition(path: readonly string[]): boolean {
  const named = path.filter((p) => !/^\d+$/.test(p));
  return STATIC_EXPRESSIONS.some((pattern) => pattern.length === named.length && pattern.every((p, i) => p === "*" || p === named[i]));
}

function unwrapSequence(value: string): string {
  const parts = templateParts(value);
  return parts.length === 1 && parts[0].kind === "sequence" && parts[0].text.startsWith("${") ? parts[0].text.slice(2, -1).trim() : value;
}

/** The comparable form of a synthesized stack or of a parsed review copy (see the module comment). */
export function normalizeStack(value: unknown, path: readonly string[] = []): Json {
  if (Array.isArray(value)) {
    const items = value.map((v, i) => normalizeStack(v, [...path, String(i)]));
    const only = items[0];
    return items.length === 1 && only !== null && typeof only === "object" && !Array.isArray(only) ? only : items;
  }
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      if (key !== "//") out[key] = normalizeStack((value as Record<string, unknown>)[key], [...path, key]);
    }
    return out;
  }
  if (typeof value === "string") {
    return canonicalTemplate(isStaticPosition(path) ? unwrapSequence(value) : value);
  }
  return value as Json;
}

const show = (value: Json | undefined): string => {
  const text = JSON.stringify(value) ?? "nothing";
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

/** Every difference between two normalized values, one line each: where, and what each side holds. */
export function differences(json: Json, hcl: Json, path = ""): string[] {
  const kind = (v: Json) => (v === null ? "null" : Array.isArray(v) ? "list" : typeof v);
  if (kind(json) !== kind(hcl)) return [`${path || "(stack)"}: cdk.tf.json has ${show(json)}, review.tf has ${show(hcl)}`];
  if (Array.isArray(json) && Array.isArray(hcl)) {
    if (json.length !== hcl.length) return [`${path}: cdk.tf.json has ${json.length} entries ${show(json)}, review.tf has ${hcl.length} ${show(hcl)}`];
    return json.flatMap((item, i) => differences(item, hcl[i], `${path}[${i}]`));
  }
  if (json !== null && typeof json === "object" && hcl !== null && typeof hcl === "object" && !Array.isArray(json) && !Array.isArray(hcl)) {
    const keys = [...new Set([...Object.keys(json), ...Object.keys(hcl)])].sort();
    return keys.flatMap((key) => {
      const where = path === "" ? key : `${path}.${key}`;
      if (!(key in hcl)) return [`${where}: cdk.tf.json has ${show(json[key])}, review.tf has nothing`];
      if (!(key in json)) return [`${where}: review.tf has ${show(hcl[key])}, cdk.tf.json has nothing`];
      return differences(json[key], hcl[key], where);
    });
  }
  if (json === hcl) return [];
  if (typeof json === "string" && typeof hcl === "string" && (json.length > 80 || hcl.length > 80)) {
    // Long strings (policies, container definitions): show where they start to differ.
    let at = 0;
    while (json[at] === hcl[at]) at++;
    const around = (s: string) => `${at > 30 ? "..." : ""}${s.slice(Math.max(0, at - 30), at + 50)}${s.length > at + 50 ? "..." : ""}`;
    return [`${path}: differs at character ${at}: cdk.tf.json has ${JSON.stringify(around(json))}, review.tf has ${JSON.stringify(around(hcl))}`];
  }
  return [`${path}: cdk.tf.json has ${show(json)}, review.tf has ${show(hcl)}`];
}

/**
 * The parsed review copy without its guard block (`terraform { required_version = "<guardVersion>" }`, the one block
 * the review copy adds), or an error when the guard is not there exactly once.
 */
export function withoutGuard(parsedReview: unknown, guardVersion: string): { readonly stack: unknown; readonly error?: string } {
  const review = parsedReview as Record<string, unknown>;
  const blocks = Array.isArray(review.terraform) ? (review.terraform as unknown[]) : [];
  const isGuard = (b: unknown) => JSON.stringify(b) === JSON.stringify({ required_version: guardVersion });
  const guards = blocks.filter(isGuard);
  if (guards.length !== 1) return { stack: parsedReview, error: `review.tf: expected one guard block terraform { required_version = "${guardVersion}" }, found ${guards.length}` };
  return { stack: { ...review, terraform: blocks.filter((b) => !isGuard(b)) } };
}

/**
 * Differences between a synthesized stack and its review copy parsed by hcl2json (guard block included, see
 * {@link withoutGuard}); empty when they describe the same stack.
 */
export function compareReviewCopy(stackJson: unknown, parsedReview: unknown, guardVersion: string): string[] {
  const { stack, error } = withoutGuard(parsedReview, guardVersion);
  return [...(error !== undefined ? [error] : []), ...differences(normalizeStack(stackJson), normalizeStack(stack))];
}
