import { TerraformOutput, Testing } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SecureBucket, SecureBucketProps } from "../../../src/constructs/shared/secure-bucket";
import { ReadableStack } from "../../../src/stacks/readable-stack";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const RULE = { id: "expire", status: "Enabled", expiration: [{ days: 30 }] };

function givenStack(): ReadableStack {
  return new ReadableStack(Testing.app(), "test");
}

function whenBucket(props: Partial<SecureBucketProps> = {}): { stack: ReadableStack; bucket: SecureBucket; synth: string; resources: Resources } {
  const stack = givenStack();
  const bucket = new SecureBucket(stack, "logs", { bucketPrefix: "whc-logs-", lifecycleRules: [RULE], ...props });
  new TerraformOutput(stack, "name", { value: bucket.bucketName });
  new TerraformOutput(stack, "arn", { value: bucket.bucketArn });
  new TerraformOutput(stack, "policy", { value: bucket.policy.id });
  new TerraformOutput(stack, "public_access_block", { value: bucket.publicAccessBlock.id });
  const synth = Testing.synth(stack);
  return { stack, bucket, synth, resources: JSON.parse(synth).resource as Resources };
}

function policyOf(resources: Resources): { Version: string; Statement: Record<string, unknown>[] } {
  return JSON.parse(resources.aws_s3_bucket_policy.logs_policy.policy as string);
}

