import * as fs from "fs";
import * as path from "path";
import { Token } from "cdktf";
import type { ServiceSecret } from "../../../src/constructs/secrets/interfaces";
import { plainContainer } from "../../../src/constructs/ecs-service/profiles/container";
import { ectoDatabaseUrl, PHOENIX_DEFAULT_PORT, PHOENIX_ERROR_LOG_PATTERN, phoenixRelease, PhoenixReleaseOptions } from "../../../src/constructs/ecs-service/profiles/phoenix";
import { ContainerProfile, withOwnVariables } from "../../../src/constructs/ecs-service/profiles/profile";
import { PropError } from "../../../src/constructs/shared/validation";

const SECRET_KEY_BASE: ServiceSecret = { arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/secret-key-base-AbCdEf" };
const CONNECTION: ServiceSecret = { arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-AbCdEf" };
/** The schema owner's connection secret, for one-off tasks (migrations). */
const OWNER_CONNECTION: ServiceSecret = { arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-migrator-AbCdEf" };
const TOKEN: ServiceSecret = { arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/api-token-AbCdEf" };

function phoenix(options: Partial<PhoenixReleaseOptions> = {}): ContainerProfile {
  return phoenixRelease({ phxHost: "api.example.org", serveHttp: true, secretKeyBase: SECRET_KEY_BASE, ...options });
}

/** The PropError `action` throws (or fails). */
function errorOf(action: () => unknown): PropError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected a PropError");
}

describe("phoenixRelease", () => {
  describe("GIVEN a release that serves HTTP with the database", () => {
    // WHEN
    const profile = phoenix({ database: { connection: CONNECTION } });

    test("THEN the plain environment is PHX_HOST, PHX_SERVER, PORT, POOL_SIZE and RELEASE_TMP on the writable /tmp", () => {
      expect(profile.environment).toEqual({ PHX_HOST: "api.example.org", PHX_SERVER: "true", PORT: "4000", POOL_SIZE: "10", RELEASE_TMP: "/tmp" });
    });

    test("THEN SECRET_KEY_BASE and DATABASE_URL (the connection secret's url key) come from Secrets Manager", () => {
      expect(profile.secrets).toEqual({ SECRET_KEY_BASE, DATABASE_URL: { arn: CONNECTION.arn, jsonKey: "url" } });
    });

    test("THEN it listens on the default port 4000", () => {
      expect(PHOENIX_DEFAULT_PORT).toBe(4000);
      expect(profile.port).toBe(4000);
    });

    test("THEN a one-off task gets the same variables without PHX_SERVER, so it opens no HTTP listener", () => {
      expect(profile.oneOffEnvironment).toEqual({ PHX_HOST: "api.example.org", PORT: "4000", POOL_SIZE: "10", RELEASE_TMP: "/tmp" });
      expect(profile.oneOffEnvironment).not.toHaveProperty("PHX_SERVER");
    });
  });

  test("GIVEN no database WHEN profiled THEN there is no DATABASE_URL, for the service or a one-off task", () => {
    const profile = phoenix();
    expect(profile.secrets).toEqual({ SECRET_KEY_BASE });
    expect(profile.oneOffSecrets).toEqual({ SECRET_KEY_BASE });
  });

  test("GIVEN only the database WHEN profiled THEN a one-off task gets the same secrets as the service", () => {
    // GIVEN / WHEN
    const profile = phoenix({ database: { connection: CONNECTION } });
    // THEN
    expect(profile.oneOffSecrets).toEqual({ SECRET_KEY_BASE, DATABASE_URL: { arn: CONNECTION.arn, jsonKey: "url" } });
  });

  test("GIVEN a one-off database (the schema owner) WHEN profiled THEN only a one-off task's DATABASE_URL is the owner's", () => {
    // GIVEN / WHEN
    const profile = phoenix({ database: { connection: CONNECTION }, oneOffDatabase: { connection: OWNER_CONNECTION } });
    // THEN the service keeps the read-write role's URL
    expect(profile.secrets).toEqual({ SECRET_KEY_BASE, DATABASE_URL: { arn: CONNECTION.arn, jsonKey: "url" } });
    expect(profile.oneOffSecrets).toEqual({ SECRET_KEY_BASE, DATABASE_URL: { arn: OWNER_CONNECTION.arn, jsonKey: "url" } });
    expect(JSON.stringify(profile.secrets)).not.toContain(OWNER_CONNECTION.arn);
  });

  test("GIVEN serveHttp false (a worker of the release) WHEN profiled THEN no PHX_SERVER and no port", () => {
    // GIVEN / WHEN
    const profile = phoenix({ serveHttp: false });
    // THEN
    expect(profile.environment).not.toHaveProperty("PHX_SERVER");
    expect(profile.environment).toEqual(profile.oneOffEnvironment);
    expect(profile.port).toBeUndefined();
  });

  test("GIVEN a port and a pool size WHEN profiled THEN PORT, POOL_SIZE and the port follow", () => {
    const profile = phoenix({ port: 8080, poolSize: 25 });
    expect(profile.environment).toMatchObject({ PORT: "8080", POOL_SIZE: "25" });
    expect(profile.port).toBe(8080);
  });

  test("GIVEN a token host (the load balancer's DNS name) WHEN profiled THEN it is used as is", () => {
    const host = Token.asString({ ref: "aws_lb.api.dns_name" });
    expect(phoenix({ phxHost: host }).environment.PHX_HOST).toBe(host);
  });

  test("GIVEN a token host with a scheme WHEN profiled THEN it is refused all the same", () => {
    const host = `https://${Token.asString({ ref: "aws_lb.api.dns_name" })}`;
    expect(errorOf(() => phoenix({ phxHost: host })).problems.map((p) => p.prop)).toEqual(["phxHost"]);
  });

  test.each<[Partial<PhoenixReleaseOptions>, string]>([
    [{ phxHost: "https://api.example.org" }, 'phoenixRelease: phxHost got "https://api.example.org"; allowed: a host name such as "api.example.org" (no scheme, no path)'],
    [{ phxHost: "api.example.org/v1" }, 'phoenixRelease: phxHost got "api.example.org/v1"; allowed: a host name such as "api.example.org" (no scheme, no path)'],
    [{ phxHost: "api example.org" }, 'phoenixRelease: phxHost got "api example.org"; allowed: a host name such as "api.example.org" (no scheme, no path)'],
    [{ phxHost: "" }, 'phoenixRelease: phxHost got ""; allowed: a host name such as "api.example.org" (no scheme, no path)'],
    [{ port: 0 }, "phoenixRelease: port got 0; allowed: an integer from 1 to 65535"],
    [{ port: 65536 }, "phoenixRelease: port got 65536; allowed: an integer from 1 to 65535"],
    [{ poolSize: 0 }, "phoenixRelease: poolSize got 0; allowed: an integer from 1 to 1000"],
    [{ poolSize: 1001 }, "phoenixRelease: poolSize got 1001; allowed: an integer from 1 to 1000"],
  ])("GIVEN %j WHEN profiled THEN it is refused with one line", (options, message) => {
    expect(errorOf(() => phoenix(options)).message).toBe(message);
  });

  test("GIVEN a bad host and a bad pool size WHEN profiled THEN one PropError lists both", () => {
    expect(errorOf(() => phoenix({ phxHost: "https://x", poolSize: 0 })).problems.map((p) => p.prop)).toEqual(["phxHost", "poolSize"]);
  });
});

describe("the Phoenix error-line pattern", () => {
  test("GIVEN a release's profile WHEN read THEN its error pattern matches Logger's [error] and the three levels above it, and no lower level", () => {
    // GIVEN / WHEN
    const pattern = phoenix().errorLogPattern as string;
    // THEN: CloudWatch Logs OR-terms (?), quoted because of the brackets, one per level that is an error
    expect(pattern).toBe(PHOENIX_ERROR_LOG_PATTERN);
    const terms = pattern.split(" ").map((t) => /^\?"(.+)"$/.exec(t)?.[1]);
    expect(terms).toEqual(["[error]", "[critical]", "[alert]", "[emergency]"]);
    // each term appears in the console line of its level, as a release prints it ($time $metadata[$level] $message)
    const line = (level: string): string => `12:00:00.123 request_id=F8x [${level}] ** (RuntimeError) boom`;
    for (const level of ["error", "critical", "alert", "emergency"]) expect(terms.some((t) => line(level).includes(t as string))).toBe(true);
    for (const level of ["warning", "notice", "info", "debug"]) expect(terms.some((t) => line(level).includes(t as string))).toBe(false);
  });
});

describe("ectoDatabaseUrl", () => {
  test("GIVEN the connection parts WHEN formatted THEN it is an Ecto URL with SSL required", () => {
    expect(ectoDatabaseUrl({ username: "whcsites_admin", password: "p4ss-_~", host: "db.internal", port: "5432", dbname: "whcsites" })).toBe(
      "ecto://whcsites_admin:p4ss-_~@db.internal:5432/whcsites?ssl=true",
    );
  });
});

describe("plainContainer", () => {
  test("GIVEN nothing WHEN profiled THEN no variable and no port", () => {
    expect(plainContainer()).toEqual({ environment: {}, secrets: {}, port: undefined, oneOffEnvironment: {}, oneOffSecrets: {} });
  });

  test("GIVEN a port WHEN profiled THEN it listens there", () => {
    expect(plainContainer({ port: 8080 }).port).toBe(8080);
  });

  test("GIVEN the database WHEN profiled THEN libpq's PG* variables are keys of the connection secret, nothing in plain text", () => {
    // GIVEN / WHEN
    const profile = plainContainer({ database: { connection: CONNECTION } });
    // THEN
    expect(profile.secrets).toEqual({
      PGHOST: { arn: CONNECTION.arn, jsonKey: "host" },
      PGPORT: { arn: CONNECTION.arn, jsonKey: "port" },
      PGDATABASE: { arn: CONNECTION.arn, jsonKey: "dbname" },
      PGUSER: { arn: CONNECTION.arn, jsonKey: "username" },
      PGPASSWORD: { arn: CONNECTION.arn, jsonKey: "password" },
    });
    expect(profile.environment).toEqual({});
    expect(profile.secrets).not.toHaveProperty("DATABASE_URL");
    // A one-off task without a database of its own logs in the same way.
    expect(profile.oneOffSecrets).toEqual(profile.secrets);
  });

  test("GIVEN a one-off database WHEN profiled THEN a one-off task's PG* variables are keys of that secret, the service's unchanged", () => {
    // GIVEN / WHEN
    const profile = plainContainer({ database: { connection: CONNECTION }, oneOffDatabase: { connection: OWNER_CONNECTION } });
    // THEN
    const keys = { PGHOST: "host", PGPORT: "port", PGDATABASE: "dbname", PGUSER: "username", PGPASSWORD: "password" };
    expect(profile.secrets).toEqual(Object.fromEntries(Object.entries(keys).map(([v, jsonKey]) => [v, { arn: CONNECTION.arn, jsonKey }])));
    expect(profile.oneOffSecrets).toEqual(Object.fromEntries(Object.entries(keys).map(([v, jsonKey]) => [v, { arn: OWNER_CONNECTION.arn, jsonKey }])));
  });

  test("GIVEN only a one-off database WHEN profiled THEN the service gets no database variable, a one-off task does", () => {
    const profile = plainContainer({ oneOffDatabase: { connection: OWNER_CONNECTION } });
    expect(profile.secrets).toEqual({});
    expect(Object.keys(profile.oneOffSecrets).sort()).toEqual(["PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"]);
  });
});

describe("withOwnVariables", () => {
  const profile = phoenix({ database: { connection: CONNECTION } });

  test("GIVEN variables the profile does not set WHEN added THEN both sets are kept", () => {
    // GIVEN / WHEN
    const merged = withOwnVariables(profile, { environment: { FEATURE_FLAGS: "beta" }, secrets: { API_TOKEN: TOKEN } });
    // THEN
    expect(merged.environment).toEqual({ ...profile.environment, FEATURE_FLAGS: "beta" });
    expect(merged.secrets).toEqual({ ...profile.secrets, API_TOKEN: TOKEN });
  });

  test("GIVEN an overridable secret WHEN the service names its own THEN it replaces the profile's", () => {
    const merged = withOwnVariables(profile, { environment: {}, secrets: { SECRET_KEY_BASE: TOKEN } }, ["SECRET_KEY_BASE"]);
    expect(merged.secrets.SECRET_KEY_BASE).toBe(TOKEN);
    expect(merged.secrets.DATABASE_URL).toEqual(profile.secrets.DATABASE_URL);
  });

  test("GIVEN a plain variable the profile sets WHEN added THEN it is refused, naming what the profile sets", () => {
    expect(errorOf(() => withOwnVariables(profile, { environment: { PORT: "5000" }, secrets: {} }, ["SECRET_KEY_BASE"], "the phoenix profile")).message).toBe(
      'withOwnVariables: environment.PORT got "5000"; allowed: a variable the phoenix profile does not set (it sets DATABASE_URL, PHX_HOST, PHX_SERVER, POOL_SIZE, PORT, RELEASE_TMP, SECRET_KEY_BASE)',
    );
  });

  test("GIVEN an overridable secret WHEN given as a plain variable THEN it is refused: no secret in plain text", () => {
    expect(errorOf(() => withOwnVariables(profile, { environment: { SECRET_KEY_BASE: "plain" }, secrets: {} }, ["SECRET_KEY_BASE"])).problems.map((p) => p.prop)).toEqual([
      "environment.SECRET_KEY_BASE",
    ]);
  });

  test("GIVEN a secret the profile sets and does not let go WHEN added THEN it is refused, naming the overridable ones", () => {
    expect(errorOf(() => withOwnVariables(profile, { environment: {}, secrets: { DATABASE_URL: TOKEN } }, ["SECRET_KEY_BASE"], "the phoenix profile")).message).toBe(
      'withOwnVariables: secrets.DATABASE_URL got "DATABASE_URL"; allowed: a variable the phoenix profile does not set, or SECRET_KEY_BASE',
    );
    expect(errorOf(() => withOwnVariables(profile, { environment: {}, secrets: { PHX_HOST: TOKEN } })).message).toBe(
      'withOwnVariables: secrets.PHX_HOST got "PHX_HOST"; allowed: a variable the profile does not set',
    );
  });

  test("GIVEN two clashes WHEN added THEN one PropError lists both", () => {
    const error = errorOf(() => withOwnVariables(profile, { environment: { PHX_SERVER: "false" }, secrets: { DATABASE_URL: TOKEN } }));
    expect(error.problems.map((p) => p.prop)).toEqual(["environment.PHX_SERVER", "secrets.DATABASE_URL"]);
    expect(error.message.split("\n")).toHaveLength(2);
  });
});

describe("the Phoenix specifics live in the profile", () => {
  test("GIVEN src/constructs WHEN searched THEN only ecs-service/profiles/phoenix.ts mentions PHX_HOST", () => {
    const root = path.join(__dirname, "..", "..", "..", "src", "constructs");
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    const mentioning = files.filter((f) => fs.readFileSync(path.join(root, f), "utf8").includes("PHX_HOST"));
    expect(mentioning.map((f) => f.split(path.sep).join("/"))).toEqual(["ecs-service/profiles/phoenix.ts"]);
  });
});
