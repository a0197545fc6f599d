// Parses workflow and action files with GitHub's own parser (@actions/workflow-parser), in a process of its own: the
// package is ESM-only and imports its JSON schema without an import attribute, which Node's loader refuses, so a
// load hook hands the schema over. Reads [{ name, content, kind: "workflow" | "action" }] as JSON on stdin, writes
// [{ name, errors, tree }] as JSON: `tree` is the parsed token tree (null when the file did not parse).
import { register } from "node:module";
import process from "node:process";

register(
  "data:text/javascript," +
    encodeURIComponent(`
      export async function load(url, context, nextLoad) {
        if (url.startsWith("file:") && url.endsWith(".json") && url.includes("/@actions/workflow-parser/")) {
          return { ...(await nextLoad(url, { ...context, importAttributes: { type: "json" } })), shortCircuit: true };
        }
        return nextLoad(url, context);
      }`),
);

const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");
const { parseAction } = await import("@actions/workflow-parser/actions/action-parser");

let input = "";
for await (const chunk of process.stdin) input += chunk;

const results = [];
for (const file of JSON.parse(input)) {
  const trace = new NoOperationTraceWriter();
  const parsed = file.kind === "action" ? parseAction({ name: file.name, content: file.content }, trace) : parseWorkflow({ name: file.name, content: file.content }, trace);
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (file.kind !== "action" && parsed.value !== undefined && errors.length === 0) {
    // The model conversion checks what the schema cannot: job references, expressions in context.
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  results.push({ name: file.name, errors, tree: parsed.value === undefined ? null : JSON.parse(JSON.stringify(parsed.value)) });
}
process.stdout.write(JSON.stringify(results));
