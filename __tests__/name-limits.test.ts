import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../src/app";
import { AWS_NAME_LIMITS } from "../src/domain/name-limits";

const ROOT = path.join(__dirname, "..");
/** The environment folders whose stacks are checked: the committed ones, the example, and the longest accepted names. */
const FOLDERS = [
  path.join(ROOT, "environments"),
  path.join(ROOT, "examples", "multi-service", "environments"),
  path.join(__dirname, "fixtures", "environments", "longest-names"),
];

interface Named {
  readonly stack: string;
  readonly address: string;
  readonly argument: string;
  readonly value: string;
  readonly limit: number;
}

/** Every name of a limited argument in one stack's JSON. */
function limitedNames(stack: string, json: { resource?: Record<string, Record<string, Record<string, unknown>>> }): Named[] {
  const names: Named[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      for (const [argument, value] of Object.entries(body)) {
        const limit = AWS_NAME_LIMITS[`${type}.${argument}`];
        if (limit !== undefined && typeof value === "string") names.push({ stack, address: `${type}.${name}`, argument, value, limit });
      }
    }
  }
  return names;
}

const tooLong = (names: readonly Named[]): string[] =>
  names.filter((n) => n.value.length > n.limit).map((n) => `${n.stack} ${n.address}.${n.argument} = ${n.value} (${n.value.length} > ${n.limit})`);

/** Every name of a limited argument in the synthesized stacks of `folder`. */
function namesOf(folder: string): Named[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-names-"));
  try {
    buildApp({ environmentsDir: folder, outdir }).synth();
    return fs.readdirSync(path.join(outdir, "stacks")).flatMap((stack) =>
      limitedNames(stack, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"))),
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe("every name fits AWS's limit (the longest accepted names are synthesized too)", () => {
  test.each(FOLDERS.map((f) => [path.relative(ROOT, f), f]))("%s", (_shown, folder) => {
    // GIVEN the stacks of the folder WHEN every limited name is measured (Terraform interpolations count as written)
    const names = namesOf(folder);
    // THEN there are names to check, and none is over its limit
    expect(names.length).toBeGreaterThan(20);
    expect(tooLong(names)).toEqual([]);
  });

  test("the longest-names fixture really uses the longest names validation accepts", () => {
    const [file] = fs.readdirSync(FOLDERS[2]);
    expect(path.basename(file, ".json")).toHaveLength(14);
    const services = Object.keys(JSON.parse(fs.readFileSync(path.join(FOLDERS[2], file), "utf8")).services);
    expect(Math.max(...services.map((s) => s.length))).toBe(20);
  });

  test("the check catches a name over its limit", () => {
    // GIVEN a stack JSON with a 33-character load balancer name and a 32-character one
    const json = { resource: { aws_lb: { long: { name: "x".repeat(33) }, fits: { name: "y".repeat(32) } } } };
    // WHEN measured THEN only the long one is reported
    expect(tooLong(limitedNames("s", json))).toEqual([`s aws_lb.long.name = ${"x".repeat(33)} (33 > 32)`]);
  });
});
