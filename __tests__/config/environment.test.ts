import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../../src/app";
import { ConfigError, ConfigWarning, loadEnvironment, loadEnvironments } from "../../src/config/environment";
import { tierDefaults } from "../../src/domain/tier-defaults";
import { BAD_ENVIRONMENTS } from "../fixtures/bad-environments";

const ENVIRONMENTS = path.join(__dirname, "..", "..", "environments");
const read = (name: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(ENVIRONMENTS, `${name}.json`), "utf8"));
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `content` as environments/<name>.json in a fresh folder and returns the file path. */
function writeEnvironment(content: unknown, name = "staging"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-env-"));
  temporary.push(dir);
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

/** Gives the files `<name>.json` of `dir` modification times one minute apart, in the order given (oldest first). */
function ageFiles(dir: string, names: readonly string[]): void {
  const start = Date.now() / 1000 - 3600;
  names.forEach((name, i) => fs.utimesSync(path.join(dir, `${name}.json`), start + 60 * i, start + 60 * i));
}

/** The lines of the ConfigError `load` throws. */
function problemLines(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split("\n");
  }
  throw new Error("expected a ConfigError");
}

/** Builds the app from a changed copy of a committed environment (the loader, then the constructs) and returns the error. */
function problemsOf(base: "staging" | "production", change: (env: Record<string, any>) => void): string {
  const env = read(base);
  change(env);
  const file = writeEnvironment(env, base);
  try {
    buildApp({ environmentsDir: path.dirname(file), outdir: path.join(path.dirname(file), "out") });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("environment files", () => {
  // Derived from the files, never listed: a file added or changed as docs/environments.md says changes no test here.
  const committed = loadEnvironments(ENVIRONMENTS);
  test.each(committed.map((c) => [c.name, c] as const))("the committed %s loads, with its tier's defaults wherever the file leaves a setting out", (name, config) => {
    // GIVEN the file as written
    const raw = read(name);
    const production = raw.tier === "production";
    const defaults = tierDefaults(production);
    const disposable = raw.disposable === true;
    // THEN the shared parts take the tier's defaults unless the file sets them
    expect(config).toMatchObject({
      name,
      production,
      disposable,
      domain: raw.domain,
      network: { natGateways: raw.network.natGateways ?? defaults.natGateways, flowLogs: raw.network.flowLogs ?? true },
      loadBalancer: { accessLogs: raw.loadBalancer?.accessLogs ?? defaults.protective },
      secrets: { recoveryWindowDays: raw.secrets?.recoveryWindowDays ?? defaults.secretRecoveryWindowDays, generated: expect.arrayContaining(["secret-key-base"]) },
    });
    if (raw.database !== undefined) {
      expect(config.database).toMatchObject({
        multiAz: raw.database.multiAz ?? defaults.protective,
        backupRetentionDays: raw.database.backupRetentionDays ?? defaults.backupRetentionDays,
        // data protection follows "disposable" alone, never the tier
        deletionProtection: raw.database.deletionProtection ?? !disposable,
        finalSnapshot: !disposable,
        retainAutomatedBackups: !disposable,
      });
    }
    // AND its services are the file's, in file order; the api keeps the AWS name part "service"
    expect(config.services.map((s) => [s.name, s.awsName, s.profile, s.database, s.route])).toEqual(
      Object.entries(raw.services as Record<string, any>).map(([service, s]) => [service, service === "api" ? "service" : service, s.profile ?? "phoenix", s.database ?? false, s.route]),
    );
    // AND migrations belong to the api when it has the database, unless the file names another owner
    const owner = raw.migrations?.service ?? (raw.services.api?.database === true ? "api" : undefined);
    expect(config.migrations?.service).toBe(owner);
    // AND production is safe by default whatever the file leaves out
    if (production) expect(config).toMatchObject({ network: { natGateways: "one-per-az" }, loadBalancer: { accessLogs: true }, database: { multiAz: true, deletionProtection: true } });
  });

  test("a file that leaves every optional setting out gets its tier's defaults", () => {
    // GIVEN minimal files of both tiers (what the tier alone decides, apart from any committed file); production's
    // release is pinned by digest, elsewhere a tag alone is allowed
    const minimal = (tier: string) => ({
      tier, accountId: "210987654321", region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"],
      image: tier === "production" ? `ghcr.io/whc-example/whcsites:1.4.2@sha256:${"a".repeat(64)}` : "ghcr.io/whc-example/whcsites:1.4.2",
      ...(tier === "production" ? { domain: { name: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" } } : {}),
      // a production database is in a backup plan copied to another region (the file's own rule)
      ...(tier === "production" ? { dr: { region: "eu-central-1", rpoHours: 24, rtoHours: 8 } } : {}),
      network: { vpcCidr: "10.20.0.0/16" },
      services: { api: { cpu: 256, memoryMiB: 512, desiredCount: tier === "production" ? 2 : 1, route: "default", database: true } },
      database: { instanceClass: "db.t4g.micro", allocatedStorageGiB: 20 },
      stateAccess: { operatorRoleArns: ["arn:aws:iam::210987654321:role/whcsites-operator"] },
      alerts: { emails: ["ops@example.org"] },
    });
    // WHEN loaded THEN production is safe by default and non-production cheap by default
    expect(loadEnvironment(writeEnvironment(minimal("production"), "prod"))).toMatchObject({
      network: { natGateways: "one-per-az", flowLogs: true },
      loadBalancer: { accessLogs: true },
      database: { multiAz: true, deletionProtection: true, backupRetentionDays: 14 },
      secrets: { recoveryWindowDays: 30, generated: ["secret-key-base"] },
      migrations: { service: "api", command: ["/app/bin/migrate"], runOnDeploy: true },
    });
    expect(loadEnvironment(writeEnvironment(minimal("non-production"), "qa"))).toMatchObject({
      network: { natGateways: "single" },
      loadBalancer: { accessLogs: false },
      // protected like production (not disposable): only the cost-driven defaults differ
      database: { multiAz: false, deletionProtection: true, finalSnapshot: true, retainAutomatedBackups: true, backupRetentionDays: 7 },
      secrets: { recoveryWindowDays: 7 },
      image: { repository: "ghcr.io/whc-example/whcsites", tag: "1.4.2" },
    });
  });

  test("every committed file references the schema for editors", () => {
    for (const { name } of committed) expect(read(name).$schema).toBe("./schema.json");
  });

  test("alerts: e-mail addresses, an existing topic, or (outside production) nobody; threshold changes are kept as given", () => {
    expect(loadEnvironment(path.join(ENVIRONMENTS, "production.json")).alerts).toEqual({ notify: { kind: "emails", emails: ["oncall@whcsites.example.org"] }, thresholds: {} });
    const env = read("staging");
    env.alerts = { topicArn: "arn:aws:sns:eu-west-1:210987654321:ops", thresholds: { service: { cpuPercent: { threshold: 70 } } } };
    expect(loadEnvironment(writeEnvironment(env)).alerts).toEqual({
      notify: { kind: "topic", topicArn: "arn:aws:sns:eu-west-1:210987654321:ops" },
      thresholds: { service: { cpuPercent: { threshold: 70 } } },
    });
    env.alerts = { notify: false };
    expect(loadEnvironment(writeEnvironment(env)).alerts.notify).toEqual({ kind: "none" });
  });

  test("webAcl: on in block mode in production, off elsewhere; a non-production file may turn it on", () => {
    expect(loadEnvironment(path.join(ENVIRONMENTS, "production.json")).webAcl).toEqual({
      enabled: true, mode: "block", rateLimit: 2000, allowCidrs: [], ruleOverrides: {}, logRetentionDays: 365,
    });
    expect(loadEnvironment(path.join(ENVIRONMENTS, "staging.json")).webAcl.enabled).toBe(false);
    const env = read("staging");
    env.webAcl = { enabled: true, mode: "count", allowCidrs: ["203.0.113.0/24"], ruleOverrides: { AWSManagedRulesSQLiRuleSet: { SQLi_BODY: "count" } } };
    expect(loadEnvironment(writeEnvironment(env)).webAcl).toEqual({
      enabled: true, mode: "count", rateLimit: 2000, allowCidrs: ["203.0.113.0/24"], ruleOverrides: { AWSManagedRulesSQLiRuleSet: { SQLi_BODY: "count" } }, logRetentionDays: 30,
    });
  });

  test("an image pinned by digest loads as repository and digest, also in production (and for a service)", () => {
    // GIVEN production with its release image and a worker's image pinned by digest
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    const env = read("production");
    env.image = `ghcr.io/whc-example/whcsites@${digest}`;
    env.services.worker = { profile: "container", image: `ghcr.io/whc-example/worker@${digest}`, cpu: 256, memoryMiB: 512, desiredCount: 2 };
    // WHEN loaded
    const config = loadEnvironment(writeEnvironment(env, "production"));
    // THEN the digest is kept apart from the repository, and no tag is made up
    expect(config.image).toEqual({ repository: "ghcr.io/whc-example/whcsites", digest });
    expect(config.services.find((s) => s.name === "worker")?.image).toBe(`ghcr.io/whc-example/worker@${digest}`);
  });

  test("a disposable environment turns every data protection off at once; an explicit deletionProtection still wins", () => {
    const env = read("staging");
    env.disposable = true;
    expect(loadEnvironment(writeEnvironment(env))).toMatchObject({
      disposable: true,
      database: { deletionProtection: false, finalSnapshot: false, retainAutomatedBackups: false },
    });
    env.database.deletionProtection = true;
    expect(loadEnvironment(writeEnvironment(env)).database).toMatchObject({ deletionProtection: true, finalSnapshot: false });
  });

  test("migrations: the container's own time limit is on by default and can be turned off", () => {
    const env = read("staging");
    expect(loadEnvironment(writeEnvironment(env)).migrations).toMatchObject({ timeoutMinutes: 15, containerTimeLimit: true });
    env.migrations = { containerTimeLimit: false, timeoutMinutes: 30 };
    expect(loadEnvironment(writeEnvironment(env)).migrations).toMatchObject({ timeoutMinutes: 30, containerTimeLimit: false });
  });

  test("a non-production file may override a tier default", () => {
    const env = read("staging");
    env.network = { ...(env.network as object), natGateways: "one-per-az" };
    expect(loadEnvironment(writeEnvironment(env)).network.natGateways).toBe("one-per-az");
  });


  test.each(BAD_ENVIRONMENTS)("%s is a clear error naming file, field, value and what is allowed", (_name, base, change, expected) => {
    // GIVEN an environment file with one mistake WHEN the app is built from it THEN one line names all of it
    const message = problemsOf(base, change);
    expect(message).toMatch(expected);
    expect(message.split("\n")).toHaveLength(1);
  });

  test("routes that do not shadow each other load: the narrower rule first, other hosts, other paths", () => {
    // GIVEN the shadowing pair turned round, and rules that share no requests with an earlier one
    const env = read("staging");
    env.services = { api: env.services.api };
    const service = (route: unknown) => ({ cpu: 256, memoryMiB: 512, desiredCount: 1, route });
    env.services.reports = service({ paths: ["/admin/reports/*"], priority: 99 });
    env.services.admin = service({ paths: ["/admin", "/admin/*"], priority: 100 });
    env.services.partner = service({ hosts: ["partner.example.org"], paths: ["/*"], priority: 101 });
    env.services.docs = service({ paths: ["/docs/*"], priority: 102 });
    // WHEN loaded THEN every route is kept as given
    const loaded = loadEnvironment(writeEnvironment(env));
    expect(loaded.services.filter((s) => s.route !== "default").map((s) => s.name)).toEqual(["reports", "admin", "partner", "docs"]);
  });

  test("malformed JSON names the file, the line and the column", () => {
    const file = writeEnvironment('{\n  "tier": "production",\n}');
    expect(() => loadEnvironment(file)).toThrow(/staging\.json: \(file\): is not valid JSON at line 3, column 1: /);
  });

  test("an environment file named after the state stack is a clear error", () => {
    expect(() => loadEnvironment(writeEnvironment(read("staging"), "state"))).toThrow(
      /state\.json: \(file name\): got "state", which would clash with the stack whcsites-state, the state bootstrap stack; allowed: any other environment name/,
    );
  });

  test("a copy of another file that changes nothing but its name is an error on the copy; an overlapping CIDR in the same account a warning on the newer file", () => {
    // GIVEN staging and an unchanged copy written after it (outside git: the modification time decides)
    const dir = path.dirname(writeEnvironment(read("staging"), "staging"));
    fs.writeFileSync(path.join(dir, "qa.json"), JSON.stringify(read("staging")));
    ageFiles(dir, ["staging", "qa"]);
    // WHEN loaded THEN the copy, and only the copy, is refused, with one line naming the original
    expect(problemLines(() => loadEnvironments(dir))).toEqual([
      expect.stringMatching(/qa\.json: \(file\): is the same as .*staging\.json apart from its name; change this file, the copy \(modified after .*staging\.json\); allowed: a copy with its own network\.vpcCidr/),
    ]);
    // GIVEN the copy has another, overlapping CIDR WHEN loaded THEN it loads with a warning, on the copy
    fs.writeFileSync(path.join(dir, "qa.json"), JSON.stringify({ ...read("staging"), network: { vpcCidr: "10.20.128.0/17" }, delivery: undefined }));
    ageFiles(dir, ["staging", "qa"]);
    const warnings: ConfigWarning[] = [];
    expect(loadEnvironments(dir, { warn: (w) => warnings.push(w) })).toHaveLength(2);
    expect(warnings).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/qa\.json$/),
        field: "network.vpcCidr",
        message: expect.stringMatching(/^10\.20\.128\.0\/17 overlaps 10\.20\.0\.0\/16 of .*staging\.json in the same account 210987654321; the two VPCs can never be peered/),
      }),
    ]);
    // GIVEN another account WHEN loaded THEN no warning
    fs.writeFileSync(path.join(dir, "qa.json"), JSON.stringify({ ...read("staging"), accountId: "111111111111", network: { vpcCidr: "10.20.128.0/17" } }));
    warnings.length = 0;
    loadEnvironments(dir, { warn: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
  });

  test("outside git the later modification time makes the newer file: the same copy is reported on whichever was modified last", () => {
    // GIVEN staging and its copy, the copy modified first this time
    const dir = path.dirname(writeEnvironment(read("staging"), "staging"));
    fs.writeFileSync(path.join(dir, "qa.json"), JSON.stringify(read("staging")));
    ageFiles(dir, ["qa", "staging"]);
    // THEN staging.json is the copy
    expect(problemLines(() => loadEnvironments(dir))).toEqual([expect.stringMatching(/staging\.json: \(file\): is the same as .*qa\.json apart from its name; change this file, the copy \(modified after /)]);
  });

  test("two files creating the OIDC provider of one account: the newer one is told to take the ARN, naming the older, which keeps it", () => {
    // GIVEN staging (with delivery, "oidcProvider": "create") and qa, a copy with its own network that kept "create"
    const dir = path.dirname(writeEnvironment(read("staging"), "staging"));
    fs.writeFileSync(path.join(dir, "qa.json"), JSON.stringify({ ...read("staging"), network: { vpcCidr: "10.30.0.0/16" } }));
    ageFiles(dir, ["staging", "qa"]);
    // WHEN loaded THEN one line, on qa.json, says to change qa.json and not staging.json
    expect(problemLines(() => loadEnvironments(dir))).toEqual([
      expect.stringMatching(
        /qa\.json: delivery\.oidcProvider: got "create", but .*staging\.json already creates the GitHub OIDC provider of account 210987654321 \(one per account\); change this file, the newer one \(modified after .*staging\.json\), not .*staging\.json; allowed: "arn:aws:iam::210987654321:oidc-provider\/token\.actions\.githubusercontent\.com"$/,
      ),
    ]);
  });

  test("in a git work tree git decides: an untracked or added file is the newer one even when the committed file was modified later", () => {
    // GIVEN a repository with staging.json committed, then a copy qa.json that is older on disk than staging.json
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-git-"));
    temporary.push(repo);
    const git = (...args: string[]) => {
      const result = spawnSync("git", ["-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args], { encoding: "utf8" });
      expect([args.join(" "), result.status, result.stderr]).toEqual([args.join(" "), 0, expect.any(String)]);
    };
    git("init", "-q");
    fs.writeFileSync(path.join(repo, "staging.json"), JSON.stringify(read("staging")));
    git("add", "staging.json");
    git("commit", "-q", "-m", "staging");
    fs.writeFileSync(path.join(repo, "qa.json"), JSON.stringify(read("staging")));
    ageFiles(repo, ["qa", "staging"]);
    // WHEN loaded with qa.json untracked THEN qa.json is the copy
    expect(problemLines(() => loadEnvironments(repo))).toEqual([expect.stringMatching(/qa\.json: \(file\): is the same as .*staging\.json apart from its name; change this file, the copy \(untracked in git, where .*staging\.json is committed\)/)]);
    // WHEN qa.json is added to the index THEN still qa.json
    git("add", "qa.json");
    expect(problemLines(() => loadEnvironments(repo))).toEqual([expect.stringMatching(/qa\.json: \(file\): .*\(added but not committed in git, where .*staging\.json is committed\)/)]);
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

  test.each(["tfstate", "github", "staging-github"])("the environment name %p is taken by the app: an error", (name) => {
    expect(() => loadEnvironment(writeEnvironment(read("staging"), name))).toThrow(new RegExp(`${name}\\.json: \\(file name\\): got "${name}", which would clash with `));
  });

  test("two environments of one account whose names are a hyphen-prefix of each other are refused on the newer file (a deploy role scoped by whcsites-prod- would reach prod-eu)", () => {
    const dir = path.dirname(writeEnvironment({ ...read("staging"), delivery: undefined }, "prod"));
    fs.writeFileSync(path.join(dir, "prod-eu.json"), JSON.stringify({ ...read("staging"), delivery: undefined, network: { vpcCidr: "10.21.0.0/16" } }));
    ageFiles(dir, ["prod", "prod-eu"]);
    expect(problemLines(() => loadEnvironments(dir))).toEqual([
      expect.stringMatching(/prod-eu\.json: \(file name\): got "prod-eu", which starts with "prod-" of .*prod\.json, in the same account 210987654321; rename this file, the newer one/),
    ]);
    // the other way round: the shorter name is the newer file
    ageFiles(dir, ["prod-eu", "prod"]);
    expect(problemLines(() => loadEnvironments(dir))).toEqual([expect.stringMatching(/\/prod\.json: \(file name\): got "prod", a hyphen-prefix of "prod-eu" of .*prod-eu\.json, in the same account/)]);
    // in different accounts they are fine
    fs.writeFileSync(path.join(dir, "prod-eu.json"), JSON.stringify({ ...read("staging"), accountId: "111111111111", network: { vpcCidr: "10.21.0.0/16" } }));
    expect(loadEnvironments(dir).map((c) => c.name).sort()).toEqual(["prod", "prod-eu"]);
  });

  test.each(["Staging_EU", "qa--eu", "qa-", "fifteen-chars-x"])("the environment name %p cannot become a stack name: an error", (name) => {
    expect(() => loadEnvironment(writeEnvironment(read("staging"), name))).toThrow(new RegExp(`${name}\\.json: \\(file name\\): got "${name}"; allowed: lower-case letters`));
  });

  test("a missing environments folder is an error, not a stack trace", () => {
    expect(() => loadEnvironments(path.join(os.tmpdir(), "no-such-environments"))).toThrow(/no-such-environments: \(directory\): cannot be read: ENOENT/);
  });
});
