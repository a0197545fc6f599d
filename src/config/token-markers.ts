import { ConfigProblem } from "./errors";

/**
 * cdktf's markers of a value known only at apply (a token): `${TfToken[...]}` in a string, `#{TfToken[...]}` in a
 * list, `&{TfToken[...]}` in a map. A file string holding one would be decoded as a reference to whatever token has
 * that number (an environment value `${TfToken[TOKEN.1]}` became a remote-state reference), so no file value may
 * contain the common part.
 */
export const TOKEN_MARKER = "TfToken[";

/**
 * Whether cdktf would decode `value` as a number token: cdktf 0.21 encodes one as a double whose top 16 bits are
 * 0xfdff (a number) or 0xfbff (a list of numbers), all of them below -1e289 (cdktf lib/tokens/private/encoding.js).
 */
export function isNumberTokenMarker(value: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const top = view.getUint16(0);
  return top === 0xfdff || top === 0xfbff;
}

/**
 * Every string (key or value) of a parsed file that contains {@link TOKEN_MARKER}, and every number cdktf would take
 * for a token: one problem each, naming the field. Checked once, on the raw file, before anything reads a value.
 */
export function tokenMarkerProblems(raw: unknown, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const allowed = `allowed: text without "${TOKEN_MARKER}" (cdktf's marker of a value known only at apply, which would turn this one into a reference to another resource)`;
  const walk = (value: unknown, field: string): void => {
    const shown = field === "" ? "(top level)" : field;
    if (typeof value === "string") {
      if (value.includes(TOKEN_MARKER)) problems.push({ file, field: shown, message: `got ${JSON.stringify(value)}, which contains "${TOKEN_MARKER}"; ${allowed}` });
    } else if (typeof value === "number") {
      if (isNumberTokenMarker(value)) {
        problems.push({ file, field: shown, message: `got ${value}, a number cdktf reads as a placeholder for a value known only at apply; allowed: a number within the setting's range (environments/schema.json)` });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${field}[${i}]`));
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        const at = field === "" ? key : `${field}.${key}`;
        if (key.includes(TOKEN_MARKER)) problems.push({ file, field: at, message: `is a key that contains "${TOKEN_MARKER}"; ${allowed}` });
        else walk(item, at);
      }
    }
  };
  walk(raw, "");
  return problems;
}
