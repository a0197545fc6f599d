import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadEnvironment, loadEnvironments } from "../../src/config/environment";

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

  // Each case: [description, base file, change, expected message parts]
  const cases: Array<[string, "staging" | "production", (env: Record<string, any>) => void, RegExp]> = [
    ["an unknown key", "staging", (e) => (e.servce = {}), /staging\.json: servce: is not a known setting; allowed keys here: tier, accountId/],
    ["an unknown nested key (typo)", "staging", (e) => (e.service.desiredCuont = 2), /service\.desiredCuont: is not a known setting; allowed keys here: cpu, memoryMiB, desiredCount/],
    ["a wrong type", "staging", (e) => (e.service.desiredCount = "2"), /service\.desiredCount: got "2"; allowed: a value of type integer/],
    ["a region that is not an AWS region", "staging", (e) => (e.region = "eu-middle-9"), /region: got "eu-middle-9"; allowed: "us-east-1", .*"eu-west-1"/],
    ["an AZ outside the region", "staging", (e) => (e.availabilityZones = ["eu-west-1a", "eu-west-2b"]), /availabilityZones\[1\]: got "eu-west-2b", which is not in region eu-west-1/],
    ["fewer than 2 AZs", "staging", (e) => (e.availabilityZones = ["eu-west-1a"]), /availabilityZones: has 1 item\(s\); allowed: at least 2/],
    ["an invalid CIDR", "staging", (e) => (e.network.vpcCidr = "10.20.0.0/33"), /network\.vpcCidr: .*"10\.20\.0\.0\/33"/],
    ["a malformed CIDR", "staging", (e) => (e.network.vpcCidr = "10.20.0/16"), /network\.vpcCidr: got "10\.20\.0\/16"; allowed: an IPv4 CIDR/],
    ["a CIDR too small for the subnets", "staging", (e) => (e.network.vpcCidr = "10.20.0.0/26"), /network\.vpcCidr: .*10\.20\.0\.0\/26/],
    ["an account id that is not 12 digits", "staging", (e) => (e.accountId = "12345"), /accountId: got "12345"; allowed: a 12-digit AWS account id/],
    ["an image outside ghcr.io", "staging", (e) => (e.image = "docker.io/whc/whcsites:1"), /image: got "docker\.io\/whc\/whcsites:1"; allowed: ghcr\.io\/<owner>\/<name>:<tag>/],
    ["an image without a tag", "staging", (e) => (e.image = "ghcr.io/whc-example/whcsites"), /image: got "ghcr\.io\/whc-example\/whcsites"; allowed: ghcr\.io/],
    ["a cpu/memory pair Fargate does not offer", "staging", (e) => ((e.service.cpu = 256), (e.service.memoryMiB = 4096)), /service\.memoryMiB: got 4096 with cpu 256, which Fargate does not offer; allowed for cpu 256: 512, 1024, 2048/],
    ["a cpu Fargate does not offer", "staging", (e) => (e.service.cpu = 300), /service\.cpu: got 300; allowed: 256, 512, 1024/],
    ["a zero count", "staging", (e) => (e.service.desiredCount = 0), /service\.desiredCount: got 0; allowed: 1 to 100/],
    ["a negative count", "staging", (e) => (e.service.maxCount = -1), /service\.maxCount: got -1; allowed: 1 to 100/],
    ["storage below the RDS minimum", "staging", (e) => (e.database.allocatedStorageGiB = 10), /database\.allocatedStorageGiB: got 10; allowed: 20 to 65536/],
    ["storage above the RDS maximum", "staging", (e) => (e.database.allocatedStorageGiB = 70000), /database\.allocatedStorageGiB: got 70000; allowed: 20 to 65536/],
    ["backup retention below 7 days", "staging", (e) => (e.database.backupRetentionDays = 1), /database\.backupRetentionDays: got 1; allowed: 7 to 35/],
    ["backup retention above the RDS limit", "staging", (e) => (e.database.backupRetentionDays = 36), /database\.backupRetentionDays: got 36; allowed: 7 to 35/],
    ["max storage below allocated storage", "staging", (e) => (e.database.maxAllocatedStorageGiB = 10), /database\.maxAllocatedStorageGiB: got 10; allowed: 20 to 65536/],
    ["a storage ceiling less than 10% above allocated storage", "staging", (e) => (e.database.maxAllocatedStorageGiB = 21), /database\.maxAllocatedStorageGiB: got 21; allowed: at least 10% above allocatedStorageGiB \(22 or more\)/],
    ["Performance Insights on a class without it", "staging", (e) => (e.database.performanceInsights = true), /database\.performanceInsights: is on \(set\) but db\.t4g\.micro does not support it/],
    ["a PostgreSQL version outside 13-17", "staging", (e) => (e.database.engineVersion = "12.4"), /database\.engineVersion: got "12\.4"; allowed: a PostgreSQL major version 13 to 17/],
    ["production without a domain", "production", (e) => delete e.domain, /production\.json: domain: is missing; production serves HTTPS only/],
    ["production without Multi-AZ", "production", (e) => (e.database.multiAz = false), /database\.multiAz: got false; allowed in production: true/],
    ["production with a single task", "production", (e) => ((e.service.desiredCount = 1), (e.service.minCount = 1)), /service\.desiredCount: got 1; allowed in production: 2 or more/],
    ["production with ECS Exec", "production", (e) => (e.service.enableExecuteCommand = true), /service\.enableExecuteCommand: got true; allowed in production: false/],
    ["a missing required setting", "staging", (e) => delete e.database, /staging\.json: database: is required/],
    ["a health check timeout not below the interval", "staging", (e) => (e.loadBalancer = { healthCheck: { intervalSeconds: 5, timeoutSeconds: 5 } }), /loadBalancer\.healthCheck\.timeoutSeconds: got 5; allowed: less than intervalSeconds \(5\)/],
    ["registry credentials that are neither managed nor an ARN", "staging", (e) => (e.service.registryCredentials = "token"), /service\.registryCredentials: got "token"; allowed: "managed" or a Secrets Manager secret ARN/],
  ];

  test.each(cases)("%s is a clear error naming file, field, value and what is allowed", (_name, base, change, expected) => {
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

  test("an environment name that cannot become a stack name is an error", () => {
    expect(() => loadEnvironment(writeEnvironment(read("staging"), "Staging_EU"))).toThrow(/Staging_EU\.json: \(file name\): got "Staging_EU"/);
  });
});
