import { Testing } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import {
  DEPLOY_ROLE_PASSED_TO_SERVICES,
  GithubDeployRole,
  GithubDeployRoleProps,
  githubDeployBoundaryArn,
  MANAGED_POLICY_MAX_CHARACTERS,
  PolicyStatementJson,
} from "../../../src/constructs/delivery/github-deploy-role";
import { GithubRepository } from "../../../src/constructs/delivery/github-repository";
import { Naming } from "../../../src/core/naming";
import { addAwsProvider } from "../../../src/stacks/aws-provider";

const ACCOUNT = "123456789012";
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const STATE_ROLE = "arn:aws:iam::210987654321:role/whcsites-tfstate-staging";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-github-deploy-boundary`;

interface Deployed {
  readonly synth: string;
  readonly role: GithubDeployRole;
  readonly resources: Record<string, Record<string, Record<string, any>>>;
  readonly trust: any;
  readonly statements: PolicyStatementJson[];
}

function whenDeployRole(props: Partial<GithubDeployRoleProps> = {}): Deployed {
  let role: GithubDeployRole | undefined;
  const synth = Testing.synthScope((scope) => {
    role = new GithubDeployRole(scope, "github_deploy", {
      naming: new Naming("whcsites", "staging"),
      repository: new GithubRepository({ repository: "whc-example/whcsites-infra" }),
      oidcProviderArn: PROVIDER,
      accountId: ACCOUNT,
      region: "eu-west-1",
      stateRoleArn: STATE_ROLE,
      ...props,
    });
  });
  const resources = JSON.parse(synth).resource;
  const [roleConfig] = Object.values(resources.aws_iam_role) as any[];
  const [policyConfig] = Object.values(resources.aws_iam_policy) as any[];
  return {
    synth,
    role: role as GithubDeployRole,
    resources,
    trust: JSON.parse(roleConfig.assume_role_policy),
    statements: JSON.parse(policyConfig.policy).Statement,
  };
}

const list = (value: string | readonly string[] | undefined): string[] => (value === undefined ? [] : typeof value === "string" ? [value] : [...value]);

/** True when an IAM pattern (`*` and `?` wildcards, case-insensitive as IAM compares actions) covers `value`. */
function covers(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return regex.test(value);
}

/** The Allow statements whose actions cover `action`. */
function allowing(statements: readonly PolicyStatementJson[], action: string): PolicyStatementJson[] {
  return statements.filter((s) => s.Effect === "Allow" && list(s.Action).some((a) => covers(a, action)));
}

describe("GithubDeployRole", () => {
  describe("GIVEN the defaults for staging", () => {
    const { synth, role, resources, trust, statements } = whenDeployRole();
    const policyAddress = Object.keys(resources.aws_iam_policy)[0];

    test("THEN the role is named for the environment, lasts up to two hours and carries the policy as boundary and as permissions", () => {
      expect(synth).toHaveResourceWithProperties(IamRole, {
        name: "whcsites-staging-github-deploy",
        max_session_duration: 7200,
        permissions_boundary: `\${aws_iam_policy.${policyAddress}.arn}`,
      });
      expect(synth).toHaveResourceWithProperties(IamPolicy, { name: "whcsites-staging-github-deploy-boundary" });
      expect(synth).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: `\${aws_iam_policy.${policyAddress}.arn}` });
      // Inline policies would sit outside the boundary's reach of review: there are none.
      expect(resources.aws_iam_role_policy).toBeUndefined();
    });

    test("THEN the boundary ARN the conditions name is the ARN IAM gives the policy", () => {
      expect(role.boundaryArn).toBe(BOUNDARY);
      expect(githubDeployBoundaryArn(new Naming("whcsites", "staging"), ACCOUNT, "eu-west-1")).toBe(BOUNDARY);
      expect(`arn:aws:iam::${ACCOUNT}:policy/${resources.aws_iam_policy[policyAddress].name}`).toBe(BOUNDARY);
    });

    test("THEN only jobs of the GitHub environment of the same name may assume it", () => {
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0].Principal).toEqual({ Federated: PROVIDER });
      expect(trust.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(trust.Statement[0].Condition).toEqual({
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:whc-example/whcsites-infra:environment:staging",
        },
      });
    });

    test("THEN creating or changing a role without exactly this boundary is denied", () => {
      const deny = statements.find((s) => s.Sid === "DenyRolesWithoutBoundary");
      expect(deny).toEqual({
        Sid: "DenyRolesWithoutBoundary",
        Effect: "Deny",
        Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
        Resource: "*",
        Condition: { StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY } },
      });
    });

    test("THEN nothing allows removing a boundary or editing any managed policy, and the boundary and GitHub roles are read-only", () => {
      for (const action of ["iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:CreatePolicy"]) {
        expect([action, allowing(statements, action).map((s) => s.Sid)]).toEqual([action, []]);
      }
      expect(statements.find((s) => s.Sid === "DenyAdminOnly")).toEqual({
        Sid: "DenyAdminOnly",
        Effect: "Deny",
        NotAction: ["iam:Get*", "iam:List*"],
        Resource: [BOUNDARY, `arn:aws:iam::${ACCOUNT}:role/whcsites-staging-github-*`],
      });
    });

    test("THEN it may assume the state role and no role of the environment", () => {
      expect(allowing(statements, "sts:AssumeRole").map((s) => s.Resource)).toEqual([STATE_ROLE]);
      expect(statements.find((s) => s.Sid === "DenyAssumeOwnRoles")).toEqual({
        Sid: "DenyAssumeOwnRoles",
        Effect: "Deny",
        Action: ["sts:AssumeRole"],
        Resource: `arn:aws:iam::${ACCOUNT}:role/whcsites-staging-*`,
      });
    });

    test("THEN it passes the environment's roles only to ECS tasks, flow logs and RDS monitoring", () => {
      const passing = allowing(statements, "iam:PassRole");
      expect(passing).toEqual([
        {
          Sid: "PassRoles",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: `arn:aws:iam::${ACCOUNT}:role/whcsites-staging-*`,
          Condition: { StringEquals: { "iam:PassedToService": [...DEPLOY_ROLE_PASSED_TO_SERVICES] } },
        },
      ]);
    });

    test('THEN no Allow grants every action, uses NotAction, or reads every secret (IAM.1, IAM.21\'s secret check)', () => {
      for (const s of statements.filter((st) => st.Effect === "Allow")) {
        expect([s.Sid, list(s.Action).includes("*"), s.NotAction]).toEqual([s.Sid, false, undefined]);
      }
      const readers = allowing(statements, "secretsmanager:GetSecretValue");
      expect(readers.map((s) => [s.Sid, s.Resource])).toEqual([["OwnByName", expect.arrayContaining([`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:/whcsites/staging/*`])]]);
    });

    test("THEN the tag conditions use the keys and values the provider's default_tags set", () => {
      const synthProvider = JSON.parse(Testing.synthScope((scope) => addAwsProvider(scope, { naming: new Naming("whcsites", "staging"), region: "eu-west-1", accountId: ACCOUNT })));
      const tags = synthProvider.provider.aws[0].default_tags[0].tags;
      const ownByTag = statements.find((s) => s.Sid === "OwnByTag");
      expect(ownByTag?.Condition).toEqual({ StringEquals: { "aws:ResourceTag/app": tags.app, "aws:ResourceTag/environment": tags.environment } });
      const create = statements.find((s) => s.Sid === "CreateTagged");
      expect(create?.Condition?.StringEquals).toEqual({ "aws:RequestTag/app": tags.app, "aws:RequestTag/environment": tags.environment });
    });

    test("THEN every Allow is confined by tag or by the environment's names, except the broad ones docs/security.md lists", () => {
      const confinedByName = (resource: string) =>
        resource.includes("whcsites-staging-") ||
        resource.includes("/whcsites/staging/") ||
        resource === STATE_ROLE ||
        resource.endsWith(":rds:eu-west-1:123456789012:og:default:*") ||
        resource === `arn:aws:iam::${ACCOUNT}:role/aws-service-role/*`;
      const broad = statements
        .filter((s) => s.Effect === "Allow")
        .filter((s) => s.Condition === undefined || ["ServiceLinkedRoles", "Ec2TagOnCreate", "ElbTagOnCreate"].includes(s.Sid))
        .filter((s) => !list(s.Resource).every(confinedByName))
        .map((s) => s.Sid);
      // The tag-on-create statements hold only inside a create call, which itself must be allowed (by tags or names).
      expect(broad).toEqual(["Read", "Ec2TagOnCreate", "ElbTagOnCreate", "EndpointDns", "Autoscaling", "RdsMonitoring", "EcsExec"]);
    });

    test("THEN it may call GetRandomPassword, which has no resource (the ephemeral passwords of the write-only secrets)", () => {
      const read = statements.find((s) => s.Sid === "Read");
      expect(list(read?.Action)).toContain("secretsmanager:GetRandomPassword");
      expect(read?.Resource).toBe("*");
    });

    test("THEN a service wildcard appears only on resources confined by tag or name", () => {
      for (const s of statements.filter((st) => st.Effect === "Allow" && list(st.Action).some((a) => /^[a-z0-9-]+:\*$/.test(a)))) {
        const byTag = JSON.stringify(s.Condition ?? {}).includes('"aws:ResourceTag/environment":"staging"');
        const byName = list(s.Resource).every((r) => r.includes("whcsites-staging-") || r.includes("/whcsites/staging/") || r.endsWith("og:default:*"));
        expect([s.Sid, byTag || byName]).toEqual([s.Sid, true]);
      }
    });

    test("THEN without hosted zones it changes no DNS record", () => {
      expect(allowing(statements, "route53:ChangeResourceRecordSets")).toEqual([]);
    });

    test("THEN the document fits IAM's managed policy limit", () => {
      expect(JSON.stringify({ Version: "2012-10-17", Statement: statements }).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });
  });

  describe("GIVEN a hosted zone, a workload secret outside the environment's path, no ECS Exec and no enhanced monitoring", () => {
    const secret = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:ghcr-pull-AbCdEf`;
    const { statements } = whenDeployRole({ hostedZoneIds: ["Z0123456789ABCDEFGHIJ"], workloadSecretArns: [secret], ecsExec: false, enhancedMonitoring: false });

    test("THEN records change in that zone only", () => {
      expect(allowing(statements, "route53:ChangeResourceRecordSets").map((s) => s.Resource)).toEqual([
        ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ", "arn:aws:route53:::change/*"],
      ]);
    });

    test("THEN the secret may be read, and Session Manager channels and RDSOSMetrics are out of bounds", () => {
      expect(allowing(statements, "secretsmanager:GetSecretValue").flatMap((s) => list(s.Resource))).toContain(secret);
      expect(allowing(statements, "ssmmessages:OpenDataChannel")).toEqual([]);
      expect(statements.flatMap((s) => list(s.Resource)).some((r) => r.includes("RDSOSMetrics"))).toBe(false);
    });
  });

  describe("GIVEN the longest names, two zones and two workload secrets", () => {
    test("THEN the document still fits IAM's managed policy limit", () => {
      const region = "ap-southeast-2";
      const { statements } = whenDeployRole({
        naming: new Naming("whcsites", "production-eu1"),
        region,
        hostedZoneIds: ["Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIK"],
        workloadSecretArns: [`arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:ghcr-pull-credentials-AbCdEf`, `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:other-AbCdEf`],
        stateRoleArn: "arn:aws:iam::210987654321:role/whcsites-tfstate-production-eu1",
      });
      expect(JSON.stringify({ Version: "2012-10-17", Statement: statements }).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });
  });

  describe("GIVEN the longest names, the longest region, backups and a production domain's one zone", () => {
    test("THEN the document still fits IAM's managed policy limit", () => {
      const { statements } = whenDeployRole({
        naming: new Naming("whcsites", "production-eu1"),
        region: "ap-southeast-2",
        hostedZoneIds: ["Z0123456789ABCDEFGHIJ"],
        stateRoleArn: "arn:aws:iam::210987654321:role/whcsites-tfstate-production-eu1",
        backups: true,
      });
      expect(JSON.stringify({ Version: "2012-10-17", Statement: statements }).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });

    test("WHEN two workload secrets are added THEN it is refused, saying what takes the room", () => {
      const region = "ap-southeast-2";
      expect(() =>
        whenDeployRole({
          naming: new Naming("whcsites", "production-eu1"),
          region,
          hostedZoneIds: ["Z0123456789ABCDEFGHIJ"],
          workloadSecretArns: [`arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:ghcr-pull-credentials-AbCdEf`, `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:other-AbCdEf`],
          stateRoleArn: "arn:aws:iam::210987654321:role/whcsites-tfstate-production-eu1",
          backups: true,
        }),
      ).toThrow(/allowed: at most 6144 \(IAM's managed policy limit\): give fewer hostedZoneIds or workloadSecretArns \(backups take about 320 of them\)$/);
    });
  });

  describe("GIVEN backups (a vault here and in a DR region, a plan, restore tests, replicated automated backups)", () => {
    const { statements } = whenDeployRole({ backups: true });
    const without = whenDeployRole().statements;
    const sid = (id: string) => statements.find((s) => s.Sid === id);

    test("THEN AWS Backup's vaults, plans and restore testing plans are created tagged and managed only with the environment's tags", () => {
      expect(list(sid("CreateTagged")?.Action)).toContain("backup:Create*");
      expect(list(sid("OwnByTag")?.Action)).toContain("backup:*");
      expect(allowing(statements, "backup:DeleteBackupVault").map((s) => s.Sid)).toEqual(["OwnByTag"]);
      expect(allowing(without, "backup:DeleteBackupVault")).toEqual([]);
    });

    test("THEN its EventBridge rules are the environment's by name, and its key aliases may be in any region", () => {
      const ownByName = list(sid("OwnByName")?.Resource);
      expect(ownByName).toContain(`arn:aws:events:eu-west-1:${ACCOUNT}:rule/whcsites-staging-*`);
      expect(ownByName).toContain(`arn:aws:kms:*:${ACCOUNT}:alias/whcsites-staging-*`);
      expect(list(without.find((s) => s.Sid === "OwnByName")?.Resource)).toContain(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/whcsites-staging-*`);
    });

    test("THEN the backup role may be passed to AWS Backup, and AWS Backup's service-linked roles created", () => {
      expect(sid("PassRoles")?.Condition).toEqual({ StringEquals: { "iam:PassedToService": [...DEPLOY_ROLE_PASSED_TO_SERVICES, "backup.amazonaws.com"] } });
      expect(list(sid("ServiceLinkedRoles")?.Condition?.StringEquals?.["iam:AWSServiceName"])).toEqual(expect.arrayContaining(["backup.amazonaws.com", "restore-testing.backup.amazonaws.com"]));
      expect(list(without.find((s) => s.Sid === "PassRoles")?.Condition?.StringEquals?.["iam:PassedToService"])).not.toContain("backup.amazonaws.com");
    });

    test("THEN the boundary admits AWS Backup's own RDS snapshots in any region and its restore-tested instances, nothing else named by AWS", () => {
      const named = (all: readonly PolicyStatementJson[]) => list(all.find((s) => s.Sid === "OwnByName")?.Resource).filter((r) => r.includes("awsbackup"));
      expect(named(statements)).toEqual([`arn:aws:rds:*:${ACCOUNT}:snapshot:awsbackup:*`, `arn:aws:rds:eu-west-1:${ACCOUNT}:db:awsbackup-restore-test-*`]);
      expect(allowing(statements, "rds:DeleteDBSnapshot").map((s) => s.Sid)).toEqual(["OwnByName"]);
      expect(named(without)).toEqual([]);
    });

    test("THEN a service wildcard appears only on resources confined by tag or name, besides those two names AWS gives", () => {
      const awsNamed = [`arn:aws:rds:*:${ACCOUNT}:snapshot:awsbackup:*`, `arn:aws:rds:eu-west-1:${ACCOUNT}:db:awsbackup-restore-test-*`];
      for (const st of statements.filter((x) => x.Effect === "Allow" && list(x.Action).some((a) => /^[a-z0-9-]+:\*$/.test(a)))) {
        const byTag = JSON.stringify(st.Condition ?? {}).includes('"aws:ResourceTag/environment":"staging"');
        const byName = list(st.Resource).every((r) => r.includes("whcsites-staging-") || r.includes("/whcsites/staging/") || r.endsWith("og:default:*") || awsNamed.includes(r));
        expect([st.Sid, byTag || byName]).toEqual([st.Sid, true]);
      }
    });
  });

  describe("GIVEN bad props", () => {
    test.each([
      [{ naming: new Naming("whcsites", "tfstate") }, 'GithubDeployRole: naming.environment got "tfstate"; allowed: any other name (whcsites-tfstate-* are the state\'s bucket, table and roles)'],
      [{ hostedZoneIds: ["example.org"] }, 'GithubDeployRole: hostedZoneIds got "example.org"; allowed: Route53 hosted zone ids'],
      [{ workloadSecretArns: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:*`] }, "GithubDeployRole: workloadSecretArns got"],
      [{ maxSessionDurationSeconds: 100 }, "GithubDeployRole: maxSessionDurationSeconds got 100; allowed: an integer from 3600 to 43200"],
      [{ stateRoleArn: "*" }, 'GithubDeployRole: stateRoleArn got "*"'],
      [{ accountId: "12" }, 'GithubDeployRole: accountId got "12"; allowed: 12 digits'],
      [{ githubEnvironment: "prod:*" }, 'GithubRepository: environment got "prod:*"'],
    ])("WHEN %j THEN it is refused", (props, message) => {
      expect(() => whenDeployRole(props as Partial<GithubDeployRoleProps>)).toThrow(message);
    });

    test("WHEN the zones would overflow the managed policy limit THEN it is refused before IAM would", () => {
      const hostedZoneIds = Array.from({ length: 40 }, (_, i) => `Z${String(i).padStart(20, "0")}`);
      expect(() => whenDeployRole({ hostedZoneIds })).toThrow(/^GithubDeployRole: the deploy policy of staging is \d+ characters; allowed: at most 6144 \(IAM's managed policy limit\)/);
    });
  });
});