describe("SecureBucket", () => {
  describe("GIVEN only a prefix and one lifecycle rule", () => {
    const { synth, resources } = whenBucket();

    test("THEN every child is addressed under the construct id", () => {
      expect(Object.keys(resources).sort()).toEqual([
        "aws_s3_bucket",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
      ]);
      expect(Object.keys(resources.aws_s3_bucket)).toEqual(["logs"]);
      expect(Object.keys(resources.aws_s3_bucket_public_access_block)).toEqual(["logs_public_access_block"]);
      expect(Object.keys(resources.aws_s3_bucket_ownership_controls)).toEqual(["logs_ownership"]);
      expect(Object.keys(resources.aws_s3_bucket_server_side_encryption_configuration)).toEqual(["logs_encryption"]);
      expect(Object.keys(resources.aws_s3_bucket_lifecycle_configuration)).toEqual(["logs_lifecycle"]);
      expect(Object.keys(resources.aws_s3_bucket_policy)).toEqual(["logs_policy"]);
    });

    test("THEN the bucket is named by prefix, with no name, force_destroy or lifecycle block", () => {
      expect(resources.aws_s3_bucket.logs).toEqual({ bucket_prefix: "whc-logs-" });
    });

    test("THEN the attributes point at the bucket, its policy and its public access block", () => {
      const outputs = JSON.parse(synth).output as Record<string, { value: unknown }>;
      expect(outputs.name.value).toBe("${aws_s3_bucket.logs.bucket}");
      expect(outputs.arn.value).toBe("${aws_s3_bucket.logs.arn}");
      expect(outputs.policy.value).toBe("${aws_s3_bucket_policy.logs_policy.id}");
      expect(outputs.public_access_block.value).toBe("${aws_s3_bucket_public_access_block.logs_public_access_block.id}");
    });

    test("THEN public access is blocked on all four settings and ACLs are disabled", () => {
      expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        bucket: "${aws_s3_bucket.logs.id}",
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
    });

    test("THEN objects are encrypted with SSE-S3 and no bucket key flag", () => {
      const rule = (resources.aws_s3_bucket_server_side_encryption_configuration.logs_encryption.rule as Record<string, unknown>[])[0];
      expect(rule).toEqual({ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } });
    });

    test("THEN a rule without a filter gets an empty one", () => {
      expect(synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
        rule: [{ id: "expire", status: "Enabled", filter: [{}], expiration: [{ days: 30 }] }],
      });
    });

    test("THEN the policy only denies requests without TLS, and waits for the public access block", () => {
      expect(policyOf(resources)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: ["${aws_s3_bucket.logs.arn}", "${aws_s3_bucket.logs.arn}/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });
      expect(resources.aws_s3_bucket_policy.logs_policy.depends_on).toEqual(["aws_s3_bucket_public_access_block.logs_public_access_block"]);
    });

    test("THEN nothing is versioned", () => {
      expect(synth).not.toHaveResource(S3BucketVersioningA);
    });
  });

  describe("GIVEN a fixed name, protection, versioning, a bucket key and an extra statement", () => {
    const { synth, resources } = whenBucket({
      bucketPrefix: undefined,
      bucket: "whc-state-bucket",
      preventDestroy: true,
      versioned: true,
      bucketKeyEnabled: true,
      lifecycleRules: [RULE, { id: "abort", status: "Enabled", filter: [{ prefix: "tmp/" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] }],
      extraPolicyStatements: (arn) => [{ Sid: "AllowWriter", Effect: "Allow", Principal: { Service: "writer.example.com" }, Action: "s3:PutObject", Resource: `${arn}/x/*` }],
    });

    test("THEN the bucket has its name and prevent_destroy", () => {
      expect(resources.aws_s3_bucket.logs).toEqual({ bucket: "whc-state-bucket", lifecycle: { prevent_destroy: true } });
      expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: "whc-state-bucket" });
    });

    test("THEN versioning is enabled under the construct id", () => {
      expect(resources.aws_s3_bucket_versioning.logs_versioning).toEqual(
        expect.objectContaining({ bucket: "${aws_s3_bucket.logs.id}", versioning_configuration: { status: "Enabled" } }),
      );
    });

    test("THEN the encryption rule enables the bucket key", () => {
      expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: true }],
      });
    });

    test("THEN a rule's own filter is kept", () => {
      const rules = resources.aws_s3_bucket_lifecycle_configuration.logs_lifecycle.rule as Record<string, unknown>[];
      expect(rules.map((r) => r.filter)).toEqual([[{}], [{ prefix: "tmp/" }]]);
    });

    test("THEN the extra statement comes first, built from the bucket ARN, and the TLS deny stays last", () => {
      const statements = policyOf(resources).Statement;
      expect(statements.map((s) => s.Sid)).toEqual(["AllowWriter", "DenyInsecureTransport"]);
      expect(statements[0].Resource).toBe("${aws_s3_bucket.logs.arn}/x/*");
    });
  });

  describe("GIVEN a KMS key", () => {
    const { resources } = whenBucket({ kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", bucketKeyEnabled: true });

    test("THEN objects are encrypted with SSE-KMS under that key, with the bucket key", () => {
      const rule = (resources.aws_s3_bucket_server_side_encryption_configuration.logs_encryption.rule as Record<string, unknown>[])[0];
      expect(rule).toEqual({
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
        bucket_key_enabled: true,
      });
    });

    test("THEN an upload that asks for SSE-S3 is denied, before the TLS deny", () => {
      expect(policyOf(resources).Statement.map((statement) => statement.Sid)).toEqual(["DenySseS3Uploads", "DenyInsecureTransport"]);
      expect(policyOf(resources).Statement[0]).toEqual({
        Sid: "DenySseS3Uploads",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: "${aws_s3_bucket.logs.arn}/*",
        Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "AES256" } },
      });
    });
  });

  test("GIVEN forceDestroy WHEN synthesized THEN the bucket carries it", () => {
    const { resources } = whenBucket({ forceDestroy: true });
    expect(resources.aws_s3_bucket.logs).toEqual({ bucket_prefix: "whc-logs-", force_destroy: true });
  });

  describe("validation", () => {
    test.each<[string, Partial<SecureBucketProps>, RegExp]>([
      ["neither name nor prefix", { bucketPrefix: undefined }, /^SecureBucket: bucket got undefined and bucketPrefix got undefined; allowed: exactly one of them$/],
      ["both name and prefix", { bucket: "whc-a" }, /^SecureBucket: bucket got "whc-a" and bucketPrefix got "whc-logs-"; allowed: exactly one of them$/],
      ["an upper-case name", { bucketPrefix: undefined, bucket: "Whc-State" }, /^SecureBucket: bucket got "Whc-State"; allowed: 3 to 63 lower-case/],
      ["a name too short", { bucketPrefix: undefined, bucket: "ab" }, /^SecureBucket: bucket got "ab"; allowed: 3 to 63/],
      ["a name with two dots", { bucketPrefix: undefined, bucket: "whc..state" }, /^SecureBucket: bucket got "whc\.\.state"; allowed: /],
      ["a prefix too long", { bucketPrefix: "a".repeat(38) }, /^SecureBucket: bucketPrefix got "a{38}"; allowed: 1 to 37 /],
      ["force and prevent destroy", { forceDestroy: true, preventDestroy: true }, /^SecureBucket: forceDestroy got true with preventDestroy true; allowed: at most one of them/],
      ["no lifecycle rule", { lifecycleRules: [] }, /^SecureBucket: lifecycleRules got 0 rules; allowed: at least 1/],
      ["repeated rule ids", { lifecycleRules: [RULE, RULE] }, /^SecureBucket: lifecycleRules ids got \["expire","expire"\]; allowed: distinct, non-empty ids$/],
      ["an empty rule id", { lifecycleRules: [{ ...RULE, id: "" }] }, /^SecureBucket: lifecycleRules ids got \[""\]; allowed: distinct, non-empty ids$/],
    ])("GIVEN %s WHEN constructed THEN it throws naming the prop, the value and what is allowed", (_name, props, message) => {
      expect(() => whenBucket(props)).toThrow(message);
    });

    test("GIVEN boundary names WHEN constructed THEN they are accepted", () => {
      expect(() => whenBucket({ bucketPrefix: undefined, bucket: "a".repeat(63) })).not.toThrow();
      expect(() => whenBucket({ bucketPrefix: undefined, bucket: "abc" })).not.toThrow();
      expect(() => whenBucket({ bucketPrefix: "a".repeat(37) })).not.toThrow();
    });
  });
});
