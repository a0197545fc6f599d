import { PolicyRule } from "../framework";
import { mustBeTrue } from "./common";

/** DynamoDB.6: tables have deletion protection. */
export const dynamodbDeletionProtection: PolicyRule = {
  id: "DynamoDB.6",
  title: "DynamoDB tables have deletion protection enabled",
  productionOnly: false,
  resourceTypes: ["aws_dynamodb_table"],
  check: (resource) =>
    mustBeTrue(resource.config.deletion_protection_enabled, "deletion_protection_enabled", "set deletion_protection_enabled to true"),
};
