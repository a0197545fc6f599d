import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALLOWED_WARNINGS, allowedBy, unexpectedWarnings } from "../../scripts/lib/allowed-warnings";
import { readCommittedAddresses } from "../../scripts/lib/addresses";
import { checkStacks, findStackDirs, type StackResult } from "../../scripts/lib/check-stacks";
import { checkContainerDefinitions, checkStackContainerDefinitions } from "../../scripts/lib/container-definitions";
import { type StackJson } from "../../scripts/lib/stack-json";
import { synthesizeApp } from "../../scripts/lib/synth";
import { findTerraform, formatDiagnostic, isCi } from "../../scripts/lib/terraform-cli";

const STACKS = ["whcsites-production", "whcsites-staging", "whcsites-state"];
const ENVIRONMENT_STACKS = ["whcsites-production", "whcsites-staging"];

// Real Terraform, never mocked. Without it a developer machine skips loudly; CI fails (checkStacks throws).
const terraformHere = findTerraform() !== undefined;
if (!terraformHere && !isCi()) console.warn("SKIPPED: terraform is not on PATH, so the plan-level tests of the app did not run.");
const describeWithTerraform = terraformHere || isCi() ? describe : describe.skip;

let outDir: string;
let synthesized: Map<string, StackJson>;

beforeAll(async () => {
  // A fresh synth every run (npm test works on a clean clone), outside cdktf.out.
  outDir = (await synthesizeApp(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-plan-")), "out"))).outDir;
  synthesized = new Map(
    [...findStackDirs(outDir)].map(([stack, dir]) => [stack, JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson]),
  );
}, 120_000);

afterAll(() => {
  if (outDir !== undefined) fs.rmSync(path.dirname(outDir), { recursive: true, force: true });
});

describe("ECS container definitions in the synthesized JSON", () => {
  test("every environment stack has task definitions, and each container definition has the ECS ContainerDefinition shape", () => {
    const problems: string[] = [];
    for (const stack of ENVIRONMENT_STACKS) {
      const checks = checkStackContainerDefinitions(synthesized.get(stack) as StackJson);
      // A stack without task definitions would make the shape check pass vacuously.
      if (checks.length === 0) problems.push(`${stack}: no aws_ecs_task_definition in the synthesized stack`);
      for (const check of checks) problems.push(...check.problems.map((p) => `${stack}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  test("the shape check catches a misspelt key, a wrong type, a missing image and unparseable JSON", () => {
    const good = { name: "api", image: "ghcr.io/x/y:${var.image_tag}", essential: true, portMappings: [{ containerPort: 4000, protocol: "tcp" }] };
    expect(checkContainerDefinitions("t", JSON.stringify([good])).problems).toEqual([]);

    const bad = [{ name: "api", portMapping: [], memory: "512", logConfiguration: { logDriver: "cloudwatch" }, secrets: [{ name: "X" }] }];
    expect(checkContainerDefinitions("t", JSON.stringify(bad)).problems).toEqual([
      't[0]: required key "image" is missing',
      expect.stringMatching(/^t\[0\]\.portMapping: unknown key/),
      't[0].memory: expected number, got "512"',
      expect.stringMatching(/^t\[0\]\.logConfiguration\.logDriver: expected one of .*awslogs.*, got "cloudwatch"/),
      't[0].secrets[0]: required key "valueFrom" is missing',
    ]);
    expect(checkContainerDefinitions("t", "${jsonencode([])}").problems).toEqual([expect.stringMatching(/not valid JSON/)]);
  });
});

describeWithTerraform("every stack of the app with real Terraform (offline init, validate, plan)", () => {
  let results: StackResult[];

  beforeAll(async () => {
    // Reuse only a result whose working copy, terraform version and CLI config are byte-for-byte the same.
    results = await checkStacks({ outDir, reuse: true, log: (m) => console.log(m) });
  }, 300_000);

  function result(stack: string): StackResult {
    return results.find((r) => r.stack === stack) as StackResult;
  }

  test("the app synthesizes exactly the expected stacks", () => {
    expect(results.map((r) => r.stack).sort()).toEqual(STACKS);
  });

  test.each(STACKS)("%s plans with 0 errors", (stack) => {
    expect(result(stack).errors).toEqual([]);
    expect(result(stack).ok).toBe(true);
    expect(fs.existsSync(result(stack).planJsonPath as string)).toBe(true);
  });

  test.each(STACKS)("%s plans exactly the resources of addresses/<stack>.json", (stack) => {
    const committed = readCommittedAddresses(stack);
    expect(committed).toBeDefined();
    expect(result(stack).plannedAddresses).toEqual(committed);
    expect(result(stack).plannedAddresses).toHaveLength((committed as string[]).length);
    expect(result(stack).resourceCount).toBeGreaterThanOrEqual((committed as string[]).length);
  });

  test.each(STACKS)("%s has no warning outside the documented allow-list", (stack) => {
    expect(unexpectedWarnings(result(stack).warnings).map(formatDiagnostic)).toEqual([]);
  });

  test("every allow-list entry says why", () => {
    for (const entry of ALLOWED_WARNINGS) expect(entry.reason.length).toBeGreaterThan(40);
    expect(allowedBy({ severity: "warning", summary: "Deprecated Parameter", detail: 'The parameter "dynamodb_table" is deprecated.' })).toBeDefined();
    expect(allowedBy({ severity: "warning", summary: "Argument is deprecated", detail: "something else" })).toBeUndefined();
  });

  test("random_* resources are swapped only when hashicorp/random cannot be installed, and the plan still carries them", () => {
    for (const stack of ENVIRONMENT_STACKS) {
      const r = result(stack);
      const randoms = Object.keys((synthesized.get(stack) as StackJson).resource ?? {}).filter((t) => t.startsWith("random_"));
      if (r.swappedRandom.length > 0) {
        expect(r.swappedRandom.every((s) => s.to.startsWith("terraform_data."))).toBe(true);
        expect(randoms.length).toBeGreaterThan(0);
      }
      // Either way, the synthesized random addresses are planned (through their stand-ins when swapped).
      for (const type of randoms) expect(r.plannedAddresses.some((a) => a.startsWith(`${type}.`))).toBe(true);
    }
  });
});
