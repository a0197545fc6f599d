import * as path from "path";
import { ConfigError } from "./errors";
import { readJsonFile, schemaProblems } from "./json-file";
import { partitionOf } from "../domain/partition";
import { compileSchemaFile } from "./schema-validator";

/** The Terraform state backend every environment stack uses, as `state.json` sets it. */
export interface StateConfig {
  /** The file it was read from, for messages. */
  readonly file: string;
  /** Account holding the bucket and the table. */
  readonly accountId: string;
  /** Region of the bucket and the table. */
  readonly region: string;
  /** S3 bucket of every environment's state. */
  readonly bucketName: string;
  /** DynamoDB lock table (deprecated by S3 native locking; see docs/operating.md, "Dropping the DynamoDB lock"). */
  readonly lockTableName: string;
  /** How long old state versions are kept. */
  readonly noncurrentVersionRetentionDays: number;
  /** Roles of the state account that administer the state; with the state roles, the only principals let in. */
  readonly administratorRoleArns: readonly string[];
}

/** The alias of the KMS key that encrypts every environment's state. */
export const STATE_KEY_ALIAS = "alias/whcsites-tfstate";

/**
 * The ARN of {@link STATE_KEY_ALIAS} in the state account: what the environments' S3 backends encrypt with. An alias,
 * because the key's own ARN is only known once the state stack is deployed, and stacks never refer to each other.
 */
export function stateKeyAliasArn(state: StateConfig): string {
  return `arn:${partitionOf(state.region)}:kms:${state.region}:${state.accountId}:${STATE_KEY_ALIAS}`;
}

/** The S3 key of an environment's state: `whcsites/<environment>/terraform.tfstate`. */
export function stateKey(environment: string): string {
  return `whcsites/${environment}/terraform.tfstate`;
}

/**
 * The role in the state account that an environment's deploys assume to read and write its own state, and only its
 * own: `whcsites-tfstate-<environment>`. The state stack creates it; the environment's S3 backend assumes it.
 */
export function stateAccessRoleName(environment: string): string {
  return `whcsites-tfstate-${environment}`;
}

/** The ARN of {@link stateAccessRoleName} in the state account. */
export function stateAccessRoleArn(state: StateConfig, environment: string): string {
  return `arn:${partitionOf(state.region)}:iam::${state.accountId}:role/${stateAccessRoleName(environment)}`;
}

/**
 * The role in the state account that an environment's plans assume to read its state, and only read it (no put, no
 * delete, no lock): `whcsites-tfstate-<environment>-read`. The state stack creates it for environments with delivery;
 * the CI's plans override the backend's role with it at `terraform init`.
 */
export function stateReadRoleName(environment: string): string {
  return `${stateAccessRoleName(environment)}-read`;
}

/** The ARN of {@link stateReadRoleName} in the state account. */
export function stateReadRoleArn(state: StateConfig, environment: string): string {
  return `arn:${partitionOf(state.region)}:iam::${state.accountId}:role/${stateReadRoleName(environment)}`;
}

/** Reads and validates `state.json`. Throws {@link ConfigError} naming the field. */
export function loadStateConfig(file: string): StateConfig {
  const shown = path.relative(process.cwd(), file) || file;
  const raw = readJsonFile(file, shown) as Record<string, unknown>;
  const problems = schemaProblems(compileSchemaFile(path.join(path.dirname(file), "state.schema.json")), raw, shown, {
    accountId: "a 12-digit AWS account id, as a string",
    region: "an AWS region code such as eu-west-1",
    bucketName: "an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens",
    lockTableName: "a DynamoDB table name: 3-255 letters, digits, _ . -",
    administratorRoleArns: "an IAM role ARN such as arn:aws:iam::123456789012:role/whcsites-state-admin",
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const accountId = String(raw.accountId);
  const region = String(raw.region);
  return {
    file: shown,
    accountId,
    region,
    bucketName: (raw.bucketName as string | undefined) ?? `whcsites-tfstate-${accountId}-${region}`,
    lockTableName: (raw.lockTableName as string | undefined) ?? "whcsites-tfstate-lock",
    noncurrentVersionRetentionDays: (raw.noncurrentVersionRetentionDays as number | undefined) ?? 90,
    administratorRoleArns: [...(raw.administratorRoleArns as string[])],
  };
}
