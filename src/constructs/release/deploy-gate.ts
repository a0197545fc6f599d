import { Construct } from "constructs";
import { Fn, ITerraformDependable, TerraformResource } from "cdktf";
import type { MigrationRunTarget } from "./run-target";
import { PropChecks, TerraformData } from "../shared";

// ── props ──

/** One task the {@link DeployGate} runs. */
export interface DeployGateStep {
  /** snake_case, once per gate: it keys the gate's triggers (`<name>_task_definition`, `<name>_image`). */
  readonly name: string;
  /** What the runner needs to start the task. */
  readonly target: MigrationRunTarget;
  /**
   * How long this task may run, in minutes (a {@link MigrationTask}'s `timeoutMinutes`): the gate's `timeoutMinutes`
   * defaults to the smallest of these.
   *
   * @default none (the gate's `timeoutMinutes`)
   */
  readonly timeoutMinutes?: number;
  /**
   * The task's container's own time limit in seconds, when it has one (a {@link MigrationTask} with
   * `containerTimeLimit`): the gate's `timeoutMinutes` may then not exceed this step's `timeoutMinutes`, so the runner
   * stops the task before the container stops itself.
   *
   * @default none
   */
  readonly containerTimeLimitSeconds?: number;
}

/** Props of {@link DeployGate}. */
export interface DeployGateProps {
  /**
   * The one-off tasks to run before each rollout, in order, by name (for example `database_roles`, then `migration`):
   * each must exit 0 before the next starts. The names key the gate's triggers.
   */
  readonly steps: readonly DeployGateStep[];
  /**
   * How long each step may run before the runner stops it and fails the deploy, in minutes. At most the
   * `timeoutMinutes` of a step whose container has its own time limit (which is set from that value).
   * @default the smallest `timeoutMinutes` of the steps, or 15 when none has one
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
   * A line the gate prints (on standard error, prefixed `deploy gate: `) before its steps, when not empty; may hold
   * Terraform expressions, for example a warning that the image is an override.
   * @default nothing
   */
  readonly notice?: string;
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
 * (a new release in the environment file). Make the ECS service depend on {@link DeployGate.resource}: a failed migration
 * then stops `cdktf deploy` before the new version rolls out, and the old version keeps serving.
 */
export class DeployGate extends Construct {
  /** The `terraform_data` resource to depend on. */
  public readonly resource: TerraformResource;
  /** The command the gate runs (with Terraform references), for documentation and tests. */
  public readonly command: string;

  public constructor(scope: Construct, id: string, props: DeployGateProps) {
    super(scope, id);
    // ── validation ──
    const stepTimeouts = props.steps.flatMap((step) => (step.timeoutMinutes === undefined ? [] : [step.timeoutMinutes]));
    const timeoutMinutes = props.timeoutMinutes ?? (stepTimeouts.length > 0 ? Math.min(...stepTimeouts) : 15);
    const checks = new PropChecks("DeployGate");
    checks.expect(props.steps.length > 0, "steps", [], "at least one task to run");
    props.steps.forEach((step, k) => checks.expect(/^[a-z][a-z0-9_]*$/.test(step.name) && props.steps.findIndex((x) => x.name === step.name) === k, `steps[${k}].name`, step.name, "snake_case, each once"));
    // A step whose container stops itself: the runner must stop it first, so the gate waits no longer than its timeout.
    let tightest: { readonly name: string; readonly minutes: number; readonly seconds: number } | undefined;
    for (const [k, step] of props.steps.entries()) {
      if (step.containerTimeLimitSeconds === undefined) continue;
      if (step.timeoutMinutes === undefined) checks.expect(false, `steps[${k}].timeoutMinutes`, undefined, "set when containerTimeLimitSeconds is");
      else if (tightest === undefined || step.timeoutMinutes < tightest.minutes) {
        tightest = { name: step.name, minutes: step.timeoutMinutes, seconds: step.containerTimeLimitSeconds };
      }
    }
    if (tightest === undefined) {
      checks.integer("timeoutMinutes", timeoutMinutes, 1, 120);
    } else {
      checks.integer("timeoutMinutes", timeoutMinutes, 1, tightest.minutes,
        `the ${tightest.name} step's timeoutMinutes: its container stops itself after ${tightest.seconds} seconds`);
    }
    checks.throwIfAny();

    // ── command ──
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
    // The notice reaches the shell through the environment, so its text is never quoted in the command; grep . prints it
    // only when it is not empty. No double quotes: the review copy's HCL rendering does not escape them.
    const notice = props.notice === undefined ? "" : "printenv DEPLOY_GATE_NOTICE | grep . | sed 's/^/deploy gate: /' >&2; ";

    // ── gate ──
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
          command: `${notice}${this.command}`,
          workingDir: props.projectRoot ?? "../../..",
          ...(props.notice === undefined ? {} : { environment: { DEPLOY_GATE_NOTICE: props.notice } }),
        },
      ],
    });
  }
}
