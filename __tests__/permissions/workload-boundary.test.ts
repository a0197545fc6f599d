/**
 * Roles created by a deploy are workload roles and nothing more. Evaluated with @cloud-copilot/iam-simulate on the
 * policies the current code synthesizes:
 * - a role under an environment's workload boundary cannot call IAM, cannot assume any state role, cannot read another
 *   environment's secrets, even with every action allowed by its own policy;
 * - what the environment's roles do (their own policies) fits inside the boundary;
 * - the deploy role creates and changes roles only with the workload boundary, never its own, and cannot edit the
 *   workload boundary.
 *
 * The environments come from the environment files (every one with `delivery`), never from a list here.
 */
import * as path from "node:path";
import { environmentFolders } from "../../scripts/lib/synth/synth";
import { loadEnvironments, type EnvironmentConfig } from "../../src/config/environment";
import { githubOidcProviderArn } from "../../src/constructs/delivery/github-oidc-provider";
import { BACKUP_ROLE_MANAGED_POLICIES } from "../../src/constructs/backup/backup-plan";
import { evaluate, rolesOf, stateOf, synthesizedStacks, type EvaluatedRole, type PolicyDocument } from "../helpers/iam-evaluation";

const ROOT = path.join(__dirname, "..", "..");
const state = stateOf(ROOT);

/**
 * The AWS managed policy the RDS monitoring role attaches, as AWS publishes it (AmazonRDSEnhancedMonitoringRole): the
 * boundary must admit what it grants on the environment's account and region.
 */
const RDS_ENHANCED_MONITORING: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "EnableCreationAndManagementOfRDSCloudwatchLogGroups", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], Resource: ["arn:aws:logs:*:*:log-group:RDS*"] },
    {
      Sid: "EnableCreationAndManagementOfRDSCloudwatchLogStreams",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
      Resource: ["arn:aws:logs:*:*:log-group:RDS*:log-stream:*"],
    },
  ],
};

/**
 * The AWS managed policies of AWS Backup's role (BackupPlan's BACKUP_ROLE_MANAGED_POLICIES) grant far more than an RDS
 * backup needs, across services: the boundary caps them, and the test of the backup role below evaluates what AWS
 * Backup does with it. Here they stand for "attached"; the fit test leaves them to that test.
 */
