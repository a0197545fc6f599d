/**
 * Where the evaluator (@cloud-copilot/iam-simulate, pinned) and AWS's documented semantics disagree, written down as
 * tests: if a new version changes its behaviour, these fail and say what to revisit.
 */
import { evaluate, type EvaluatedRole, type PolicyDocument } from "../helpers/iam-evaluation";

const ACCOUNT = "210987654321";
const SERVICE = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/whcsites-staging-service/whcsites-staging-api`;

function roleWith(resource: string): EvaluatedRole {
  const policy: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecs:UpdateService", Resource: resource }] };
  return { name: "r", arn: `arn:aws:iam::${ACCOUNT}:role/r`, account: ACCOUNT, trust: { Version: "2012-10-17", Statement: [] }, identity: [{ name: "p", policy }] };
}

describe("iam-simulate and IAM's documented wildcard semantics", () => {
  test("GIVEN a pattern with * across the resource type and a / WHEN matched against an ECS service ARN THEN the evaluator does not match it, though IAM's * spans /", async () => {
    // IAM: "*" in the resource part of an ARN matches any characters, "/" included (IAM User Guide, "IAM JSON policy
    // elements: Resource"). So AWS would allow this; iam-simulate 0.1.173 does not. The deploy role's policies use one
    // pattern per resource type instead (service/whcsites-<env>-*), which both agree on and which is tighter anyway.
    expect((await evaluate(roleWith(`arn:aws:ecs:eu-west-1:${ACCOUNT}:*/whcsites-staging-*`), { action: "ecs:UpdateService", resource: SERVICE })).decision).toBe("ImplicitlyDenied");
  });

  test("GIVEN the per-resource-type pattern the deploy role uses WHEN matched against the same ARN THEN it is allowed", async () => {
    expect((await evaluate(roleWith(`arn:aws:ecs:eu-west-1:${ACCOUNT}:service/whcsites-staging-*`), { action: "ecs:UpdateService", resource: SERVICE })).decision).toBe("Allowed");
  });

  test("GIVEN ELBv2's AddTags on a target group WHEN validated THEN the catalogue knows only the Classic Load Balancer for it, so such calls are evaluated without input validation (CATALOGUE_GAPS)", async () => {
    const role: EvaluatedRole = {
      ...roleWith("*"),
      identity: [{ name: "p", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "elasticloadbalancing:AddTags", Resource: "*" }] } }],
    };
    const resource = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/api/0123456789abcdef`;
    expect((await evaluate(role, { action: "elasticloadbalancing:AddTags", resource })).decision).toBe("Error");
    expect((await evaluate(role, { action: "elasticloadbalancing:AddTags", resource, withoutValidation: true })).decision).toBe("Allowed");
  });

  test("GIVEN AWS Backup's ListTags on a vault WHEN validated THEN the vault's ARN matches two resource types of the catalogue (its recovery point's template takes any ARN), so such calls are evaluated without input validation (CATALOGUE_GAPS), where the policy's resource still decides", async () => {
    const vault = `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:whcsites-staging-backups`;
    const role: EvaluatedRole = {
      ...roleWith("*"),
      identity: [{ name: "p", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "backup:ListTags", Resource: `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:whcsites-staging-*` }] } }],
    };
    expect(await evaluate(role, { action: "backup:ListTags", resource: vault })).toMatchObject({ decision: "Error", detail: expect.stringContaining("multiple.resource.types") });
    expect((await evaluate(role, { action: "backup:ListTags", resource: vault, withoutValidation: true })).decision).toBe("Allowed");
    expect((await evaluate(role, { action: "backup:ListTags", resource: vault.replace("whcsites-staging-", "other-"), withoutValidation: true })).decision).toBe("ImplicitlyDenied");
  });
});
