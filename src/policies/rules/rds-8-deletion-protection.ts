import { PolicyRule } from "../framework";
import { mustBeTrue } from "./common";

/** RDS.8: RDS instances have deletion protection (production). */
export const rdsDeletionProtection: PolicyRule = {
  id: "RDS.8",
  title: "RDS instances have deletion protection (production)",
  productionOnly: true,
  resourceTypes: ["aws_db_instance"],
  check: (resource) => mustBeTrue(resource.config.deletion_protection, "deletion_protection", "set deletion_protection to true"),
};
