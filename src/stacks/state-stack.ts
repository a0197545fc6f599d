import { Construct } from "constructs";
import { LocalBackend, TerraformOutput } from "cdktf";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { STATE_KEY_ALIAS, StateConfig, stateAccessRoleName, stateKey, stateReadRoleName } from "../config/state";
import { SecureBucket } from "../constructs/shared";
import { partitionOf } from "../domain/partition";
import { Naming } from "../core/naming";
import { applyPolicies } from "../policies";
import { addAwsProvider } from "./aws-provider";
import { ReadableStack } from "./readable-stack";

/** Name of the bootstrap stack. */
export const STATE_STACK_NAME = "whcsites-state";

/** Props of {@link StateStack}. */
export interface StateStackProps {
  /** Bucket, lock table and account, from `state.json`. */
  readonly state: StateConfig;
  /**
   * The environments whose state lives here. Each gets a role that reads and writes its own state (and only its own),
   * which only `trustedRoleArns` may assume (the roles that deploy it, never a whole account), and, when
   * `readerRoleArns` names any, a role that only reads it (`whcsites-tfstate-<environment>-read`: the plan role's).
   * @default none
   */
  readonly environments?: ReadonlyArray<{ readonly name: string; readonly trustedRoleArns: readonly string[]; readonly readerRoleArns?: readonly string[] }>;
}

