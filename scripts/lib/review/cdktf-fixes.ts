/**
 * The one place that touches cdktf internals: three gaps of cdktf 0.21's HCL rendering (`cdktf/lib/hcl/render.js`,
 * the renderer behind `stack.toHclTerraform()` and `cdktf synth --hcl`, and `cdktf/lib/terraform-stack.js`, which
 * calls it), filled while those files load, for the review copy only (`npm run review`; `npm run synth` never loads
 * this module).
 *
 * 1. `escapeQuotes` escapes no quote at all in a string that holds a `${...}` reference, and no backslash anywhere
 *    (hashicorp/terraform-cdk#3911, open; cdktf is archived). Every IAM policy, bucket policy and container definition
 *    of our stacks is such a string: the unfixed review copy of each stack failed to parse ("Invalid character").
 *    Replaced by {@link escapeHclTemplate}: the literal parts escaped, the `${...}` sequences kept.
 * 2. `renderList` writes an empty list of blocks as nothing. cdk.tf.json says `ingress = []` on the default security
 *    group and `route = []` on route tables (remove every rule); without it the review copy read as "not managed".
 *    An empty list of blocks is now written as `name = []`; anything else goes to cdktf's own function.
 * 3. `toHclTerraform` renders no `ephemeral` block (cdktf 0.21 predates them). The database passwords are ephemeral
 *    (`src/constructs/secrets/ephemeral-password.ts`): without them the review copy read as referring to nothing. Ephemeral
 *    blocks are now rendered as cdktf renders a resource, under the keyword `ephemeral`.
 *
 * Each fix renames cdktf's function or adds a branch in front of cdktf's own. The source text is matched exactly, so another
 * cdktf version fails here with a clear message instead of rendering wrong HCL. The round trip in
 * `__tests__/review` proves the result describes the same resources and values as cdk.tf.json.
 */
import * as path from "node:path";
import { addHook } from "pirates";
import { escapeHclTemplate } from "../stack/templates";

const RENDER_JS = path.join("cdktf", "lib", "hcl", "render.js");
const STACK_JS = path.join("cdktf", "lib", "terraform-stack.js");

/** One replacement: cdktf 0.21.0's exact text, and what it becomes (on the same line, so line numbers stay). */
interface Fix {
  readonly original: string;
  readonly replacement: string;
}

/** The replacements in render.js. */
const RENDER_FIXES: readonly Fix[] = [
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
];

/** The replacements in terraform-stack.js (inside `toHclTerraform`'s loop over each element's fragment). */
const STACK_FIXES: readonly Fix[] = [
  {
    original: "if (frag.moved) {",
    replacement: 'if (frag.ephemeral) { res = [res, __whcsitesFixes.renderEphemeral(frag.ephemeral)].join("\\n"); } if (frag.moved) {',
  },
];

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

/**
 * The HCL of an element's `ephemeral` fragment (`{ random_password: { name: attributes } }`, attributes described as
 * for a resource): cdktf's rendering of a resource, with the keyword `ephemeral`.
 */
export function renderEphemeral(fragment: Record<string, unknown>): string {
  // Loaded here, not at the top: this module must load before cdktf (see installCdktfHclFixes).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const render = require("cdktf/lib/hcl/render") as { renderResource(r: Record<string, unknown>): { hcl: string } };
  const { hcl } = render.renderResource(fragment);
  if (!hcl.startsWith('resource "')) throw new Error(`cdktf rendered an ephemeral block unexpectedly: ${hcl.split("\n")[0]}`);
  return `ephemeral${hcl.slice("resource".length)}`;
}

function applyFixes(code: string, file: string, fixes: readonly Fix[], issue: string): string {
  const missing = [STRICT, ...fixes.map((f) => f.original)].filter((text) => code.split(text).length !== 2);
  if (missing.length > 0) {
    throw new Error(
      `${file}: the review copy fixes cdktf 0.21.0's HCL rendering, but this file no longer holds exactly one "${missing.join('", "')}". ` +
        `cdktf changed: ${issue}, then update or drop scripts/lib/review/cdktf-fixes.ts.`,
    );
  }
  let fixed = code.replace(STRICT, `${STRICT} const __whcsitesFixes = require(${JSON.stringify(__filename)});`);
  for (const fix of fixes) fixed = fixed.replace(fix.original, fix.replacement);
  return fixed;
}

/** Applies the fixes of render.js to its source; throws when cdktf's text is not exactly the one fixed. */
export function fixRenderSource(code: string, file = RENDER_JS): string {
  return applyFixes(code, file, RENDER_FIXES, "check whether hashicorp/terraform-cdk#3911 is fixed");
}

/** Applies the fix of terraform-stack.js to its source; throws when cdktf's text is not exactly the one fixed. */
export function fixStackSource(code: string, file = STACK_JS): string {
  return applyFixes(code, file, STACK_FIXES, "check whether toHclTerraform renders ephemeral blocks");
}

let installed = false;

/**
 * Fixes cdktf's HCL renderer as it loads. Must run before anything loads cdktf: the renderer's functions call each
 * other directly, so they cannot be replaced once loaded.
 */
export function installCdktfHclFixes(): void {
  if (installed) return;
  const renderJs = require.resolve("cdktf/lib/hcl/render");
  const stackJs = require.resolve("cdktf/lib/terraform-stack");
  if (require.cache[renderJs] !== undefined || require.cache[stackJs] !== undefined) {
    throw new Error("scripts/lib/review/cdktf-fixes.ts must be loaded before cdktf: import it first.");
  }
  addHook((code, file) => (path.resolve(file) === renderJs ? fixRenderSource(code, file) : fixStackSource(code, file)), {
    exts: [".js"],
    ignoreNodeModules: false,
    matcher: (file) => path.resolve(file) === renderJs || path.resolve(file) === stackJs,
  });
  installed = true;
}
