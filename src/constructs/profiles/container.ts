import type { ServiceSecret } from "../fargate-service";
import type { ContainerProfile, DatabaseAccess } from "./profile";

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
}

/**
 * The profile of a container that is not a Phoenix release: no variables of its own, and the database, when it has
 * access, through libpq's standard variables.
 */
export function plainContainer(options: PlainContainerOptions = {}): ContainerProfile {
  const connection = options.database?.connection;
  const key = (jsonKey: string): ServiceSecret => ({ arn: (connection as ServiceSecret).arn, jsonKey });
  return {
    environment: {},
    secrets:
      connection === undefined
        ? {}
        : { PGHOST: key("host"), PGPORT: key("port"), PGDATABASE: key("dbname"), PGUSER: key("username"), PGPASSWORD: key("password") },
    port: options.port,
    oneOffEnvironment: {},
  };
}
