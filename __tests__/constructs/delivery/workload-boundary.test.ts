import { Testing } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { WorkloadBoundary, WorkloadBoundaryProps, workloadBoundaryArn } from "../../../src/constructs/delivery/workload-boundary";
import { MANAGED_POLICY_MAX_CHARACTERS, type PolicyStatementJson } from "../../../src/constructs/delivery/policy-document";
import { Naming } from "../../../src/core/naming";

const ACCOUNT = "123456789012";

function whenBoundary(props: Partial<WorkloadBoundaryProps> = {}): { synth: string; boundary: WorkloadBoundary; statements: PolicyStatementJson[] } {
  let boundary: WorkloadBoundary | undefined;
  const synth = Testing.synthScope((scope) => {
    boundary = new WorkloadBoundary(scope, "workload_boundary", { naming: new Naming("whcsites", "staging"), accountId: ACCOUNT, region: "eu-west-1", ...props });
  });
  const [policy] = Object.values(JSON.parse(synth).resource.aws_iam_policy) as any[];
  return { synth, boundary: boundary as WorkloadBoundary, statements: JSON.parse(policy.policy).Statement };
}

const actionsOf = (statements: readonly PolicyStatementJson[]) => statements.flatMap((s) => s.Action ?? []);

describe("WorkloadBoundary", () => {
  describe("GIVEN the defaults for staging", () => {
    const { synth, boundary, statements } = whenBoundary();

    test("THEN it is a customer managed policy named for the environment, whose ARN is built offline", () => {
      expect(synth).toHaveResourceWithProperties(IamPolicy, { name: "whcsites-staging-workload-boundary" });
      expect(boundary.arn).toBe(`arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-workload-boundary`);
      expect(workloadBoundaryArn(new Naming("whcsites", "staging"), ACCOUNT, "eu-west-1")).toBe(boundary.arn);
    });

    test("THEN it allows the environment's logs, its secrets, its keys through Secrets Manager, ECS Exec and RDS monitoring, and nothing of IAM or STS", () => {
      expect(statements.map((s) => s.Sid)).toEqual(["OwnLogs", "OwnSecrets", "OwnKeysThroughSecretsManager", "EcsExec", "RdsMonitoring"]);
      expect(statements.find((s) => s.Sid === "OwnSecrets")?.Resource).toEqual([`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:/whcsites/staging/*`]);
      expect(statements.find((s) => s.Sid === "OwnLogs")?.Resource).toBe(`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/whcsites/staging/*`);
      expect(actionsOf(statements).filter((a) => a.startsWith("iam:") || a.startsWith("sts:") || a.endsWith(":*") || a === "*")).toEqual([]);
      expect(statements.every((s) => s.Effect === "Allow" && s.NotAction === undefined)).toBe(true);
    });

    test("THEN the document fits IAM's managed policy limit", () => {
      expect(JSON.stringify({ Version: "2012-10-17", Statement: statements }).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });
  });

  describe("GIVEN a secret outside the environment's path, no ECS Exec and no enhanced monitoring", () => {
    const secret = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:ghcr-pull-AbCdEf`;
    const { statements } = whenBoundary({ workloadSecretArns: [secret], ecsExec: false, enhancedMonitoring: false });

    test("THEN the secret may be read, and Session Manager channels and RDSOSMetrics are out of bounds", () => {
      expect(statements.find((s) => s.Sid === "OwnSecrets")?.Resource).toContain(secret);
      expect(actionsOf(statements).some((a) => a.startsWith("ssmmessages:"))).toBe(false);
      expect(statements.flatMap((s) => [s.Resource].flat()).some((r) => String(r).includes("RDSOSMetrics"))).toBe(false);
    });
  });

  describe("GIVEN backups copied to eu-central-1", () => {
    const { statements } = whenBoundary({ backups: { drRegion: "eu-central-1" } });
    const without = whenBoundary().statements;
    const sid = (id: string) => statements.find((s) => s.Sid === id);

    test("THEN AWS Backup's role may snapshot the environment's databases, and copy and expire AWS Backup's snapshots in both regions, and nothing of IAM", () => {
      expect(sid("BackupSnapshots")?.Resource).toEqual([
        `arn:aws:rds:eu-west-1:${ACCOUNT}:db:whcsites-staging-*`,
        `arn:aws:rds:eu-west-1:${ACCOUNT}:snapshot:awsbackup:*`,
        `arn:aws:rds:eu-central-1:${ACCOUNT}:snapshot:awsbackup:*`,
      ]);
      expect(actionsOf(statements).filter((a) => a.startsWith("iam:") || a.startsWith("sts:") || a.endsWith(":*") || a === "*")).toEqual([]);
    });

    test("THEN restores go only to the restore test's instances, in the environment's groups; only those instances may be deleted", () => {
      expect(statements.filter((s) => (s.Action ?? []).includes("rds:DeleteDBInstance")).map((s) => [s.Sid, (s.Resource as string[]).filter((r) => r.includes(":db:"))])).toEqual([
        ["BackupRestores", [`arn:aws:rds:eu-west-1:${ACCOUNT}:db:awsbackup-restore-test-*`]],
      ]);
    });

    test("THEN the vaults are the environment's in both regions, and their keys are used only through AWS Backup and RDS", () => {
      expect(sid("BackupVaults")?.Resource).toEqual([`arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:whcsites-staging-*`, `arn:aws:backup:eu-central-1:${ACCOUNT}:backup-vault:whcsites-staging-*`]);
      expect(sid("BackupKeys")?.Condition).toEqual({
        StringEquals: {
          "kms:ViaService": ["backup.eu-west-1.amazonaws.com", "rds.eu-west-1.amazonaws.com", "backup.eu-central-1.amazonaws.com", "rds.eu-central-1.amazonaws.com"],
          "aws:ResourceTag/environment": "staging",
        },
      });
    });

    test("THEN without backups none of it is admitted", () => {
      expect(actionsOf(without).filter((a) => a.startsWith("rds:") || a.startsWith("backup:") || a.startsWith("tag:"))).toEqual([]);
    });
  });

  describe("GIVEN the longest names, the longest regions, backups, scheduled jobs, ECS Exec, monitoring and two secrets of its own", () => {
    test("THEN the document still fits IAM's managed policy limit", () => {
      const secrets = ["registry-credentials-AbCdEf", "shared-api-token-AbCdEf"].map((x) => `arn:aws:secretsmanager:ap-southeast-2:${ACCOUNT}:secret:/shared/production-eu1/${x}`);
      const { statements } = whenBoundary({
        naming: new Naming("whcsites", "production-eu1"),
        region: "ap-southeast-2",
        backups: { drRegion: "ap-northeast-3" },
        scheduledJobs: true,
        workloadSecretArns: secrets,
      });
      expect(statements.map((s) => s.Sid)).toEqual(expect.arrayContaining(["BackupKeys", "ScheduledJobsRunTasks"]));
      expect(JSON.stringify({ Version: "2012-10-17", Statement: statements }).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    });
  });

  describe("GIVEN bad props", () => {
    test.each([
      [{ workloadSecretArns: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:*`] }, "WorkloadBoundary: workloadSecretArns got"],
      [{ accountId: "12" }, 'WorkloadBoundary: accountId got "12"'],
      [{ region: "Europe" }, 'WorkloadBoundary: region got "Europe"'],
    ])("WHEN %j THEN it is refused", (props, message) => {
      expect(() => whenBoundary(props as Partial<WorkloadBoundaryProps>)).toThrow(message);
    });
  });
});
