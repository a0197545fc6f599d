import type { ServiceSecret } from "../../secrets/interfaces";
import type { ContainerProfile, DatabaseAccess } from "./profile";

// ── options ──

/** What {@link plainContainer} needs. */
export interface PlainContainerOptions {
  /**
   * Port the container listens on, if it serves.
   *
   * @default none
   */
  readonly port?: number;
  /**
   * The database: the libpq variables `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER` and `PGPASSWORD`, each a key of the
   * connection secret, which most PostgreSQL clients read without configuration.
   *
   * @default none
   */
  readonly database?: DatabaseAccess;
  /**
   * The database of one-off tasks, when it differs (see `PhoenixReleaseOptions.oneOffDatabase`).
   *
   * @default database
   */
  readonly oneOffDatabase?: DatabaseAccess;
}

// ── profile ──

/**
 * The profile of a container that is not a Phoenix release: no variables of its own, and the database, when it has
 * access, through libpq's standard variables.
 */
export function plainContainer(options: PlainContainerOptions = {}): ContainerProfile {
  const libpq = (database: DatabaseAccess | undefined): Record<string, ServiceSecret> => {
    if (database === undefined) return {};
    const key = (jsonKey: string): ServiceSecret => ({ arn: database.connection.arn, jsonKey });
    return { PGHOST: key("host"), PGPORT: key("port"), PGDATABASE: key("dbname"), PGUSER: key("username"), PGPASSWORD: key("password") };
  };
  return {
    environment: {},
    secrets: libpq(options.database),
    port: options.port,
    oneOffEnvironment: {},
    oneOffSecrets: libpq(options.oneOffDatabase ?? options.database),
  };
}
