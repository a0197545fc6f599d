import * as fs from "fs";
import * as path from "path";
import { PLACEHOLDER_CREDENTIALS, prepareStackJson, qualifySource, requiredProviders, resourceAddresses, type StackJson } from "../../scripts/lib/stack-json";

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
