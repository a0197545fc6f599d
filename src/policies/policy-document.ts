import { PolicyContext } from "./framework";
import { Config, UNKNOWN, Unknown, block, isToken, list, parseJsonWithTokens } from "./values";

/** One IAM policy statement, normalized from either JSON or an `aws_iam_policy_document` data source. */
export interface PolicyStatement {
  /** `Allow` or `Deny`. */
  readonly effect: string;
  /** `Action`, one entry per action. */
  readonly actions: readonly string[];
  /** `NotAction`. */
  readonly notActions: readonly string[];
  /** `Resource`. */
  readonly resources: readonly string[];
  /** `Condition`, one entry per operator and key. */
  readonly conditions: readonly PolicyCondition[];
}

/** One condition: `{ "<test>": { "<variable>": <values> } }`. */
export interface PolicyCondition {
  /** Operator, for example `Bool`. */
  readonly test: string;
  /** Condition key, for example `aws:SecureTransport`. */
  readonly variable: string;
  /** Values as strings (`false` becomes `"false"`). */
  readonly values: readonly string[];
}

const DOCUMENT_REFERENCE = /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.(json|minified_json)\}$/;

/**
 * The statements of a policy given as a resolved attribute value: a JSON string (references inside strings are
 * fine) or a reference to an `aws_iam_policy_document` data source in the same stack. {@link UNKNOWN} when the
 * document cannot be read before apply (for example `${jsonencode(...)}` or a document from another stack).
 */
export function readPolicyDocument(value: unknown, context: PolicyContext): readonly PolicyStatement[] | Unknown {
  if (typeof value !== "string") return UNKNOWN;
  const reference = DOCUMENT_REFERENCE.exec(value);
  if (reference !== null) {
    const document = context.dataSource("aws_iam_policy_document", reference[1]);
    return document === undefined ? UNKNOWN : fromDataSource(document.config, context);
  }
  const parsed = parseJsonWithTokens(value);
  if (parsed === UNKNOWN || parsed === null || typeof parsed !== "object") return UNKNOWN;
  const statements = (parsed as Record<string, unknown>).Statement;
  const entries = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  const result: PolicyStatement[] = [];
  for (const entry of entries) {
    if (entry === null || typeof entry !== "object") return UNKNOWN;
    const s = entry as Record<string, unknown>;
    result.push({
      effect: String(s.Effect ?? ""),
      actions: strings(s.Action),
      notActions: strings(s.NotAction),
      resources: strings(s.Resource),
      conditions: jsonConditions(s.Condition),
    });
  }
  return result;
}

function fromDataSource(config: Config, context: PolicyContext): readonly PolicyStatement[] | Unknown {
  const result: PolicyStatement[] = [];
  // Merged documents count as part of this one; an unreadable one makes the whole document unreadable.
  for (const key of ["source_policy_documents", "override_policy_documents"]) {
    const documents = list(config[key]);
    if (documents === UNKNOWN) return UNKNOWN;
    for (const document of documents) {
      const statements = readPolicyDocument(document, context);
      if (statements === UNKNOWN) return UNKNOWN;
      result.push(...statements);
    }
  }
  const statements = list(config.statement);
  if (statements === UNKNOWN) return UNKNOWN;
  for (const entry of statements) {
    const s = block(entry);
    if (s === undefined) return UNKNOWN;
    const conditions = list(s.condition);
    if (conditions === UNKNOWN) return UNKNOWN;
    result.push({
      effect: typeof s.effect === "string" ? s.effect : "Allow",
      actions: strings(s.actions),
      notActions: strings(s.not_actions),
      resources: strings(s.resources),
      conditions: conditions.map(block).filter((c): c is Config => c !== undefined).map((c) => ({
        test: String(c.test ?? ""),
        variable: String(c.variable ?? ""),
        values: strings(c.values),
      })),
    });
  }
  return result;
}

function jsonConditions(value: unknown): PolicyCondition[] {
  if (value === null || typeof value !== "object") return [];
  const result: PolicyCondition[] = [];
  for (const [test, keys] of Object.entries(value as Record<string, unknown>)) {
    if (keys === null || typeof keys !== "object") continue;
    for (const [variable, values] of Object.entries(keys as Record<string, unknown>)) {
      result.push({ test, variable, values: strings(values) });
    }
  }
  return result;
}

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => String(item));
}

/** True when the statements deny every request not made over TLS (`aws:SecureTransport` is `false`). */
export function deniesInsecureTransport(statements: readonly PolicyStatement[]): boolean {
  return statements.some(
    (s) =>
      s.effect === "Deny" &&
      s.conditions.some((c) => c.test === "Bool" && c.variable.toLowerCase() === "aws:securetransport" && c.values.includes("false")),
  );
}

/** True when a string is a literal `*` (a token is never `*`). */
export function isStar(value: string): boolean {
  return !isToken(value) && value.trim() === "*";
}
