/**
 * The review copy of a stack (`review.tf`, `npm run review`): the stack as HCL, rendered by cdktf itself
 * (`TerraformStack.toHclTerraform()`, then `@cdktf/hcl-tools`' formatter, as `cdktf synth --hcl` does), with a
 * separator comment before the blocks of each top-level construct, in construct order.
 *
 * cdktf renders the elements in construct order, each starting on a line of its own; this module only finds where
 * each construct's first block starts and puts the separator there. It prints no HCL of its own.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { format } from "@cdktf/hcl-tools";
import {
  TerraformDataSource,
  TerraformElement,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
} from "cdktf";
import type { IConstruct } from "constructs";
import { EphemeralPassword } from "../../../src/constructs/secrets";

/** Name of the review copy in each stack's folder, beside cdk.tf.json. */
export const REVIEW_FILE = "review.tf";

/**
 * The version constraint of the one block the review copy adds to what cdktf renders: no Terraform meets it, so
 * Terraform refuses to init or plan review.tf ("Unsupported Terraform Core version"), should it ever be run on it.
 */
export const REVIEW_GUARD_VERSION = "< 0.0.0";

const GUARD_BLOCK = [
  "# ── guard (scripts/lib/review/review-copy.ts) ──",
  "# Not part of the stack: no Terraform version meets this, so Terraform refuses to use this file.",
  "terraform {",
  `  required_version = "${REVIEW_GUARD_VERSION}"`,
  "}",
  "",
].join("\n");

/** One separator of a review copy. */
export interface ReviewSection {
  /** The construct id (`network`), or what the stack declares itself (`providers and variables`, `outputs`). */
  readonly label: string;
  /** Source file of the construct's class, relative to the repository (`src/constructs/network.ts`). */
  readonly file: string;
  /** The separator line as written. */
  readonly comment: string;
}

/** A rendered review copy. */
export interface ReviewCopy {
  readonly text: string;
  readonly sections: readonly ReviewSection[];
}

/** Class name -> file that declares it (relative to `root`), for every class in the TypeScript files under `dirs`. */
export function classFiles(root: string, dirs: readonly string[] = ["src"]): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        for (const match of fs.readFileSync(full, "utf8").matchAll(/^(?:export\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/gm)) {
          if (!files.has(match[1])) files.set(match[1], path.relative(root, full).split(path.sep).join("/"));
        }
      }
    }
  };
  for (const dir of dirs) visit(path.join(root, dir));
  return files;
}

/** The elements of a stack in the order cdktf renders them: construct order, nested stacks left out. */
function elementsOf(scope: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(scope)) into.push(scope);
  for (const child of scope.node.children) {
    if (!TerraformStack.isStack(child)) elementsOf(child, into);
  }
  return into;
}

/** The first line cdktf writes for an element's block, or undefined for what has no block of its own (a backend). */
function blockHeader(element: TerraformElement): { header: string; kind: string } | undefined {
  const name = element.friendlyUniqueId;
  if (element instanceof EphemeralPassword) return { header: `ephemeral "${EphemeralPassword.TYPE}" "${name}" {`, kind: "ephemeral resources" };
  if (element instanceof TerraformDataSource) return { header: `data "${element.terraformResourceType}" "${name}" {`, kind: "data sources" };
  if (element instanceof TerraformResource) return { header: `resource "${element.terraformResourceType}" "${name}" {`, kind: "resources" };
  if (element instanceof TerraformProvider) return { header: `provider "${element.terraformResourceType}" {`, kind: "providers" };
  if (element instanceof TerraformVariable) return { header: `variable "${name}" {`, kind: "variables" };
  if (element instanceof TerraformOutput) return { header: `output "${name}" {`, kind: "outputs" };
  return undefined;
}

/** Blocks that a stack declares itself and that are grouped by run rather than one separator each. */
const STACK_RUN_KINDS = new Set(["providers", "variables", "outputs"]);

type AttributeSynthesis = () => Record<string, unknown>;
interface Synthesizing {
  synthesizeAttributes: AttributeSynthesis;
  synthesizeHclAttributes: AttributeSynthesis;
}

/**
 * Runs `render` with every resource able to render as HCL. cdktf renders a resource's HCL from its
 * `synthesizeHclAttributes()`; a class of ours that only implements `synthesizeAttributes()` (the deploy gate's
 * `terraform_data`) would render with no attributes at all. Such a resource renders its JSON attributes instead, as
 * cdktf's own `terraform_data` class does (its HCL attributes are its plain values).
 */
