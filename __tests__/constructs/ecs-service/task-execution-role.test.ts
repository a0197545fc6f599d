import { Testing } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { TaskExecutionRole, TaskExecutionRoleProps } from "../../../src/constructs/ecs-service/task-execution-role";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";

type Resource = Record<string, unknown>;
type Resources = Record<string, Record<string, Resource>>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}
interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const ACCOUNT = "123456789012";
const LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/whcsites/staging/ecs/database-roles";
const MASTER = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-AbCdEf";
const APP = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/staging/database-app-AbCdEf";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100";

const BASE: TaskExecutionRoleProps = {
  naming: new Naming("whcsites", "staging"),
  name: "database_roles",
  description: "ECS starts the database role bootstrap with it",
  region: "eu-west-1",
  logGroupArn: LOG_GROUP_ARN,
};

interface Built {
  readonly synth: string;
  readonly resources: Resources;
  readonly role: TaskExecutionRole;
  /** The role's inline policies, parsed, by address name. */
  readonly policies: Record<string, PolicyDocument>;
  readonly trust: PolicyDocument;
}

/**
 * A TaskExecutionRole "execution_role" on its own in a readable stack, so that its addresses are those of a real
 * stack: `aws_iam_role.execution_role`, `aws_iam_role_policy.execution_role_logs` and `..._secrets`.
 */
function build(props: Partial<TaskExecutionRoleProps> = {}): Built {
  const stack = new ReadableStack(Testing.app(), "test");
  const role = new TaskExecutionRole(stack, "execution_role", { ...BASE, ...props });
  const synth = Testing.synth(stack);
  const resources = JSON.parse(synth).resource as Resources;
  const policies = Object.fromEntries(
    Object.entries(resources.aws_iam_role_policy ?? {}).map(([name, p]) => {
      // Every policy is attached to this role.
      expect(p.role).toBe("${aws_iam_role.execution_role.name}");
      return [name, JSON.parse(p.policy as string) as PolicyDocument];
    }),
  );
  const trust = JSON.parse(resources.aws_iam_role.execution_role.assume_role_policy as string) as PolicyDocument;
  return { synth, resources, role, policies, trust };
}

