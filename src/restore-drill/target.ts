import { RESTORE_DRILL_OUTPUT } from "../domain/backup";
import { MigrationTarget, validateTarget } from "../migrations/target";
import { readStackOutputs, requireOutput, StackOutputsOptions } from "../operator/stack-outputs";

/** The `startedBy` marker of restore check tasks (ECS: up to 36 letters, digits, `-`, `_`, `/`). */
export const RESTORE_CHECK_STARTED_BY = "whcsites-restore-check";

/**
 * What a restore drill needs of an environment: the value of the stack's `restore_drill` output. Where the database is,
 * where its temporary copy goes (the isolated subnets, behind the group that admits only the check), the check task,
 * and the recovery targets of the environment file.
 */
export interface DrillTarget {
  /** The DB instance identifier of the environment's database. */
  readonly sourceInstanceIdentifier: string;
  /** Its ARN. */
  readonly sourceInstanceArn: string;
  /** The environment's region (the copy is made there). */
  readonly region: string;
  /** The database's instance class (the copy's, unless the drill names another). */
  readonly instanceClass: string;
  /** The DB subnet group of the isolated subnets. */
  readonly subnetGroupName: string;
  /** The database's parameter group (SSL required). */
  readonly parameterGroupName: string;
  /** The security groups of restored copies: they admit the check task only. */
  readonly securityGroupIds: readonly string[];
  /** The backup vault in the environment's region. */
  readonly vaultName: string;
  /** The DR region and its vault. */
  readonly drRegion: string;
  readonly drVaultName: string;
  /** The environment file's recovery point objective, in hours. */
  readonly rpoHours: number;
  /** The environment file's recovery time objective, in hours. */
  readonly rtoHours: number;
  /** Where and how the check task runs (its `startedBy` is {@link RESTORE_CHECK_STARTED_BY}). */
  readonly check: MigrationTarget;
}

/**
 * Builds a drill target from the `restore_drill` output value.
 *
 * @throws Error listing every missing or malformed field
 */
export function drillTargetFromOutput(value: unknown, source: string): DrillTarget {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${source}: the "${RESTORE_DRILL_OUTPUT}" output must be an object, got ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (key: string): string => {
    const got = v[key];
    if (typeof got !== "string" || got.length === 0) problems.push(`${key} must be a non-empty string (got ${JSON.stringify(got)})`);
    return String(got);
  };
  const hours = (key: string): number => {
    const got = v[key];
    if (typeof got !== "number" || !(got > 0)) problems.push(`${key} must be a positive number (got ${JSON.stringify(got)})`);
    return Number(got);
  };
  const groups = Array.isArray(v.securityGroupIds) ? v.securityGroupIds.filter((g): g is string => typeof g === "string" && g.startsWith("sg-")) : [];
  if (!Array.isArray(v.securityGroupIds) || groups.length === 0 || groups.length !== v.securityGroupIds.length) {
    problems.push(`securityGroupIds must be a non-empty list of sg-* ids (got ${JSON.stringify(v.securityGroupIds)})`);
  }
  const target = {
    sourceInstanceIdentifier: text("sourceInstanceIdentifier"),
    sourceInstanceArn: text("sourceInstanceArn"),
    region: text("region"),
    instanceClass: text("instanceClass"),
    subnetGroupName: text("subnetGroupName"),
    parameterGroupName: text("parameterGroupName"),
    securityGroupIds: groups,
    vaultName: text("vaultName"),
    drRegion: text("drRegion"),
    drVaultName: text("drVaultName"),
    rpoHours: hours("rpoHours"),
    rtoHours: hours("rtoHours"),
  };
  const c = typeof v.check === "object" && v.check !== null ? (v.check as Record<string, unknown>) : {};
  const optional = (key: string): string | undefined => (c[key] === null || c[key] === undefined ? undefined : (c[key] as string));
  const check: MigrationTarget = {
    cluster: c.cluster as string,
    taskDefinition: c.taskDefinitionArn as string,
    containerName: c.containerName as string,
    subnetIds: c.subnetIds as string[],
    securityGroupIds: c.securityGroupIds as string[],
    region: optional("region"),
    logGroup: optional("logGroup"),
    logStreamPrefix: optional("logStreamPrefix"),
    image: optional("image"),
    startedBy: RESTORE_CHECK_STARTED_BY,
  };
  problems.push(...validateTarget(check).map((p) => `check.${p.replace(/^taskDefinition /, "taskDefinitionArn ")}`));
  if (problems.length > 0) {
    throw new Error(`${source}: the "${RESTORE_DRILL_OUTPUT}" output is not usable:\n  - ${problems.join("\n  - ")}`);
  }
  return { ...target, check };
}

/**
 * Reads the drill target of a deployed stack: `terraform -chdir=<outDir>/stacks/<stack> output -json`, then the
 * `restore_drill` output (an environment without `dr` has none).
 *
 * @throws Error with the reason and what to do
 */
export async function readDrillTarget(stack: string, options: StackOutputsOptions = {}): Promise<DrillTarget> {
  const outputs = await readStackOutputs(stack, options);
  return drillTargetFromOutput(requireOutput(stack, outputs, RESTORE_DRILL_OUTPUT), `stack ${stack}`);
}
