import { DbInstance, DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { acknowledge } from "../../src/core/acknowledge";
import { hasTemplateSequence, whcCommandTemplates } from "../../src/policies/rules/whc-ecs3-command-templates";
import { whcServiceTrustSource } from "../../src/policies/rules/whc-iam2-service-trust-source";
import { whcKeyUseConditions } from "../../src/policies/rules/whc-kms1-key-use-conditions";
import { whcEndpointPolicy } from "../../src/policies/rules/whc-net1-endpoint-policy";
import { whcDatabaseProtection } from "../../src/policies/rules/whc-safe2-database-protection";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

const ACCOUNT = "123456789012";

describe("WHC.SAFE2 database protection in every tier", () => {
  const protectedInstance: DbInstanceConfig = {
    instanceClass: "db.t4g.micro",
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "whc-final",
    deleteAutomatedBackups: false,
  };

  test("passes for a protected instance outside production too", () => {
    // GIVEN a non-production stack WHEN a protected instance is synthesized THEN the rule checked and passed it
    const stack = guardedStack([whcDatabaseProtection], false);
    new DbInstance(stack, "database", protectedInstance);
    expectPasses(stack, "WHC.SAFE2", ["aws_db_instance.database"]);
  });

  test.each<[string, Partial<DbInstanceConfig>, RegExp]>([
    ["deletion protection off", { deletionProtection: false }, /deletion_protection is false/],
    ["no final snapshot", { skipFinalSnapshot: true, finalSnapshotIdentifier: undefined }, /skip_final_snapshot is true: deleting the instance keeps no snapshot/],
    ["a final snapshot without a name", { finalSnapshotIdentifier: undefined }, /final_snapshot_identifier is not set/],
    ["backups deleted with the instance", { deleteAutomatedBackups: true }, /delete_automated_backups is true/],
    ["backups left to the provider's default", { deleteAutomatedBackups: undefined }, /delete_automated_backups is not set \(the default is true\)/],
  ])("fails for %s, outside production too", (_name, broken, message) => {
    const stack = guardedStack([whcDatabaseProtection], false);
    new DbInstance(stack, "database", { ...protectedInstance, ...broken });
    expectFails(stack, "WHC.SAFE2", "database", message);
  });

  test("an environment acknowledged as disposable passes, with its reason listed", () => {
    // GIVEN an unprotected instance acknowledged as disposable
    const stack = guardedStack([whcDatabaseProtection], false);
    const instance = new DbInstance(stack, "database", { instanceClass: "db.t4g.micro", deletionProtection: false, skipFinalSnapshot: true });
    acknowledge(instance, "WHC.SAFE2", 'environments/demo.json marks the environment "disposable"');
    // WHEN synthesizing THEN it passes and the exception is listed
    expect(synthError(stack)).toBeUndefined();
    const acknowledged = resultOf(stack, "WHC.SAFE2").acknowledged;
    expect(acknowledged.map((a) => a.message)).toEqual([
      expect.stringMatching(/deletion_protection is false/),
      expect.stringMatching(/skip_final_snapshot is true/),
      expect.stringMatching(/delete_automated_backups is not set/),
    ]);
    expect(new Set(acknowledged.map((a) => a.acknowledgement.reason))).toEqual(new Set(['environments/demo.json marks the environment "disposable"']));
  });
});

describe("WHC.IAM2 service trust with source conditions", () => {
  const trust = (service: string, condition?: Record<string, unknown>) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }] });
  const source = (arn: string) => ({ StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": arn } });

  test("passes for the monitoring, flow log and task roles with account and ARN conditions, and ignores other principals", () => {
    const stack = guardedStack([whcServiceTrustSource]);
    new IamRole(stack, "monitoring", { assumeRolePolicy: trust("monitoring.rds.amazonaws.com", source(`arn:aws:rds:eu-west-1:${ACCOUNT}:db:whc-db`)) });
    new IamRole(stack, "flow_logs", { assumeRolePolicy: trust("vpc-flow-logs.amazonaws.com", source(`arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc-flow-log/*`)) });
    new IamRole(stack, "task", { assumeRolePolicy: trust("ecs-tasks.amazonaws.com", source(`arn:aws:ecs:eu-west-1:${ACCOUNT}:*`)) });
    new IamRole(stack, "lambda", { assumeRolePolicy: trust("lambda.amazonaws.com") });
    expectPasses(stack, "WHC.IAM2", ["aws_iam_role.monitoring", "aws_iam_role.flow_logs", "aws_iam_role.task", "aws_iam_role.lambda"]);
  });

  test("fails for the RDS monitoring role without conditions (the first wave's trust)", () => {
    const stack = guardedStack([whcServiceTrustSource]);
    new IamRole(stack, "monitoring", { assumeRolePolicy: trust("monitoring.rds.amazonaws.com") });
    expectFails(stack, "WHC.IAM2", "monitoring", /trust statement #1 lets monitoring\.rds\.amazonaws\.com assume the role for any account's resources: it lacks aws:SourceAccount .* and aws:SourceArn/);
  });

  test("fails with the account only, or with a source ARN of any account", () => {
    const stack = guardedStack([whcServiceTrustSource]);
    new IamRole(stack, "account_only", { assumeRolePolicy: trust("monitoring.rds.amazonaws.com", { StringEquals: { "aws:SourceAccount": ACCOUNT } }) });
    new IamRole(stack, "any_account", { assumeRolePolicy: trust("vpc-flow-logs.amazonaws.com", source("arn:aws:ec2:eu-west-1:*:vpc-flow-log/*")) });
    const error = expectFails(stack, "WHC.IAM2", "account_only", /it lacks aws:SourceArn \(an ARN naming this account\)/);
    expect(error).toMatch(/\[WHC\.IAM2\] test\/any_account: .*vpc-flow-logs\.amazonaws\.com.*it lacks aws:SourceArn/);
  });
});

describe("WHC.NET1 VPC endpoint policies", () => {
  const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", ...statement }] });

  test("passes for a policy limited by condition (S3) or by resource (Secrets Manager)", () => {
    const stack = guardedStack([whcEndpointPolicy]);
    new VpcEndpoint(stack, "s3", { vpcId: "vpc-1", serviceName: "com.amazonaws.eu-west-1.s3", policy: policy({ Action: "s3:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceAccount": ACCOUNT } } }) });
    new VpcEndpoint(stack, "secrets", { vpcId: "vpc-1", serviceName: "com.amazonaws.eu-west-1.secretsmanager", policy: policy({ Action: "secretsmanager:*", Resource: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:*`] }) });
    expectPasses(stack, "WHC.NET1", ["aws_vpc_endpoint.s3", "aws_vpc_endpoint.secrets"]);
  });

  test("fails for an endpoint without a policy (AWS's default full access)", () => {
    const stack = guardedStack([whcEndpointPolicy]);
    new VpcEndpoint(stack, "s3", { vpcId: "vpc-1", serviceName: "com.amazonaws.eu-west-1.s3" });
    expectFails(stack, "WHC.NET1", "s3", /the endpoint has no policy, so it allows full access to every account's resources.*aws:ResourceAccount/);
  });

  test("fails for a written-out full access policy", () => {
    const stack = guardedStack([whcEndpointPolicy]);
    new VpcEndpoint(stack, "logs", { vpcId: "vpc-1", serviceName: "com.amazonaws.eu-west-1.logs", policy: policy({ Action: "*", Resource: "*" }) });
    expectFails(stack, "WHC.NET1", "logs", /Allow statement #1 covers every resource with no condition \(the default full access\)/);
  });
});

describe("WHC.ECS3 no Terraform template in a container command", () => {
  const task = (command: string[], entryPoint?: string[]) => ({
    family: "whc",
    containerDefinitions: JSON.stringify([{ name: "app", image: "ghcr.io/x/y:1", command, ...(entryPoint ? { entryPoint } : {}) }]),
  });

  test("what counts as a template sequence: ${ and %{ unless escaped as $${ and %%{", () => {
    expect(["echo ${HOME}", "%{if x}y%{endif}", "$$${x}", "a${b}"].map(hasTemplateSequence)).toEqual([true, true, false, true]);
    expect(["echo $${HOME}", "%%{if}", "$HOME", "100%", "{}", "$ {x}"].map(hasTemplateSequence)).toEqual([false, false, false, false, false, false]);
  });

  test("passes for plain and escaped commands", () => {
    const stack = guardedStack([whcCommandTemplates]);
    new EcsTaskDefinition(stack, "migrate", task(["/app/bin/migrate"]));
    new EcsTaskDefinition(stack, "shell", task(["sh", "-c", "echo $${HOME} %%{x}"]));
    expectPasses(stack, "WHC.ECS3", ["aws_ecs_task_definition.migrate", "aws_ecs_task_definition.shell"]);
  });

  test("fails for a command or entry point Terraform would evaluate", () => {
    const stack = guardedStack([whcCommandTemplates]);
    new EcsTaskDefinition(stack, "shell", task(["sh", "-c", "echo ${HOME}"]));
    new EcsTaskDefinition(stack, "entry", task(["/app/bin/migrate"], ["/bin/run", "%{if true}x%{endif}"]));
    const error = expectFails(stack, "WHC.ECS3", "shell", /container "app" command holds "echo \$\{HOME\}", which Terraform evaluates as a template.*Fix: escape it as \$\$\{ and %%\{/);
    expect(error).toMatch(/\[WHC\.ECS3\] test\/entry: container "app" entryPoint holds "%\{if true\}x%\{endif\}"/);
  });
});

describe("WHC.KMS1 key use only under conditions", () => {
  const root = { AWS: `arn:aws:iam::${ACCOUNT}:root` };
  const keyPolicy = (...statements: Record<string, unknown>[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: statements.map((s) => ({ Effect: "Allow", Principal: root, Resource: "*", ...s })) });
  const viaSecretsManager = { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } };

  test("passes for administration apart from use through a service, and for kms:* narrowed by a conditional Deny", () => {
    // GIVEN the secrets key's shape and the state key's shape
    const stack = guardedStack([whcKeyUseConditions]);
    new KmsKey(stack, "secrets", {
      policy: keyPolicy({ Action: ["kms:Describe*", "kms:Enable*", "kms:PutKeyPolicy"] }, { Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Condition: viaSecretsManager }),
    });
    new KmsKey(stack, "state", {
      policy: keyPolicy(
        { Action: "kms:*" },
        { Effect: "Deny", Principal: "*", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"], Condition: { ArnNotLike: { "aws:PrincipalArn": [`arn:aws:iam::${ACCOUNT}:role/state`] } } },
      ),
    });
    // WHEN / THEN
    expectPasses(stack, "WHC.KMS1", ["aws_kms_key.secrets", "aws_kms_key.state"]);
  });

  test("fails for kms:* to the account next to a conditional use statement (the condition is moot)", () => {
    const stack = guardedStack([whcKeyUseConditions]);
    new KmsKey(stack, "secrets", { policy: keyPolicy({ Action: "kms:*" }, { Action: ["kms:Decrypt"], Condition: viaSecretsManager }) });
    expectFails(stack, "WHC.KMS1", "secrets", /Allow statement #1 gives kms:Decrypt, kms:Encrypt, kms:GenerateDataKey, kms:ReEncryptFrom with no condition.*Fix: give the account administration only/);
  });

  test("fails for a key without a policy (AWS's default), a wildcard that reaches Decrypt, and a NotAction Allow", () => {
    const stack = guardedStack([whcKeyUseConditions]);
    new KmsKey(stack, "default", {});
    new KmsKey(stack, "wildcard", { policy: keyPolicy({ Action: ["kms:Describe*", "kms:De*"] }) });
    new KmsKey(stack, "not_action", { policy: keyPolicy({ NotAction: ["kms:ScheduleKeyDeletion"] }) });
    const error = expectFails(stack, "WHC.KMS1", "default", /the key has no policy, so AWS's default gives kms:\* \(every use\) to the account without condition/);
    expect(error).toMatch(/\[WHC\.KMS1\] test\/wildcard: Allow statement #1 gives kms:Decrypt with no condition/);
    expect(error).toMatch(/\[WHC\.KMS1\] test\/not_action: Allow statement #1 gives kms:Decrypt, kms:Encrypt, kms:GenerateDataKey, kms:ReEncryptFrom/);
  });
});
