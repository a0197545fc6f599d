import { App, DefaultTokenResolver, StringConcat, Testing, TerraformStack, Tokenization } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { AppSecrets, AppSecretsProps, DATABASE_PASSWORD_SPECIAL_CHARACTERS } from "../../src/constructs/secrets";
import { Naming } from "../../src/core/naming";
import { ReadableStack } from "../../src/stacks/readable-stack";

type Synth = { resource: Record<string, Record<string, Record<string, unknown>>>; output?: Record<string, unknown> };

const EXISTING_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ghcr-pull-AbCdEf";

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

/** The synthesized policy document of the role policy created by grantRead. */
function grantedPolicy(json: Synth): { Statement: { Sid: string; Action: string[]; Resource: string[]; Condition?: unknown }[] } {
  const policies = json.resource.aws_iam_role_policy;
  expect(Object.keys(policies)).toEqual(["secrets_read_execution_role"]);
  return JSON.parse(policies.secrets_read_execution_role.policy as string);
}

describe("AppSecrets", () => {
  describe("generated values", () => {
    it("generates a 64-character alphanumeric secret key base and stores it, with no literal value", () => {
      // GIVEN / WHEN
      const { stack } = givenSecrets();
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(Password, { length: 64, special: false });
      expect(json.resource.aws_secretsmanager_secret.secrets_secret_key_base).toMatchObject({
        name: "/whcsites/staging/secret-key-base",
      });
      expect(json.resource.aws_secretsmanager_secret_version.secrets_secret_key_base_value).toEqual({
        secret_id: "${aws_secretsmanager_secret.secrets_secret_key_base.id}",
        secret_string: "${random_password.secrets_secret_key_base_password.result}",
      });
    });

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
      expect(resolve(stack, secrets.databasePasswordValue)).toBe("${random_password.secrets_database_password.result}");
    });

    it("creates the connection secret empty until a database is stored, and has no outputs", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();
      const { json } = synth(stack);

      // THEN
      expect(json.resource.aws_secretsmanager_secret.secrets_database_connection).toMatchObject({ name: "/whcsites/staging/database" });
      expect(Object.keys(json.resource.aws_secretsmanager_secret_version)).toEqual(["secrets_secret_key_base_value"]);
      expect(resolve(stack, secrets.databaseUrlValueFrom)).toBe("${aws_secretsmanager_secret.secrets_database_connection.arn}:url::");
      expect(json.output).toBeUndefined();
    });

    it("defaults the database user and name, and exposes them", () => {
      // GIVEN / WHEN
      const { secrets } = givenSecrets();

      // THEN
      expect(secrets.databaseUsername).toBe("whcsites_admin");
      expect(secrets.databaseName).toBe("whcsites");
    });
  });

  describe("protection", () => {
    it("outside production: 7-day recovery window, no prevent_destroy, AWS-managed key", () => {
      // GIVEN / WHEN
      const { stack } = givenSecrets();
      const { json } = synth(stack);

      // THEN
      for (const secret of Object.values(json.resource.aws_secretsmanager_secret)) {
        expect(secret.recovery_window_in_days).toBe(7);
        expect(secret.lifecycle).toBeUndefined();
        expect(secret.kms_key_id).toBeUndefined();
      }
      expect(json.resource.aws_kms_key).toBeUndefined();
    });

    it("in production: 30-day recovery window and prevent_destroy on every secret, never on the passwords", () => {
      // GIVEN / WHEN
      const { stack } = givenSecrets({ production: true, registryCredentials: { mode: "managed" } }, "production");
      const { json } = synth(stack);

      // THEN
      const secrets = json.resource.aws_secretsmanager_secret;
      expect(Object.keys(secrets).sort()).toEqual(["secrets_database_connection", "secrets_registry_credentials", "secrets_secret_key_base"]);
      for (const secret of Object.values(secrets)) {
        expect(secret.recovery_window_in_days).toBe(30);
        expect(secret.lifecycle).toEqual({ prevent_destroy: true });
      }
      // -replace must stay possible for a deliberate rotation.
      for (const password of Object.values(json.resource.random_password)) expect(password.lifecycle).toBeUndefined();
    });

    it("takes a configured recovery window", () => {
      // GIVEN / WHEN
      const { stack } = givenSecrets({ production: true, recoveryWindowDays: 10 });

      // THEN
      expect(synth(stack).text).toHaveResourceWithProperties(SecretsmanagerSecret, { recovery_window_in_days: 10 });
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
      const { stack, secrets } = givenSecrets({ ...cmk, registryCredentials: { mode: "managed" } });
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
      expect(text).toHaveResourceWithProperties(KmsAlias, { name: "alias/whcsites-staging-secrets", target_key_id: "${aws_kms_key.secrets_key.key_id}" });
      const policy = JSON.parse(json.resource.aws_kms_key.secrets_key.policy as string);
      expect(policy.Statement).toEqual([
        expect.objectContaining({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*" }),
        expect.objectContaining({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]),
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012" } },
        }),
      ]);
      expect(JSON.stringify(policy)).not.toContain('"AWS":"*"');
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
  });

  describe("registry credentials", () => {
    it("managed: an empty secret for the operator to fill, never a version", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets({ registryCredentials: { mode: "managed" } });
      const { json } = synth(stack);

      // THEN
      expect(json.resource.aws_secretsmanager_secret.secrets_registry_credentials).toMatchObject({ name: "/whcsites/staging/registry-credentials" });
      const versions = Object.values(json.resource.aws_secretsmanager_secret_version);
      expect(versions.map((v) => v.secret_id)).not.toContain("${aws_secretsmanager_secret.secrets_registry_credentials.id}");
      expect(secrets.registryCredentialsName).toBe("/whcsites/staging/registry-credentials");
      expect(resolve(stack, secrets.registryCredentialsArn)).toBe("${aws_secretsmanager_secret.secrets_registry_credentials.arn}");
      expect(resolve(stack, secrets.secretArns)).toContain("${aws_secretsmanager_secret.secrets_registry_credentials.arn}");
    });

    it("existing: no secret created, the ARN is used as given", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets({ registryCredentials: { mode: "existing", secretArn: EXISTING_ARN } });
      const { json } = synth(stack);

      // THEN
      expect(Object.keys(json.resource.aws_secretsmanager_secret).sort()).toEqual(["secrets_database_connection", "secrets_secret_key_base"]);
      expect(secrets.registryCredentialsArn).toBe(EXISTING_ARN);
      expect(secrets.registryCredentialsName).toBeUndefined();
      expect(secrets.secretArns).toContain(EXISTING_ARN);
    });

    it("none: no registry secret and no ARN", () => {
      // GIVEN / WHEN
      const { stack, secrets } = givenSecrets();

      // THEN
      expect(secrets.registryCredentialsArn).toBeUndefined();
      expect(resolve(stack, secrets.secretArns)).toEqual([
        "${aws_secretsmanager_secret.secrets_secret_key_base.arn}",
        "${aws_secretsmanager_secret.secrets_database_connection.arn}",
      ]);
    });
  });

  describe("grantRead", () => {
    function whenGranted(props: Partial<AppSecretsProps>): Synth {
      const { stack, secrets } = givenSecrets(props);
      const role = new IamRole(stack, "execution_role", { name: "exec", assumeRolePolicy: "{}" });
      secrets.grantRead(role);
      const { text, json } = synth(stack);
      expect(text).toHaveResourceWithProperties(IamRolePolicy, { role: "${aws_iam_role.execution_role.name}" });
      return json;
    }

    it("grants GetSecretValue on exactly the app's secret ARNs, with no kms statement under the AWS-managed key", () => {
      // GIVEN / WHEN
      const json = whenGranted({ registryCredentials: { mode: "existing", secretArn: EXISTING_ARN } });

      // THEN
      const policy = grantedPolicy(json);
      expect(policy.Statement).toEqual([
        {
          Sid: "ReadAppSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [
            "${aws_secretsmanager_secret.secrets_secret_key_base.arn}",
            "${aws_secretsmanager_secret.secrets_database_connection.arn}",
            EXISTING_ARN,
          ],
        },
      ]);
      expect(JSON.stringify(policy)).not.toMatch(/"\*"|:\*"/);
    });

    it("adds kms:Decrypt on the customer-managed key only, through Secrets Manager", () => {
      // GIVEN / WHEN
      const json = whenGranted({ customerManagedKey: true, accountId: "123456789012", region: "eu-west-1", registryCredentials: { mode: "managed" } });

      // THEN
      const policy = grantedPolicy(json);
      expect(policy.Statement).toHaveLength(2);
      expect(policy.Statement[0].Resource).toEqual([
        "${aws_secretsmanager_secret.secrets_secret_key_base.arn}",
        "${aws_secretsmanager_secret.secrets_database_connection.arn}",
        "${aws_secretsmanager_secret.secrets_registry_credentials.arn}",
      ]);
      expect(policy.Statement[1]).toEqual({
        Sid: "DecryptAppSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: ["${aws_kms_key.secrets_key.arn}"],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      });
      expect(JSON.stringify(policy)).not.toMatch(/"\*"|:\*"/);
    });
  });

  describe("validation", () => {
    it.each([6, 31, 7.5])("rejects recoveryWindowDays %p", (days) => {
      expect(() => givenSecrets({ recoveryWindowDays: days })).toThrow(
        new RegExp(`AppSecrets: recoveryWindowDays got ${days}; allowed: an integer from 7 to 30`),
      );
    });

    it.each(["postgres", "admin", "rdsadmin", "Admin", "1user", "app-user", "a".repeat(64), ""])("rejects databaseUsername %p", (name) => {
      expect(() => givenSecrets({ databaseUsername: name })).toThrow(
        /AppSecrets: databaseUsername must be 1-63 lower-case letters, digits or "_", starting with a letter, and not postgres, admin, rdsadmin, rdsrepladmin, root; got /,
      );
    });

    it.each(["postgres", "template1", "whc-sites", "Whcsites"])("rejects databaseName %p", (name) => {
      expect(() => givenSecrets({ databaseName: name })).toThrow(
        new RegExp(`AppSecrets: databaseName must be 1-63 lower-case letters, digits or "_", starting with a letter, and not postgres, rdsadmin, template0, template1; got "${name}"`),
      );
    });

    it("accepts a custom user and database name", () => {
      const { secrets } = givenSecrets({ databaseUsername: "whc_owner", databaseName: "whc_prod" });
      expect([secrets.databaseUsername, secrets.databaseName]).toEqual(["whc_owner", "whc_prod"]);
    });

    it.each([undefined, "12345", "12345678901a"])("rejects accountId %p with a customer-managed key", (accountId) => {
      expect(() => givenSecrets({ customerManagedKey: true, accountId, region: "eu-west-1" })).toThrow(
        /AppSecrets: accountId must be a 12-digit AWS account id when customerManagedKey is true; got /,
      );
    });

    it.each([undefined, "Ireland", "eu-west"])("rejects region %p with a customer-managed key", (region) => {
      expect(() => givenSecrets({ customerManagedKey: true, accountId: "123456789012", region })).toThrow(
        /AppSecrets: region must be an AWS region such as "eu-west-1" when customerManagedKey is true; got /,
      );
    });

    it("rejects an existing registry secret that is not a Secrets Manager ARN", () => {
      expect(() => givenSecrets({ registryCredentials: { mode: "existing", secretArn: "ghcr-pull" } })).toThrow(
        /AppSecrets: registryCredentials.secretArn must be a Secrets Manager secret ARN \(arn:aws:secretsmanager:<region>:<account>:secret:<name>\); got "ghcr-pull"\./,
      );
    });

    it("rejects an unknown registry credentials mode", () => {
      const registryCredentials = { mode: "inline" } as unknown as AppSecretsProps["registryCredentials"];
      expect(() => givenSecrets({ registryCredentials })).toThrow(/AppSecrets: registryCredentials.mode must be "managed" or "existing"; got "inline"\./);
    });
  });
});
