import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { architectureDiagramPath, synthesize } from "../../src/synth";
import { environmentFolders } from "../../scripts/lib/synth/environment-folders";

const ROOT = path.join(__dirname, "..", "..");

describe("npm run synth's summary", () => {
  test.each(environmentFolders(ROOT).map((f) => [f.dir, f] as const))(
    "for %s: one line per stack with its resources, its diagram and its estimate; a stale review.tf is removed",
    (dir, folder) => {
      // GIVEN a review copy left in a stack folder by an earlier npm run review
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-summary-"));
      try {
        const stale = path.join(outdir, "stacks", "whcsites-state", "review.tf");
        fs.mkdirSync(path.dirname(stale), { recursive: true });
        fs.writeFileSync(stale, 'terraform { required_version = "< 0.0.0" }\n');

        // WHEN synthesized
        const lines: string[] = [];
        const code = synthesize({ outdir, environmentsDir: path.join(ROOT, dir), stdout: (l) => lines.push(l), stderr: () => undefined });

        // THEN one line per stack, with the count of resources of its cdk.tf.json and where its diagram and estimate are:
        // a diagram for each environment stack, none for the others (state, delivery)
        expect(code).toBe(0);
        const stacks = fs.readdirSync(path.join(outdir, "stacks")).sort();
        expect(stacks).toEqual(expect.arrayContaining([...folder.environmentStacks, "whcsites-state"]));
        expect(lines[0]).toBe(`Synthesized ${stacks.length} stacks to ${path.join(outdir, "stacks")} (HCL review copies: npm run review):`);
        const flag = dir === "environments" ? "" : ` --environments ${dir}`;
        for (const stack of stacks) {
          const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
          const count = Object.values<object>(json.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
          const file = architectureDiagramPath(path.join(ROOT, dir), stack) as string;
          const diagram = !folder.environmentStacks.includes(stack) ? "no diagram" : fs.existsSync(path.join(ROOT, file)) ? `diagram ${file}` : "diagram: npm run refresh";
          expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}${stack} +${count} resources +${diagram.replace(/\./g, "\\.")} +estimate: npm run cost --${flag} --stack ${stack}$`)));
        }
        expect(lines).toHaveLength(stacks.length + 1);
        // and Terraform will not find the review copy beside the new cdk.tf.json
        expect(fs.existsSync(stale)).toBe(false);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  test("diagrams of the repository's folders go under docs/architecture; a folder elsewhere has none", () => {
    expect(architectureDiagramPath(undefined, "whcsites-production")).toBe("docs/architecture/whcsites-production.md");
    expect(architectureDiagramPath("examples/multi-service/environments", "whcsites-demo")).toBe("docs/architecture/examples/multi-service/whcsites-demo.md");
    expect(architectureDiagramPath(os.tmpdir(), "whcsites-x")).toBeUndefined();
  });
});
