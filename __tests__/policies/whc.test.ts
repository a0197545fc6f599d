import { TerraformVariable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { whcLogRetention } from "../../src/policies/rules/whc-log1-log-retention";
import { whcPreventDestroy } from "../../src/policies/rules/whc-safe1-prevent-destroy";
import { whcNoLiteralSecrets } from "../../src/policies/rules/whc-sec1-no-literal-secrets";
import { whcWriteOnlySecrets } from "../../src/policies/rules/whc-sec2-write-only-secrets";
import { whcMasterSecretUnread } from "../../src/policies/rules/whc-sec3-master-secret";
import { acknowledge } from "../../src/core/acknowledge";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

describe("WHC.LOG1 log retention", () => {
  test("passes with retention_in_days", () => {
    const stack = guardedStack([whcLogRetention]);
    new CloudwatchLogGroup(stack, "app", { name: "app", retentionInDays: 30 });
    expectPasses(stack, "WHC.LOG1", ["aws_cloudwatch_log_group.app"]);
  });

  test.each([
    [undefined, /retention_in_days is not set, so events are kept forever/],
    [0, /retention_in_days is not set, so events are kept forever/],
  ])("fails with retention_in_days %p", (retentionInDays, message) => {
    const stack = guardedStack([whcLogRetention]);
    new CloudwatchLogGroup(stack, "app", { name: "app", retentionInDays });
    expectFails(stack, "WHC.LOG1", "app", message);
  });
});

describe("WHC.SEC1 no literal secrets", () => {
  test("passes for secrets built from references and a database using a reference or a managed password", () => {
    // GIVEN
    const stack = guardedStack([whcNoLiteralSecrets]);
    const generated = new TerraformVariable(stack, "generated", { type: "string", sensitive: true });
    const secret = new SecretsmanagerSecret(stack, "app", { name: "app" });
    new SecretsmanagerSecretVersion(stack, "app_value", { secretId: secret.id, secretString: generated.stringValue });
    new SecretsmanagerSecretVersion(stack, "app_json", {
      secretId: secret.id,
      secretString: JSON.stringify({ username: "whcsites_admin", host: "db.internal", password: generated.stringValue }),
    });
    new DbInstance(stack, "database", { instanceClass: "db.t4g.micro", username: "whcsites_admin", password: generated.stringValue });
    new DbInstance(stack, "managed", { instanceClass: "db.t4g.micro", username: "whcsites_admin", manageMasterUserPassword: true });
    // WHEN / THEN
    expectPasses(stack, "WHC.SEC1", [
      "aws_secretsmanager_secret_version.app_value",
      "aws_secretsmanager_secret_version.app_json",
      "aws_db_instance.database",
      "aws_db_instance.managed",
    ]);
  });

  test("fails for a literal secret string", () => {
    const stack = guardedStack([whcNoLiteralSecrets]);
    new SecretsmanagerSecretVersion(stack, "app_value", { secretId: "app", secretString: "hunter2" });
    expectFails(stack, "WHC.SEC1", "app_value", /secret_string is a literal string/);
  });

  test("fails for a JSON secret with a literal password next to references", () => {
    const stack = guardedStack([whcNoLiteralSecrets]);
    const generated = new TerraformVariable(stack, "generated", { type: "string", sensitive: true });
    new SecretsmanagerSecretVersion(stack, "app_json", {
      secretId: "app",
      secretString: JSON.stringify({ password: generated.stringValue, SECRET_KEY_BASE: "literal-key-base" }),
    });
    expectFails(stack, "WHC.SEC1", "app_json", /secret_string holds literal value\(s\) for SECRET_KEY_BASE/);
  });

  test("fails for a literal database password", () => {
    const stack = guardedStack([whcNoLiteralSecrets]);
    new DbInstance(stack, "database", { instanceClass: "db.t4g.micro", username: "whcsites_admin", password: "Passw0rd!" });
    expectFails(stack, "WHC.SEC1", "database", /password is a literal string/);
  });
});

describe("WHC.SAFE1 prevent_destroy (production)", () => {
  test("passes when every stateful resource carries prevent_destroy", () => {
    const stack = guardedStack([whcPreventDestroy], true);
    const keep = { preventDestroy: true };
    new S3Bucket(stack, "state", { lifecycle: keep });
    new DynamodbTable(stack, "locks", { name: "l", hashKey: "id", attribute: [{ name: "id", type: "S" }], lifecycle: keep });
    new KmsKey(stack, "key", { lifecycle: keep });
    new SecretsmanagerSecret(stack, "secret", { lifecycle: keep });
    new DbInstance(stack, "database", { instanceClass: "db.t4g.micro" }).addOverride("lifecycle.prevent_destroy", true);
    expectPasses(stack, "WHC.SAFE1", [
      "aws_s3_bucket.state",
      "aws_dynamodb_table.locks",
      "aws_kms_key.key",
      "aws_secretsmanager_secret.secret",
      "aws_db_instance.database",
    ]);
  });

  test("fails for a stateful resource without it", () => {
    const stack = guardedStack([whcPreventDestroy], true);
    new DynamodbTable(stack, "locks", { name: "l", hashKey: "id", attribute: [{ name: "id", type: "S" }] });
    expectFails(stack, "WHC.SAFE1", "locks", /a plan that destroys or replaces this stateful resource would go through.*Fix: set lifecycle: \{ preventDestroy: true \}/);
  });

  test("is not applied outside production", () => {
    const stack = guardedStack([whcPreventDestroy], false);
    new S3Bucket(stack, "bucket");
    expect(synthError(stack)).toBeUndefined();
    expect(() => resultOf(stack, "WHC.SAFE1")).toThrow(/was not applied/);
  });
});

describe("WHC.SEC2 write-only secrets", () => {
  test("passes for write-only values and versions", () => {
    const stack = guardedStack([whcWriteOnlySecrets]);
    const generated = new TerraformVariable(stack, "generated", { type: "string", sensitive: true, ephemeral: true } as any);
    const secret = new SecretsmanagerSecret(stack, "app", { name: "app" });
    new SecretsmanagerSecretVersion(stack, "app_value", { secretId: secret.id, secretStringWo: generated.stringValue, secretStringWoVersion: 1 });
    new DbInstance(stack, "db", { instanceClass: "db.t4g.micro", engine: "postgres", passwordWo: generated.stringValue, passwordWoVersion: 1 });
    expectPasses(stack, "WHC.SEC2", ["aws_db_instance.db", "aws_secretsmanager_secret_version.app_value"]);
  });

  test.each([
    ["a database password", (stack: any, value: string) => new DbInstance(stack, "db", { instanceClass: "db.t4g.micro", engine: "postgres", password: value }), "db", /password stores the master password in the state/],
    ["a secret string", (stack: any, value: string) => new SecretsmanagerSecretVersion(stack, "db", { secretId: "x", secretString: value }), "db", /secret_string stores the secret's value in the state/],
  ])("fails for %s kept in the state", (_name, build, path, message) => {
    const stack = guardedStack([whcWriteOnlySecrets]);
    build(stack, new TerraformVariable(stack, "generated", { type: "string", sensitive: true }).stringValue);
    expectFails(stack, "WHC.SEC2", path, message);
  });
});

describe("WHC.SEC3 the master secret is read by the role bootstrap only", () => {
  function givenMasterAndTask(stack: any, valueFrom: (masterArn: string) => string) {
    const master = new SecretsmanagerSecret(stack, "master", { name: "master", tags: { "whcsites:role": "database-master" } });
    const app = new SecretsmanagerSecret(stack, "app", { name: "app" });
    return new EcsTaskDefinition(stack, "task", {
      family: "task",
      containerDefinitions: JSON.stringify([{ name: "c", image: "x", secrets: [{ name: "DATABASE_URL", valueFrom: valueFrom(`${master.arn}|${app.arn}`) }] }]),
    });
  }

  test("passes when containers read other secrets", () => {
    const stack = guardedStack([whcMasterSecretUnread]);
    givenMasterAndTask(stack, (arns) => `${arns.split("|")[1]}:url::`);
    expectPasses(stack, "WHC.SEC3", ["aws_ecs_task_definition.task"]);
  });

  test("fails when a container reads the master secret, and passes once that task acknowledges it", () => {
    const stack = guardedStack([whcMasterSecretUnread]);
    const task = givenMasterAndTask(stack, (arns) => `${arns.split("|")[0]}:password::`);
    expectFails(stack, "WHC.SEC3", "task", /container "c" reads the database master secret \(DATABASE_URL\)/);
    const other = guardedStack([whcMasterSecretUnread]);
    const acknowledged = givenMasterAndTask(other, (arns) => `${arns.split("|")[0]}:password::`);
    acknowledge(acknowledged, "WHC.SEC3", "the one task that creates the roles");
    expect(synthError(other)).toBeUndefined();
    expect(resultOf(other, "WHC.SEC3").acknowledged).toHaveLength(1);
    expect(task).toBeDefined();
  });
});
