import { PolicyRule } from "../framework";
import { mustBeTrue } from "./common";

/** RDS.17: RDS instances copy their tags to snapshots. */
export const rdsCopyTagsToSnapshot: PolicyRule = {
  id: "RDS.17",
  title: "RDS instances copy their tags to snapshots",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check: (resource) => mustBeTrue(resource.config.copy_tags_to_snapshot, "copy_tags_to_snapshot", "set copy_tags_to_snapshot to true"),
};
