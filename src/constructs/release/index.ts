export { DeployGate } from "./deploy-gate";
export type { DeployGateProps, DeployGateStep } from "./deploy-gate";
export { MigrationTask } from "./migration-task";
export type { MigrationTaskProps } from "./migration-task";
export type { MigrationRunTarget } from "./run-target";
export { DEFAULT_PSQL_IMAGE, PostgresRoleBootstrap } from "./postgres-role-bootstrap";
export type { DatabaseRole, DatabaseRoleKind, MigrationVersionCheck, PostgresRoleBootstrapProps } from "./postgres-role-bootstrap";
export { TierGuard } from "./tier-guard";
export type { TierChange, TierGuardProps } from "./tier-guard";
