import { Testing } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { StateStack } from "../../src/stacks/state-stack";
import { StateConfig, stateAccessRoleArn, stateKeyAliasArn, stateReadRoleArn } from "../../src/config/state";

const state: StateConfig = {
  file: "state.json",
  accountId: "123456789012",
  region: "eu-west-1",
  bucketName: "whcsites-tfstate-123456789012-eu-west-1",
  lockTableName: "whcsites-tfstate-lock",
  noncurrentVersionRetentionDays: 90,
  administratorRoleArns: ["arn:aws:iam::123456789012:role/whcsites-state-admin"],
};

const STAGING_DEPLOYERS = ["arn:aws:iam::210987654321:role/whcsites-staging-github-deploy", "arn:aws:iam::210987654321:role/whcsites-operator"];
const STAGING_READERS = ["arn:aws:iam::210987654321:role/whcsites-staging-github-plan"];
const ALLOWED = [
  "arn:aws:iam::123456789012:role/whcsites-tfstate-staging",
  "arn:aws:iam::123456789012:role/whcsites-tfstate-production",
  "arn:aws:iam::123456789012:role/whcsites-tfstate-staging-read",
  "arn:aws:iam::123456789012:role/whcsites-state-admin",
];

describe("StateStack", () => {
  // GIVEN the bootstrap stack WHEN synthesized
  const stack = new StateStack(Testing.app(), "whcsites-state", {
    state,
    environments: [
      { name: "staging", trustedRoleArns: STAGING_DEPLOYERS, readerRoleArns: STAGING_READERS },
      { name: "production", trustedRoleArns: ["arn:aws:iam::123456789012:role/whcsites-operator"] },
    ],
  });
  const synth = Testing.synth(stack);
  const json = JSON.parse(synth);

  test("keeps its own state in a local file outside cdktf.out", () => {
    expect(json.terraform.backend).toEqual({ local: { path: "../../../whcsites-state.tfstate" } });
  });

  test("the state bucket is versioned, encrypted, private, owner-enforced and cannot be destroyed", () => {
    expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: state.bucketName, lifecycle: { prevent_destroy: true } });
    expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.state_key.arn}" }, bucket_key_enabled: true }],
    });
    expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("the bucket policy denies every request without TLS", () => {
    const policy = JSON.parse(json.resource.aws_s3_bucket_policy.state_policy.policy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  test("lifecycle rules expire noncurrent versions and abort incomplete uploads, each with a filter", () => {
    const rules = json.resource.aws_s3_bucket_lifecycle_configuration.state_lifecycle.rule;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ filter: [{}], noncurrent_version_expiration: [expect.objectContaining({ noncurrent_days: 90 })] }),
        expect.objectContaining({ filter: [{}], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
      ]),
    );
  });

  test("the lock table has LockID, on-demand billing, PITR, deletion protection and prevent_destroy", () => {
    expect(synth).toHaveResourceWithProperties(DynamodbTable, {
      name: "whcsites-tfstate-lock",
      hash_key: "LockID",
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  test("the provider is pinned to the state account and tags everything", () => {
    expect(json.provider.aws[0]).toMatchObject({
      region: "eu-west-1",
      allowed_account_ids: ["123456789012"],
      default_tags: [{ tags: { app: "whcsites", environment: "state", "managed-by": "cdktf", repository: "whcsites-infra" } }],
    });
  });

  test("the state is encrypted with a rotated KMS key of its own, which cannot be destroyed either", () => {
    // GIVEN / WHEN the key and its alias
    expect(synth).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    expect(synth).toHaveResourceWithProperties(KmsAlias, { name: "alias/whcsites-tfstate", target_key_id: "${aws_kms_key.state_key.key_id}" });
    // THEN only the account (through IAM) administers it, and no principal but the state roles and the
    // administrators may use it, whatever IAM policy they have (broad policies must not reach the state)
    expect(JSON.parse(json.resource.aws_kms_key.state_key.policy).Statement).toEqual([
      { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
      {
        Sid: "OnlyStateRolesAndAdministratorsUseKey",
        Effect: "Deny",
        Principal: "*",
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        Resource: "*",
        Condition: { ArnNotLike: { "aws:PrincipalArn": ALLOWED } },
      },
    ]);
    // and an upload asking for SSE-S3 instead of the key is denied
    expect(JSON.parse(json.resource.aws_s3_bucket_policy.state_policy.policy).Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "s3:PutObject", Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "AES256" } } }),
    );
    expect(stateKeyAliasArn(state)).toBe("arn:aws:kms:eu-west-1:123456789012:alias/whcsites-tfstate");
  });

  test("the bucket denies every principal but the state roles and the administrators", () => {
    expect(JSON.parse(json.resource.aws_s3_bucket_policy.state_policy.policy).Statement).toContainEqual({
      Sid: "OnlyStateRolesAndAdministrators",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["${aws_s3_bucket.state.arn}", "${aws_s3_bucket.state.arn}/*"],
      Condition: { ArnNotLike: { "aws:PrincipalArn": ALLOWED } },
    });
  });

  test("each environment gets a role, assumable only by its deployers (never a whole account), that reaches its own state only", () => {
    // GIVEN the staging role WHEN its trust and permissions are read
    const role = json.resource.aws_iam_role.state_access_staging;
    expect(role.name).toBe("whcsites-tfstate-staging");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{ Effect: "Allow", Principal: { AWS: STAGING_DEPLOYERS }, Action: "sts:AssumeRole" }]);
    expect(role.assume_role_policy).not.toMatch(/:root/);
    const statements = JSON.parse(json.resource.aws_iam_role_policy.state_access_staging_policy.policy).Statement;
    // THEN objects only under whcsites/staging/, lock items only for that prefix, and nothing on "*"
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: ["${aws_s3_bucket.state.arn}/whcsites/staging/*"] }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Resource: ["${aws_dynamodb_table.lock.arn}"],
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["whcsites-tfstate-123456789012-eu-west-1/whcsites/staging/*"] } },
      }),
    );
    expect(statements).toContainEqual({
      Sid: "EncryptStateThroughS3",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
      Resource: ["${aws_kms_key.state_key.arn}"],
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
    expect(JSON.stringify(statements)).not.toMatch(/whcsites\/production|"\*"/);
    expect(Object.keys(json.resource.aws_iam_role).sort()).toEqual(["state_access_production", "state_access_staging", "state_access_staging_read"]);
  });

  test("an environment with readers gets a read-only role, assumable only by them: its state and the lock's digest, read only", () => {
    // GIVEN the staging read role WHEN its trust and permissions are read
    const role = json.resource.aws_iam_role.state_access_staging_read;
    expect(role.name).toBe("whcsites-tfstate-staging-read");
    expect(stateReadRoleArn(state, "staging")).toBe("arn:aws:iam::123456789012:role/whcsites-tfstate-staging-read");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{ Effect: "Allow", Principal: { AWS: STAGING_READERS }, Action: "sts:AssumeRole" }]);
    const statements = JSON.parse(json.resource.aws_iam_role_policy.state_access_staging_read_policy.policy).Statement;
    // THEN it reads, decrypts through S3 and reads the digest item; nothing writes
    expect(statements.flatMap((st: any) => st.Action).sort()).toEqual(["dynamodb:DescribeTable", "dynamodb:GetItem", "kms:Decrypt", "s3:GetObject", "s3:ListBucket"]);
    expect(JSON.stringify(statements)).not.toMatch(/whcsites\/production|"\*"/);
    // production has no readers: no read role
    expect(json.resource.aws_iam_role.state_access_production_read).toBeUndefined();
  });

  test("two environments whose state roles would share a name are refused", () => {
    expect(
      () =>
        new StateStack(Testing.app(), "whcsites-state", {
          state,
          environments: [
            { name: "x", trustedRoleArns: STAGING_DEPLOYERS, readerRoleArns: STAGING_READERS },
            { name: "x-read", trustedRoleArns: STAGING_DEPLOYERS },
          ],
        }),
    ).toThrow('StateStack: two environments\' state roles would both be named whcsites-tfstate-x-read; allowed: environment names that do not end in "-read" where another environment has the name without it');
  });

  test("in another partition, the state roles and the deny name that partition's ARNs", () => {
    // GIVEN a state account in a China region WHEN synthesized
    const china = new StateStack(Testing.app(), "whcsites-state", {
      state: { ...state, region: "cn-north-1", bucketName: "whcsites-tfstate-123456789012-cn-north-1" },
      environments: [{ name: "staging", trustedRoleArns: ["arn:aws-cn:iam::210987654321:role/whcsites-operator"] }],
    });
    const json = JSON.parse(Testing.synth(china));
    // THEN
    expect(JSON.parse(json.resource.aws_iam_role.state_access_staging.assume_role_policy).Statement[0].Principal).toEqual({ AWS: ["arn:aws-cn:iam::210987654321:role/whcsites-operator"] });
    expect(json.resource.aws_kms_key.state_key.policy).toContain("arn:aws-cn:iam::123456789012:role/whcsites-tfstate-staging");
    expect(stateAccessRoleArn({ ...state, region: "cn-north-1" }, "staging")).toBe("arn:aws-cn:iam::123456789012:role/whcsites-tfstate-staging");
    expect(stateAccessRoleArn(state, "staging")).toBe("arn:aws:iam::123456789012:role/whcsites-tfstate-staging");
  });

  test("addresses are readable", () => {
    expect(Object.keys(json.resource.aws_s3_bucket)).toEqual(["state"]);
    expect(Object.keys(json.resource.aws_dynamodb_table)).toEqual(["lock"]);
  });
});
