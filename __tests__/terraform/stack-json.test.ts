import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { PLACEHOLDER_CREDENTIALS, prepareStackJson, qualifySource, requiredProviders, resourceAddresses, type StackJson } from "../../scripts/lib/stack/stack-json";
import { ectoDatabaseUrl } from "../../src/constructs/ecs-service/profiles/phoenix";
import { Rds } from "../../src/constructs/rds/rds";
import { AppSecrets } from "../../src/constructs/secrets/secrets";
import { Naming } from "../../src/core/naming";
import { ReadableStack } from "../../src/stacks/readable-stack";
import { testNetwork } from "../helpers/network";

const STACKS = path.join(__dirname, "..", "fixtures", "terraform", "stacks");

function fixture(stack: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(STACKS, stack, "cdk.tf.json"), "utf8")) as StackJson;
}

// Parsed JSON is untyped below the parts StackJson names; tests read it loosely.
type Loose = any;

describe("prepareStackJson: the offline working copy", () => {
  test("drops the backend and the account-bound provider arguments, adds placeholder credentials, keeps the rest", () => {
    // GIVEN a stack with an S3 backend, allowed_account_ids and default_tags
    const original = fixture("random-swap");
    const before = JSON.stringify(original);

    // WHEN prepared
    const prepared = prepareStackJson(original);
    const json = prepared.json as Loose;

    // THEN the backend and allowed_account_ids are gone, credentials are placeholders and region/tags are kept
    expect(json.terraform.backend).toBeUndefined();
    expect(prepared.droppedBackend).toBe("s3");
    expect(prepared.droppedProviderArguments).toEqual(["allowed_account_ids"]);
    expect(json.provider.aws).toEqual([
      {
        region: "eu-west-1",
        default_tags: [{ tags: { app: "fixture", environment: "test" } }],
        ...PLACEHOLDER_CREDENTIALS,
      },
    ]);
    expect(PLACEHOLDER_CREDENTIALS).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
    });
    // AND without swapping, random stays as synthesized
    expect(prepared.swappedRandom).toEqual([]);
    expect(json.resource.random_password.database_master).toEqual({ length: 32, special: false });
    expect(json.terraform.required_providers.random).toEqual({ source: "hashicorp/random", version: "3.7.2" });
    // AND the input is untouched
    expect(JSON.stringify(original)).toBe(before);
  });

  test("swapRandom replaces random_* with a terraform_data stand-in, unknown at plan and still sensitive", () => {
    // GIVEN a random_password referenced in an expression, in depends_on and in an output
    const original = fixture("random-swap");

    // WHEN prepared with the swap
    const prepared = prepareStackJson(original, { swapRandom: true });
    const json = prepared.json as Loose;

    // THEN the random resource and provider are gone and a stand-in with an unknown input replaces it
    expect(prepared.swappedRandom).toEqual([
      { from: "random_password.database_master", to: "terraform_data.random_password_database_master", sensitive: true },
    ]);
    expect(json.resource.random_password).toBeUndefined();
    expect(json.resource.terraform_data.random_password_database_master).toEqual({ input: "${timestamp()}" });
    expect(json.terraform.required_providers.random).toBeUndefined();
    expect(json.provider.random).toBeUndefined();
    expect(json.terraform.required_providers.aws).toEqual({ source: "aws", version: "5.100.0" });
    // AND every reference points at the stand-in's output, wrapped in sensitive()
    const version = json.resource.aws_secretsmanager_secret_version.database_master;
    expect(version.secret_string).toBe(
      '${jsonencode({"username" = "app", "password" = sensitive(terraform_data.random_password_database_master.output)})}',
    );
    expect(version.depends_on).toEqual(["terraform_data.random_password_database_master"]);
    expect(json.output.database_password_length.value).toBe("${length(sensitive(terraform_data.random_password_database_master.output))}");
    expect(JSON.stringify(json)).not.toMatch(/random_password\.database_master/);
  });

  test("swapRandom keeps count indexes, leaves non-sensitive random types unwrapped and avoids name clashes", () => {
    // GIVEN counted random resources and a terraform_data that already has the stand-in's name
    const stack: StackJson = {
      terraform: { required_providers: { random: { source: "hashicorp/random" } } },
      resource: {
        random_password: { db: { length: 16, count: 2 } },
        random_id: { suffix: { byte_length: 4 } },
        terraform_data: { random_password_db: { input: "kept" } },
        aws_ssm_parameter: {
          p: { name: "/x/${random_id.suffix.hex}", value: "${random_password.db[1].result}", type: "SecureString" },
        },
      },
    };

    // WHEN prepared with the swap
    const json = prepareStackJson(stack, { swapRandom: true }).json as Loose;

    // THEN the existing terraform_data is kept and the stand-ins get free names, count included
    expect(json.resource.terraform_data.random_password_db).toEqual({ input: "kept" });
    expect(json.resource.terraform_data.random_password_db_2).toEqual({ input: "${timestamp()}", count: 2 });
    expect(json.resource.terraform_data.random_id_suffix).toEqual({ input: "${timestamp()}" });
    expect(json.resource.aws_ssm_parameter.p.value).toBe("${sensitive(terraform_data.random_password_db_2[1].output)}");
    expect(json.resource.aws_ssm_parameter.p.name).toBe("/x/${terraform_data.random_id_suffix.output}");
  });

  test("source addresses and resource addresses", () => {
    expect(qualifySource("aws")).toBe("registry.terraform.io/hashicorp/aws");
    expect(qualifySource("hashicorp/random")).toBe("registry.terraform.io/hashicorp/random");
    expect(requiredProviders(fixture("random-swap")).map((p) => p.source)).toEqual([
      "registry.terraform.io/hashicorp/aws",
      "registry.terraform.io/hashicorp/random",
    ]);
    expect(resourceAddresses(fixture("random-swap"))).toEqual([
      "aws_secretsmanager_secret.database_master",
      "aws_secretsmanager_secret_version.database_master",
      "aws_ssm_parameter.image_tag",
      "random_password.database_master",
    ]);
  });
});

