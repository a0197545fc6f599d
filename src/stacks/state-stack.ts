import { Construct } from "constructs";
import { LocalBackend, TerraformOutput } from "cdktf";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { StateConfig } from "../config/state";
import { SecureBucket } from "../constructs/secure-bucket";
import { Naming } from "../naming";
import { applyPolicies } from "../policies";
import { addAwsProvider } from "./aws-provider";
import { ReadableStack } from "./readable-stack";

/** Name of the bootstrap stack. */
export const STATE_STACK_NAME = "whcsites-state";

/** Props of {@link StateStack}. */
export interface StateStackProps {
  /** Bucket, lock table and account, from `state.json`. */
  readonly state: StateConfig;
}

/**
 * The bootstrap stack: the S3 bucket and DynamoDB table that hold and lock every environment's Terraform state.
 *
 * It keeps its own state in a local file (it cannot live in the bucket it creates); see the README for moving it
 * into the bucket afterwards. Both resources carry `prevent_destroy`: losing them loses every environment's state.
 */
export class StateStack extends ReadableStack {
  /** The state bucket's name. */
  public readonly bucketName: string;
  /** The lock table's name. */
  public readonly lockTableName: string;

  public constructor(scope: Construct, id: string, props: StateStackProps) {
    super(scope, id);
    const { state } = props;
    const naming = new Naming("whcsites", "state");

    // Outside cdktf.out, so that cleaning the build output never deletes the bootstrap state.
    new LocalBackend(this, { path: "../../../whcsites-state.tfstate" });
    addAwsProvider(this, { naming, region: state.region, accountId: state.accountId });

    // Children of "state" become aws_s3_bucket.state, aws_s3_bucket_versioning.state_versioning, ...
    const bucket = new SecureBucket(this, "state", {
      bucket: state.bucketName,
      preventDestroy: true,
      versioned: true,
      bucketKeyEnabled: true,
      lifecycleRules: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          noncurrentVersionExpiration: [{ noncurrentDays: state.noncurrentVersionRetentionDays, newerNoncurrentVersions: 10 }],
        },
        {
          id: "abort-incomplete-uploads",
          status: "Enabled",
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    const lockTable = new DynamodbTable(this, "lock", {
      name: state.lockTableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      lifecycle: { preventDestroy: true },
    });

    this.bucketName = state.bucketName;
    this.lockTableName = state.lockTableName;
    new TerraformOutput(this, "state_bucket_name", { value: bucket.bucketName, description: "S3 bucket holding every environment's state" });
    new TerraformOutput(this, "lock_table_name", { value: lockTable.name, description: "DynamoDB table locking state (deprecated by S3 native locking; see README)" });

    // Every environment's state lives here: held to the production rules whatever the environments are.
    applyPolicies(this, { production: true });
  }
}
