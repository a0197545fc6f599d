import { PolicyRule } from "../framework";
import { asBool, block } from "../values";

/** Resource types that hold data or keys that cannot be recreated. */
export const STATEFUL_TYPES: readonly string[] = [
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_secretsmanager_secret",
  "aws_s3_bucket",
  "aws_dynamodb_table",
  "aws_kms_key",
  // Holds the recovery points; the vault lock keeps them, but not the vault's settings.
  "aws_backup_vault",
];

/** WHC.SAFE1 (ours, production): stateful resources carry `lifecycle { prevent_destroy = true }`. */
export const whcPreventDestroy: PolicyRule = {
  id: "WHC.SAFE1",
  title: "Stateful resources carry lifecycle prevent_destroy (production)",
  productionOnly: true,
  resourceTypes: STATEFUL_TYPES,
  check: (resource) =>
    asBool(block(resource.config.lifecycle)?.prevent_destroy) === true
      ? []
      : [{
          problem: "a plan that destroys or replaces this stateful resource would go through",
          fix: 'set lifecycle: { preventDestroy: true } (or addOverride("lifecycle.prevent_destroy", true))',
        }],
};
