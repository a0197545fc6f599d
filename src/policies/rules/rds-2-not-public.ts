import { PolicyRule } from "../framework";
import { mustNotBeTrue } from "./common";

/** RDS.2: RDS instances are not publicly accessible. */
export const rdsNotPublic: PolicyRule = {
  id: "RDS.2",
  title: "RDS instances are not publicly accessible",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check: (resource) =>
    mustNotBeTrue(resource.config.publicly_accessible, "publicly_accessible", "set publicly_accessible to false and keep the instance in isolated subnets"),
};
