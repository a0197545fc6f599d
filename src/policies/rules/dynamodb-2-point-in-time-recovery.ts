import { PolicyRule } from "../framework";
import { mustBeTrue, nested } from "./common";

/** DynamoDB.2: tables have point-in-time recovery. */
export const dynamodbPointInTimeRecovery: PolicyRule = {
  id: "DynamoDB.2",
  title: "DynamoDB tables have point-in-time recovery enabled",
  productionOnly: false,
  resourceTypes: ["aws_dynamodb_table"],
  check: (resource) =>
    mustBeTrue(
      nested(resource.config, "point_in_time_recovery", "enabled"),
      "point_in_time_recovery.enabled",
      "set point_in_time_recovery { enabled: true }",
    ),
};
