import { Construct } from "constructs";
import { DataResource, Fn } from "cdktf";
import { MigrationTask } from "./migration-task";

/** Props of {@link DeployGate}. */
export interface DeployGateProps {
  /** The migration task definition to run before each rollout. */
  readonly migration: MigrationTask;
  /**
   * How long the migration may run before the runner stops it and fails the deploy.
   * @default 15
   */
  readonly timeoutMinutes?: number;
  /**
   * The repository root, relative to the folder Terraform runs in (`cdktf.out/stacks/<stack>`), where
   * `scripts/migrate.ts` and its `node_modules` are.
   * @default "../../.."
   */
  readonly projectRoot?: string;
}

/**
 * The deploy gate: a `terraform_data` resource whose `local-exec` runs the migration task (through
 * `scripts/migrate.ts`) and waits for it to exit 0.
 *
 * It is replaced, and so runs again, whenever the migration task definition gets a new revision or the image
 * changes (`--var image_tag=...`). Make the ECS service depend on {@link DeployGate.resource}: a failed migration
 * then stops `cdktf deploy` before the new version rolls out, and the old version keeps serving.
 */
export class DeployGate extends Construct {
  /** The `terraform_data` resource to depend on. */
  public readonly resource: DataResource;
  /** The command the gate runs (with Terraform references), for documentation and tests. */
  public readonly command: string;

  public constructor(scope: Construct, id: string, props: DeployGateProps) {
    super(scope, id);
    const timeoutMinutes = props.timeoutMinutes ?? 15;
    if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 120) {
      throw new Error(`DeployGate: timeoutMinutes got ${timeoutMinutes}; allowed: a whole number from 1 to 120`);
    }
    const target = props.migration.runTarget;
    // Explicit values from this apply (the non-interactive form): stack outputs would still hold the previous ones.
    this.command = [
      "node --require sucrase/register/ts scripts/migrate.ts --non-interactive",
      `--cluster ${target.cluster}`,
      `--task-definition ${target.taskDefinitionArn}`,
      `--subnets ${Fn.join(",", target.subnetIds)}`,
      `--security-groups ${Fn.join(",", target.securityGroupIds)}`,
      `--container ${target.containerName}`,
      `--region ${target.region}`,
      `--log-group ${target.logGroup}`,
      `--log-stream-prefix ${target.logStreamPrefix}`,
      `--expected-image ${target.image}`,
      `--timeout ${timeoutMinutes}m`,
    ].join(" ");

    this.resource = new DataResource(this, "Resource", {
      triggersReplace: {
        task_definition: target.taskDefinitionArn,
        image: target.image,
      },
      provisioners: [
        {
          type: "local-exec",
          command: this.command,
          workingDir: props.projectRoot ?? "../../..",
        },
      ],
    });
  }
}
