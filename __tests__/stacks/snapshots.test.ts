import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../../src/app";

/** Drops cdktf's "//" metadata (construct paths, version): addresses and values are what reviewers read. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => k !== "//").map(([k, v]) => [k, withoutMetadata(v)]));
}

// Snapshots show every change to the synthesized Terraform in review; the behaviour itself is asserted elsewhere.
describe("synthesized stacks (snapshots)", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-snap-"));
  buildApp({ outdir }).synth();

  test.each(["whcsites-state", "whcsites-staging", "whcsites-production"])("%s", (stack) => {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    expect(withoutMetadata(json)).toMatchSnapshot();
  });
});
