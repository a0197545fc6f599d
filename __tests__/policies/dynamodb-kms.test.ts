import { DynamodbTable, DynamodbTableConfig } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { dynamodbPointInTimeRecovery } from "../../src/policies/rules/dynamodb-2-point-in-time-recovery";
import { dynamodbDeletionProtection } from "../../src/policies/rules/dynamodb-6-deletion-protection";
import { kmsKeyRotation } from "../../src/policies/rules/kms-4-key-rotation";
import { expectFails, expectPasses, guardedStack } from "./helpers";

const table: DynamodbTableConfig = {
  name: "locks",
  hashKey: "LockID",
  attribute: [{ name: "LockID", type: "S" }],
  pointInTimeRecovery: { enabled: true },
  deletionProtectionEnabled: true,
};

describe("DynamoDB.2 point-in-time recovery", () => {
  test("passes when enabled", () => {
    const stack = guardedStack([dynamodbPointInTimeRecovery]);
    new DynamodbTable(stack, "locks", table);
    expectPasses(stack, "DynamoDB.2", ["aws_dynamodb_table.locks"]);
  });

  test("fails when not configured", () => {
    const stack = guardedStack([dynamodbPointInTimeRecovery]);
    new DynamodbTable(stack, "locks", { ...table, pointInTimeRecovery: undefined });
    expectFails(stack, "DynamoDB.2", "locks", /point_in_time_recovery\.enabled is not set/);
  });
});

describe("DynamoDB.6 deletion protection", () => {
  test("passes when enabled", () => {
    const stack = guardedStack([dynamodbDeletionProtection]);
    new DynamodbTable(stack, "locks", table);
    expectPasses(stack, "DynamoDB.6", ["aws_dynamodb_table.locks"]);
  });

  test("fails when disabled", () => {
    const stack = guardedStack([dynamodbDeletionProtection]);
    new DynamodbTable(stack, "locks", { ...table, deletionProtectionEnabled: false });
    expectFails(stack, "DynamoDB.6", "locks", /deletion_protection_enabled is false/);
  });
});

describe("KMS.4 key rotation", () => {
  test("passes for a rotating symmetric key and skips asymmetric keys", () => {
    const stack = guardedStack([kmsKeyRotation]);
    new KmsKey(stack, "key", { enableKeyRotation: true });
    new KmsKey(stack, "signing", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" });
    expectPasses(stack, "KMS.4", ["aws_kms_key.key", "aws_kms_key.signing"]);
  });

  test("fails without rotation", () => {
    const stack = guardedStack([kmsKeyRotation]);
    new KmsKey(stack, "key", {});
    expectFails(stack, "KMS.4", "key", /enable_key_rotation is not set/);
  });
});
