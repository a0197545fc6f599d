import * as path from "path";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { EnvironmentStack } from "../../src/stacks/environment-stack";

const ROOT = path.join(__dirname, "..", "..");
const state = loadStateConfig(path.join(ROOT, "state.json"));

/** Synthesizes the stack of a committed environment file and returns its JSON. */
function synthEnvironment(name: string): any {
  const config = loadEnvironment(path.join(ROOT, "environments", `${name}.json`));
  const stack = new EnvironmentStack(Testing.app(), `whcsites-${name}`, { config, state });
  return JSON.parse(Testing.synth(stack));
}

describe("EnvironmentStack", () => {
  const staging = synthEnvironment("staging");
  const production = synthEnvironment("production");

  test("keeps state in S3 under a key per environment, encrypted, locked by S3 and DynamoDB", () => {
    expect(staging.terraform.backend.s3).toEqual({
      bucket: "whcsites-tfstate-123456789012-eu-west-1",
      key: "whcsites/staging/terraform.tfstate",
      region: "eu-west-1",
      encrypt: true,
      dynamodb_table: "whcsites-tfstate-lock",
      use_lockfile: true,
    });
    expect(production.terraform.backend.s3.key).toBe("whcsites/production/terraform.tfstate");
  });

  test("the provider refuses any account but the environment's, and tags everything", () => {
    expect(production.provider.aws[0]).toMatchObject({
      region: "eu-west-1",
      allowed_account_ids: ["123456789012"],
      default_tags: [{ tags: { app: "whcsites", environment: "production", "managed-by": "cdktf", repository: "whcsites-infra" } }],
    });
    expect(staging.provider.aws[0].allowed_account_ids).toEqual(["210987654321"]);
  });

  test("the image tag is a variable whose default is the file's tag", () => {
    expect(staging.variable.image_tag).toMatchObject({ type: "string", default: "1.4.2" });
    expect(staging.variable.image_tag.validation[0].condition).toContain("var.image_tag");
  });

  test("no data source calls an AWS API, so every stack plans offline", () => {
    const offline = new Set(["aws_iam_policy_document", "aws_partition", "aws_region", "aws_elb_service_account"]);
    for (const json of [staging, production]) {
      expect(Object.keys(json.data ?? {}).filter((type) => !offline.has(type))).toEqual([]);
    }
  });

  test("no reference crosses stacks: nothing reads remote state", () => {
    for (const json of [staging, production]) expect(json.data?.terraform_remote_state).toBeUndefined();
  });
});
