import { PolicyRule } from "../framework";
import { mustBeTrue } from "./common";

/** RDS.5: RDS instances are Multi-AZ (production). */
export const rdsMultiAz: PolicyRule = {
  id: "RDS.5",
  title: "RDS instances are Multi-AZ (production)",
  productionOnly: true,
  resourceTypes: ["aws_db_instance"],
  check: (resource) => mustBeTrue(resource.config.multi_az, "multi_az", "set multi_az to true"),
};