/**
 * The bootstrap stack: the S3 bucket and DynamoDB table that hold and lock every environment's Terraform state, the
 * KMS key the state is encrypted with, and each environment's state roles (read-write, and read-only for its plans).
 *
 * It keeps its own state in a local file (it cannot live in the bucket it creates); docs/operating.md, "The state backend", says how to move it
 * into the bucket afterwards. All three carry `prevent_destroy`: losing one loses every environment's state.
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

    const partition = partitionOf(state.region);
    // ── who may touch the state at all: the environments' state roles and the administrators ──
    // Broad policies in the state account (PowerUserAccess, ReadOnlyAccess) must not reach any environment's state, so
    // the bucket and the key deny every other principal. The account's root user can still remove a bucket policy
    // (break glass), and `administratorRoleArns` must hold the role that deploys this stack.
    const environments = props.environments ?? [];
    const readers = environments.filter((e) => (e.readerRoleArns ?? []).length > 0);
    const roleNames = [...environments.map((e) => stateAccessRoleName(e.name)), ...readers.map((e) => stateReadRoleName(e.name))];
    const clash = roleNames.find((n, i) => roleNames.indexOf(n) !== i);
    if (clash !== undefined) {
      throw new Error(`StateStack: two environments' state roles would both be named ${clash}; allowed: environment names that do not end in "-read" where another environment has the name without it`);
    }
    const allowedPrincipals = [...roleNames.map((n) => `arn:${partition}:iam::${state.accountId}:role/${n}`), ...state.administratorRoleArns];
    const denyOthers = (sid: string, actions: string | readonly string[], resources: string | readonly string[]) => ({
      Sid: sid,
      Effect: "Deny",
      Principal: "*",
      Action: actions,
      Resource: resources,
      Condition: { ArnNotLike: { "aws:PrincipalArn": allowedPrincipals } },
    });

    // ── encryption: the state's own key ──
    // IAM policies in this account grant its use (the root statement delegates to IAM); every other principal is denied.
    const key = new KmsKey(this, "state_key", {
      description: "Terraform state of every whcsites environment",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${state.accountId}:root` }, Action: "kms:*", Resource: "*" },
          denyOthers("OnlyStateRolesAndAdministratorsUseKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"], "*"),
        ],
      }),
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "state_key_alias", { name: STATE_KEY_ALIAS, targetKeyId: key.keyId });

    // ── storage: the bucket and the lock table ──
    // Children of "state" become aws_s3_bucket.state, aws_s3_bucket_versioning.state_versioning, ...
    const bucket = new SecureBucket(this, "state", {
      extraPolicyStatements: (bucketArn) => [denyOthers("OnlyStateRolesAndAdministrators", "s3:*", [bucketArn, `${bucketArn}/*`])],
      bucket: state.bucketName,
      preventDestroy: true,
      versioned: true,
      kmsKeyArn: key.arn,
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

    // ── access: one role per environment ──
    // Assumed by its S3 backend: environments may deploy from other accounts, and one environment must not read
    // another's state. Only the environment's own deployers may assume it.
    const access = new Construct(this, "state_access");
    for (const environment of environments) {
      const prefix = stateKey(environment.name).replace(/[^/]+$/, "");
      const role = new IamRole(access, environment.name, {
        name: stateAccessRoleName(environment.name),
        description: `Terraform state of ${environment.name}: read and write ${prefix}*, and its locks`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: [...environment.trustedRoleArns] }, Action: "sts:AssumeRole" }],
        }),
      });
      new IamRolePolicy(access, `${environment.name}_policy`, {
        name: "terraform-state",
        role: role.name,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            // Listing shows key names only; the backend lists to find workspaces.
            { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket.bucketArn] },
            // The state file and, with use_lockfile, its .tflock next to it.
            { Sid: "ReadWriteOwnState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`${bucket.bucketArn}/${prefix}*`] },
            {
              // What the S3 backend needs on its kms_key_id, and only through S3.
              Sid: "EncryptStateThroughS3",
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
              Resource: [key.arn],
              Condition: { StringEquals: { "kms:ViaService": `s3.${state.region}.amazonaws.com` } },
            },
            {
              Sid: "LockOwnState",
              Effect: "Allow",
              Action: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
              Resource: [lockTable.arn],
              // Lock items are keyed "<bucket>/<state key>" (and "...-md5").
              Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${state.bucketName}/${prefix}*`] } },
            },
          ],
        }),
      });
    }

    // ── read-only access: one role per environment that plans ──
    // Assumed by the CI's plans (the backend's role overridden at init): read the state, decrypt it through S3, read the
    // lock table's digest item (the backend checks it on every read, also unlocked); no put, no delete, no lock.
    for (const environment of readers) {
      const prefix = stateKey(environment.name).replace(/[^/]+$/, "");
      const role = new IamRole(access, `${environment.name}_read`, {
        name: stateReadRoleName(environment.name),
        description: `Terraform state of ${environment.name}, read only: ${prefix}* and its lock digest; no write, no lock`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: [...(environment.readerRoleArns ?? [])] }, Action: "sts:AssumeRole" }],
        }),
      });
      new IamRolePolicy(access, `${environment.name}_read_policy`, {
        name: "terraform-state-read",
        role: role.name,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket.bucketArn] },
            { Sid: "ReadOwnState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucket.bucketArn}/${prefix}*`] },
            {
              Sid: "DecryptStateThroughS3",
              Effect: "Allow",
              Action: ["kms:Decrypt"],
              Resource: [key.arn],
              Condition: { StringEquals: { "kms:ViaService": `s3.${state.region}.amazonaws.com` } },
            },
            {
              Sid: "ReadOwnLockDigest",
              Effect: "Allow",
              Action: ["dynamodb:DescribeTable", "dynamodb:GetItem"],
              Resource: [lockTable.arn],
              Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${state.bucketName}/${prefix}*`] } },
            },
          ],
        }),
      });
    }

    this.bucketName = state.bucketName;
    this.lockTableName = state.lockTableName;
    new TerraformOutput(this, "state_bucket_name", { value: bucket.bucketName, description: "S3 bucket holding every environment's state" });
    new TerraformOutput(this, "state_kms_alias", { value: STATE_KEY_ALIAS, description: "KMS key alias the environments' state is encrypted with" });
    new TerraformOutput(this, "lock_table_name", { value: lockTable.name, description: 'DynamoDB table locking state (deprecated by S3 native locking; see docs/operating.md, "Dropping the DynamoDB lock")' });

    // Every environment's state lives here: held to the production rules whatever the environments are.
    applyPolicies(this, { production: true, resolvedAtPreparation: () => this.takeResolvedAtPreparation() });
  }
}
