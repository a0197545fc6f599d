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
 * Parses and validates an RDS PostgreSQL engine version: `"<major>.<minor>"` (for example `"16.11"`), or `"<major>"`
 * alone (RDS then picks the default minor and Terraform does not fight automatic minor upgrades).
 *
 * @throws Error naming `prop`, the value given and the allowed values
 */
export function parsePostgresVersion(version: string, prop = "engineVersion"): PostgresVersion {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(version);
  const allowed = `"<major>.<minor>" or "<major>" with major ${SUPPORTED_POSTGRES_MAJOR_VERSIONS.join(", ")} (for example "16" or "16.11")`;
  if (match === null) {
    throw new Error(`${prop}: ${JSON.stringify(version)} is not a PostgreSQL engine version; expected ${allowed}.`);
  }
  const major = Number(match[1]);
  if (!SUPPORTED_POSTGRES_MAJOR_VERSIONS.includes(major)) {
    throw new Error(`${prop}: major version ${major} in ${JSON.stringify(version)} is not supported; expected ${allowed}.`);
  }
  return match[2] === undefined ? { major } : { major, minor: Number(match[2]) };
}

/** The DB parameter group family of an engine version: `"16.11"` gives `"postgres16"`. */
export function postgresParameterGroupFamily(version: string): string {
  return `postgres${parsePostgresVersion(version).major}`;
}
