import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** Runs `main.ts` as `npm run synth` does, into a temporary outdir. */
function synth(env: Record<string, string>): { status: number | null; stderr: string; outdir: string } {
  const outdir = env.CDKTF_OUTDIR;
  const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.cjs", "main.ts"], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  return { status: result.status, stderr: result.stderr, outdir };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe("npm run synth", () => {
  test("writes the state stack and one stack per environment", () => {
    // GIVEN the committed environment files WHEN synthesized
    const result = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-") });
    // THEN it exits 0 with the three stacks
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    // and says plainly that staging serves plain HTTP
    expect(result.stderr).toMatch(/WARNING whcsites-staging: .*plain HTTP/);
    expect(fs.readdirSync(path.join(result.outdir, "stacks")).sort()).toEqual(["whcsites-production", "whcsites-staging", "whcsites-state"]);
  });

  test("a broken environment file stops synthesis: exit 1, one line per problem, no stack left behind", () => {
    // GIVEN a good production file, a staging file with two mistakes, and stale output from an earlier run
    const environments = tempDir("whcsites-env-");
    fs.copyFileSync(path.join(ROOT, "environments", "production.json"), path.join(environments, "production.json"));
    const staging = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", "staging.json"), "utf8"));
    staging.service.memoryMiB = 8192;
    staging.replicas = 3;
    fs.writeFileSync(path.join(environments, "staging.json"), JSON.stringify(staging));
    const outdir = tempDir("whcsites-out-");
    fs.mkdirSync(path.join(outdir, "stacks", "whcsites-staging"), { recursive: true });
    fs.writeFileSync(path.join(outdir, "stacks", "whcsites-staging", "cdk.tf.json"), "{}");

    // WHEN synthesized
    const result = synth({ CDKTF_OUTDIR: outdir, WHCSITES_ENVIRONMENTS_DIR: environments });

    // THEN it fails with readable messages and no stack directory remains
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/staging\.json: replicas: is not a known setting/);
    expect(result.stderr).not.toMatch(/ at .*\.ts:\d+/); // no stack trace
    expect(fs.existsSync(path.join(outdir, "stacks"))).toBe(false);
  });

  test("malformed JSON stops synthesis with the file named", () => {
    const environments = tempDir("whcsites-env-");
    fs.writeFileSync(path.join(environments, "staging.json"), '{"tier": ');
    const result = synth({ CDKTF_OUTDIR: tempDir("whcsites-out-"), WHCSITES_ENVIRONMENTS_DIR: environments });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/staging\.json: \(file\): is not valid JSON/);
    expect(fs.existsSync(path.join(result.outdir, "stacks"))).toBe(false);
  });
});
