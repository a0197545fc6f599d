import { App, DefaultTokenResolver, StringConcat, TerraformStack, TerraformVariable, Testing, Tokenization } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { ectoDatabaseUrl } from "../../src/constructs/profiles/phoenix";
import { AppSecrets, AppSecretsProps, DATABASE_PASSWORD_SPECIAL_CHARACTERS, DatabaseConnectionParts } from "../../src/constructs/secrets";
import { PropError } from "../../src/constructs/validation";
import { Naming } from "../../src/core/naming";
import { ReadableStack } from "../../src/stacks/readable-stack";

type Synth = { resource: Record<string, Record<string, Record<string, unknown>>>; output?: Record<string, unknown> };

/** A database endpoint stand-in: what storeDatabaseConnection reads of an Rds. */
const DATABASE = { address: "whcsites-staging-db.abc.eu-west-1.rds.amazonaws.com", port: 5432, path: "test/database" };
const PASSWORD = "random_password.secrets_database_password.result";

function givenStack(): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new ReadableStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new RandomProvider(stack, "random");
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
    it("generates a 32-character database password using only URL-unreserved characters RDS accepts", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();
      const { json } = synth(stack);

      // THEN
      expect(json.resource.random_password.secrets_database_password).toEqual({
        length: 32,
        special: true,
        override_special: "-_~",
        min_lower: 1,
        min_upper: 1,
        min_numeric: 1,
        min_special: 1,
      });
      for (const character of DATABASE_PASSWORD_SPECIAL_CHARACTERS) {
        expect(`/@"' `).not.toContain(character);
        expect(encodeURIComponent(character)).toBe(character);
      }
      expect(resolve(stack, secrets.databasePasswordValue)).toBe(`\${${PASSWORD}}`);
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
      expect(secrets.databaseConnection).toBeUndefined();
      expect(secrets.databasePasswordValue).toBeUndefined();
      expect(errorOf(() => secrets.storeDatabaseConnection(DATABASE)).message).toBe(
        "AppSecrets: storeDatabaseConnection needs databaseCredentials (it is false).",
      );
    });
  });

  describe("generated", () => {
    it("stores a 64-character alphanumeric Terraform-generated value under /<app>/<environment>/<name>, with no literal value", () => {
      // GIVEN
      const { stack, secrets } = givenSecrets();
      // WHEN
      const secret = secrets.generated("secret-key-base", "Phoenix SECRET_KEY_BASE");
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(Password, { length: 64, special: false });
      expect(json.resource.aws_secretsmanager_secret.secrets_secret_key_base).toMatchObject({
        name: "/whcsites/staging/secret-key-base",
        description: "Phoenix SECRET_KEY_BASE",
        recovery_window_in_days: 7,
      });
      expect(json.resource.aws_secretsmanager_secret_version.secrets_secret_key_base_value).toEqual({
        secret_id: "${aws_secretsmanager_secret.secrets_secret_key_base.id}",
        secret_string: "${random_password.secrets_secret_key_base_password.result}",
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
      expect(Object.keys(synth(stack).json.resource.random_password).sort()).toEqual(["secrets_api_token_password", "secrets_database_password"]);
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
      expect(json.resource.random_password.secrets_mailer_api_key_password).toBeUndefined();
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
      secrets.storeDatabaseConnection(DATABASE);
      const { json } = synth(stack);

      // THEN
      const version = json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value;
      expect(version.secret_id).toBe("${aws_secretsmanager_secret.secrets_database_connection.id}");
      const value = version.secret_string as string;
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
      const value = json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value.secret_string as string;
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
      expect(Object.keys(synth(stack).json.resource.aws_secretsmanager_secret_version)).toEqual(["secrets_database_connection_value"]);
      expect(errorOf(() => secrets.storeDatabaseConnection({ ...DATABASE, path: "test/other" })).message).toBe(
        "AppSecrets: the connection secret already describes test/database; it cannot also describe test/other.",
      );
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

    it("in production: 30-day recovery window and prevent_destroy on every secret, never on the passwords", () => {
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
      // -replace must stay possible for a deliberate rotation.
      expect(Object.keys(json.resource.random_password)).toHaveLength(2);
      for (const password of Object.values(json.resource.random_password)) expect(password.lifecycle).toBeUndefined();
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
        expect.objectContaining({ Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*" }),
        expect.objectContaining({
          Sid: "UseThroughSecretsManagerOnly",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]),
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012" } },
        }),
      ]);
      expect(JSON.stringify(policy)).not.toContain('"AWS":"*"');
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
