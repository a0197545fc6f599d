import { Token } from "cdktf";
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";

// ── props ──

/** One statement of an S3 bucket policy, as IAM JSON (`Sid`, `Effect`, `Principal`, `Action`, `Resource`, ...). */
export type BucketPolicyStatement = Readonly<Record<string, unknown>>;

/** Properties of {@link SecureBucket}. */
export interface SecureBucketProps {
  /**
   * Exact bucket name (3 to 63 lower-case letters, digits, dots and hyphens). Give exactly one of `bucket` and
   * `bucketPrefix`.
   *
   * @default none: `bucketPrefix` names the bucket
   */
  readonly bucket?: string;
  /**
   * Name prefix, at most 37 characters; Terraform appends a unique suffix, so no account id is needed to keep the
   * global name free. Give exactly one of `bucket` and `bucketPrefix`.
   *
   * @default none: `bucket` names the bucket
   */
  readonly bucketPrefix?: string;
  /**
   * Let `terraform destroy` delete the bucket with its objects. Cannot be combined with `preventDestroy`.
   *
   * @default not set (the provider's false: destroying a non-empty bucket fails)
   */
  readonly forceDestroy?: boolean;
  /**
   * Put `prevent_destroy` on the bucket, so that any plan that would delete it fails.
   *
   * @default false
   */
  readonly preventDestroy?: boolean;
  /**
   * Turn on object versioning.
   *
   * @default false (no versioning resource)
   */
  readonly versioned?: boolean;
  /**
   * The `bucket_key_enabled` flag of the default encryption rule (with SSE-KMS it cuts the KMS calls per object).
   *
   * @default not set (the provider's default)
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * ARN of a KMS key: default encryption becomes SSE-KMS with that key, and uploads that ask for SSE-S3 instead are
   * denied. Reading an object then needs `kms:Decrypt` on the key as well as `s3:GetObject`, so broad S3 read access
   * (such as the `ReadOnlyAccess` managed policy) no longer reveals the contents. Not for buckets that ALB access
   * logs go to: log delivery supports SSE-S3 only.
   *
   * @default none: SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /**
   * Lifecycle rules, at least one, with distinct ids. A rule without `filter` gets an empty filter (every object),
   * because the provider rejects a rule with no filter at apply.
   */
  readonly lifecycleRules: readonly S3BucketLifecycleConfigurationRule[];
  /**
   * Statements placed before the TLS-only deny in the bucket policy, built from the bucket's ARN (for example the
   * write grant of a log-delivery service).
   *
   * @default none: the policy only denies requests without TLS
   */
  readonly extraPolicyStatements?: (bucketArn: string) => readonly BucketPolicyStatement[];
}

// ── name rules ──

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]{0,36}$/;

/**
 * An S3 bucket held to AWS FSBP S3 controls: every public access block setting on, ACLs disabled
 * (`BucketOwnerEnforced`), default encryption (SSE-S3, or SSE-KMS with `kmsKeyArn`), a bucket policy that denies
 * requests without TLS, and lifecycle rules. SSE-S3 by default because ALB log delivery supports SSE-S3 only.
 *
 * Children take short ids under this construct's id, so a `SecureBucket` with id `state` gives `aws_s3_bucket.state`,
 * `aws_s3_bucket_policy.state_policy`, `aws_s3_bucket_public_access_block.state_public_access_block`, ...
 * Anything that relies on the policy (an ALB writing logs) should depend on {@link SecureBucket.policy}.
 */
export class SecureBucket extends Construct {
  /** The bucket's name (known after apply when `bucketPrefix` is used). */
  public readonly bucketName: string;
  /** The bucket's ARN. */
  public readonly bucketArn: string;
  /** The bucket policy: depend on it when a service must be allowed to write before it starts. */
  public readonly policy: S3BucketPolicy;
  /** The bucket's public access block. */
  public readonly publicAccessBlock: S3BucketPublicAccessBlock;

  public constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    // ── validation ──
    validate(props);

    // ── bucket ──
    const bucket = new S3Bucket(this, "Resource", {
      bucket: props.bucket,
      bucketPrefix: props.bucketPrefix,
      forceDestroy: props.forceDestroy,
      lifecycle: props.preventDestroy === true ? { preventDestroy: true } : undefined,
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;

    if (props.versioned === true) {
      new S3BucketVersioningA(this, "versioning", {
        bucket: bucket.id,
        versioningConfiguration: { status: "Enabled" },
      });
    }

    // ── access ──
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public_access_block", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });

    // ── encryption ──
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault:
            props.kmsKeyArn === undefined ? { sseAlgorithm: "AES256" } : { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn },
          bucketKeyEnabled: props.bucketKeyEnabled,
        },
      ],
    });

    // ── lifecycle ──
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: props.lifecycleRules.map((rule) => ({ ...rule, filter: rule.filter ?? [{}] })),
    });

    // ── policy ──
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          ...(props.extraPolicyStatements?.(bucket.arn) ?? []),
          ...(props.kmsKeyArn === undefined
            ? []
            : [
                {
                  // An upload without the header gets the KMS default; one that asks for SSE-S3 would bypass the key.
                  Sid: "DenySseS3Uploads",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "s3:PutObject",
                  Resource: `${bucket.arn}/*`,
                  Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "AES256" } },
                },
              ]),
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
      // S3 rejects concurrent policy and public-access-block changes on one bucket ("OperationAborted").
      dependsOn: [this.publicAccessBlock],
    });
  }
}

// ── helpers ──

function validate(props: SecureBucketProps): void {
  if ((props.bucket === undefined) === (props.bucketPrefix === undefined)) {
    throw new Error(
      `SecureBucket: bucket got ${JSON.stringify(props.bucket)} and bucketPrefix got ${JSON.stringify(props.bucketPrefix)}; allowed: exactly one of them`,
    );
  }
  if (props.bucket !== undefined && !Token.isUnresolved(props.bucket) && (!BUCKET_NAME.test(props.bucket) || props.bucket.includes(".."))) {
    throw new Error(`SecureBucket: bucket got ${JSON.stringify(props.bucket)}; allowed: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit`);
  }
  if (props.bucketPrefix !== undefined && !Token.isUnresolved(props.bucketPrefix) && !BUCKET_PREFIX.test(props.bucketPrefix)) {
    throw new Error(`SecureBucket: bucketPrefix got ${JSON.stringify(props.bucketPrefix)}; allowed: 1 to 37 lower-case letters, digits, dots and hyphens, starting with a letter or digit`);
  }
  if (props.forceDestroy === true && props.preventDestroy === true) {
    throw new Error("SecureBucket: forceDestroy got true with preventDestroy true; allowed: at most one of them (a protected bucket is never emptied by destroy)");
  }
  if (props.lifecycleRules.length === 0) {
    throw new Error("SecureBucket: lifecycleRules got 0 rules; allowed: at least 1 (the lifecycle configuration needs a rule)");
  }
  const ids = props.lifecycleRules.map((rule) => rule.id);
  const repeated = ids.filter((ruleId, i) => ruleId.length === 0 || ids.indexOf(ruleId) !== i);
  if (repeated.length > 0) {
    throw new Error(`SecureBucket: lifecycleRules ids got ${JSON.stringify(ids)}; allowed: distinct, non-empty ids`);
  }
}
