import * as fs from "fs";
import { createRequire } from "module";
import { parse } from "@cdktf/hcl2json";
import * as cdktfRender from "cdktf/lib/hcl/render";
import * as fixes from "../../scripts/lib/review/cdktf-fixes";
import { canonicalTemplate, escapeHclTemplate, templateParts } from "../../scripts/lib/stack/templates";

const RENDER_JS = require.resolve("cdktf/lib/hcl/render");

/** A copy of cdktf's render.js with the review copy's fixes applied, loaded apart from the one cdktf uses here. */
function fixedRender(): typeof cdktfRender {
  const code = fixes.fixRenderSource(fs.readFileSync(RENDER_JS, "utf8"));
  const nodeRequire = createRequire(RENDER_JS);
  const load = (id: string): unknown => (id.endsWith("/review/cdktf-fixes.ts") ? fixes : nodeRequire(id));
  const module = { exports: {} as typeof cdktfRender };
  new Function("exports", "require", "module", "__filename", code)(module.exports, load, module, RENDER_JS);
  return module.exports;
}

const policy = {
  value: '{"Statement":[{"Resource":"${aws_s3_bucket.logs.arn}/*","Condition":{"StringLike":{"aws:UserAgent":"a\\\\b \\"c\\""}}}]}',
  type: "simple",
  storageClassType: "string",
  isBlock: false,
};
const noRules = { value: [], type: "set", storageClassType: "objectList", isBlock: true };

describe("cdktf 0.21's HCL renderer (cdktf/lib/hcl/render.js)", () => {
  test("GIVEN a JSON document with a reference THEN cdktf as published writes HCL that does not parse (hashicorp/terraform-cdk#3911)", async () => {
    const hcl = cdktfRender.renderAttributes({ policy });
    await expect(parse("unfixed.tf", hcl)).rejects.toThrow(/Invalid character|Missing newline|Invalid expression/);
  });

  test("GIVEN the same document THEN the fixed renderer writes HCL that parses back to the same string", async () => {
    const hcl = fixedRender().renderAttributes({ policy });
    expect(await parse("fixed.tf", hcl)).toEqual({ policy: policy.value });
  });

  test("GIVEN an empty list of blocks (ingress = [] removes every rule) THEN cdktf writes nothing and the fixed renderer writes it", async () => {
    expect(cdktfRender.renderAttributes({ ingress: noRules }).trim()).toBe("");
    const hcl = fixedRender().renderAttributes({ ingress: noRules });
    expect(hcl).toBe("ingress = []");
    expect(await parse("fixed.tf", hcl)).toEqual({ ingress: [] });
  });

  test("GIVEN a render.js whose text changed (another cdktf) THEN the fix refuses with what to check", () => {
    const changed = fs.readFileSync(RENDER_JS, "utf8").replace("function escapeQuotes(str) {", "function escapeQuotes(text) {");
    expect(() => fixes.fixRenderSource(changed, "render.js")).toThrow(
      /^render\.js: .* no longer holds exactly one "function escapeQuotes\(str\) \{"\. cdktf changed: check whether hashicorp\/terraform-cdk#3911 is fixed/,
    );
  });
});

const STACK_JS = require.resolve("cdktf/lib/terraform-stack");

describe("cdktf 0.21's stack HCL (cdktf/lib/terraform-stack.js)", () => {
  test("GIVEN an ephemeral fragment THEN it renders as an ephemeral block that parses back to its arguments", async () => {
    const hcl = fixes.renderEphemeral({
      aws_secretsmanager_random_password: {
        secrets_database_password: {
          password_length: { value: 32, isBlock: false, type: "simple", storageClassType: "number" },
          exclude_characters: { value: "!$@", isBlock: false, type: "simple", storageClassType: "string" },
        },
      },
    });
    expect(hcl).toMatch(/^ephemeral "aws_secretsmanager_random_password" "secrets_database_password" \{/);
    expect(await parse("ephemeral.tf", hcl)).toEqual({
      ephemeral: { aws_secretsmanager_random_password: { secrets_database_password: [{ password_length: 32, exclude_characters: "!$@" }] } },
    });
  });

  test("GIVEN cdktf's terraform-stack.js THEN the fix adds the ephemeral branch once, before the moved blocks", () => {
    const fixed = fixes.fixStackSource(fs.readFileSync(STACK_JS, "utf8"));
    expect(fixed.split("__whcsitesFixes.renderEphemeral(frag.ephemeral)")).toHaveLength(2);
    expect(fixed.indexOf("renderEphemeral")).toBeLessThan(fixed.indexOf("if (frag.moved) {"));
  });

  test("GIVEN a terraform-stack.js whose text changed (another cdktf) THEN the fix refuses with what to check", () => {
    const changed = fs.readFileSync(STACK_JS, "utf8").replace("if (frag.moved) {", "if (frag.moved !== undefined) {");
    expect(() => fixes.fixStackSource(changed, "terraform-stack.js")).toThrow(
      /^terraform-stack\.js: .* no longer holds exactly one "if \(frag\.moved\) \{"\. cdktf changed: check whether toHclTerraform renders ephemeral blocks/,
    );
  });
});

describe("Terraform templates", () => {
  const tricky = [
    'plain "quoted" text',
    "a\\b\\\\c",
    "line one\nline two\ttab",
    '{"Resource":"${aws_s3_bucket.b.arn}/*"}',
    '${jsonencode({ "url" = "ecto://${random_password.p.result}@host" })}',
    "literal $${not_a_reference} and %%{ not a directive }",
    '%{ if var.on }on "x"%{ else }off%{ endif }',
  ];

  test.each(tricky)("GIVEN %j THEN the escaped HCL string parses back to the same template", async (template) => {
    const parsed = (await parse("t.tf", `x = "${escapeHclTemplate(template)}"`)) as { x: string };
    // (hcl2json writes %{...} directives without their inner spaces)
    expect(canonicalTemplate(parsed.x)).toBe(canonicalTemplate(template));
  });

  test("splits literal text from ${...} sequences, quoted braces included", () => {
    expect(templateParts('a ${f("}", x)} b')).toEqual([
      { kind: "literal", text: "a " },
      { kind: "sequence", text: '${f("}", x)}' },
      { kind: "literal", text: " b" },
    ]);
  });

  test("compares expressions without their spacing, but not the text of their strings", () => {
    expect(canonicalTemplate("${{ for k, v in x: v }}")).toBe(canonicalTemplate("${{for k, v in x : v}}"));
    expect(canonicalTemplate('${f("a b")}')).not.toBe(canonicalTemplate('${f("ab")}'));
    expect(canonicalTemplate("a b ${x}")).not.toBe(canonicalTemplate("ab ${x}"));
  });
});
