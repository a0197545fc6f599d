import { readStackOutputs, requireOutput, StackOutputsOptions } from "../operator/stack-outputs";

/** The `startedBy` marker of migration tasks when neither the stack nor the caller gives one. */
export const DEFAULT_STARTED_BY = "whcsites-migrate";

/** The name of the Terraform output, on each environment stack, that describes where migrations run. */
export const MIGRATION_OUTPUT_NAME = "migration";

/**
 * Where and how the migration task runs: everything RunTask needs, so the operator never types subnet ids.
 *
 * In `--stack` mode this is the value of the stack's `migration` output; the deploy gate passes the same values as flags.
 */
export interface MigrationTarget {
  /** ECS cluster name or ARN. */
  readonly cluster: string;
  /** The migration task definition: ARN with revision (preferred), `family:revision`, or a family (latest ACTIVE revision). */
  readonly taskDefinition: string;
  /** The container that runs the migration command, whose exit code decides success. */
  readonly containerName: string;
  /** Private subnets the task runs in. */
  readonly subnetIds: readonly string[];
  /** Security groups of the task (the service's, so the database accepts it). */
  readonly securityGroupIds: readonly string[];
  /** AWS region. @default the SDK's default chain (AWS_REGION, profile) */
  readonly region?: string;
  /** CloudWatch log group of the container. @default the `awslogs-group` of the task definition's container */
  readonly logGroup?: string;
  /** awslogs stream prefix; streams are `<prefix>/<container>/<task id>`. @default the task definition's `awslogs-stream-prefix` */
  readonly logStreamPrefix?: string;
  /** The image the environment is configured to run; the task definition must run exactly this. @default no check unless the caller asks for an image */
  readonly image?: string;
  /** `startedBy` marker of migration tasks, used to find a migration already running. @default {@link DEFAULT_STARTED_BY} */
  readonly startedBy?: string;
}

/**
 * Problems with a target, one message each naming the field and the value given; empty when the target is usable.
 */
export function validateTarget(target: MigrationTarget): string[] {
  const problems: string[] = [];
  const nonEmpty = (field: string, value: unknown): void => {
    if (typeof value !== "string" || value.trim().length === 0) problems.push(`${field} is required (got ${JSON.stringify(value)})`);
  };
  nonEmpty("cluster", target.cluster);
  nonEmpty("taskDefinition", target.taskDefinition);
  nonEmpty("containerName", target.containerName);
  const ids = (field: string, value: unknown, prefix: string): void => {
    if (!Array.isArray(value) || value.length === 0) {
      problems.push(`${field} must be a non-empty list of ${prefix}* ids (got ${JSON.stringify(value)})`);
      return;
    }
    const bad = value.filter((v) => typeof v !== "string" || !v.startsWith(prefix));
    if (bad.length > 0) problems.push(`${field} must hold ${prefix}* ids only (got ${JSON.stringify(bad)})`);
  };
  ids("subnetIds", target.subnetIds, "subnet-");
  ids("securityGroupIds", target.securityGroupIds, "sg-");
  for (const field of ["region", "logGroup", "logStreamPrefix", "image", "startedBy"] as const) {
    const value = target[field];
    if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
      problems.push(`${field} must be a non-empty string when given (got ${JSON.stringify(value)})`);
    }
  }
  // ECS limit for startedBy: up to 36 letters, digits, hyphens, underscores and slashes.
  if (typeof target.startedBy === "string" && !/^[A-Za-z0-9_/-]{1,36}$/.test(target.startedBy)) {
    problems.push(`startedBy must be 1-36 letters, digits, "-", "_" or "/" (got ${JSON.stringify(target.startedBy)})`);
  }
  return problems;
}

/**
 * Builds a target from the `migration` output value (see {@link MigrationTarget} for the fields; the task definition
 * field is named `taskDefinitionArn` in the output).
 *
 * @throws Error listing every missing or malformed field
 */
export function targetFromOutput(value: unknown, source: string): MigrationTarget {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${source}: the "${MIGRATION_OUTPUT_NAME}" output must be an object, got ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  const optional = (key: string): string | undefined => (v[key] === null || v[key] === undefined ? undefined : (v[key] as string));
  const target: MigrationTarget = {
    cluster: v.cluster as string,
    taskDefinition: v.taskDefinitionArn as string,
    containerName: v.containerName as string,
    subnetIds: v.subnetIds as string[],
    securityGroupIds: v.securityGroupIds as string[],
    region: optional("region"),
    logGroup: optional("logGroup"),
    logStreamPrefix: optional("logStreamPrefix"),
    image: optional("image"),
    startedBy: optional("startedBy"),
  };
  const problems = validateTarget(target).map((p) => p.replace(/^taskDefinition /, "taskDefinitionArn "));
  if (problems.length > 0) {
    throw new Error(`${source}: the "${MIGRATION_OUTPUT_NAME}" output is not usable:\n  - ${problems.join("\n  - ")}`);
  }
  return target;
}

/** Options of {@link readStackTarget}: where the stack's outputs are read (see {@link readStackOutputs}). */
export type ReadStackTargetOptions = StackOutputsOptions;

/**
 * Reads the migration target of a deployed stack from its Terraform state:
 * `terraform -chdir=<outDir>/stacks/<stack> output -json`, then the `migration` output.
 *
 * @param stack the cdktf stack name, for example `whcsites-staging`
 * @throws Error with the reason and what to do (synth and init first, deploy first, ...)
 */
export async function readStackTarget(stack: string, options: ReadStackTargetOptions = {}): Promise<MigrationTarget> {
  const outputs = await readStackOutputs(stack, options);
  return targetFromOutput(requireOutput(stack, outputs, MIGRATION_OUTPUT_NAME), `stack ${stack}`);
}
