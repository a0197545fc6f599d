import { PolicyRule } from "../framework";
import { UNKNOWN, asBool } from "../values";
import { show } from "./common";

/** RDS.13: RDS instances apply minor engine upgrades automatically. */
export const rdsMinorVersionUpgrade: PolicyRule = {
  id: "RDS.13",
  title: "RDS instances apply minor engine upgrades automatically",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check(resource) {
    // Unset means the provider's default, true.
    const value = asBool(resource.config.auto_minor_version_upgrade);
    if (value === undefined || value === true) return [];
    return [{
      problem: `auto_minor_version_upgrade is ${value === UNKNOWN ? `${show(resource.config.auto_minor_version_upgrade)}, known only at apply` : "false"}`,
      fix: "remove auto_minor_version_upgrade or set it to true",
    }];
  },
};
