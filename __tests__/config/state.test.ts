import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";

const ROOT = path.join(__dirname, "..", "..");

// Every temporary folder goes when the file is done (the run fails on leftovers: __tests__/global/temp-dir.ts).
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Writes `content` as state.json next to a copy of the schema, and returns the file. */
function writeState(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-state-"));
  tempDirs.push(dir);
  fs.copyFileSync(path.join(ROOT, "state.schema.json"), path.join(dir, "state.schema.json"));
  fs.writeFileSync(path.join(dir, "state.json"), typeof content === "string" ? content : JSON.stringify(content));
  return path.join(dir, "state.json");
}

describe("state.json", () => {
  test("the committed file loads, with derived names", () => {
    expect(loadStateConfig(path.join(ROOT, "state.json"))).toMatchObject({
      accountId: "123456789012",
      region: "eu-west-1",
      bucketName: "whcsites-tfstate-123456789012-eu-west-1",
      lockTableName: "whcsites-tfstate-lock",
      noncurrentVersionRetentionDays: 90,
    });
  });

  test.each([
    ["an unknown key", { accountId: "123456789012", region: "eu-west-1", bucket: "x" }, /state\.json: bucket: is not a known setting; allowed keys here: accountId, region, bucketName/],
    ["an account id that is not 12 digits", { accountId: "1234", region: "eu-west-1" }, /state\.json: accountId: got "1234"; allowed: a 12-digit AWS account id/],
    ["a missing region", { accountId: "123456789012" }, /state\.json: region: is required/],
    ["a bad bucket name", { accountId: "123456789012", region: "eu-west-1", bucketName: "Not_A_Bucket" }, /bucketName: got "Not_A_Bucket"; allowed: an S3 bucket name/],
    ["malformed JSON", "{", /state\.json: \(file\): is not valid JSON/],
  ])("%s is a clear error naming the field, the value and what is allowed", (_name, content, expected) => {
    let error: unknown;
    try {
      loadStateConfig(writeState(content));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(expected);
  });

  test("a missing state.json is an error saying it cannot be read", () => {
    expect(() => loadStateConfig(path.join(os.tmpdir(), "no-such-dir", "state.json"))).toThrow(/state\.json: \(file\): cannot be read: ENOENT/);
  });
});
