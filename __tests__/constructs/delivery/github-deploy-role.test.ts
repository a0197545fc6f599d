import { Testing } from "cdktf";
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
import { WorkloadBoundary } from "../../../src/constructs/delivery/workload-boundary";
import { Naming } from "../../../src/core/naming";
import { addAwsProvider } from "../../../src/stacks/aws-provider";

const ACCOUNT = "123456789012";
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const STATE_ROLE = "arn:aws:iam::210987654321:role/whcsites-tfstate-staging";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-github-deploy-boundary`;
const WORKLOAD_BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-workload-boundary`;

interface Deployed {
  readonly synth: string;
  readonly role: GithubDeployRole;
  readonly resources: Record<string, Record<string, Record<string, any>>>;
  readonly trust: any;
  /** The statements of the attached permission policies. */
  readonly statements: PolicyStatementJson[];
  /** The statements of the permissions boundary. */
  readonly boundary: PolicyStatementJson[];
}

function whenDeployRole(props: Partial<GithubDeployRoleProps> = {}): Deployed {
  let role: GithubDeployRole | undefined;
  const synth = Testing.synthScope((scope) => {
    const naming = props.naming ?? new Naming("whcsites", "staging");
    const region = props.region ?? "eu-west-1";
    role = new GithubDeployRole(scope, "github_deploy", {
      naming,
      repository: new GithubRepository({ repository: "whc-example/whcsites-infra" }),
      oidcProviderArn: PROVIDER,
      accountId: ACCOUNT,
      region,
      stateRoleArn: STATE_ROLE,
      workloadBoundary: new WorkloadBoundary(scope, "workload_boundary", { naming, accountId: ACCOUNT, region }),
      ...props,
    });
  });
  const resources = JSON.parse(synth).resource;
  const [roleConfig] = Object.values(resources.aws_iam_role) as any[];
  const policies = resources.aws_iam_policy as Record<string, any>;
  // Construct tests synthesize without the stack's readable addresses: find each policy by its name.
  const statementsOf = (suffix: string) => {
    const policy = Object.values(policies).find((p) => p.name.endsWith(`-github-deploy-${suffix}`));
    return policy === undefined ? [] : (JSON.parse(policy.policy).Statement as PolicyStatementJson[]);
  };
  return {
    synth,
    role: role as GithubDeployRole,
    resources,
    trust: JSON.parse(roleConfig.assume_role_policy),
    // The backup policy exists only with backups.
    statements: ["network", "services", "roles", "backup"].flatMap(statementsOf),
    boundary: statementsOf("boundary"),
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
    const { synth, role, resources, trust, statements, boundary } = whenDeployRole();

    test("THEN the role is named for the environment, lasts up to two hours, carries its boundary, and has three attached policies and no inline one", () => {
      const address = (name: string) => Object.entries(resources.aws_iam_policy).find(([, p]) => p.name === name)?.[0];
      expect(synth).toHaveResourceWithProperties(IamRole, {
        name: "whcsites-staging-github-deploy",
        max_session_duration: 7200,
        permissions_boundary: `\${aws_iam_policy.${address("whcsites-staging-github-deploy-boundary")}.arn}`,
      });
      for (const part of ["network", "services", "roles"]) {
        expect(synth).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: `\${aws_iam_policy.${address(`whcsites-staging-github-deploy-${part}`)}.arn}` });
      }
      // The boundary caps the role; it grants nothing by itself.
      const attached = Object.values(resources.aws_iam_role_policy_attachment).map((a: any) => a.policy_arn);
      expect(attached).toHaveLength(3);
      expect(attached).not.toContain(`\${aws_iam_policy.${address("whcsites-staging-github-deploy-boundary")}.arn}`);
      expect(resources.aws_iam_role_policy).toBeUndefined();
    });

    test("THEN the boundary ARN is the ARN IAM gives the policy", () => {
      expect(role.boundaryArn).toBe(BOUNDARY);
      expect(githubDeployBoundaryArn(new Naming("whcsites", "staging"), ACCOUNT, "eu-west-1")).toBe(BOUNDARY);
      expect(Object.values(resources.aws_iam_policy).map((p) => `arn:aws:iam::${ACCOUNT}:policy/${p.name}`)).toContain(BOUNDARY);
    });

    test("THEN only jobs of the deploy workflow on main, in the GitHub environment of the same name, may assume it", () => {
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0].Principal).toEqual({ Federated: PROVIDER });
      expect(trust.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(trust.Statement[0].Condition).toEqual({
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub":
            "repo:whc-example/whcsites-infra:environment:staging:job_workflow_ref:whc-example/whcsites-infra/.github/workflows/deploy.yml@refs/heads/main",
        },
      });
    });

    test("THEN its boundary denies creating or changing a role without exactly the workload boundary, removing a boundary, and assuming the environment's roles", () => {
      expect(boundary.filter((s) => s.Effect === "Deny")).toEqual([
        {
          Sid: "DenyRolesWithoutWorkloadBoundary",
          Effect: "Deny",
          Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
          Resource: "*",
          Condition: { StringNotEquals: { "iam:PermissionsBoundary": WORKLOAD_BOUNDARY } },
        },
        { Sid: "DenyRemovingBoundaries", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: "*" },
        {
          Sid: "DenyAdminOnly",
          Effect: "Deny",
          NotAction: ["iam:Get*", "iam:List*"],
          Resource: [`arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-github-*`, WORKLOAD_BOUNDARY, `arn:aws:iam::${ACCOUNT}:role/whcsites-staging-github-*`],
        },
        { Sid: "DenyAssumeOwnRoles", Effect: "Deny", Action: ["sts:AssumeRole"], Resource: `arn:aws:iam::${ACCOUNT}:role/whcsites-staging-*` },
      ]);
    });

    test("THEN nothing allows removing a boundary or editing any managed policy", () => {
      for (const action of ["iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:CreatePolicy"]) {
        expect([action, allowing(statements, action).map((s) => s.Sid), allowing(boundary, action).map((s) => s.Sid)]).toEqual([action, [], []]);
      }
    });

    test("THEN it may assume the state role and no other role (without a read-only state role given)", () => {
      expect(allowing(statements, "sts:AssumeRole").map((s) => s.Resource)).toEqual([STATE_ROLE]);
      expect(allowing(boundary, "sts:AssumeRole").map((s) => s.Resource)).toEqual([STATE_ROLE]);
    });

    test("THEN it passes the environment's roles only to ECS tasks, flow logs and RDS monitoring", () => {
      expect(allowing(statements, "iam:PassRole")).toEqual([
        {
          Sid: "PassRoles",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: `arn:aws:iam::${ACCOUNT}:role/whcsites-staging-*`,
          Condition: { StringEquals: { "iam:PassedToService": [...DEPLOY_ROLE_PASSED_TO_SERVICES] } },
        },
      ]);
    });

    test("THEN its IAM policies grant nothing on an existing KMS key but use through Secrets Manager: the keys' own policies do", () => {
      for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:CreateGrant", "kms:Encrypt", "kms:ReEncryptFrom", "kms:UpdateKeyDescription"]) {
        expect([action, allowing(statements, action).map((s) => s.Sid)]).toEqual([action, []]);
      }
      expect(allowing(statements, "kms:Decrypt")).toEqual([
        {
          Sid: "KeysThroughSecretsManager",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`,
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "aws:ResourceTag/environment": "staging" } },
        },
      ]);
    });

    test("THEN no Allow grants every action, uses NotAction, or reads every secret (IAM.1, IAM.21's secret check)", () => {
      for (const s of [...statements, ...boundary].filter((st) => st.Effect === "Allow")) {
        expect([s.Sid, list(s.Action).includes("*"), s.NotAction]).toEqual([s.Sid, false, undefined]);
      }
      const readers = allowing(statements, "secretsmanager:GetSecretValue");
      expect(readers.map((s) => [s.Sid, s.Resource])).toEqual([["OwnByName", expect.arrayContaining([`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:/whcsites/staging/*`])]]);
    });

    test("THEN the tag conditions use the keys and values the provider's default_tags set", () => {
      const synthProvider = JSON.parse(Testing.synthScope((scope) => addAwsProvider(scope, { naming: new Naming("whcsites", "staging"), region: "eu-west-1", accountId: ACCOUNT })));
      const tags = synthProvider.provider.aws[0].default_tags[0].tags;
      expect(statements.find((s) => s.Sid === "OwnByTag")?.Condition).toEqual({ StringEquals: { "aws:ResourceTag/app": tags.app, "aws:ResourceTag/environment": tags.environment } });
      for (const sid of ["CreateTagged", "CreateKeys"]) {
        expect(statements.find((s) => s.Sid === sid)?.Condition?.StringEquals).toEqual({ "aws:RequestTag/app": tags.app, "aws:RequestTag/environment": tags.environment });
      }
    });

    test("THEN every Allow is confined by tag or by the environment's names, except the broad ones docs/security.md lists", () => {
      const confinedByName = (resource: string) =>
        resource.includes("whcsites-staging-") ||
        resource.endsWith("dashboard/whcsites-staging") ||
        resource.includes("/whcsites/staging/") ||
        resource.includes("aws-waf-logs-whcsites-staging") ||
        resource === STATE_ROLE ||
        resource.endsWith(":rds:eu-west-1:123456789012:og:default:*") ||
        resource === `arn:aws:iam::${ACCOUNT}:role/aws-service-role/*`;
      const broad = statements
        .filter((s) => s.Effect === "Allow")
        .filter((s) => s.Condition === undefined || ["ServiceLinkedRoles", "Ec2TagOnCreate", "ElbTagOnCreate", "Ec2DefaultAclEntries"].includes(s.Sid))
        .filter((s) => !list(s.Resource).every(confinedByName))
        .map((s) => s.Sid);
      // The tag-on-create statements hold only inside a create call, which itself must be allowed (by tags or names).
      expect(broad).toEqual(["Read", "Ec2TagOnCreate", "ElbTagOnCreate", "Ec2DefaultAclEntries", "DetachOwnAddresses", "EndpointDns", "Read", "LogDeliveryPolicies", "Autoscaling"]);
    });

    test("THEN a service wildcard appears in its policies only on resources confined by tag or name", () => {
      for (const s of statements.filter((st) => st.Effect === "Allow" && list(st.Action).some((a) => /^[a-z0-9-]+:\*$/.test(a)))) {
        const byTag = JSON.stringify(s.Condition ?? {}).includes('"aws:ResourceTag/environment":"staging"');
        const byName = list(s.Resource).every((r) => r.includes("whcsites-staging") || r.includes("/whcsites/staging/") || r.endsWith("og:default:*"));
        expect([s.Sid, byTag || byName]).toEqual([s.Sid, true]);
      }
    });

    test("THEN without hosted zones it changes no DNS record", () => {
      expect(allowing(statements, "route53:ChangeResourceRecordSets")).toEqual([]);
    });

    test("THEN each document fits IAM's managed policy limit", () => {
      for (const policy of Object.values(resources.aws_iam_policy)) expect(policy.policy.length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });
  });

  describe("GIVEN a read-only state role", () => {
    const read = "arn:aws:iam::210987654321:role/whcsites-tfstate-staging-read";
    const { statements, boundary } = whenDeployRole({ stateReadRoleArn: read });

    test("THEN it may assume both state roles, and no other role", () => {
      expect(allowing(statements, "sts:AssumeRole").map((s) => s.Resource)).toEqual([[STATE_ROLE, read]]);
      expect(allowing(boundary, "sts:AssumeRole").map((s) => s.Resource)).toEqual([[STATE_ROLE, read]]);
    });
  });

  describe("GIVEN a hosted zone", () => {
    const { statements } = whenDeployRole({ hostedZoneIds: ["Z0123456789ABCDEFGHIJ"] });

    test("THEN records change in that zone only", () => {
      expect(allowing(statements, "route53:ChangeResourceRecordSets").map((s) => s.Resource)).toEqual([
        ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ", "arn:aws:route53:::change/*"],
      ]);
    });
  });

  describe("GIVEN the longest names and two zones", () => {
    test("THEN every document still fits IAM's managed policy limit", () => {
      const { resources } = whenDeployRole({
        naming: new Naming("whcsites", "production-eu1"),
        region: "ap-southeast-2",
        hostedZoneIds: ["Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIK"],
        stateRoleArn: "arn:aws:iam::210987654321:role/whcsites-tfstate-production-eu1",
      });
      for (const policy of Object.values(resources.aws_iam_policy)) expect(policy.policy.length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });
  });

  describe("GIVEN the longest names, the longest region, backups to the longest region and two zones", () => {
    test("THEN every document still fits IAM's managed policy limit", () => {
      const { resources } = whenDeployRole({
        naming: new Naming("whcsites", "production-eu1"),
        region: "ap-southeast-2",
        backupRegion: "ap-northeast-3",
        hostedZoneIds: ["Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIK"],
        stateRoleArn: "arn:aws:iam::210987654321:role/whcsites-tfstate-production-eu1",
        stateReadRoleArn: "arn:aws:iam::210987654321:role/whcsites-tfstate-production-eu1-read",
      });
      for (const policy of Object.values(resources.aws_iam_policy)) expect([policy.name, policy.policy.length <= MANAGED_POLICY_MAX_CHARACTERS]).toEqual([policy.name, true]);
    });
  });

  describe("GIVEN backups copied to eu-central-1 (vaults in both regions, a plan, restore tests, failure notifications)", () => {
    const { statements, boundary } = whenDeployRole({ backupRegion: "eu-central-1" });
    const without = whenDeployRole();
    const sid = (id: string) => statements.find((s) => s.Sid === id);
    const vaults = [`arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:whcsites-staging-*`, `arn:aws:backup:eu-central-1:${ACCOUNT}:backup-vault:whcsites-staging-*`];

    test("THEN AWS Backup's vaults (in both regions) and restore testing plans are the environment's by name, and the DR region's key aliases; its EventBridge rules are the environment's rules by name, as without backups", () => {
      expect(sid("BackupByName")?.Resource).toEqual([
        ...vaults,
        `arn:aws:backup:eu-west-1:${ACCOUNT}:restore-testing-plan:whcsites_staging_*`,
        `arn:aws:kms:eu-central-1:${ACCOUNT}:alias/whcsites-staging-*`,
      ]);
      expect(allowing(statements, "backup:DeleteBackupVault").map((s) => s.Sid)).toEqual(["BackupByName", "BackupPlansByTag"]);
      expect(allowing(without.statements, "backup:DeleteBackupVault")).toEqual([]);
      expect(allowing(statements, "events:PutRule").map((s) => s.Sid)).toEqual(["OwnByName"]);
      expect(allowing(without.statements, "events:PutRule").map((s) => s.Sid)).toEqual(["OwnByName"]);
    });

    test("THEN AWS Backup's statements are a policy of their own, -backup, only with backups", () => {
      const names = (r: ReturnType<typeof whenDeployRole>) => Object.values(r.resources.aws_iam_policy).map((p) => p.name).sort();
      expect(names(whenDeployRole({ backupRegion: "eu-central-1" }))).toEqual([
        "whcsites-staging-github-deploy-backup",
        "whcsites-staging-github-deploy-boundary",
        "whcsites-staging-github-deploy-network",
        "whcsites-staging-github-deploy-roles",
        "whcsites-staging-github-deploy-services",
        "whcsites-staging-workload-boundary",
      ]);
      expect(names(without)).not.toContain("whcsites-staging-github-deploy-backup");
    });

    test("THEN backup plans (generated ids) are created tagged as the environment's and changed only with its tags", () => {
      expect(sid("BackupPlansCreateTagged")?.Condition).toEqual({ StringEquals: { "aws:RequestTag/app": "whcsites", "aws:RequestTag/environment": "staging" }, StringEqualsIfExists: { "aws:ResourceTag/environment": "staging" } });
      expect(sid("BackupPlansByTag")).toEqual({
        Sid: "BackupPlansByTag",
        Effect: "Allow",
        Action: ["backup:*"],
        Resource: `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-plan:*`,
        Condition: { StringEquals: { "aws:ResourceTag/app": "whcsites", "aws:ResourceTag/environment": "staging" } },
      });
    });

    test("THEN the vault keys are used only through AWS Backup in the two regions, and through RDS in the DR region for the replicated backups, and only the environment's", () => {
      expect(allowing(statements, "kms:CreateGrant")).toEqual([
        {
          Sid: "BackupVaultKeys",
          Effect: "Allow",
          Action: ["kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
          Resource: [`arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`, `arn:aws:kms:eu-central-1:${ACCOUNT}:key/*`],
          Condition: { StringEquals: { "kms:ViaService": ["backup.eu-west-1.amazonaws.com", "backup.eu-central-1.amazonaws.com"], "aws:ResourceTag/environment": "staging" } },
        },
        {
          Sid: "ReplicationKey",
          Effect: "Allow",
          Action: ["kms:CreateGrant", "kms:DescribeKey"],
          Resource: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/*`,
          Condition: { StringEquals: { "kms:ViaService": "rds.eu-central-1.amazonaws.com", "aws:ResourceTag/environment": "staging" } },
        },
      ]);
      expect(allowing(without.statements, "kms:CreateGrant")).toEqual([]);
    });

    test("THEN the backup role may be passed to AWS Backup, and AWS Backup's service-linked roles created", () => {
      expect(sid("PassRoles")?.Condition).toEqual({ StringEquals: { "iam:PassedToService": [...DEPLOY_ROLE_PASSED_TO_SERVICES, "backup.amazonaws.com"] } });
      expect(list(sid("ServiceLinkedRoles")?.Condition?.StringEquals?.["iam:AWSServiceName"])).toEqual(expect.arrayContaining(["backup.amazonaws.com", "restore-testing.backup.amazonaws.com"]));
      expect(list(without.statements.find((s) => s.Sid === "PassRoles")?.Condition?.StringEquals?.["iam:PassedToService"])).not.toContain("backup.amazonaws.com");
    });

    test("THEN the boundary's ceiling adds AWS Backup and its storage only with backups (EventBridge is there for every environment's rules)", () => {
      const services = (all: readonly PolicyStatementJson[]) => list(all.find((s) => s.Sid === "Services")?.Action);
      expect(services(boundary)).toEqual(expect.arrayContaining(["backup:*", "backup-storage:*", "events:*"]));
      expect(services(without.boundary).filter((a) => /^(backup|backup-storage):/.test(a))).toEqual([]);
    });

    test("THEN a service wildcard appears only on resources confined by tag or by the environment's names", () => {
      for (const st of statements.filter((x) => x.Effect === "Allow" && list(x.Action).some((a) => /^[a-z0-9-]+:\*$/.test(a)))) {
        const byTag = JSON.stringify(st.Condition ?? {}).includes('"aws:ResourceTag/environment":"staging"');
        const byName = list(st.Resource).every((r) => r.includes("whcsites-staging") || r.includes("whcsites_staging_") || r.includes("/whcsites/staging/") || r.endsWith("og:default:*"));
        expect([st.Sid, byTag || byName]).toEqual([st.Sid, true]);
      }
    });

    test("WHEN the backup region is the environment's own THEN it is refused", () => {
      expect(() => whenDeployRole({ backupRegion: "eu-west-1" })).toThrow('GithubDeployRole: backupRegion got "eu-west-1"; allowed: a region other than region eu-west-1');
    });
  });

  describe("GIVEN bad props", () => {
    test.each([
      [{ naming: new Naming("whcsites", "tfstate") }, 'GithubDeployRole: naming.environment got "tfstate"; allowed: any other name (whcsites-tfstate-* are the state\'s bucket, table and roles)'],
      [{ hostedZoneIds: ["example.org"] }, 'GithubDeployRole: hostedZoneIds got "example.org"; allowed: Route53 hosted zone ids'],
      [{ maxSessionDurationSeconds: 100 }, "GithubDeployRole: maxSessionDurationSeconds got 100; allowed: an integer from 3600 to 43200"],
      [{ stateRoleArn: "*" }, 'GithubDeployRole: stateRoleArn got "*"'],
      [{ stateReadRoleArn: "whcsites-tfstate-staging-read" }, 'GithubDeployRole: stateReadRoleArn got "whcsites-tfstate-staging-read"'],
      [{ accountId: "12" }, 'GithubDeployRole: accountId got "12"; allowed: 12 digits'],
      [{ githubEnvironment: "prod:*" }, 'GithubRepository: environment got "prod:*"'],
      [{ workflow: "deploy.yml" }, 'GithubRepository: workflow got "deploy.yml"'],
      [{ branch: "*" }, 'GithubRepository: branch got "*"'],
    ])("WHEN %j THEN it is refused", (props, message) => {
      expect(() => whenDeployRole(props as Partial<GithubDeployRoleProps>)).toThrow(message);
    });

    test("WHEN the zones would overflow the managed policy limit THEN it is refused before IAM would", () => {
      const hostedZoneIds = Array.from({ length: 200 }, (_, i) => `Z${String(i).padStart(20, "0")}`);
      expect(() => whenDeployRole({ hostedZoneIds })).toThrow(/^GithubDeployRole: the deploy network policy of staging is \d+ characters; allowed: at most 6144 \(IAM's managed policy limit\)/);
    });
  });
});
