import { App, Testing } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { EphemeralPassword, EphemeralPasswordProps } from "../../../src/constructs/secrets/ephemeral-password";
import { PropError } from "../../../src/constructs/shared/validation";
import { ReadableStack } from "../../../src/stacks/readable-stack";

type Blocks = Record<string, Record<string, Record<string, unknown>>>;
type Synth = { ephemeral?: Blocks; resource?: Blocks };

/** A stack as the environment stack has it: the aws provider only. */
function givenStack(): { app: App; stack: ReadableStack } {
  const app = Testing.app();
  const stack = new ReadableStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return { app, stack };
}

/** The ephemeral blocks of one EphemeralPassword, synthesized on its own. */
function synthScope(props: EphemeralPasswordProps, id = "password"): Synth {
  return JSON.parse(Testing.synthScope((scope) => new EphemeralPassword(scope, id, props))) as Synth;
}

function errorOf(action: () => unknown): PropError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected a PropError");
}

describe("EphemeralPassword", () => {
  describe("GIVEN only a length", () => {
    // WHEN
    const json = synthScope({ length: 24 });

    test("THEN it is an ephemeral aws_secretsmanager_random_password block with only its length (the API's defaults)", () => {
      expect(json.ephemeral).toEqual({ aws_secretsmanager_random_password: { password: { password_length: 24 } } });
    });

    test("THEN nothing of it is a resource, so nothing of it reaches the state", () => {
      expect(json.resource).toBeUndefined();
      expect(JSON.stringify(json)).not.toHaveResource(SecretsmanagerSecret);
    });
  });

  test("GIVEN every option WHEN synthesized THEN each becomes its GetRandomPassword argument", () => {
    // GIVEN / WHEN
    const json = synthScope({ length: 32, excludePunctuation: false, excludeCharacters: "/@\"' ", requireEachIncludedType: true });
    // THEN
    expect(json.ephemeral?.aws_secretsmanager_random_password.password).toEqual({
      password_length: 32,
      exclude_punctuation: false,
      exclude_characters: "/@\"' ",
      require_each_included_type: true,
    });
  });

  test("GIVEN letters and digits only WHEN synthesized THEN only that is set", () => {
    const json = synthScope({ length: 64, excludePunctuation: true });
    expect(json.ephemeral?.aws_secretsmanager_random_password.password).toEqual({ password_length: 64, exclude_punctuation: true });
  });

  describe("GIVEN a password nested in a construct, written to a write-only argument", () => {
    // GIVEN
    const { stack } = givenStack();
    const secrets = new Construct(stack, "secrets");
    const password = new EphemeralPassword(secrets, "database_password", { length: 32 });
    // WHEN
    new SecretsmanagerSecretVersion(stack, "value", { secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", secretStringWo: password.result, secretStringWoVersion: 1 });
    const text = Testing.synth(stack);
    const json = JSON.parse(text) as Synth;

    test("THEN the block is named after the construct path, as resources are", () => {
      expect(Object.keys(json.ephemeral?.aws_secretsmanager_random_password ?? {})).toEqual(["secrets_database_password"]);
    });

    test("THEN `result` is a reference to the ephemeral block's result", () => {
      expect(text).toHaveResourceWithProperties(SecretsmanagerSecretVersion, {
        secret_string_wo: "${ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password}",
        secret_string_wo_version: 1,
      });
    });

    test("THEN the stack's only resource is the secret version: no random_password resource", () => {
      expect(Object.keys(json.resource ?? {})).toEqual(["aws_secretsmanager_secret_version"]);
    });

    test("THEN cdktf's own HCL leaves the block out (cdktf 0.21 renders no ephemeral block) but keeps the reference", () => {
      const hcl = Testing.synthHcl(stack);
      expect(hcl).not.toMatch(/ephemeral\s+"aws_secretsmanager_random_password"/);
      expect(hcl).toContain("ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password");
    });

    test("THEN toHclTerraform describes the block's arguments as cdktf describes a resource's (the review copy renders them)", () => {
      expect(password.toHclTerraform()).toEqual({
        ephemeral: {
          aws_secretsmanager_random_password: {
            secrets_database_password: {
              password_length: { value: 32, isBlock: false, type: "simple", storageClassType: "number" },
            },
          },
        },
      });
    });
  });

  describe("validation", () => {
    test.each([16, 64, 128])("GIVEN length %p WHEN built THEN it is accepted", (length) => {
      expect(synthScope({ length }).ephemeral?.aws_secretsmanager_random_password.password).toMatchObject({ password_length: length });
    });

    test.each([15, 129, 0, 32.5])("GIVEN length %p WHEN built THEN it is refused with the allowed range", (length) => {
      const { stack } = givenStack();
      expect(errorOf(() => new EphemeralPassword(stack, "password", { length })).message).toBe(
        `EphemeralPassword: length got ${length}; allowed: an integer from 16 to 128`,
      );
    });
  });
});