function errorOf(props: Partial<TaskExecutionRoleProps>): PropError {
  try {
    build(props);
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected a PropError");
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe("TaskExecutionRole", () => {
  describe("GIVEN no account id", () => {
    // WHEN
    const { synth, trust } = build();

    test("THEN the role is named <app>-<environment>-<name>-execution and described, with no permissions boundary", () => {
      expect(synth).toHaveResourceWithProperties(IamRole, {
        name: "whcsites-staging-database_roles-execution",
        description: "ECS starts the database role bootstrap with it",
      });
      expect(JSON.parse(synth).resource.aws_iam_role.execution_role).not.toHaveProperty("permissions_boundary");
    });

    test("THEN only ECS tasks may assume it, without conditions", () => {
      expect(trust).toEqual({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
      });
    });
  });

  describe("GIVEN the account id", () => {
    // WHEN
    const { trust, role, synth } = build({ accountId: ACCOUNT });

    test("THEN only ECS acting for this account's tasks in this region may assume it (confused deputy)", () => {
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` },
          },
        },
      ]);
    });

    test("THEN trustPolicy is the role's trust policy, for a task role to reuse", () => {
      expect(JSON.parse(role.trustPolicy)).toEqual(trust);
      expect(synth).toHaveResourceWithProperties(IamRole, { assume_role_policy: role.trustPolicy });
    });
  });

  test("GIVEN a GovCloud region WHEN built THEN the source ARN is in that partition", () => {
    const { trust } = build({ accountId: ACCOUNT, region: "us-gov-west-1" });
    expect(trust.Statement[0].Condition).toMatchObject({ ArnLike: { "aws:SourceArn": `arn:aws-us-gov:ecs:us-gov-west-1:${ACCOUNT}:*` } });
  });

  test("GIVEN a permissions boundary WHEN built THEN the role carries it", () => {
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/whcsites-staging-deploy-boundary`;
    expect(build({ permissionsBoundaryArn: boundary }).synth).toHaveResourceWithProperties(IamRole, { permissions_boundary: boundary });
  });

  describe("GIVEN no secrets", () => {
    // WHEN
    const { policies, role, resources } = build({ secretsKmsKeyArn: KEY });

    test("THEN its one policy writes the streams of its log group: no CreateLogGroup, no other group", () => {
      expect(Object.keys(policies)).toEqual(["execution_role_logs"]);
      expect(resources.aws_iam_role_policy.execution_role_logs.name).toBe("write-container-logs");
      expect(policies.execution_role_logs).toEqual({
        Version: "2012-10-17",
        Statement: [{ Sid: "WriteContainerLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${LOG_GROUP_ARN}:*`] }],
      });
    });

    test("THEN it has no secrets policy at all, and no KMS grant even with a key", () => {
      expect(JSON.stringify(policies)).not.toContain("secretsmanager:");
      expect(JSON.stringify(policies)).not.toContain("kms:");
    });

    test("THEN its grants are the logs policy only", () => {
      expect(role.grants.map((g) => (g as IamRolePolicy).node.id)).toEqual(["logs"]);
    });
  });

  test("GIVEN an empty list of secrets WHEN built THEN there is no secrets policy either", () => {
    expect(Object.keys(build({ secretArns: [] }).policies)).toEqual(["execution_role_logs"]);
  });

  describe("GIVEN secrets, one named twice", () => {
    // WHEN
    const { policies, role, resources } = build({ secretArns: [MASTER, APP, MASTER] });

    test("THEN the role may read exactly those secrets, each once, and nothing else", () => {
      expect(resources.aws_iam_role_policy.execution_role_secrets.name).toBe("whcsites-staging-read-secrets");
      expect(policies.execution_role_secrets).toEqual({
        Version: "2012-10-17",
        Statement: [{ Sid: "ReadAppSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [MASTER, APP] }],
      });
    });

    test("THEN without a customer-managed key there is no KMS grant (the AWS-managed key needs none)", () => {
      expect(JSON.stringify(policies)).not.toContain("kms:");
    });

    test("THEN its grants are the logs and the secrets policies, for a task to wait for", () => {
      expect(role.grants.map((g) => (g as IamRolePolicy).node.id)).toEqual(["logs", "secrets"]);
    });
  });

  test("GIVEN secrets and a customer-managed key WHEN built THEN the role may decrypt with that key through Secrets Manager in its region only", () => {
    // GIVEN / WHEN
    const { policies } = build({ secretArns: [APP], secretsKmsKeyArn: KEY, region: "eu-central-1" });
    // THEN
    expect(policies.execution_role_secrets.Statement).toEqual([
      { Sid: "ReadAppSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [APP] },
      {
        Sid: "DecryptAppSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [KEY],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" } },
      },
    ]);
  });

  test("GIVEN everything WHEN built THEN no statement uses a wildcard action or resource (the log streams' :* aside)", () => {
    const { policies } = build({ secretArns: [MASTER, APP], secretsKmsKeyArn: KEY, accountId: ACCOUNT });
    const statements = Object.values(policies).flatMap((p) => p.Statement);
    expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.includes("*"))).toEqual([]);
    expect(statements.flatMap((s) => list(s.Resource)).filter((r) => r.includes("*"))).toEqual([`${LOG_GROUP_ARN}:*`]);
  });

  describe("validation", () => {
    test.each<[Partial<TaskExecutionRoleProps>, string]>([
      [{ region: "Ireland" }, 'TaskExecutionRole: region got "Ireland"; allowed: an AWS region name such as "eu-west-1"'],
      [{ accountId: "1234" }, 'TaskExecutionRole: accountId got "1234"; allowed: 12 digits'],
    ])("GIVEN %j WHEN built THEN it is refused with one line", (props, message) => {
      expect(errorOf(props).message).toBe(message);
    });

    test("GIVEN a bad region and a bad account WHEN built THEN one PropError lists both", () => {
      expect(errorOf({ region: "eu_west_1", accountId: "x" }).problems.map((p) => p.prop)).toEqual(["region", "accountId"]);
    });
  });
});
