/**
 * Reading configured values as Terraform will see them.
 *
 * A resource's configuration is read after cdktf has resolved it, so references are strings such as
 * `${aws_kms_key.logs.arn}` and overrides (`addOverride`, `lifecycle`) are merged in. A value containing `${` is
 * known only at apply: each rule decides on purpose what such a value means (see `isToken`).
 */

/** A resolved configuration block: snake_case keys as in the Terraform JSON. */
export type Config = Readonly<Record<string, unknown>>;

/** A value that is known only when Terraform applies (a reference, a variable, a function call). */
export const UNKNOWN: unique symbol = Symbol("unknown");
/** The marker type for {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/** True when the value is or contains a Terraform expression (`${...}`) rather than a plain literal. */
export function isToken(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** True when the value is set: not undefined, not null. A token counts as set. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A boolean as Terraform reads it (`true` or `"true"`); {@link UNKNOWN} for a token; undefined when unset. */
export function asBool(value: unknown): boolean | Unknown | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return UNKNOWN;
}

/** A number as Terraform reads it (`7` or `"7"`); {@link UNKNOWN} for a token or anything else; undefined when unset. */
export function asNumber(value: unknown): number | Unknown | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return UNKNOWN;
}

/** A literal string; {@link UNKNOWN} for a token or a non-string; undefined when unset. */
export function asString(value: unknown): string | Unknown | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && !isToken(value)) return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return UNKNOWN;
}

/** A nested block: single blocks synthesize as an object, overrides may give a one-element list. */
export function block(value: unknown): Config | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first !== null && typeof first === "object" && !Array.isArray(first) ? (first as Config) : undefined;
}

/** A list or repeated block; [] when unset; {@link UNKNOWN} when the whole list is one expression. */
export function list(value: unknown): readonly unknown[] | Unknown {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") return [value];
  return UNKNOWN;
}

/**
 * Parses a JSON document that may hold Terraform expressions: inside strings they are kept as they are; a bare
 * expression in a value position (`"port": ${var.port}`, from a number token) becomes the string `"${var.port}"`.
 * Gives {@link UNKNOWN} when the text is not JSON even so (for example `${jsonencode(...)}`).
 */
export function parseJsonWithTokens(text: unknown): unknown {
  if (typeof text !== "string") return UNKNOWN;
  try {
    return JSON.parse(text);
  } catch {
    // fall through: try again with bare expressions quoted
  }
  const quoted = quoteBareExpressions(text);
  if (quoted === undefined) return UNKNOWN;
  try {
    const parsed: unknown = JSON.parse(quoted);
    // The whole text was one expression: its value is known only at apply.
    return isToken(parsed) ? UNKNOWN : parsed;
  } catch {
    return UNKNOWN;
  }
}

/** Wraps every `${...}` found outside a JSON string in quotes; undefined when braces do not balance. */
function quoteBareExpressions(text: string): string | undefined {
  let out = "";
  let inString = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === "\\") {
        out += text[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i += 1;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i += 1;
      continue;
    }
    if (c === "$" && text[i + 1] === "{") {
      const end = matchingBrace(text, i + 1);
      if (end === undefined) return undefined;
      out += JSON.stringify(text.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

/** Index of the `}` closing the `{` at `open`, skipping quoted strings inside the expression. */
function matchingBrace(text: string, open: number): number | undefined {
  let depth = 0;
  let quote = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i += 1;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === "{") depth += 1;
    else if (c === "}") {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return undefined;
}
