import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketAcl } from "@cdktf/provider-aws/lib/s3-bucket-acl";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { s3DenyInsecureTransport } from "../../src/policies/rules/s3-5-deny-insecure-transport";
import { s3PublicAccessBlock } from "../../src/policies/rules/s3-8-public-access-block";
import { s3NoAcls } from "../../src/policies/rules/s3-12-no-acls";
import { expectFails, expectPasses, guardedStack } from "./helpers";

function tlsOnlyJson(bucket: S3Bucket): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, `${bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

describe("S3.5 deny non-TLS requests", () => {
  test("passes with a JSON bucket policy (references inside) and with an aws_iam_policy_document", () => {
    // GIVEN one bucket per policy style
    const stack = guardedStack([s3DenyInsecureTransport]);
    const json = new S3Bucket(stack, "json");
    new S3BucketPolicy(stack, "json_policy", { bucket: json.id, policy: tlsOnlyJson(json) });
    const doc = new S3Bucket(stack, "doc", { bucket: "whc-doc" });
    const document = new DataAwsIamPolicyDocument(stack, "doc_document", {
      statement: [
        {
          effect: "Deny",
          actions: ["s3:*"],
          resources: [doc.arn],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    // the literal bucket name is matched too
    new S3BucketPolicy(stack, "doc_policy", { bucket: "whc-doc", policy: document.json });
    // WHEN / THEN
    expectPasses(stack, "S3.5", ["aws_s3_bucket.json", "aws_s3_bucket.doc"]);
  });

  test("fails for a bucket without a policy", () => {
    const stack = guardedStack([s3DenyInsecureTransport]);
    new S3Bucket(stack, "logs");
    expectFails(stack, "S3.5", "logs", /the bucket has no bucket policy.*Fix: attach an aws_s3_bucket_policy \(bucket = aws_s3_bucket\.logs\.id\)/);
  });

  test("fails for a policy without the TLS deny", () => {
    const stack = guardedStack([s3DenyInsecureTransport]);
    const bucket = new S3Bucket(stack, "logs");
    new S3BucketPolicy(stack, "policy", {
      bucket: bucket.id,
      policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${bucket.arn}/*` }] }),
    });
    expectFails(stack, "S3.5", "logs", /the bucket policy does not deny requests without TLS/);
  });

  test("fails for a policy it cannot read", () => {
    const stack = guardedStack([s3DenyInsecureTransport]);
    const bucket = new S3Bucket(stack, "logs");
    new S3BucketPolicy(stack, "policy", { bucket: bucket.id, policy: Fn.jsonencode({ Statement: [] }) });
    expectFails(stack, "S3.5", "logs", /the bucket policy cannot be read before apply/);
  });
});

function publicAccessBlock(scope: Construct, bucket: S3Bucket, restrictPublicBuckets = true): void {
  new S3BucketPublicAccessBlock(scope, "pab", { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets });
}

describe("S3.8 public access block", () => {
  test("passes with all four settings true", () => {
    const stack = guardedStack([s3PublicAccessBlock]);
    publicAccessBlock(stack, new S3Bucket(stack, "logs"));
    expectPasses(stack, "S3.8", ["aws_s3_bucket.logs"]);
  });

  test("fails without a public access block", () => {
    const stack = guardedStack([s3PublicAccessBlock]);
    new S3Bucket(stack, "logs");
    expectFails(stack, "S3.8", "logs", /the bucket has no public access block/);
  });

  test("fails when one setting is off", () => {
    const stack = guardedStack([s3PublicAccessBlock]);
    publicAccessBlock(stack, new S3Bucket(stack, "logs"), false);
    expectFails(stack, "S3.8", "logs", /leaves restrict_public_buckets not true/);
  });
});

describe("S3.12 no ACLs", () => {
  test("passes with BucketOwnerEnforced", () => {
    const stack = guardedStack([s3NoAcls]);
    const bucket = new S3Bucket(stack, "logs");
    new S3BucketOwnershipControls(stack, "ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    expectPasses(stack, "S3.12", ["aws_s3_bucket.logs"]);
  });

  test("fails with ObjectWriter ownership", () => {
    const stack = guardedStack([s3NoAcls]);
    const bucket = new S3Bucket(stack, "logs");
    new S3BucketOwnershipControls(stack, "ownership", { bucket: bucket.id, rule: { objectOwnership: "ObjectWriter" } });
    expectFails(stack, "S3.12", "logs", /object ownership is not BucketOwnerEnforced/);
  });

  test("fails with an ACL resource", () => {
    const stack = guardedStack([s3NoAcls]);
    const bucket = new S3Bucket(stack, "logs");
    new S3BucketOwnershipControls(stack, "ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketAcl(stack, "acl", { bucket: bucket.id, acl: "log-delivery-write" });
    expectFails(stack, "S3.12", "logs", /the bucket sets an ACL \(aws_s3_bucket_acl\.acl\)/);
  });
});
