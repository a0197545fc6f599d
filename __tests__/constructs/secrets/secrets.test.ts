import { App, DefaultTokenResolver, ITerraformDependable, StringConcat, TerraformStack, TerraformVariable, Testing, Tokenization } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { ectoDatabaseUrl } from "../../../src/constructs/ecs-service/profiles/phoenix";
import type { DatabaseConnectionParts } from "../../../src/constructs/secrets/interfaces";
import { AppSecrets, AppSecretsProps, DATABASE_PASSWORD_SPECIAL_CHARACTERS, MASTER_SECRET_TAG } from "../../../src/constructs/secrets/secrets";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { KMS_KEY_ADMINISTRATION_ACTIONS } from "../../../src/domain/kms";

type Blocks = Record<string, Record<string, Record<string, unknown>>>;
type Synth = { resource: Blocks; ephemeral?: Blocks; output?: Record<string, unknown> };

/** A database endpoint stand-in: what storeDatabaseConnection reads of an Rds. */
const DATABASE = { address: "whcsites-staging-db.abc.eu-west-1.rds.amazonaws.com", port: 5432, path: "test/database" };
/** The master password: an ephemeral value, never a resource. */
const PASSWORD = "ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password";
/** The generation rule of every database password (master and roles). */
/** 32 characters of every type; of punctuation only the URL-safe "-", "_" and "~" (Secrets Manager's set less the rest). */
const DATABASE_PASSWORD_BLOCK = { password_length: 32, exclude_characters: "!\"#$%&'()*+,./:;<=>?@[\\]^`{|}", require_each_included_type: true };

function givenStack(): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new ReadableStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return { app, stack };
}

function givenSecrets(props: Partial<AppSecretsProps> = {}, environment = "staging"): { stack: TerraformStack; secrets: AppSecrets } {
  const { stack } = givenStack();
  const secrets = new AppSecrets(stack, "secrets", { naming: new Naming("whcsites", environment), ...props });
  return { stack, secrets };
}

/** A token as it appears in the synthesized JSON (`${aws_x.y.arn}`). */
function resolve(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

function synth(stack: TerraformStack): { text: string; json: Synth } {
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as Synth };
}

/** The Terraform addresses of what storeDatabaseConnection returned, in order. */
function addressesOf(stack: TerraformStack, dependables: readonly ITerraformDependable[]): string[] {
  return dependables.map((d) => {
    expect(d).toBeInstanceOf(SecretsmanagerSecretVersion);
    return (resolve(stack, (d as SecretsmanagerSecretVersion).fqn) as string).replace(/^\$\{(.*)\}$/, "$1");
  });
}

