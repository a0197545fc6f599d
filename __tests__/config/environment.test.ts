import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadEnvironment, loadEnvironments } from "../../src/config/environment";
import { BAD_ENVIRONMENTS } from "../fixtures/bad-environments";

const ENVIRONMENTS = path.join(__dirname, "..", "..", "environments");
const read = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(ENVIRONMENTS, `${name}.json`), "utf8"));

/** Writes `content` as environments/<name>.json in a fresh folder and returns the file path. */
function writeEnvironment(content: unknown, name = "staging"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-env-"));
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

/** Loads a changed copy of an example environment and returns the error's problems. */
function problemsOf(base: "staging" | "production", change: (env: Record<string, any>) => void): string {
  const env = read(base);
  change(env);
  const file = writeEnvironment(env, base);
  try {
    loadEnvironment(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("environment files", () => {
  test("the committed environments load and get their tier defaults", () => {
    // GIVEN the committed files WHEN loaded
    const [production, staging] = loadEnvironments(ENVIRONMENTS);
    // THEN production is safe by default and staging is cheap by default
    expect(production.name).toBe("production");
    expect(production).toMatchObject({
      production: true,
      network: { natGateways: "one-per-az", flowLogs: true },
      loadBalancer: { accessLogs: true, deletionProtection: true },
      database: { multiAz: true, deletionProtection: true, backupRetentionDays: 14 },
      service: { enableExecuteCommand: false, fargateSpot: false },
      secrets: { recoveryWindowDays: 30 },
    });
    expect(staging).toMatchObject({
      name: "staging",
      production: false,
      domain: undefined,
      network: { natGateways: "single" },
      database: { multiAz: false, deletionProtection: false, backupRetentionDays: 7 },
      service: { enableExecuteCommand: true },
      secrets: { recoveryWindowDays: 7 },
      migrations: { command: ["/app/bin/migrate"], runOnDeploy: true },
      image: { repository: "ghcr.io/whc-example/whcsites", tag: "1.4.2" },
    });
  });

  test("every committed file references the schema for editors", () => {
    for (const name of ["staging", "production"]) expect(read(name).$schema).toBe("./schema.json");
  });

  test("a non-production file may override a tier default", () => {
    const env = read("staging");
    env.network = { ...(env.network as object), natGateways: "one-per-az" };
    expect(loadEnvironment(writeEnvironment(env)).network.natGateways).toBe("one-per-az");
  });


  test.each(BAD_ENVIRONMENTS)("%s is a clear error naming file, field, value and what is allowed", (_name, base, change, expected) => {
    // GIVEN an environment file with one mistake WHEN it is loaded THEN the error names all of it
    expect(problemsOf(base, change)).toMatch(expected);
  });

  test("malformed JSON names the file", () => {
    const file = writeEnvironment('{ "tier": "production", }');
    expect(() => loadEnvironment(file)).toThrow(/staging\.json: \(file\): is not valid JSON/);
  });

  test("every problem of every file is reported at once", () => {
    // GIVEN two broken files in one folder
    const dir = path.dirname(writeEnvironment({ ...read("staging"), accountId: "1", region: "nowhere-1" }, "staging"));
    fs.writeFileSync(path.join(dir, "qa.json"), "not json");
    // WHEN the folder is loaded THEN both files and both staging fields are named
    let message = "";
    try {
      loadEnvironments(dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/qa\.json: \(file\): is not valid JSON/);
    expect(message).toMatch(/staging\.json: accountId: got "1"/);
    expect(message).toMatch(/staging\.json: region: got "nowhere-1"/);
  });

  test.each(["Staging_EU", "qa--eu", "qa-", "a-very-long-environment-name"])("the environment name %p cannot become a stack name: an error", (name) => {
    expect(() => loadEnvironment(writeEnvironment(read("staging"), name))).toThrow(new RegExp(`${name}\\.json: \\(file name\\): got "${name}"; allowed: lower-case letters`));
  });

  test("a missing environments folder is an error, not a stack trace", () => {
    expect(() => loadEnvironments(path.join(os.tmpdir(), "no-such-environments"))).toThrow(/no-such-environments: \(directory\): cannot be read: ENOENT/);
  });
});
