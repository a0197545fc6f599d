import * as fs from "fs";
import type { ErrorObject } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import { ConfigError, ConfigProblem } from "./errors";
import { SchemaValidator } from "./schema-validator";

/** Parses a JSON file; a file that cannot be read or parsed is a {@link ConfigError} naming it, and where it breaks. */
export function readJsonFile(file: string, shown: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([{ file: shown, field: "(file)", message: `cannot be read: ${(error as Error).message}` }]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message.replace(/\s*\(line \d+ column \d+\)$/, "");
    throw new ConfigError([{ file: shown, field: "(file)", message: `is not valid JSON${where(text, reason)}: ${reason}` }]);
  }
}

/** ` at line L, column C` from the character position V8 puts in JSON.parse messages (Node 20 and 22 word them differently). */
function where(text: string, message: string): string {
  const match = /at position (\d+)/.exec(message);
  const position = match !== null ? Number(match[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (position === undefined) return "";
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}`;
}

/** Human words for fields whose pattern is hard to read, by the field's last segment. */
export type PatternWords = Readonly<Record<string, string>>;

/**
 * Checks `raw` against a compiled schema: one problem per field, naming the value given and what is allowed.
 * Shared by the environment files and `state.json`.
 *
 * @param words what each pattern-checked field looks like, by field name
 */
export function schemaProblems(validate: SchemaValidator, raw: unknown, shown: string, words: PatternWords = {}): ConfigProblem[] {
  if (validate(raw)) return [];
  const all = validate.errors ?? [];
  // A oneOf reports each failed branch too (inside the branch, or through a $ref): its own error says it better.
  const oneOfs = all.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath);
  const errors = all.filter(
    (e) =>
      // propertyNames reports the key's pattern failure too, without the key; its own error names the key.
      !e.schemaPath.includes("/propertyNames/") &&
      (e.keyword === "oneOf" || !oneOfs.some((at) => e.instancePath === at || e.instancePath.startsWith(`${at}/`))),
  );
  // A misspelt key is one mistake: "did you mean" on the unknown key, and no "is required" for the key it meant.
  const meant = new Set<string>();
  const described = errors.map((error) => {
    const result = describeSchemaError(error, raw, words);
    if (result.meant !== undefined) meant.add(result.meant);
    return result;
  });
  return dedupe(
    described.filter((d) => !(d.required && meant.has(d.field))).map((d) => ({ file: shown, field: d.field, message: d.message })),
  );
}

interface Described {
  readonly field: string;
  readonly message: string;
  /** The field path of the known key an unknown key is close to. */
  readonly meant?: string;
  /** Whether this is a missing required key. */
  readonly required?: boolean;
}

/** Turns an Ajv error into a field and a message naming the value given and what is allowed. */
function describeSchemaError(error: ErrorObject, root: unknown, words: PatternWords): Described {
  const segments = error.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const field = joinPath(segments) || "(top level)";
  const at = (key: string): string => (field === "(top level)" ? key : `${field}.${key}`);
  const given = segments.reduce<unknown>((value, s) => (value as Record<string, unknown> | undefined)?.[s], root);
  const got = `got ${JSON.stringify(given)}`;
  const params = error.params as Record<string, unknown>;
  const schema = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; required?: string[]; minimum?: number; maximum?: number };
  if (params.propertyName !== undefined) {
    // A key that breaks the object's propertyNames rule: about the key, not the object.
    return { field: at(String(params.propertyName)), message: `is not an allowed name here; allowed: ${describePattern(`${segments[segments.length - 1] ?? ""}.(name)`, words)}` };
  }
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(schema.properties ?? {}).filter((k) => k !== "$schema");
      const suggestion = allowed.length > 0 ? closest(key, allowed) : undefined;
      if (suggestion !== undefined && distance(key, suggestion) <= Math.max(2, Math.floor(suggestion.length / 4))) {
        return { field: at(key), message: `is not a known setting; did you mean "${suggestion}"? (allowed keys here: ${allowed.join(", ")})`, meant: at(suggestion) };
      }
      return { field: at(key), message: `is not a known setting; allowed keys here: ${allowed.join(", ")}` };
    }
    case "required":
      return { field: at(String(params.missingProperty)), message: "is required", required: true };
    case "type":
      if (params.type === "object" && schema.properties !== undefined) {
        return { field, message: `${got}; allowed: an object such as ${exampleObject(schema.properties, schema.required ?? [], words)}` };
      }
      return { field, message: `${got}; allowed: a value of type ${String(params.type)}` };
    case "enum":
      return { field, message: `${got}; allowed: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { field, message: `${got}; allowed: ${JSON.stringify(params.allowedValue)}` };
    case "pattern":
      return { field, message: `${got}; allowed: ${describePattern(field, words)}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { field, message: `${got}; allowed: ${schema.minimum ?? "-∞"} to ${schema.maximum ?? "∞"}` };
    case "minItems":
      return { field, message: `has ${(given as unknown[]).length} item(s); allowed: at least ${String(params.limit)}` };
    case "maxItems":
      return { field, message: `has ${(given as unknown[]).length} item(s); allowed: at most ${String(params.limit)}` };
    case "minProperties":
      return { field, message: `has ${Object.keys(given as object).length} entries; allowed: at least ${String(params.limit)}` };
    case "uniqueItems":
      return { field, message: `${got}; allowed: no duplicates (items ${String(params.j)} and ${String(params.i)} are equal)` };
    case "oneOf":
      return { field, message: `${got}; allowed: ${describePattern(field, words)}` };
    default:
      return { field, message: `${got}; ${error.message ?? "is invalid"}` };
  }
}

function joinPath(segments: readonly string[]): string {
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "");
}

/** `{"name": <a lower-case DNS name>, "hostedZoneId": <...>}`: the required keys, or the first two, with their words. */
function exampleObject(properties: Record<string, unknown>, required: readonly string[], words: PatternWords): string {
  const keys = (required.length > 0 ? required : Object.keys(properties).slice(0, 2)).filter((k) => k !== "$schema");
  return `{${keys.map((k) => `"${k}": <${words[k] ?? "see environments/schema.json"}>`).join(", ")}}`;
}

function describePattern(field: string, words: PatternWords): string {
  const leaf = field.replace(/\[\d+\]$/, "").split(".").pop() ?? field;
  return words[leaf] ?? words[field] ?? "see the schema";
}

/** Ajv may report one field more than once; keep the first message of each. */
function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const byField = new Map<string, ConfigProblem>();
  for (const p of problems) {
    if (!byField.has(p.field)) byField.set(p.field, p);
  }
  return [...byField.values()];
}
