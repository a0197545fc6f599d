// ── types ──

/**
 * What the migration runner needs to start a one-off task with RunTask: the shape of the environment stack's
 * `migration` output (see `src/migrations/target.ts`). `MigrationTask` and `PostgresRoleBootstrap` give one; the
 * `DeployGate` runs them. A file of its own, so that the gate does not import the tasks it runs.
 */
export interface MigrationRunTarget {
  /** ECS cluster name. */
  readonly cluster: string;
  /** ARN with revision of the migration task definition. */
  readonly taskDefinitionArn: string;
  /** The container whose exit code decides success. */
  readonly containerName: string;
  /** Private subnets the task runs in. */
  readonly subnetIds: string[];
  /** The service's security group, so the database admits the task. */
  readonly securityGroupIds: string[];
  /** AWS region. */
  readonly region: string;
  /** Log group of the container. */
  readonly logGroup: string;
  /** awslogs stream prefix. */
  readonly logStreamPrefix: string;
  /** The image the task definition runs. */
  readonly image: string;
}