const AWS_BACKUP_MANAGED = BACKUP_ROLE_MANAGED_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`);

/** A principal whose own policy allows everything: what is left is the boundary. */
const ADMINISTRATOR: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

interface Subject {
  readonly folder: string;
  readonly config: EnvironmentConfig;
  readonly others: readonly EnvironmentConfig[];
  readonly stacks: ReadonlyMap<string, Record<string, unknown>>;
}

const subjects: Subject[] = environmentFolders(ROOT).flatMap((folder) => {
  const stacks = synthesizedStacks(ROOT, path.relative(ROOT, folder.dir));
  const all = loadEnvironments(folder.dir);
  return all.filter((c) => c.delivery !== undefined).map((config) => ({ folder: folder.name, config, others: all.filter((o) => o.name !== config.name), stacks }));
});

type Resources = Record<string, Record<string, Record<string, any>>>;

describe.each(subjects)("the workload boundary of $config.name ($folder)", ({ config, others, stacks }) => {
  const github = stacks.get(`whcsites-${config.name}-github`)!;
  const environment = stacks.get(`whcsites-${config.name}`)!;
  const policies = (github.resource as Resources).aws_iam_policy;
  const boundary = JSON.parse(Object.values(policies).find((p) => p.name === `whcsites-${config.name}-workload-boundary`)!.policy) as PolicyDocument;
  const boundaryArn = `arn:aws:iam::${config.accountId}:policy/whcsites-${config.name}-workload-boundary`;
  const workload: EvaluatedRole = {
    name: `whcsites-${config.name}-service-task`,
    arn: `arn:aws:iam::${config.accountId}:role/whcsites-${config.name}-service-task`,
    account: config.accountId,
    trust: { Version: "2012-10-17", Statement: [] },
    identity: [{ name: "everything", policy: ADMINISTRATOR }],
    boundary,
  };
  const region = config.region;
  const account = config.accountId;

  it("GIVEN every action allowed by its own policy WHEN a workload role calls IAM THEN the boundary denies it", async () => {
    const allowed: string[] = [];
    const actions = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PassRole", "iam:CreateUser", "iam:CreateAccessKey", "iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion", "iam:DeleteRolePermissionsBoundary"];
    for (const action of actions) {
      for (const resource of [`arn:aws:iam::${account}:role/whcsites-${config.name}-x`, `arn:aws:iam::${account}:role/any`, `arn:aws:iam::${account}:user/any`, `arn:aws:iam::${account}:policy/any`]) {
        const result = await evaluate(workload, { action, resource });
        if (result.decision === "Allowed") allowed.push(`${action} ${resource}`);
      }
    }
    expect(allowed).toEqual([]);
  });

  it("GIVEN every action allowed by its own policy WHEN a workload role assumes any state role THEN the boundary denies it", async () => {
    const environments = loadEnvironments(path.join(ROOT, "environments"));
    const roles = [...environments, config, ...others].flatMap((e) => [`whcsites-tfstate-${e.name}`, `whcsites-tfstate-${e.name}-read`]);
    const allowed: string[] = [];
    for (const name of new Set(roles)) {
      const target = `arn:aws:iam::${state.accountId}:role/${name}`;
      const trustsIt: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: workload.arn }, Action: "sts:AssumeRole" }] };
      // Even a trust policy that names the workload role lets nothing through the boundary.
      if ((await evaluate(workload, { action: "sts:AssumeRole", resource: target, resourceAccount: state.accountId, resourcePolicy: trustsIt })).decision === "Allowed") allowed.push(name);
    }
    expect(allowed).toEqual([]);
  });

  it("GIVEN every action allowed by its own policy WHEN a workload role reads another environment's secret THEN the boundary denies it, and its own it may read", async () => {
    const own = `arn:aws:secretsmanager:${region}:${account}:secret:/whcsites/${config.name}/database-app-AbC123`;
    expect((await evaluate(workload, { action: "secretsmanager:GetSecretValue", resource: own })).decision).toBe("Allowed");
    const names = [...others.map((o) => o.name), `${config.name}-eu`, "tfstate", "other"];
    const allowed: string[] = [];
    for (const name of names) {
      const resource = `arn:aws:secretsmanager:${region}:${account}:secret:/whcsites/${name}/database-app-AbC123`;
      if ((await evaluate(workload, { action: "secretsmanager:GetSecretValue", resource })).decision === "Allowed") allowed.push(resource);
    }
    expect(allowed).toEqual([]);
  });

  it("GIVEN the environment's own roles WHEN each action of their policies is evaluated under the boundary THEN it fits", async () => {
    const resources = environment.resource as Resources;
    const references = new Map<string, string>();
    for (const [id, g] of Object.entries(resources.aws_cloudwatch_log_group ?? {})) references.set(`\${aws_cloudwatch_log_group.${id}.arn}`, `arn:aws:logs:${region}:${account}:log-group:${g.name}`);
    for (const [id, sec] of Object.entries(resources.aws_secretsmanager_secret ?? {})) references.set(`\${aws_secretsmanager_secret.${id}.arn}`, `arn:aws:secretsmanager:${region}:${account}:secret:${sec.name}-AbC123`);
    // What a scheduled job's scheduler role names: the job's roles, the cluster, the dead-letter queue.
    for (const [id, r] of Object.entries(resources.aws_iam_role ?? {})) references.set(`\${aws_iam_role.${id}.arn}`, `arn:aws:iam::${account}:role/${r.name}`);
    for (const [id, c] of Object.entries(resources.aws_ecs_cluster ?? {})) {
      references.set(`\${aws_ecs_cluster.${id}.arn}`, `arn:aws:ecs:${region}:${account}:cluster/${c.name}`);
      references.set(`\${aws_ecs_cluster.${id}.name}`, c.name);
    }
    for (const [id, q] of Object.entries(resources.aws_sqs_queue ?? {})) references.set(`\${aws_sqs_queue.${id}.arn}`, `arn:aws:sqs:${region}:${account}:${q.name}`);
    // Keys: a distinct id each, and their policies (KMS needs the key policy to allow too).
    const keyPolicies = new Map<string, PolicyDocument>();
    Object.entries(resources.aws_kms_key ?? {}).forEach(([id, key], i) => {
      const arn = `arn:aws:kms:${region}:${account}:key/0123456789abcdef${i}`;
      references.set(`\${aws_kms_key.${id}.arn}`, arn);
      keyPolicies.set(arn, JSON.parse(key.policy) as PolicyDocument);
    });
    // Concrete ARNs for the statements' patterns: the AWS managed policy's any-region, any-account log groups.
    const resolve = (r: string) =>
      [...references]
        .reduce((t, [ref, value]) => t.split(ref).join(value), r)
        .replace("arn:aws:logs:*:*:", `arn:aws:logs:${region}:${account}:`)
        .replace("log-group:RDS*", "log-group:RDSOSMetrics")
        .replace(/:log-stream:\*$/, ":log-stream:db-0123");
    const roles = rolesOf(environment, account, {}, {
      [boundaryArn]: boundary,
      "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole": RDS_ENHANCED_MONITORING,
      ...Object.fromEntries(AWS_BACKUP_MANAGED.map((arn) => [arn, ADMINISTRATOR])),
    });
    const outside: string[] = [];
    let checked = 0;
    for (const role of roles.values()) {
      expect([role.name, role.boundary]).toEqual([role.name, boundary]);
      for (const { name, policy } of role.identity) {
        if (AWS_BACKUP_MANAGED.some((arn) => arn.endsWith(`/${name}`))) continue;
        for (const statement of policy.Statement.filter((s) => s.Effect === "Allow")) {
          const actions = ([] as string[]).concat(statement.Action as string | string[]);
          const targets = ([] as string[]).concat(statement.Resource as string | string[]).map(resolve).map((r) => r.replace(/(:log-group:[^:]*):\*$/, "$1:log-stream:ecs/x/0123"));
          const context: Record<string, string> = { "aws:ResourceTag/environment": config.name, "kms:CallerAccount": account };
          for (const [, keys] of Object.entries((statement.Condition ?? {}) as Record<string, Record<string, string>>)) {
            for (const [key, value] of Object.entries(keys)) context[key] = resolve(value);
          }
          for (const action of actions) {
            // A statement may list resources of several types; each action is evaluated on those of its own types.
            let evaluable = 0;
            for (const resource of targets) {
              const resourcePolicy = keyPolicies.get(resource);
              // Each role as itself: the boundary admits some calls to some roles only (a job's scheduler role).
              // The statement as AWS holds it once applied: its references (a cluster, a role) filled in.
              const applied = JSON.parse(resolve(JSON.stringify(statement))) as typeof statement;
              const own = { ...workload, name: role.name, arn: `arn:aws:iam::${account}:role/${role.name}`, identity: [{ name: "own", policy: { Version: "2012-10-17", Statement: [applied] } as PolicyDocument }] };
              const result = await evaluate(own, { action, resource, context, ...(resourcePolicy !== undefined ? { resourcePolicy } : {}) });
              if (result.decision === "Error" && result.detail?.includes("no.resource.types")) continue;
              evaluable++;
              checked++;
              if (result.decision !== "Allowed") outside.push(`${role.name}: ${action} on ${resource} (${result.decision}${result.detail ?? ""})`);
            }
            if (evaluable === 0) outside.push(`${role.name}: ${action}: none of ${targets.join(", ")} is of a resource type of the action`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  const backupRole = `whcsites-${config.name}-backup`;
  const backups = config.dr !== undefined && config.database !== undefined;
  // Only environments with backups have the role.
  if (backups) it("GIVEN AWS Backup's role WHEN it backs up, copies, expires and restores the environment's database THEN the boundary admits it, and the same on anything else it denies", async () => {
    const drRegion = config.dr!.region;
    const roles = rolesOf(environment, account, {}, {
      [boundaryArn]: boundary,
      "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole": RDS_ENHANCED_MONITORING,
      ...Object.fromEntries(AWS_BACKUP_MANAGED.map((arn) => [arn, ADMINISTRATOR])),
    });
    const role = roles.get(backupRole)!;
    // The managed policies attached and the boundary this environment's GitHub stack defines.
    expect([role.identity.map((p) => p.name).sort(), role.boundary]).toEqual([BACKUP_ROLE_MANAGED_POLICIES.map((p) => p.split("/").pop()).sort(), boundary]);
    const db = `arn:aws:rds:${region}:${account}:db:whcsites-${config.name}-db`;
    const snapshot = (r: string) => `arn:aws:rds:${r}:${account}:snapshot:awsbackup:job-0123456789abcdef`;
    const vault = (r: string, name: string) => `arn:aws:backup:${r}:${account}:backup-vault:whcsites-${config.name}-${name}`;
    const key = (r: string) => `arn:aws:kms:${r}:${account}:key/0123456789abcdef0`;
    const own = { "aws:ResourceTag/environment": config.name, "kms:CallerAccount": account };
    // KMS also needs the key's policy to allow: each vault's key, by region.
    const vaultKeys = Object.values(((environment.resource as Resources).aws_kms_key ?? {}) as Record<string, any>).filter((k) => String(k.description).startsWith("Backup vault "));
    const keyPolicy = (r: string) => JSON.parse(vaultKeys.find((k) => String(k.description).endsWith(`(${r})`))!.policy) as PolicyDocument;
    const needed: Array<[string, string, Record<string, string>?]> = [
      ["rds:DescribeDBInstances", db],
      ["rds:CreateDBSnapshot", db],
      ["rds:CreateDBSnapshot", snapshot(region)],
      ["rds:AddTagsToResource", snapshot(region)],
      ["rds:CopyDBSnapshot", snapshot(region)],
      ["rds:CopyDBSnapshot", snapshot(drRegion)],
      ["rds:DeleteDBSnapshot", snapshot(drRegion)],
      ["rds:RestoreDBInstanceFromDBSnapshot", `arn:aws:rds:${region}:${account}:db:awsbackup-restore-test-0123`],
      ["rds:RestoreDBInstanceFromDBSnapshot", snapshot(region)],
      ["rds:RestoreDBInstanceFromDBSnapshot", `arn:aws:rds:${region}:${account}:subgrp:whcsites-${config.name}-db`],
      ["backup:CopyIntoBackupVault", vault(drRegion, "backups-dr")],
      ["backup:DescribeBackupVault", vault(region, "backups")],
      ["kms:CreateGrant", key(region), { ...own, "kms:ViaService": `backup.${region}.amazonaws.com` }],
      ["kms:GenerateDataKey", key(drRegion), { ...own, "kms:ViaService": `rds.${drRegion}.amazonaws.com` }],
    ];
    const refused: Array<[string, string, Record<string, string>?]> = [
      ["rds:CreateDBSnapshot", `arn:aws:rds:${region}:${account}:db:whcsites-other-db`],
      ["rds:DeleteDBInstance", db],
      ["rds:DeleteDBSnapshot", `arn:aws:rds:${region}:${account}:snapshot:whcsites-${config.name}-final`],
      ["rds:RestoreDBInstanceFromDBSnapshot", `arn:aws:rds:${region}:${account}:db:whcsites-${config.name}-db`],
      ["backup:CopyIntoBackupVault", vault(drRegion, "x").replace(`whcsites-${config.name}-x`, "other-vault")],
      ["backup:DeleteBackupVault", vault(region, "backups")],
      ["kms:Decrypt", key(region), { "aws:ResourceTag/environment": "other", "kms:ViaService": `backup.${region}.amazonaws.com` }],
      ["kms:Decrypt", key(region), { ...own, "kms:ViaService": `s3.${region}.amazonaws.com` }],
      ["iam:PassRole", `arn:aws:iam::${account}:role/${backupRole}`],
      ["s3:GetObject", "arn:aws:s3:::any/object"],
    ];
    const decisions = async (list: typeof needed) => {
      const out: string[] = [];
      for (const [action, resource, context] of list) {
        const resourcePolicy = action.startsWith("kms:") ? keyPolicy(resource.split(":")[3]) : undefined;
        out.push(`${action} ${resource} ${(await evaluate(role, { action, resource, context: context ?? {}, ...(resourcePolicy !== undefined ? { resourcePolicy } : {}) })).decision}`);
      }
      return out;
    };
    expect(await decisions(needed)).toEqual(needed.map(([a, r]) => `${a} ${r} Allowed`));
    expect((await decisions(refused)).filter((d) => d.endsWith(" Allowed"))).toEqual([]);
  });

  describe("GIVEN the deploy role", () => {
    const roles = rolesOf(github, account, { "${aws_iam_openid_connect_provider.github_oidc.arn}": githubOidcProviderArn(account, region) });
    const deploy = roles.get(`whcsites-${config.name}-github-deploy`)!;
    const role = `arn:aws:iam::${account}:role/whcsites-${config.name}-service-task`;

    it("WHEN it creates or changes a role with the workload boundary THEN it is allowed; with its own boundary or none THEN it is denied", async () => {
      const deployBoundary = `arn:aws:iam::${account}:policy/whcsites-${config.name}-github-deploy-boundary`;
      const decisions: Record<string, string> = {};
      for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]) {
        for (const [label, context] of [
          ["workload", { "iam:PermissionsBoundary": boundaryArn }],
          ["deploy", { "iam:PermissionsBoundary": deployBoundary }],
          ["none", {}],
        ] as const) {
          decisions[`${action} ${label}`] = (await evaluate(deploy, { action, resource: role, context })).decision;
        }
      }
      expect(decisions).toEqual({
        "iam:CreateRole workload": "Allowed",
        "iam:CreateRole deploy": "ExplicitlyDenied",
        "iam:CreateRole none": "ExplicitlyDenied",
        "iam:PutRolePolicy workload": "Allowed",
        "iam:PutRolePolicy deploy": "ExplicitlyDenied",
        "iam:PutRolePolicy none": "ExplicitlyDenied",
        "iam:AttachRolePolicy workload": "Allowed",
        "iam:AttachRolePolicy deploy": "ExplicitlyDenied",
        "iam:AttachRolePolicy none": "ExplicitlyDenied",
        // Moving an existing role from the old boundary to the workload boundary is an in-place update it may make.
        "iam:PutRolePermissionsBoundary workload": "Allowed",
        "iam:PutRolePermissionsBoundary deploy": "ExplicitlyDenied",
        "iam:PutRolePermissionsBoundary none": "ExplicitlyDenied",
      });
      expect((await evaluate(deploy, { action: "iam:DeleteRolePermissionsBoundary", resource: role })).decision).toBe("ExplicitlyDenied");
    });

    it("WHEN it edits the workload boundary, its own policies or the GitHub roles THEN it is denied", async () => {
      const allowed: string[] = [];
      const targets = [boundaryArn, ...Object.values((github.resource as Resources).aws_iam_policy).map((p) => `arn:aws:iam::${account}:policy/${p.name}`)];
      for (const resource of targets) {
        for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:TagPolicy"]) {
          if ((await evaluate(deploy, { action, resource })).decision === "Allowed") allowed.push(`${action} ${resource}`);
        }
      }
      for (const name of roles.keys()) {
        for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole", "iam:PutRolePermissionsBoundary"]) {
          const resource = `arn:aws:iam::${account}:role/${name}`;
          if ((await evaluate(deploy, { action, resource, context: { "iam:PermissionsBoundary": boundaryArn } })).decision === "Allowed") allowed.push(`${action} ${resource}`);
        }
      }
      expect(allowed).toEqual([]);
    });
  });
});
