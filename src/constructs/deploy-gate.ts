import { Construct } from "constructs";
import { Fn, hashMapperHcl, ITerraformDependable, stringToHclTerraform, TerraformMetaArguments, TerraformResource } from "cdktf";
import type { MigrationRunTarget } from "./migration-task";
import { PropChecks, requireInteger } from "./validation";

/**
 * Terraform's built-in `terraform_data` resource, with only what the gate uses.
 *
 * cdktf's own `DataResource` adds a validation that runs `terraform version` at every synthesis: it made synthesis
 * need a Terraform binary and cost about 35 ms per stack. Terraform >= 1.10 is a documented deploy prerequisite anyway
 * (`terraform_data` needs >= 1.4).
 */
class TerraformData extends TerraformResource {
  private readonly triggersReplace: Record<string, string>;

  public constructor(scope: Construct, id: string, config: TerraformMetaArguments & { readonly triggersReplace: Record<string, string> }) {
    super(scope, id, { ...config, terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
    this.triggersReplace = config.triggersReplace;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: this.triggersReplace };
  }

  // The HCL review copy (`npm run review`) renders from this: a map of strings.
  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: { value: hashMapperHcl(stringToHclTerraform)(this.triggersReplace), isBlock: false, type: "map", storageClassType: "stringMap" } };
  }
}

/** Props of {@link DeployGate}. */
export interface DeployGateProps {
  /**
   * The one-off tasks to run before each rollout, in order, by name (for example `database_roles`, then `migration`):
   * each must exit 0 before the next starts. The names key the gate's triggers.
   */
  readonly steps: ReadonlyArray<{ readonly name: string; readonly target: MigrationRunTarget }>;
  /**
   * How long each step may run before the runner stops it and fails the deploy.
   * @default 15
   */
  readonly timeoutMinutes?: number;
  /**
   * What the migration task needs before it can start and reach the database: give the service's
   * `taskPrerequisites` (IAM grants, security group rules, NAT routes, the database and its connection secret).
   * Without them a first deploy may run the migration before the database or the route out exists.
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * The repository root, relative to the folder Terraform runs in (`cdktf.out/stacks/<stack>`), where
   * `scripts/migrate.ts` and its `node_modules` are.
   * @default "../../.."
   */
  readonly projectRoot?: string;
}

/**
 * The deploy gate: a `terraform_data` resource whose `local-exec` runs one-off tasks in order (through
 * `scripts/migrate.ts`: the database role bootstrap, then the migration) and waits for each to exit 0.
 *
 * It is replaced, and so runs again, whenever a step's task definition gets a new revision or its image changes
 * (`--var image_tag=...`). Make the ECS service depend on {@link DeployGate.resource}: a failed migration
 * then stops `cdktf deploy` before the new version rolls out, and the old version keeps serving.
 */
export class DeployGate extends Construct {
  /** The `terraform_data` resource to depend on. */
  public readonly resource: TerraformResource;
  /** The command the gate runs (with Terraform references), for documentation and tests. */
  public readonly command: string;

  public constructor(scope: Construct, id: string, props: DeployGateProps) {
    super(scope, id);
    const timeoutMinutes = props.timeoutMinutes ?? 15;
    requireInteger("DeployGate", "timeoutMinutes", timeoutMinutes, 1, 120);
    const checks = new PropChecks("DeployGate");
    checks.expect(props.steps.length > 0, "steps", [], "at least one task to run");
    props.steps.forEach((step, k) => checks.expect(/^[a-z][a-z0-9_]*$/.test(step.name) && props.steps.findIndex((x) => x.name === step.name) === k, `steps[${k}].name`, step.name, "snake_case, each once"));
    checks.throwIfAny();
    // Explicit values from this apply (the non-interactive form): stack outputs would still hold the previous ones.
    const run = (target: MigrationRunTarget) =>
      [
        "node --require ./scripts/register-ts.cjs scripts/migrate.ts --non-interactive",
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
    // Each step only after the one before succeeded: the shell's && stops at the first failure.
    this.command = props.steps.map((step) => run(step.target)).join(" && ");

    this.resource = new TerraformData(this, "Resource", {
      dependsOn: props.dependsOn === undefined ? undefined : [...props.dependsOn],
      triggersReplace: Object.fromEntries(
        props.steps.flatMap((step) => [
          [`${step.name}_task_definition`, step.target.taskDefinitionArn],
          [`${step.name}_image`, step.target.image],
        ]),
      ),
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
