import { App, Testing } from "cdktf";
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { readableLogicalId } from "../../src/core/logical-id";
import { ReadableStack } from "../../src/stacks/readable-stack";

describe("readableLogicalId", () => {
  test.each([
    [["network", "private_a"], "network_private_a"],
    [["database", "Resource"], "database"],
    [["api", "targetGroup"], "api_target_group"],
    [["state-bucket", "Default", "public access"], "state_bucket_public_access"],
    [["9lives"], "_9lives"],
  ])("%j becomes %s", (pathBelowStack, expected) => {
    expect(readableLogicalId(pathBelowStack)).toBe(expected);
  });
});

describe("ReadableStack", () => {
  test("addresses read like hand-written Terraform, with no hash suffix", () => {
    // GIVEN a stack with a construct holding a main resource and a child
    const app = Testing.app();
    const stack = new ReadableStack(app, "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const network = new Construct(stack, "network");
    new Subnet(network, "private_a", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" });
    new S3Bucket(new Construct(stack, "logs"), "Resource", {});
    // WHEN synthesized
    const json = JSON.parse(Testing.synth(stack));
    // THEN the addresses are the snake_case paths
    expect(Object.keys(json.resource.aws_subnet)).toEqual(["network_private_a"]);
    expect(Object.keys(json.resource.aws_s3_bucket)).toEqual(["logs"]);
  });

  test("two resources of one type that would share an address fail with both paths named", () => {
    // GIVEN two constructs whose paths fold to the same address
    const stack = new ReadableStack(new App(), "test");
    new S3Bucket(stack, "access_logs", {});
    new S3Bucket(new Construct(stack, "access"), "logs", {});
    // WHEN synthesized THEN cdktf does not merge them silently
    expect(() => Testing.synth(stack)).toThrow(/"test\/access\/logs" and "test\/access_logs" both become aws_s3_bucket\.access_logs|"test\/access_logs" and "test\/access\/logs" both become aws_s3_bucket\.access_logs/);
  });

  test("resources of different types may share a name", () => {
    const stack = new ReadableStack(new App(), "test");
    new S3Bucket(new Construct(stack, "api"), "Resource", {});
    new Subnet(new Construct(stack, "API"), "Resource", { vpcId: "v", cidrBlock: "10.0.0.0/24" });
    const json = JSON.parse(Testing.synth(stack));
    expect(Object.keys(json.resource.aws_s3_bucket)).toEqual(["api"]);
    expect(Object.keys(json.resource.aws_subnet)).toEqual(["api"]);
  });

  test("hands over, once, each element's configuration as resolved by the preparation", () => {
    // GIVEN a subnet that refers to a bucket
    const stack = new ReadableStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const bucket = new S3Bucket(stack, "logs", { bucket: "logs" });
    const subnet = new Subnet(stack, "private_a", { vpcId: bucket.id, cidrBlock: "10.0.0.0/24" });
    expect(stack.takeResolvedAtPreparation()).toBeUndefined();
    // WHEN prepared (as app.synth() does first)
    stack.prepareStack();
    // THEN the resolved block is there, references rendered as in the stack file, and only for the first taker
    expect(stack.takeResolvedAtPreparation()?.get(subnet)).toEqual({
      resource: { aws_subnet: { private_a: expect.objectContaining({ vpc_id: "${aws_s3_bucket.logs.id}", cidr_block: "10.0.0.0/24" }) } },
    });
    expect(stack.takeResolvedAtPreparation()).toBeUndefined();
  });
});
