import type { ServiceSecret } from "../../secrets/interfaces";
import { PropChecks } from "../../shared";

// ── types ──

/**
 * What an application profile decides for a generic {@link FargateService}: the container's variables and port.
 * The service's own settings (size, counts, route, extra variables) come from elsewhere; a profile only knows how one
 * kind of application wants to be run.
 */
export interface ContainerProfile {
  /** Plain environment variables the application needs. */
  readonly environment: Readonly<Record<string, string>>;
  /** Secret environment variables the application needs. */
  readonly secrets: Readonly<Record<string, ServiceSecret>>;
  /** Port the application listens on, if it serves. */
  readonly port?: number;
  /** The plain environment of a one-off task of the same image (a migration): no server. */
  readonly oneOffEnvironment: Readonly<Record<string, string>>;
  /**
   * CloudWatch Logs filter pattern matching one error line of the application's log format, for the service's
   * application-error alarm.
   *
   * @default none: the log format is unknown, so the service gets no application-error alarm
   */
  readonly errorLogPattern?: string;
  /** The secret environment of a one-off task (a migration): its database access is the one-off one, when given. */
  readonly oneOffSecrets: Readonly<Record<string, ServiceSecret>>;
  /**
   * A read-only SQL query that returns the version of the schema the application's migrations left (one value), for
   * the check of a restored database.
   *
   * @default none: the migration framework is unknown, so a restored copy is checked for tables only
   */
  readonly schemaVersionQuery?: string;
}

/** The parts of a database connection that a profile turns into variables. */
export interface DatabaseAccess {
  /**
   * The connection secret: JSON with `username`, `password`, `host`, `port`, `dbname`, and `url` when the profile
   * needs one (see {@link ContainerProfile}).
   */
  readonly connection: ServiceSecret;
}

// ── helpers ──

/**
 * A profile's variables with the service's own added. A service may not change what its profile sets (the profile
 * depends on it), except the secrets the profile lists in `overridable`.
 *
 * @throws PropError naming each variable the service tries to change
 */
export function withOwnVariables(
  profile: ContainerProfile,
  own: { readonly environment: Readonly<Record<string, string>>; readonly secrets: Readonly<Record<string, ServiceSecret>> },
  overridable: readonly string[] = [],
  profileName = "the profile",
): { environment: Record<string, string>; secrets: Record<string, ServiceSecret> } {
  const checks = new PropChecks("withOwnVariables");
  const taken = new Set([...Object.keys(profile.environment), ...Object.keys(profile.secrets)]);
  for (const key of Object.keys(own.environment)) {
    checks.expect(!taken.has(key), `environment.${key}`, own.environment[key], `a variable ${profileName} does not set (it sets ${[...taken].sort().join(", ")})`);
  }
  for (const key of Object.keys(own.secrets)) {
    checks.expect(!taken.has(key) || overridable.includes(key), `secrets.${key}`, key, `a variable ${profileName} does not set${overridable.length > 0 ? `, or ${overridable.join(", ")}` : ""}`);
  }
  checks.throwIfAny();
  return { environment: { ...profile.environment, ...own.environment }, secrets: { ...profile.secrets, ...own.secrets } };
}