describe("prepareStackJson: ephemeral passwords (write-only secrets)", () => {
  /** A stack as AppSecrets and Rds synthesize it: two ephemeral passwords, one in password_wo, one inside jsonencode. */
  function givenEphemeralStack(): StackJson {
    return {
      "//": { metadata: { stackName: "test" } },
      terraform: { required_providers: { aws: { source: "aws", version: "5.100.0" } }, backend: { s3: { bucket: "state" } } },
      provider: { aws: [{ region: "eu-west-1" }] },
      ephemeral: {
        aws_secretsmanager_random_password: {
          secrets_database_password: { password_length: 32, exclude_characters: "!@", require_each_included_type: true },
          secrets_secret_key_base_password: { password_length: 64, exclude_punctuation: true },
        },
      },
      resource: {
        aws_db_instance: {
          database: { identifier: "db", password_wo: "${ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password}", password_wo_version: 1 },
        },
        aws_secretsmanager_secret_version: {
          connection: {
            secret_id: "${aws_secretsmanager_secret.connection.id}",
            secret_string_wo: '${jsonencode({"username" = "whcsites_admin", "password" = ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password, "host" = aws_db_instance.database.address})}',
            secret_string_wo_version: 1,
          },
          key_base: { secret_id: "${aws_secretsmanager_secret.key_base.id}", secret_string_wo: "${ephemeral.aws_secretsmanager_random_password.secrets_secret_key_base_password.random_password}", secret_string_wo_version: 2 },
        },
        aws_secretsmanager_secret: { connection: { name: "/whcsites/test/database" }, key_base: { name: "/whcsites/test/secret-key-base" } },
      },
      output: { database: { value: "${aws_db_instance.database.address}" } },
    };
  }

  test("GIVEN ephemeral blocks WHEN swapped THEN each becomes a sensitive terraform_data stand-in, the ephemeral key goes, and nothing else changes", () => {
    // GIVEN
    const original = givenEphemeralStack();
    const before = JSON.stringify(original);

    // WHEN
    const prepared = prepareStackJson(original, { swapEphemeral: true });

    // THEN the swaps are listed, sensitive
    expect(prepared.swappedEphemeral).toEqual([
      { from: "ephemeral.aws_secretsmanager_random_password.secrets_database_password", to: "terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_password", sensitive: true },
      { from: "ephemeral.aws_secretsmanager_random_password.secrets_secret_key_base_password", to: "terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_secret_key_base_password", sensitive: true },
    ]);
    expect(prepared.swappedRandom).toEqual([]);
    // AND the whole working copy is the original with exactly these changes: backend gone, placeholder credentials,
    // stand-ins unknown until apply, references to their output wrapped in sensitive()
    const expected = JSON.parse(before) as Loose;
    delete expected.terraform.backend;
    delete expected.ephemeral;
    expected.provider.aws = [{ region: "eu-west-1", ...PLACEHOLDER_CREDENTIALS }];
    expected.resource.terraform_data = {
      ephemeral_aws_secretsmanager_random_password_secrets_database_password: { input: "${timestamp()}" },
      ephemeral_aws_secretsmanager_random_password_secrets_secret_key_base_password: { input: "${timestamp()}" },
    };
    const database = "sensitive(terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_password.output)";
    expected.resource.aws_db_instance.database.password_wo = `\${${database}}`;
    expected.resource.aws_secretsmanager_secret_version.connection.secret_string_wo = `\${jsonencode({"username" = "whcsites_admin", "password" = ${database}, "host" = aws_db_instance.database.address})}`;
    expected.resource.aws_secretsmanager_secret_version.key_base.secret_string_wo = "${sensitive(terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_secret_key_base_password.output)}";
    expect(prepared.json).toEqual(expected);
    expect(JSON.stringify(prepared.json)).not.toContain("ephemeral.");
    // AND the input is untouched
    expect(JSON.stringify(original)).toBe(before);
  });

  test("GIVEN a random_password resource and an ephemeral block of the same name, and a taken stand-in name WHEN both swaps run THEN each gets its own stand-in", () => {
    // GIVEN
    const stack: StackJson = {
      ephemeral: { aws_secretsmanager_random_password: { db: { password_length: 16 } } },
      resource: {
        random_password: { db: { length: 20 } },
        terraform_data: { ephemeral_aws_secretsmanager_random_password_db: { input: "kept" } },
        aws_ssm_parameter: {
          stored: { value: "${random_password.db.result}" },
          write_only: { value_wo: "${ephemeral.aws_secretsmanager_random_password.db.random_password}" },
        },
      },
    };

    // WHEN
    const prepared = prepareStackJson(stack, { swapRandom: true, swapEphemeral: true });
    const json = prepared.json as Loose;

    // THEN
    expect(prepared.swappedRandom.map((s) => [s.from, s.to])).toEqual([["random_password.db", "terraform_data.random_password_db"]]);
    expect(prepared.swappedEphemeral.map((s) => [s.from, s.to])).toEqual([["ephemeral.aws_secretsmanager_random_password.db", "terraform_data.ephemeral_aws_secretsmanager_random_password_db_2"]]);
    expect(json.resource.terraform_data.ephemeral_aws_secretsmanager_random_password_db).toEqual({ input: "kept" });
    expect(json.resource.aws_ssm_parameter.stored.value).toBe("${sensitive(terraform_data.random_password_db.output)}");
    expect(json.resource.aws_ssm_parameter.write_only.value_wo).toBe("${sensitive(terraform_data.ephemeral_aws_secretsmanager_random_password_db_2.output)}");
    expect(json.ephemeral).toBeUndefined();
  });

  test.each([{}, { swapRandom: true }])("GIVEN ephemeral blocks WHEN prepared with %j THEN they stay as synthesized (the emulator apply opens them)", (options) => {
    const original = givenEphemeralStack();
    const prepared = prepareStackJson(original, options);
    const json = prepared.json as Loose;
    expect(json.ephemeral).toEqual(original.ephemeral);
    expect(json.resource.aws_db_instance.database.password_wo).toBe("${ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password}");
    expect(json.resource.terraform_data).toBeUndefined();
    expect(prepared.swappedEphemeral).toEqual([]);
  });

  test("GIVEN a stack synthesized from AppSecrets and Rds WHEN swapped THEN no ephemeral reference is left and every stand-in is read through sensitive()", () => {
    // GIVEN the real constructs, with the database roles
    const stack = new ReadableStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const naming = new Naming("whcsites", "staging");
    const secrets = new AppSecrets(stack, "secrets", { naming, databaseRoles: ["app", "migrator"] });
    secrets.generated("secret-key-base", "x");
    const network = testNetwork(stack, naming);
    const database = new Rds(stack, "database", {
      naming,
      network,
      masterUsername: secrets.databaseUsername,
      masterPassword: secrets.databasePasswordValue as string,
      databaseName: secrets.databaseName,
    });
    secrets.storeDatabaseConnection({ address: database.address, port: database.port, path: database.node.path }, ectoDatabaseUrl);
    const synthesized = JSON.parse(Testing.synth(stack)) as StackJson;
    expect(Object.keys(synthesized.ephemeral?.aws_secretsmanager_random_password ?? {})).toHaveLength(4);

    // WHEN
    const prepared = prepareStackJson(synthesized, { swapEphemeral: true });

    // THEN
    const text = JSON.stringify(prepared.json);
    expect(prepared.json).not.toHaveProperty("ephemeral");
    expect(text).not.toContain("ephemeral.");
    expect(prepared.swappedEphemeral.map((s) => s.to).sort()).toEqual([
      "terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_app_password",
      "terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_migrator_password",
      "terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_password",
      "terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_secret_key_base_password",
    ]);
    const reads = text.match(/[\w(]*terraform_data\.ephemeral_aws_secretsmanager_random_password_\w+\.output/g) ?? [];
    // The instance, four secret versions, and each role's URL: every read is wrapped.
    expect(reads.length).toBeGreaterThanOrEqual(7);
    expect(reads.filter((r) => !r.startsWith("sensitive(terraform_data."))).toEqual([]);
    expect((prepared.json as Loose).resource.aws_db_instance.database.password_wo).toBe(
      "${sensitive(terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_password.output)}",
    );
  });
});
