/**
 * RDS for PostgreSQL engine versions: parsing, validation and the parameter group family.
 *
 * Kept apart from the Rds construct so that the environment-file schema can validate a version with the same rules.
 */

/** Major versions this project accepts (RDS standard support, or close to it). */
export const SUPPORTED_POSTGRES_MAJOR_VERSIONS: readonly number[] = [13, 14, 15, 16, 17];

/**
 * The default engine version: PostgreSQL 16, major only. RDS creates the current 16.x minor, and automatic minor
 * upgrades never show up as drift (a pinned minor makes every plan after an upgrade ask for a downgrade).
 */
export const DEFAULT_POSTGRES_ENGINE_VERSION = "16";

/** A parsed engine version. `minor` is undefined for a major-only version such as `"16"`. */
export interface PostgresVersion {
  /** The major version, for example 16. */
  readonly major: number;
  /** The minor version, for example 11; undefined when only the major was given. */
  readonly minor?: number;
}

/**
 * What is wrong with an RDS PostgreSQL engine version, as `got ...; allowed: ...`, or undefined when it is valid:
 * `"<major>.<minor>"` (for example `"16.11"`), or `"<major>"` alone (RDS then picks the default minor and Terraform
 * does not fight automatic minor upgrades).
 */
export function postgresVersionProblem(version: string): string | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(version);
  const allowed = `"<major>.<minor>" or "<major>" with major ${SUPPORTED_POSTGRES_MAJOR_VERSIONS.join(", ")} (for example "16" or "16.11")`;
  if (match === null) return `got ${JSON.stringify(version)}, which is not a PostgreSQL engine version; allowed: ${allowed}`;
  if (!SUPPORTED_POSTGRES_MAJOR_VERSIONS.includes(Number(match[1]))) return `got ${JSON.stringify(version)}, whose major version is not supported; allowed: ${allowed}`;
  return undefined;
}

/**
 * Parses a valid engine version (see {@link postgresVersionProblem}).
 *
 * @throws Error naming the value given and the allowed values
 */
export function parsePostgresVersion(version: string): PostgresVersion {
  const problem = postgresVersionProblem(version);
  if (problem !== undefined) throw new Error(`engineVersion ${problem}`);
  const [major, minor] = version.split(".").map(Number);
  return minor === undefined ? { major } : { major, minor };
}

/** The DB parameter group family of an engine version: `"16.11"` gives `"postgres16"`. */
export function postgresParameterGroupFamily(version: string): string {
  return `postgres${parsePostgresVersion(version).major}`;
}
