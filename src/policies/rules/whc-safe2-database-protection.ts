import { PolicyRule, Violation } from "../framework";
import { asBool, asString, UNKNOWN } from "../values";
import { mustBeTrue } from "./common";

/**
 * WHC.SAFE2 (ours, every tier): a database survives a delete by mistake. Deletion protection refuses the delete, a
 * final snapshot keeps the data if it happens anyway, and the automated backups are kept for their retention period
 * (the provider's default deletes them with the instance). Acknowledge it for an environment whose data is disposable.
 */
export const whcDatabaseProtection: PolicyRule = {
  id: "WHC.SAFE2",
  title: "RDS instances keep deletion protection, a final snapshot and their automated backups (every tier, unless disposable)",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check(resource) {
    const c = resource.config;
    const violations: Violation[] = [...mustBeTrue(c.deletion_protection, "deletion_protection", "set deletion_protection to true")];
    const skip = asBool(c.skip_final_snapshot);
    const identifier = asString(c.final_snapshot_identifier);
    if (skip !== false && skip !== undefined) {
      violations.push({ problem: `skip_final_snapshot is ${skip === UNKNOWN ? "known only at apply" : "true"}: deleting the instance keeps no snapshot`, fix: "set skip_final_snapshot to false with a final_snapshot_identifier" });
    } else if (identifier === undefined) {
      violations.push({ problem: "final_snapshot_identifier is not set, so the delete fails or keeps no snapshot", fix: "set final_snapshot_identifier (for example <identifier>-final)" });
    }
    const deleteBackups = asBool(c.delete_automated_backups);
    if (deleteBackups !== false) {
      violations.push({
        problem: `delete_automated_backups is ${deleteBackups === undefined ? "not set (the default is true)" : deleteBackups === UNKNOWN ? "known only at apply" : "true"}: deleting the instance deletes its point-in-time backups`,
        fix: "set delete_automated_backups to false",
      });
    }
    return violations;
  },
};
