import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Naming } from "../../core/naming";
import { partitionOf } from "../../domain/partition";
import { PropChecks } from "../shared";

// ── props ──

/** Properties of {@link TaskExecutionRole}. */
export interface TaskExecutionRoleProps {
  /** Naming context: the role is `<app>-<environment>-<name>-execution`. */
  readonly naming: Naming;
  /** The name part of the role (the task's). */
  readonly name: string;
  /** What the role is for, in its description. */
  readonly description: string;
  /** AWS region of the tasks. */
  readonly region: string;
  /** ARN of the log group the tasks write to (without `:*`). */
  readonly logGroupArn: string;
  /**
   * Secrets Manager ARNs the tasks read when they start (their `secrets` and `repositoryCredentials`): the role may
   * read exactly these.
   * @default none: no secrets policy
   */
  readonly secretArns?: readonly string[];
  /**
   * ARN of the customer-managed key of the secrets: the role may decrypt with it through Secrets Manager only.
   * @default none
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * The 12-digit account id: only ECS on behalf of this account may assume the role (confused deputy).
   * @default no source conditions
   */
  readonly accountId?: string;
  /**
   * Permissions boundary of the role (see `GithubDeployRole`).
   * @default none
   */
  readonly permissionsBoundaryArn?: string;
}

/**
 * The task execution role of ECS tasks: what ECS uses to start them, scoped to exactly their log group and their
 * secrets. Deliberately not `AmazonECSTaskExecutionRolePolicy`, which grants ECR and logs on `*`.
 */
export class TaskExecutionRole extends Construct {
  /** ARN of the role. */
  public readonly roleArn: string;
  /** The trust policy (ECS tasks, with source conditions when the account is known), for a task role to reuse. */
  public readonly trustPolicy: string;
  /** The role's policies: a task must not start before they exist. */
  public readonly grants: ITerraformDependable[] = [];

  public constructor(scope: Construct, id: string, props: TaskExecutionRoleProps) {
    super(scope, id);
    // ── validation ──
    const checks = new PropChecks("TaskExecutionRole");
    checks.region("region", props.region);
    checks.accountId("accountId", props.accountId);
    checks.throwIfAny();

    // ── trust policy ──
    const { naming, region } = props;
    this.trustPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          ...(props.accountId === undefined
            ? {}
            : {
                Condition: {
                  StringEquals: { "aws:SourceAccount": props.accountId },
                  ArnLike: { "aws:SourceArn": `arn:${partitionOf(region)}:ecs:${region}:${props.accountId}:*` },
                },
              }),
        },
      ],
    });

    // ── iam ──
    const role = new IamRole(this, "Resource", {
      name: naming.name([props.name, "execution"], 64),
      description: props.description,
      assumeRolePolicy: this.trustPolicy,
      permissionsBoundary: props.permissionsBoundaryArn,
    });
    this.roleArn = role.arn;
    this.grants.push(
      new IamRolePolicy(this, "logs", {
        name: "write-container-logs",
        role: role.name,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteContainerLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              // The group already exists (no logs:CreateLogGroup); `:*` covers its streams.
              Resource: [`${props.logGroupArn}:*`],
            },
          ],
        }),
      }),
    );
    const secretArns = [...new Set(props.secretArns ?? [])];
    if (secretArns.length > 0) {
      const statements: object[] = [{ Sid: "ReadAppSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: secretArns }];
      if (props.secretsKmsKeyArn !== undefined) {
        statements.push({
          Sid: "DecryptAppSecrets",
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: [props.secretsKmsKeyArn],
          Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
        });
      }
      // GetSecretValue on exactly these ARNs: a task gets no secret it does not name.
      this.grants.push(
        new IamRolePolicy(this, "secrets", {
          name: naming.name("read-secrets", 128),
          role: role.name,
          policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
        }),
      );
    }
  }
}
