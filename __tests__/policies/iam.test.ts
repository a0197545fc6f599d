import { Fn } from "cdktf";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { iamNoFullAdmin, iamNoServiceWildcards } from "../../src/policies/rules/iam-1-21-wildcards";
import { expectFails, expectPasses, guardedStack } from "./helpers";

const rules = [iamNoFullAdmin, iamNoServiceWildcards];
const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const trust = policy({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" } });

describe("IAM.1 / IAM.21 wildcards", () => {
  test("pass for exact actions on named resources, in JSON, data sources and inline policies", () => {
    // GIVEN policies of every kind, with the four ssmmessages actions listed instead of ssmmessages:*
    const stack = guardedStack(rules);
    const secret = new SecretsmanagerSecret(stack, "secret", { name: "app" });
    new IamPolicy(stack, "read_secret", { policy: policy({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret.arn }) });
    const document = new DataAwsIamPolicyDocument(stack, "exec", {
      statement: [
        {
          actions: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
          resources: ["*"],
        },
        // A Deny with a wildcard narrows access: not a grant.
        { effect: "Deny", actions: ["s3:*"], resources: ["*"] },
      ],
    });
    const role = new IamRole(stack, "task", {
      assumeRolePolicy: trust,
      inlinePolicy: [{ name: "logs", policy: policy({ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }) }],
    });
    new IamRolePolicy(stack, "exec_policy", { role: role.id, policy: document.json });
    // WHEN / THEN
    const checked = ["aws_iam_policy.read_secret", "aws_iam_role.task", "aws_iam_role_policy.exec_policy"];
    expectPasses(stack, "IAM.1", checked);
    expectPasses(stack, "IAM.21", checked);
  });

  test('IAM.1 fails for Action "*"', () => {
    const stack = guardedStack(rules);
    new IamPolicy(stack, "admin", { policy: policy({ Effect: "Allow", Action: "*", Resource: "*" }) });
    expectFails(stack, "IAM.1", "admin", /the policy, Allow statement #1 allows Action "\*"/);
  });

  test("IAM.1 fails for Allow with NotAction in an inline role policy", () => {
    const stack = guardedStack(rules);
    new IamRole(stack, "task", { assumeRolePolicy: trust, inlinePolicy: [{ name: "broad", policy: policy({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) }] });
    expectFails(stack, "IAM.1", "task", /inline policy broad, Allow statement #1 allows everything except NotAction iam:\*/);
  });

  test("IAM.21 fails for a service wildcard in a policy document data source", () => {
    const stack = guardedStack(rules);
    const document = new DataAwsIamPolicyDocument(stack, "exec", { statement: [{ actions: ["ssmmessages:*"], resources: ["*"] }] });
    new IamRolePolicy(stack, "exec_policy", { role: "task", policy: document.json });
    expectFails(stack, "IAM.21", "exec_policy", /allows the wildcard action\(s\) ssmmessages:\*.*Fix: list the exact actions \(for ECS Exec: "ssmmessages:CreateControlChannel"/);
  });

  test.each([
    ["secretsmanager:GetSecretValue", "*"],
    ["secretsmanager:Get*", "*"],
    ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"],
  ])("IAM.21 fails for %s on %s", (action, resource) => {
    const stack = guardedStack([iamNoServiceWildcards]);
    new IamPolicy(stack, "read", { policy: policy({ Effect: "Allow", Action: action, Resource: resource }) });
    expectFails(stack, "IAM.21", "read", /allows secretsmanager:GetSecretValue on /);
  });

  test("both fail for a policy they cannot read (jsonencode)", () => {
    const stack = guardedStack(rules);
    new IamPolicy(stack, "opaque", { policy: Fn.jsonencode({ Statement: [] }) });
    expectFails(stack, "IAM.1", "opaque", /the policy cannot be read before apply/);
    expectFails(stack, "IAM.21", "opaque", /the policy cannot be read before apply/);
  });
});
