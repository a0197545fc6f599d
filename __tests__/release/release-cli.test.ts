import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, ReleaseExitCode } from "../../src/operator/release-cli";

const ROOT = path.resolve(__dirname, "..", "..");
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const R142 = `ghcr.io/whc-example/whcsites:1.4.2@${digest("1")}`;
const R150 = `ghcr.io/whc-example/whcsites:1.5.0@${digest("5")}`;

/** A throwaway repository holding the committed staging file, with a git identity of its own. */
function repository(): { dir: string; git: (...args: string[]) => string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-release-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" } });
  git("init", "-q", "-b", "main");
  fs.mkdirSync(path.join(dir, "environments"));
  const file = path.join(dir, "environments", "staging.json");
  fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, "environments", "staging.json"), "utf8").replace(/"image": "[^"]+"/, `"image": "${R142}"`));
  git("add", ".");
  git("commit", "-q", "-m", "staging on 1.4.2");
  return { dir, git, file };
}

async function release(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "release", ...args], { root: dir, writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

describe("npm run release: releases are commits of the environment file", () => {
  let repo: ReturnType<typeof repository>;
  let releaseCommit: string;
  beforeAll(async () => {
    // GIVEN staging on 1.4.2 (schema 20251104093000), then a release of 1.5.0, then an infrastructure change
    repo = repository();
    const recorded = await release(repo.dir, "record", "--environment", "staging", "--image", R150, "--schema-version", "20251201120000");
    expect(recorded).toMatchObject({ code: 0, err: "" });
    repo.git("commit", "-q", "-am", "Release 1.5.0 to staging");
    releaseCommit = repo.git("rev-parse", "HEAD").trim();
    fs.writeFileSync(repo.file, fs.readFileSync(repo.file, "utf8").replace('"cpu": 256', '"cpu": 512'));
    repo.git("commit", "-q", "-am", "staging: more CPU");
  });
  afterAll(() => fs.rmSync(repo.dir, { recursive: true, force: true }));

  test("WHEN a release is recorded THEN only the image and the schema version lines change, the rest keeps its formatting", () => {
    const diff = repo.git("show", releaseCommit, "--format=", "-U0").split("\n").filter((l) => /^[-+] /.test(l));
    expect(diff).toEqual([
      `-  "image": "${R142}",`,
      `+  "image": "${R150}",`,
      '-    "schemaVersion": "20251104093000"',
      '+    "schemaVersion": "20251201120000"',
    ]);
  });

  test("WHEN listed THEN each release appears once, newest first, with tag, digest, date and commit; the infrastructure change is none", async () => {
    const { code, out } = await release(repo.dir, "list", "--environment", "staging");
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\* 1\\.5\\.0 +${digest("5")} +\\d{4}-\\d\\d-\\d\\dT\\S+ +${releaseCommit.slice(0, 12)} +schema 20251201120000$`));
    expect(lines[1]).toMatch(new RegExp(`^  1\\.4\\.2 +${digest("1")} `));
  });

  test("WHEN rolled back to an older schema without saying why THEN it is refused, naming both versions, and the file is untouched", async () => {
    const before = fs.readFileSync(repo.file, "utf8");
    const { code, err } = await release(repo.dir, "rollback", "--environment", "staging", "--to", "previous");
    expect(code).toBe(ReleaseExitCode.Refused);
    expect(err).toMatch(/^release: --to previous: ghcr\.io\/whc-example\/whcsites:1\.4\.2@sha256:1+ knows migrations up to 20251104093000, the current release up to 20251201120000: .* --accept-newer-schema/);
    expect(fs.readFileSync(repo.file, "utf8")).toBe(before);
  });

  test("WHEN rolled back with the reason THEN the file names the earlier release and the reason, keeps the later change, and the command prints the revert commit without committing", async () => {
    const head = repo.git("rev-parse", "HEAD");
    const { code, out } = await release(repo.dir, "rollback", "--environment", "staging", "--to", "1.4.2", "--accept-newer-schema", "1.5.0 only added a nullable column");
    expect(code).toBe(0);
    const file = JSON.parse(fs.readFileSync(repo.file, "utf8"));
    expect(file.image).toBe(R142);
    expect(file.release).toEqual({ schemaVersion: "20251104093000", acceptNewerSchema: "1.5.0 only added a nullable column" });
    expect(file.services.api.cpu).toBe(512);
    expect(out).toContain(`This reverts commit ${releaseCommit}.`);
    expect(repo.git("rev-parse", "HEAD")).toBe(head);
    // AND the next release drops the acknowledgement
    expect((await release(repo.dir, "record", "--environment", "staging", "--image", R150, "--schema-version", "20251201120000")).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(repo.file, "utf8")).release).toEqual({ schemaVersion: "20251201120000" });
    repo.git("checkout", "--", ".");
  });

  test("WHEN asked for a release that is not in the history, or recorded without a digest THEN it says what there is or what is allowed", async () => {
    expect((await release(repo.dir, "rollback", "--environment", "staging", "--to", "9.9.9")).err).toMatch(/--to got "9\.9\.9", which is no release in the file's history; allowed: previous, or a tag, digest or commit of: 1\.5\.0 /);
    const tagOnly = await release(repo.dir, "record", "--environment", "staging", "--image", "ghcr.io/whc-example/whcsites:1.6.0");
    expect(tagOnly.code).toBe(ReleaseExitCode.Usage);
    expect(tagOnly.err).toMatch(/a release is recorded by digest: <repository>:<tag>@sha256:<64 hex digits>/);
  });
});

describe("npm run release -- resolve: a tag to its digest, once", () => {
  const run = (image: unknown) => async (_file: string, args: readonly string[]) =>
    args.includes("{{json .Manifest}}") ? JSON.stringify({ mediaType: "application/vnd.oci.image.index.v1+json", digest: digest("a") }) : JSON.stringify(image);
  const labels = (version: string) => ({ config: { Labels: { "whcsites.schema-version": version } } });

  test("GIVEN a multi-platform index whose platforms carry the schema label THEN it prints the pinned image, the digest and the version", async () => {
    let out = "";
    const code = await main(["node", "release", "resolve", "--environment", "staging", "--tag", "1.5.0"], {
      root: ROOT,
      run: run({ "linux/amd64": labels("20251201120000"), "linux/arm64": labels("20251201120000") }),
      writeOut: (s) => (out += s),
    });
    expect(code).toBe(0);
    expect(out).toBe(`image=ghcr.io/whc-example/whcsites:1.5.0@${digest("a")}\ndigest=${digest("a")}\ntag=1.5.0\nschema_version=20251201120000\n`);
  });

  test("GIVEN platforms that disagree on the label THEN it refuses", async () => {
    let err = "";
    const code = await main(["node", "release", "resolve", "--environment", "staging", "--tag", "1.5.0"], {
      root: ROOT,
      run: run({ "linux/amd64": labels("1"), "linux/arm64": labels("2") }),
      writeErr: (s) => (err += s),
    });
    expect(code).toBe(ReleaseExitCode.Refused);
    expect(err).toBe("release: ghcr.io/whc-example/whcsites:1.5.0: its platforms disagree on the whcsites.schema-version label (1, 2)\n");
  });
});
