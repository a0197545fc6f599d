/**
 * Terraform string templates (`"arn:${aws_s3_bucket.state.arn}/*"`), as cdk.tf.json holds them: literal text with
 * `${ ... }` and `%{ ... }` sequences whose content is an HCL expression. The review copy needs to know which part is
 * which twice: to escape the literal parts when cdktf writes a string as HCL (scripts/lib/review/cdktf-fixes.ts), and to compare
 * expressions that the HCL formatter re-spaced (scripts/lib/review/compare.ts).
 */

/** One part of a template: literal text, or a whole `${...}` / `%{...}` sequence with its delimiters. */
export interface TemplatePart {
  readonly kind: "literal" | "sequence";
  readonly text: string;
}

/**
 * Where the sequence that opens at `start` (at its `$` or `%`) ends: the index after its closing brace. Quoted
 * strings inside it may hold braces and templates of their own; both are skipped. Returns the length of `text` when
 * the sequence never closes (Terraform would refuse it; the caller keeps the text as it is).
 */
function sequenceEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '"') {
      i = quotedEnd(text, i) - 1;
    }
  }
  return text.length;
}

/** The index after the closing quote of the quoted string that opens at `start`, nested templates included. */
function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === '"') return i + 1;
    else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      if (text[i - 1] === c) continue; // `$${` is an escaped, literal `${`
      i = sequenceEnd(text, i) - 1;
    }
  }
  return text.length;
}

/** Splits a template into its literal parts and its `${...}` / `%{...}` sequences, in order. */
export function templateParts(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === "$" || c === "%") && template[i + 1] === c && template[i + 2] === "{") {
      literal += `${c}${c}{`; // the template escape for a literal `${` or `%{`
      i += 2;
    } else if ((c === "$" || c === "%") && template[i + 1] === "{") {
      if (literal !== "") parts.push({ kind: "literal", text: literal });
      literal = "";
      const end = sequenceEnd(template, i);
      parts.push({ kind: "sequence", text: template.slice(i, end) });
      i = end - 1;
    } else {
      literal += c;
    }
  }
  if (literal !== "") parts.push({ kind: "literal", text: literal });
  return parts;
}

/**
 * The body of an HCL quoted string (without its quotes) that means the same template: backslashes, quotes and
 * control characters of the literal parts escaped, `${...}` and `%{...}` sequences kept as they are (their content is
 * an expression, already in HCL syntax).
 */
export function escapeHclTemplate(template: string): string {
  return templateParts(template)
    .map((part) => (part.kind === "sequence" ? part.text : escapeLiteral(part.text)))
    .join("");
}

const LITERAL_ESCAPES: Readonly<Record<string, string>> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeLiteral(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\"\n\r\t\u0000-\u001f]/g, (c) => LITERAL_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The template with the whitespace inside its sequences removed, except inside quoted strings there: two templates
 * that differ only in how their expressions are spaced (`{ for k, v in x: v }` and `{for k, v in x : v}`) compare
 * equal, while a changed literal, name or string value still differs.
 */
export function canonicalTemplate(template: string): string {
  return templateParts(template)
    .map((part) => (part.kind === "literal" ? part.text : unspaced(part.text)))
    .join("");
}

function unspaced(sequence: string): string {
  let out = "";
  for (let i = 0; i < sequence.length; i++) {
    const c = sequence[i];
    if (c === '"') {
      const end = quotedEnd(sequence, i);
      out += `"${canonicalTemplate(sequence.slice(i + 1, end - 1))}"`;
      i = end - 1;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}
