import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMMITTED_ENVIRONMENTS, environmentFolders } from "../../scripts/lib/synth/synth";
import { buildApp } from "../../src/app";

/** What rewrites every generated file after an intended change, the snapshots included (scripts/refresh.ts). */
const REFRESH_COMMAND = "npm run refresh";

/** Drops cdktf's "//" metadata (construct paths, version): addresses and values are what reviewers read. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => k !== "//").map(([k, v]) => [k, withoutMetadata(v)]));
}

// Snapshots show every change to the synthesized Terraform in review; the behaviour itself is asserted elsewhere.
// Every environment folder is its own app; the stacks come from its files. The committed stacks' snapshots are named
// after the stack, an example's after its folder too (every folder has a whcsites-state).
for (const folder of environmentFolders()) {
  const title = folder.name === COMMITTED_ENVIRONMENTS ? "synthesized stacks (snapshots)" : `synthesized stacks of ${folder.name} (snapshots)`;
  describe(title, () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-snap-"));
    afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
    buildApp({ outdir, environmentsDir: folder.dir }).synth();

    test.each([...folder.stacks])("%s", (stack) => {
      const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
      // A snapshot mismatch does not throw (Jest records it and goes on), so the count of mismatches tells.
      const state = expect.getState().snapshotState as unknown as { unmatched: number };
      const before = state.unmatched;
      expect(withoutMetadata(json)).toMatchSnapshot();
      if (state.unmatched > before) {
        // Jest's own hint (`-u` through whichever script ran it) would accept every snapshot change of the whole run.
        throw new Error(
          `${stack}: the synthesized stack differs from its snapshot, or has none yet (Jest shows the diff next). If the change is intended, ` +
            `run \`${REFRESH_COMMAND}\`, review the .snap diff and commit it with the change; otherwise fix the code.`,
        );
      }
    });
  });
}