function withHclAttributes<T>(stack: TerraformStack, render: () => T): T {
  const base = TerraformResource.prototype as unknown as Synthesizing;
  const patched = elementsOf(stack).filter((e): e is TerraformResource => {
    const r = e as unknown as Synthesizing;
    return e instanceof TerraformResource && r.synthesizeHclAttributes === base.synthesizeHclAttributes && r.synthesizeAttributes !== base.synthesizeAttributes;
  });
  for (const resource of patched) {
    const r = resource as unknown as Synthesizing;
    r.synthesizeHclAttributes = () => r.synthesizeAttributes();
  }
  try {
    return render();
  } finally {
    for (const resource of patched) delete (resource as unknown as Partial<Synthesizing>).synthesizeHclAttributes;
  }
}

const englishList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

interface Group {
  readonly key: IConstruct;
  readonly label: string;
  readonly file: string;
  /** Offset in the unformatted HCL where the group's first block starts. */
  readonly at: number;
}

/**
 * Renders `stack` as its review copy. Call it after the app's synthesis (cdktf's aspects have run then, as for
 * cdk.tf.json). `files` maps class names to source files ({@link classFiles}).
 */
export async function renderReviewCopy(stack: TerraformStack, files: ReadonlyMap<string, string>): Promise<ReviewCopy> {
  const hcl = withHclAttributes(stack, () => stack.toHclTerraform().hcl);
  const stackFile = files.get(stack.constructor.name) ?? "(the stack)";

  // Each element's block, found in order from where the previous one was found, and the construct it belongs to:
  // the top-level construct, or a construct of ours one level further down (each service of the cluster, the access
  // log bucket of the load balancer), so that a reviewer sees which source file each block comes from. Providers,
  // variables and outputs that the stack declares itself are grouped by run.
  const groups: Group[] = [];
  const seen = new Set<IConstruct>();
  let cursor = 0;
  let runKinds: string[] = [];
  for (const element of elementsOf(stack)) {
    const block = blockHeader(element);
    if (block === undefined) continue;
    const at = hcl.indexOf(`\n${block.header}`, cursor);
    if (at < 0) continue; // a resource moved away (`moveTo`) renders only its moved block
    cursor = at + 1;
    const scopes = element.node.scopes;
    const [top, second] = scopes.slice(scopes.indexOf(stack) + 1);
    const previous = groups[groups.length - 1];
    if (top === element && STACK_RUN_KINDS.has(block.kind)) {
      if (previous?.key === stack) {
        if (!runKinds.includes(block.kind)) runKinds.push(block.kind);
        groups[groups.length - 1] = { ...previous, label: englishList(runKinds) };
        continue;
      }
      runKinds = [block.kind];
      groups.push({ key: stack, label: block.kind, file: stackFile, at: at + 1 });
      continue;
    }
    const nested = second !== undefined && second !== element && files.has(second.constructor.name);
    const key = nested ? second : top;
    if (previous?.key === key) continue;
    const label = nested ? `${top.node.id}/${second.node.id}` : top.node.id;
    groups.push({ key, label: seen.has(key) ? `${label}, continued` : label, file: files.get(key.constructor.name) ?? stackFile, at: at + 1 });
    seen.add(key);
  }

  const sections = groups.map((g) => ({ label: g.label, file: g.file, comment: `# ── ${g.label} (${g.file}) ──` }));
  let sectioned = "";
  let from = 0;
  groups.forEach((group, i) => {
    sectioned += `${hcl.slice(from, group.at)}\n${sections[i].comment}\n`;
    from = group.at;
  });
  sectioned += hcl.slice(from);

  const header = [
    `# Review copy of the stack ${stack.node.id}: the same resources and values as cdk.tf.json beside it, rendered as HCL`,
    "# by cdktf (npm run review) and grouped by the construct that creates them, in construct order.",
    "# Terraform applies cdk.tf.json, never this file. Terraform would read it too if it stayed in this folder, so",
    "# npm run synth (and cdktf synth/deploy) removes it.",
    "",
  ].join("\n");
  return { text: await format(`${header}\n${sectioned.trimStart()}\n\n${GUARD_BLOCK}`), sections };
}
