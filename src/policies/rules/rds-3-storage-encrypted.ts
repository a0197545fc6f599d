import { PolicyRule } from "../framework";
import { mustBeTrue } from "./common";

/** RDS.3: RDS instances encrypt their storage at rest. */
export const rdsStorageEncrypted: PolicyRule = {
  id: "RDS.3",
  title: "RDS instances encrypt their storage at rest",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check: (resource) =>
    mustBeTrue(resource.config.storage_encrypted, "storage_encrypted", "set storage_encrypted to true (optionally with kms_key_id)"),
};