/** The error `action` throws (or fails). */
function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("AppSecrets", () => {
  describe("by default (database credentials on)", () => {
    it("generates a 32-character ephemeral database password using only URL-unreserved characters RDS accepts", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();
      const { json } = synth(stack);

      // THEN
      expect(json.ephemeral?.aws_secretsmanager_random_password.secrets_database_password).toEqual(DATABASE_PASSWORD_BLOCK);
      for (const character of DATABASE_PASSWORD_SPECIAL_CHARACTERS) {
        expect(`/@"' `).not.toContain(character);
        expect(encodeURIComponent(character)).toBe(character);
      }
      expect(resolve(stack, secrets.databasePasswordValue)).toBe(`\${${PASSWORD}}`);
      expect(secrets.databasePasswordVersion).toBe(1);
    });

    it("keeps no password in a resource: no random_password resource, so none in the state", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();
      secrets.generated("secret-key-base", "x");
      secrets.storeDatabaseConnection(DATABASE);
      const { text, json } = synth(stack);

      // THEN
      expect(text).not.toHaveResource(Password);
      expect(Object.keys(json.resource).sort()).toEqual(["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"]);
      for (const version of Object.values(json.resource.aws_secretsmanager_secret_version)) {
        expect(version).not.toHaveProperty("secret_string");
        expect(version.secret_string_wo).toEqual(expect.stringContaining("ephemeral.aws_secretsmanager_random_password."));
      }
    });

    it("has no database roles unless asked", () => {
      expect(givenSecrets().secrets.databaseRoles.size).toBe(0);
    });

    it("creates the connection secret empty until a database is stored, and has no outputs", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();
      const { json } = synth(stack);

      // THEN
      expect(Object.keys(json.resource.aws_secretsmanager_secret)).toEqual(["secrets_database_connection"]);
      expect(json.resource.aws_secretsmanager_secret.secrets_database_connection).toMatchObject({ name: "/whcsites/staging/database" });
      expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
      expect(resolve(stack, secrets.databaseConnection)).toEqual({ arn: "${aws_secretsmanager_secret.secrets_database_connection.arn}" });
      expect(json.output).toBeUndefined();
    });

    it("defaults the database user and name, and exposes them", () => {
      // GIVEN / WHEN
      const { secrets } = givenSecrets();

      // THEN
      expect(secrets.databaseUsername).toBe("whcsites_admin");
      expect(secrets.databaseName).toBe("whcsites");
      expect(secrets.secretName("anything")).toBe("/whcsites/staging/anything");
    });
  });

  describe("without database credentials", () => {
    it("creates no password and no connection secret, and refuses to store a connection", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets({ databaseCredentials: false });
      const { json } = synth(stack);

      // THEN
      expect(json.resource).toBeUndefined();
      expect(json.ephemeral).toBeUndefined();
      expect(secrets.databaseConnection).toBeUndefined();
      expect(secrets.databasePasswordValue).toBeUndefined();
      expect(errorOf(() => secrets.storeDatabaseConnection(DATABASE)).message).toBe(
        "AppSecrets: storeDatabaseConnection needs databaseCredentials (it is false).",
      );
    });
  });

  describe("generated", () => {
    it("stores a 64-character alphanumeric ephemeral value under /<app>/<environment>/<name>, write-only, with no literal value", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets();
      // WHEN
      const secret = secrets.generated("secret-key-base", "Phoenix SECRET_KEY_BASE");
      const { text, json } = synth(stack);

      // THEN
      expect(json.ephemeral?.aws_secretsmanager_random_password.secrets_secret_key_base_password).toEqual({ password_length: 64, exclude_punctuation: true });
      expect(text).not.toHaveResource(Password);
      expect(json.resource.aws_secretsmanager_secret.secrets_secret_key_base).toMatchObject({
        name: "/whcsites/staging/secret-key-base",
        description: "Phoenix SECRET_KEY_BASE",
        recovery_window_in_days: 7,
      });
      expect(json.resource.aws_secretsmanager_secret_version.secrets_secret_key_base_value).toEqual({
        secret_id: "${aws_secretsmanager_secret.secrets_secret_key_base.id}",
        secret_string_wo: "${ephemeral.aws_secretsmanager_random_password.secrets_secret_key_base_password.random_password}",
        secret_string_wo_version: 1,
      });
      expect(resolve(stack, secret)).toEqual({ arn: "${aws_secretsmanager_secret.secrets_secret_key_base.arn}" });
    });

    it("asked twice for one name, returns the same secret and creates it once", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets();
      // WHEN
      const first = secrets.generated("api-token", "token");
      const second = secrets.generated("api-token", "token, again");
      // THEN
      expect(second).toBe(first);
      const { json } = synth(stack);
      expect(Object.keys(json.ephemeral?.aws_secretsmanager_random_password ?? {}).sort()).toEqual(["secrets_api_token_password", "secrets_database_password"]);
      expect(Object.keys(json.resource.aws_secretsmanager_secret_version)).toEqual(["secrets_api_token_value"]);
    });
  });

  describe("managed", () => {
    it("creates an empty secret for the operator to fill: no version, so no value in the Terraform state", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets();
      // WHEN
      const secret = secrets.managed("mailer-api-key", "Mailer API key: set it with put-secret-value");
      const { json } = synth(stack);

      // THEN
      expect(json.resource.aws_secretsmanager_secret.secrets_mailer_api_key).toMatchObject({
        name: "/whcsites/staging/mailer-api-key",
        description: "Mailer API key: set it with put-secret-value",
      });
      expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
      expect(Object.keys(json.ephemeral?.aws_secretsmanager_random_password ?? {})).toEqual(["secrets_database_password"]);
      expect(resolve(stack, secret)).toEqual({ arn: "${aws_secretsmanager_secret.secrets_mailer_api_key.arn}" });
    });

    it("asked twice for one name, returns the same secret; a name cannot be both generated and managed", () => {
      // GIVEN
      const { secrets } = givenSecrets();
      // WHEN
      const first = secrets.managed("registry-credentials", "pull credentials");
      secrets.generated("api-token", "token");
      // THEN
      expect(secrets.managed("registry-credentials", "again")).toBe(first);
      expect(errorOf(() => secrets.generated("registry-credentials", "x")).message).toBe(
        'AppSecrets: secret "registry-credentials" is already managed; it cannot also be generated.',
      );
      expect(errorOf(() => secrets.managed("api-token", "x")).message).toBe('AppSecrets: secret "api-token" is already generated; it cannot also be managed.');
    });

    it.each(["database", "Database", "api_token", "api--token", "-token", "1token", "token-", "", "a".repeat(64)])("refuses the name %j", (name) => {
      // GIVEN
      const { secrets } = givenSecrets();
      // WHEN / THEN
      const message = `AppSecrets: secret name got ${JSON.stringify(name)}; allowed: lower-case letters, digits and single hyphens, starting with a letter, not "database" (the connection secret)`;
      expect(errorOf(() => secrets.managed(name, "x")).message).toBe(message);
      expect(errorOf(() => secrets.generated(name, "x")).message).toBe(message);
    });

    it.each<[string, (secrets: AppSecrets) => unknown]>([
      ["database-password (the master password's id)", (secrets) => secrets.managed("database-password", "x")],
      ["database-connection (the connection secret's id)", (secrets) => secrets.generated("database-connection", "x")],
      ["<generated>-password beside a generated secret", (secrets) => (secrets.generated("api", "x"), secrets.managed("api-password", "x"))],
    ])("refuses %s with an AppSecrets message", (_name, action) => {
      // GIVEN
      const { secrets } = givenSecrets();
      // WHEN / THEN
      expect(errorOf(() => action(secrets)).message).toMatch(/^AppSecrets: secret name got "/);
    });
  });

  describe("storeDatabaseConnection", () => {
    it("writes username, password, host, port and dbname from the generated password, and no url without a formatter", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets();
      // WHEN
      const versions = secrets.storeDatabaseConnection(DATABASE);
      const { json } = synth(stack);

      // THEN one write-only version, the one returned
      expect(Object.keys(json.resource.aws_secretsmanager_secret_version)).toEqual(["secrets_database_connection_value"]);
      expect(addressesOf(stack, versions)).toEqual(["aws_secretsmanager_secret_version.secrets_database_connection_value"]);
      const version = json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value;
      expect(version.secret_id).toBe("${aws_secretsmanager_secret.secrets_database_connection.id}");
      expect(version).not.toHaveProperty("secret_string");
      expect(version.secret_string_wo_version).toBe(1);
      const value = version.secret_string_wo as string;
      expect(value.startsWith("${jsonencode({")).toBe(true);
      expect(value).toContain(`"password" = ${PASSWORD}`);
      expect(value).toContain('"username" = "whcsites_admin"');
      expect(value).toContain(`"host" = "${DATABASE.address}"`);
      expect(value).toContain('"port" = 5432');
      expect(value).toContain('"dbname" = "whcsites"');
      expect(value).not.toContain('"url"');
    });

    it("adds the url key in the formatter's format, the password only inside it", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets({ databaseUsername: "whc_owner", databaseName: "whc_prod" });
      // The port is a token, as an Rds's is.
      const port = new TerraformVariable(stack, "db_port", { type: "number" }).numberValue;
      let parts: DatabaseConnectionParts | undefined;
      // WHEN
      secrets.storeDatabaseConnection({ ...DATABASE, port }, (p) => {
        parts = p;
        return ectoDatabaseUrl(p);
      });
      const { json } = synth(stack);

      // THEN
      const value = json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value.secret_string_wo as string;
      expect(value).toContain(`"url" = "ecto://whc_owner:\${${PASSWORD}}@${DATABASE.address}:\${var.db_port}/whc_prod?ssl=true"`);
      expect(value).toContain('"port" = var.db_port');
      expect(parts).toMatchObject({ username: "whc_owner", host: DATABASE.address, dbname: "whc_prod" });
      expect(resolve(stack, [parts?.password, parts?.port])).toEqual([`\${${PASSWORD}}`, "${var.db_port}"]);
    });

    it("is idempotent for the same database and refuses a second one", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets();
      // WHEN
      const first = secrets.storeDatabaseConnection(DATABASE);
      const again = secrets.storeDatabaseConnection(DATABASE);
      // THEN
      expect(again).toBe(first);
      expect(first).toHaveLength(1);
      expect(Object.keys(synth(stack).json.resource.aws_secretsmanager_secret_version)).toEqual(["secrets_database_connection_value"]);
      expect(errorOf(() => secrets.storeDatabaseConnection({ ...DATABASE, path: "test/other" })).message).toBe(
        "AppSecrets: the connection secret already describes test/database; it cannot also describe test/other.",
      );
    });
  });

  describe("versions (rotation)", () => {
    it("writes each generated value with its configured version, and 1 for the unlisted", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets({ versions: { database: 3, "secret-key-base": 2 } });
      // WHEN
      secrets.generated("secret-key-base", "x");
      secrets.generated("api-token", "x");
      secrets.storeDatabaseConnection(DATABASE);
      const { json } = synth(stack);

      // THEN
      const versions = json.resource.aws_secretsmanager_secret_version;
      expect(versions.secrets_database_connection_value.secret_string_wo_version).toBe(3);
      expect(versions.secrets_secret_key_base_value.secret_string_wo_version).toBe(2);
      expect(versions.secrets_api_token_value.secret_string_wo_version).toBe(1);
      expect([secrets.databasePasswordVersion, secrets.versionOf("secret-key-base"), secrets.versionOf("api-token")]).toEqual([3, 2, 1]);
    });

    it.each([0, -1, 1.5, 1_000_001])("refuses version %p with the allowed range, naming the secret", (version) => {
      expect(errorOf(() => givenSecrets({ versions: { "secret-key-base": version } })).message).toBe(
        `AppSecrets: versions.secret-key-base got ${version}; allowed: an integer from 1 to 1000000`,
      );
    });
  });

  describe("database roles", () => {
    const ROLES = { databaseRoles: ["app", "migrator"], versions: { "database-app": 4 } } as const;

    it("creates a connection secret and an ephemeral password per role, named after the role", () => {
      // GIVEN / WHEN
      const { stack } = givenSecrets(ROLES);
      const { json } = synth(stack);

      // THEN
      const all = json.resource.aws_secretsmanager_secret;
      expect(Object.keys(all).sort()).toEqual(["secrets_database_app", "secrets_database_connection", "secrets_database_migrator"]);
      expect(all.secrets_database_app).toMatchObject({ name: "/whcsites/staging/database-app", recovery_window_in_days: 7 });
      expect(all.secrets_database_migrator).toMatchObject({ name: "/whcsites/staging/database-migrator" });
      expect(json.ephemeral?.aws_secretsmanager_random_password).toEqual({
        secrets_database_password: DATABASE_PASSWORD_BLOCK,
        secrets_database_app_password: DATABASE_PASSWORD_BLOCK,
        secrets_database_migrator_password: DATABASE_PASSWORD_BLOCK,
      });
      expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
    });

    it("exposes each role's secret, user name <database>_<role> and password version", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets({ ...ROLES, databaseName: "whc_prod" });
      // THEN
      expect([...secrets.databaseRoles.keys()]).toEqual(["app", "migrator"]);
      expect(resolve(stack, Object.fromEntries(secrets.databaseRoles))).toEqual({
        app: { connection: { arn: "${aws_secretsmanager_secret.secrets_database_app.arn}" }, username: "whc_prod_app", version: 4 },
        migrator: { connection: { arn: "${aws_secretsmanager_secret.secrets_database_migrator.arn}" }, username: "whc_prod_migrator", version: 1 },
      });
      expect(resolve(stack, secrets.databaseConnection)).toEqual({ arn: "${aws_secretsmanager_secret.secrets_database_connection.arn}" });
    });

    it("storeDatabaseConnection writes the master's connection and each role's, each with its own password and version, and returns them in that order", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets(ROLES);
      // WHEN
      const versions = secrets.storeDatabaseConnection(DATABASE, ectoDatabaseUrl);
      const { json } = synth(stack);

      // THEN
      expect(addressesOf(stack, versions)).toEqual([
        "aws_secretsmanager_secret_version.secrets_database_connection_value",
        "aws_secretsmanager_secret_version.secrets_database_app_value",
        "aws_secretsmanager_secret_version.secrets_database_migrator_value",
      ]);
      const written = json.resource.aws_secretsmanager_secret_version;
      const role = (name: string, version: number) => {
        const value = written[`secrets_database_${name}_value`];
        expect(value).toMatchObject({ secret_id: `\${aws_secretsmanager_secret.secrets_database_${name}.id}`, secret_string_wo_version: version });
        expect(value).not.toHaveProperty("secret_string");
        return value.secret_string_wo as string;
      };
      const app = role("app", 4);
      const own = "ephemeral.aws_secretsmanager_random_password.secrets_database_app_password.random_password";
      expect(app).toContain(`"password" = ${own}`);
      expect(app).toContain('"username" = "whcsites_app"');
      // (a literal port becomes the template `${5432}`: Terraform fills in the same digits)
      expect(app).toContain(`"url" = "ecto://whcsites_app:\${${own}}@${DATABASE.address}:\${5432}/whcsites?ssl=true"`);
      expect(app).not.toContain(PASSWORD);
      expect(role("migrator", 1)).toContain(`"password" = ephemeral.aws_secretsmanager_random_password.secrets_database_migrator_password.random_password`);
    });

    it("tags the master connection secret for the policy guard, and no other secret", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets(ROLES);
      secrets.generated("secret-key-base", "x");
      const all = synth(stack).json.resource.aws_secretsmanager_secret;
      // THEN
      expect(MASTER_SECRET_TAG).toEqual({ key: "whcsites:role", value: "database-master" });
      expect(Object.entries(all).filter(([, secret]) => secret.tags !== undefined).map(([name, secret]) => [name, secret.tags])).toEqual([
        ["secrets_database_connection", { "whcsites:role": "database-master" }],
      ]);
    });

    it("with roles, the master connection gets no url: no service reads it, only the role bootstrap (PG* keys)", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets(ROLES);
      // WHEN
      secrets.storeDatabaseConnection(DATABASE, ectoDatabaseUrl);
      const master = synth(stack).json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value.secret_string_wo as string;
      // THEN
      expect(master).not.toContain('"url"');
      expect(master).toContain(`"password" = ${PASSWORD}`);
      expect(master).toContain('"username" = "whcsites_admin"');
    });

    it("without database credentials, has no roles", () => {
      const { stack, secrets } = givenSecrets({ ...ROLES, databaseCredentials: false });
      expect(secrets.databaseRoles.size).toBe(0);
      expect(synth(stack).json.resource).toBeUndefined();
    });

    it("a generated secret cannot take a role's name", () => {
      const { secrets } = givenSecrets(ROLES);
      expect(errorOf(() => secrets.generated("database-app", "x")).message).toBe(
        'AppSecrets: secret name got "database-app", whose resources would be named database_app, database_app_password like another secret\'s; allowed: a name that does not end in -password or -value and does not repeat another secret\'s',
      );
    });

    it.each(["App", "1app", "app_rw", "app-rw", "a".repeat(17), ""])("refuses the role %j", (role) => {
      expect(errorOf(() => givenSecrets({ databaseRoles: [role] })).message).toBe(
        `AppSecrets: databaseRoles[0] got ${JSON.stringify(role)}; allowed: lower-case letters and digits, starting with a letter, at most 16, each once`,
      );
    });

    it("refuses a role named twice, naming the second", () => {
      expect(errorOf(() => givenSecrets({ databaseRoles: ["app", "migrator", "app"] })).message).toBe(
        'AppSecrets: databaseRoles[2] got "app"; allowed: lower-case letters and digits, starting with a letter, at most 16, each once',
      );
    });

    // TODO(src bug, src/constructs/secrets/secrets.ts): the roles "password" and "connection" pass the role check, but their
    // secret's construct id (database_password, database_connection) is the master password's or the master secret's:
    // the constructs library throws "There is already a Construct with name 'database_password' in AppSecrets
    // [secrets]" instead of an AppSecrets line naming databaseRoles[0]. Remove `.failing` once the check refuses them.
    it.failing.each(["password", "connection"])("refuses the role %j, whose resources would take the master's names, with an AppSecrets line", (role) => {
      expect(errorOf(() => givenSecrets({ databaseRoles: [role] })).message).toMatch(new RegExp(`^AppSecrets: databaseRoles\\[0\\] got "${role}"; allowed: `));
    });
  });

  describe("protection", () => {
    it("outside production: 7-day recovery window, no prevent_destroy, AWS-managed key", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();
      secrets.generated("secret-key-base", "x");
      secrets.managed("mailer-api-key", "x");
      const { json } = synth(stack);

      // THEN
      expect(Object.keys(json.resource.aws_secretsmanager_secret)).toHaveLength(3);
      for (const secret of Object.values(json.resource.aws_secretsmanager_secret)) {
        expect(secret.recovery_window_in_days).toBe(7);
        expect(secret.lifecycle).toBeUndefined();
        expect(secret.kms_key_id).toBeUndefined();
      }
      expect(json.resource.aws_kms_key).toBeUndefined();
    });

    it("in production: 30-day recovery window and prevent_destroy on every secret; the passwords stay ephemeral", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets({ production: true }, "production");
      secrets.generated("secret-key-base", "x");
      secrets.managed("registry-credentials", "x");
      const { json } = synth(stack);

      // THEN
      const all = json.resource.aws_secretsmanager_secret;
      expect(Object.keys(all).sort()).toEqual(["secrets_database_connection", "secrets_registry_credentials", "secrets_secret_key_base"]);
      for (const secret of Object.values(all)) {
        expect(secret.recovery_window_in_days).toBe(30);
        expect(secret.lifecycle).toEqual({ prevent_destroy: true });
      }
      // A rotation raises a version; nothing to -replace, nothing stored.
      expect(json.resource.random_password).toBeUndefined();
      expect(Object.keys(json.ephemeral?.aws_secretsmanager_random_password ?? {}).sort()).toEqual(["secrets_database_password", "secrets_secret_key_base_password"]);
      for (const password of Object.values(json.ephemeral?.aws_secretsmanager_random_password ?? {})) expect(password.lifecycle).toBeUndefined();
    });

    it("takes a configured recovery window outside production", () => {
      // GIVEN / WHEN
      const { stack } = givenSecrets({ recoveryWindowDays: 10 });

      // THEN
      expect(synth(stack).text).toHaveResourceWithProperties(SecretsmanagerSecret, { recovery_window_in_days: 10 });
    });

    it.each([7, 10, 29])("refuses a recovery window of %p days in production", (days) => {
      expect(errorOf(() => givenSecrets({ production: true, recoveryWindowDays: days }, "production")).message).toBe(
        `AppSecrets: recoveryWindowDays got ${days}; allowed: an integer from 30 to 30 (30 in production)`,
      );
    });
  });

  describe("customer-managed key", () => {
    const cmk = { customerManagedKey: true, accountId: "123456789012", region: "eu-west-1" } as const;

    it("names the account root in the region's partition", () => {
      // GIVEN / WHEN a key in GovCloud
      const { stack } = givenSecrets({ ...cmk, region: "us-gov-west-1" });
      const { json } = synth(stack);
      // THEN
      const policy = JSON.parse(json.resource.aws_kms_key.secrets_key.policy as string);
      expect(policy.Statement.map((statement: { Principal: unknown }) => statement.Principal)).toEqual([
        { AWS: "arn:aws-us-gov:iam::123456789012:root" },
        { AWS: "arn:aws-us-gov:iam::123456789012:root" },
      ]);
    });

    it("creates a rotated key whose policy admits the account root and Secrets Manager use, and encrypts every secret with it", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets(cmk);
      secrets.generated("secret-key-base", "x");
      secrets.managed("registry-credentials", "x");
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
      expect(text).toHaveResourceWithProperties(KmsAlias, { name: "alias/whcsites-staging-secrets", target_key_id: "${aws_kms_key.secrets_key.key_id}" });
      const policy = JSON.parse(json.resource.aws_kms_key.secrets_key.policy as string);
      expect(policy.Statement).toEqual([
        expect.objectContaining({ Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: [...KMS_KEY_ADMINISTRATION_ACTIONS] }),
        expect.objectContaining({
          Sid: "UseThroughSecretsManagerOnly",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]),
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012" } },
        }),
      ]);
      expect(JSON.stringify(policy)).not.toContain('"AWS":"*"');
      // Administration apart from use: only the Secrets Manager statement gives Decrypt.
      const usable = policy.Statement.filter((s: { Action: string[] }) => s.Action.some((a) => /^kms:(\*|Decrypt|De\*|Encrypt|GenerateDataKey|ReEncrypt|CreateGrant)/.test(a)));
      expect(usable.map((s: { Sid: string }) => s.Sid)).toEqual(["UseThroughSecretsManagerOnly"]);
      expect(Object.keys(json.resource.aws_secretsmanager_secret)).toHaveLength(3);
      for (const secret of Object.values(json.resource.aws_secretsmanager_secret)) {
        expect(secret.kms_key_id).toBe("${aws_kms_key.secrets_key.arn}");
      }
      expect(resolve(stack, secrets.kmsKeyArn)).toBe("${aws_kms_key.secrets_key.arn}");
    });

    it("protects the key from destruction in production only", () => {
      // GIVEN / WHEN
      const production = synth(givenSecrets({ ...cmk, production: true }, "production").stack).json;
      const staging = synth(givenSecrets(cmk).stack).json;

      // THEN
      expect(production.resource.aws_kms_key.secrets_key.lifecycle).toEqual({ prevent_destroy: true });
      expect(staging.resource.aws_kms_key.secrets_key.lifecycle).toBeUndefined();
    });

    it("is absent without customerManagedKey, and kmsKeyArn undefined", () => {
      const { stack, secrets } = givenSecrets();
      expect(synth(stack).json.resource.aws_kms_key).toBeUndefined();
      expect(secrets.kmsKeyArn).toBeUndefined();
    });
  });

  describe("validation", () => {
    it.each([6, 31, 7.5])("rejects recoveryWindowDays %p", (days) => {
      expect(() => givenSecrets({ recoveryWindowDays: days })).toThrow(`AppSecrets: recoveryWindowDays got ${days}; allowed: an integer from 7 to 30`);
    });

    it.each(["postgres", "admin", "rdsadmin", "rdsrepladmin", "root", "Admin", "1user", "app-user", "a".repeat(64), ""])("rejects databaseUsername %p", (name) => {
      expect(errorOf(() => givenSecrets({ databaseUsername: name })).message).toBe(
        `AppSecrets: databaseUsername got ${JSON.stringify(name)}; allowed: 1-63 lower-case letters, digits or "_", starting with a letter, and not postgres, admin, rdsadmin, rdsrepladmin, root`,
      );
    });

    it.each(["postgres", "rdsadmin", "template0", "template1", "whc-sites", "Whcsites"])("rejects databaseName %p", (name) => {
      expect(errorOf(() => givenSecrets({ databaseName: name })).message).toBe(
        `AppSecrets: databaseName got ${JSON.stringify(name)}; allowed: 1-63 lower-case letters, digits or "_", starting with a letter, and not postgres, rdsadmin, template0, template1`,
      );
    });

    it("accepts a custom user and database name of 63 characters", () => {
      const { secrets } = givenSecrets({ databaseUsername: `w${"_".repeat(62)}`, databaseName: "whc_prod" });
      expect([secrets.databaseUsername.length, secrets.databaseName]).toEqual([63, "whc_prod"]);
    });

    it.each([undefined, "12345", "12345678901a"])("rejects accountId %p with a customer-managed key", (accountId) => {
      expect(() => givenSecrets({ customerManagedKey: true, accountId, region: "eu-west-1" })).toThrow(
        /^AppSecrets: accountId got .*; allowed: a 12-digit AWS account id when customerManagedKey is true$/,
      );
    });

    it.each([undefined, "Ireland", "eu-west"])("rejects region %p with a customer-managed key", (region) => {
      expect(() => givenSecrets({ customerManagedKey: true, accountId: "123456789012", region })).toThrow(
        /^AppSecrets: region got .*; allowed: an AWS region such as "eu-west-1" when customerManagedKey is true$/,
      );
    });

    it("collects every problem: bad user, bad database name and a short window give one PropError with three lines", () => {
      const error = errorOf(() => givenSecrets({ databaseUsername: "admin", databaseName: "postgres", recoveryWindowDays: 1 }));
      expect(error).toBeInstanceOf(PropError);
      expect((error as PropError).problems.map((p) => p.prop)).toEqual(["recoveryWindowDays", "databaseUsername", "databaseName"]);
      expect(error.message.split("\n")).toHaveLength(3);
    });
  });
});
