/**
 * The one place that touches cdktf internals: two defects of cdktf 0.21's HCL rendering (`cdktf/lib/hcl/render.js`,
 * the renderer behind `stack.toHclTerraform()` and `cdktf synth --hcl`), fixed while that file loads, for the review
 * copy only (`npm run review`; `npm run synth` never loads this module).
 *
 * 1. `escapeQuotes` escapes no quote at all in a string that holds a `${...}` reference, and no backslash anywhere
 *    (hashicorp/terraform-cdk#3911, open; cdktf is archived). Every IAM policy, bucket policy and container definition
 *    of our stacks is such a string: the unfixed review copy of each stack failed to parse ("Invalid character").
 *    Replaced by {@link escapeHclTemplate}: the literal parts escaped, the `${...}` sequences kept.
 * 2. `renderList` writes an empty list of blocks as nothing. cdk.tf.json says `ingress = []` on the default security
 *    group and `route = []` on route tables (remove every rule); without it the review copy read as "not managed".
 *    An empty list of blocks is now written as `name = []`; anything else goes to cdktf's own function.
 *
 * Each fix renames cdktf's function and puts ours in front of it. The source text is matched exactly, so another
 * cdktf version fails here with a clear message instead of rendering wrong HCL. The round trip in
 * `__tests__/review` proves the result describes the same resources and values as cdk.tf.json.
 */
import * as path from "node:path";
import { addHook } from "pirates";
import { escapeHclTemplate } from "./review-template";

const RENDER_JS = path.join("cdktf", "lib", "hcl", "render.js");

/** The replacements: cdktf 0.21.0's exact text, and what it becomes (on the same line, so line numbers stay). */
const FIXES = [
  {
    original: "function escapeQuotes(str) {",
    replacement: "function escapeQuotes(str) { return __whcsitesFixes.escapeString(str); } function escapeQuotesCdktf(str) {",
  },
  {
    original: "function renderList(v, name) {",
    replacement:
      "function renderList(v, name) { const fixed = __whcsitesFixes.emptyBlockList(v, name); return fixed !== undefined ? fixed : renderListCdktf(v, name); } " +
      "function renderListCdktf(v, name) {",
  },
] as const;

const STRICT = '"use strict";';

/** What cdktf's `escapeQuotes` returns, fixed: the body of a quoted HCL string with the same value. */
export function escapeString(value: string): string {
  return escapeHclTemplate(value);
}

/** cdktf's description of an attribute value, as `renderList` receives it. */
interface ListValue {
  readonly value?: unknown;
  readonly isBlock?: boolean;
  readonly is_block?: boolean;
}

/** `name = []` for an empty list of blocks; undefined for anything else (cdktf's own rendering). */
export function emptyBlockList(v: ListValue, name: string | undefined): string | undefined {
  const block = v.isBlock === true || v.is_block === true;
  if (!block || !Array.isArray(v.value) || v.value.length > 0) return undefined;
  return name !== undefined ? `${name} = []` : "[]";
}

/** Applies {@link FIXES} to the source of render.js; throws when cdktf's text is not exactly the one fixed. */
export function fixRenderSource(code: string, file = RENDER_JS): string {
  const missing = [STRICT, ...FIXES.map((f) => f.original)].filter((text) => code.split(text).length !== 2);
  if (missing.length > 0) {
    throw new Error(
      `${file}: the review copy fixes cdktf 0.21.0's HCL rendering, but this file no longer holds exactly one "${missing.join('", "')}". ` +
        "cdktf changed: check whether hashicorp/terraform-cdk#3911 is fixed, then update or drop scripts/lib/review-cdktf-fixes.ts.",
    );
  }
  let fixed = code.replace(STRICT, `${STRICT} const __whcsitesFixes = require(${JSON.stringify(__filename)});`);
  for (const fix of FIXES) fixed = fixed.replace(fix.original, fix.replacement);
  return fixed;
}

let installed = false;

/**
 * Fixes cdktf's HCL renderer as it loads. Must run before anything loads cdktf: the renderer's functions call each
 * other directly, so they cannot be replaced once loaded.
 */
export function installCdktfHclFixes(): void {
  if (installed) return;
  const renderJs = require.resolve("cdktf/lib/hcl/render");
  if (require.cache[renderJs] !== undefined) {
    throw new Error("scripts/lib/review-cdktf-fixes.ts must be loaded before cdktf: import it first.");
  }
  addHook((code, file) => fixRenderSource(code, file), {
    exts: [".js"],
    ignoreNodeModules: false,
    matcher: (file) => path.resolve(file) === renderJs,
  });
  installed = true;
}
