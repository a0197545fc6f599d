import { Token } from "cdktf";
import type { DatabaseConnectionParts, ServiceSecret } from "../../secrets/interfaces";
import { TMP_PATH } from "../container-definition";
import { PropChecks } from "../../shared";
import type { ContainerProfile, DatabaseAccess } from "./profile";

// ── constants ──

/** The port a Phoenix release listens on unless told otherwise. */
export const PHOENIX_DEFAULT_PORT = 4000;

/**
 * A CloudWatch Logs filter pattern for an error line of a Phoenix release: Elixir's Logger console format
 * (`$time $metadata[$level] $message`, the release default) prints the level in brackets, and `error` and the three
 * levels above it (`critical`, `alert`, `emergency`) are errors. Crashed processes and failed requests log at `error`.
 * `?` terms are alternatives; quoted, because of the brackets.
 */
export const PHOENIX_ERROR_LOG_PATTERN = '?"[error]" ?"[critical]" ?"[alert]" ?"[emergency]"';

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

// ── options ──

/** What {@link phoenixRelease} needs. */
export interface PhoenixReleaseOptions {
  /**
   * The host name Phoenix generates URLs for (`PHX_HOST`): the service's domain, or the load balancer's DNS name
   * without one. A host name, not a URL; may be a Terraform token.
   */
  readonly phxHost: string;
  /**
   * Whether the release starts its HTTP endpoint (`PHX_SERVER`) on `port`.
   */
  readonly serveHttp: boolean;
  /**
   * Port of the HTTP endpoint (`PORT`), 1 to 65535.
   *
   * @default 4000
   */
  readonly port?: number;
  /**
   * Ecto connection pool size per task (`POOL_SIZE`), 1 to 1000.
   *
   * @default 10
   */
  readonly poolSize?: number;
  /** The secret that holds `SECRET_KEY_BASE` (64 letters and digits, as `mix phx.gen.secret` makes). */
  readonly secretKeyBase: ServiceSecret;
  /**
   * The database: `DATABASE_URL` is the connection secret's `url` key, written by {@link ectoDatabaseUrl}.
   *
   * @default none: no `DATABASE_URL`
   */
  readonly database?: DatabaseAccess;
  /**
   * The database of one-off tasks (migrations), when it differs: for example a role that owns the schema, where the
   * service's role may only read and write rows.
   *
   * @default database
   */
  readonly oneOffDatabase?: DatabaseAccess;
}

// ── profile ──

/**
 * The newest migration Ecto has run: `mix ecto.migrate` (and a release's `migrate`) records each in
 * `schema_migrations(version bigint, inserted_at)`. NULL, so no value, when none has run.
 */
export const ECTO_SCHEMA_VERSION_QUERY = "SELECT max(version)::text FROM schema_migrations";

/**
 * The Phoenix profile: how an Elixir/Phoenix release (`mix release`, as `mix phx.gen.release` sets it up) runs on a
 * generic Fargate service. It is the one place that knows Phoenix's variables:
 * - `PHX_HOST` (URL generation), `PHX_SERVER` (start the endpoint), `PORT`, `POOL_SIZE`;
 * - `SECRET_KEY_BASE` and `DATABASE_URL` from Secrets Manager, never in plain text;
 * - `RELEASE_TMP` on the writable `/tmp`: a release writes its generated `sys.config` there at boot, so it can run
 *   with a read-only root filesystem.
 * A one-off task of the release (a migration) gets the same variables without `PHX_SERVER`, so a command that boots
 * the whole application still opens no HTTP listener.
 *
 * @throws PropError when phxHost is not a host name, or port or poolSize are out of range
 */
export function phoenixRelease(options: PhoenixReleaseOptions): ContainerProfile {
  const port = options.port ?? PHOENIX_DEFAULT_PORT;
  const poolSize = options.poolSize ?? 10;
  const checks = new PropChecks("phoenixRelease");
  const host = options.phxHost;
  checks.expect(host.length > 0 && !/\s|\//.test(host) && (Token.isUnresolved(host) || HOST_NAME.test(host)), "phxHost", host,
    'a host name such as "api.example.org" (no scheme, no path)');
  checks.integer("port", port, 1, 65535);
  checks.integer("poolSize", poolSize, 1, 1000);
  checks.throwIfAny();

  const oneOffEnvironment = {
    PHX_HOST: host,
    PORT: String(port),
    POOL_SIZE: String(poolSize),
    RELEASE_TMP: TMP_PATH,
  };
  const secrets = (database: DatabaseAccess | undefined) => ({
    SECRET_KEY_BASE: options.secretKeyBase,
    ...(database === undefined ? {} : { DATABASE_URL: { arn: database.connection.arn, jsonKey: "url" } }),
  });
  return {
    environment: options.serveHttp ? { ...oneOffEnvironment, PHX_SERVER: "true" } : oneOffEnvironment,
    secrets: secrets(options.database),
    port: options.serveHttp ? port : undefined,
    oneOffEnvironment,
    errorLogPattern: PHOENIX_ERROR_LOG_PATTERN,
    oneOffSecrets: secrets(options.oneOffDatabase ?? options.database),
    schemaVersionQuery: ECTO_SCHEMA_VERSION_QUERY,
  };
}

// ── database url ──

/**
 * The `url` key of the database connection secret for Ecto: `ecto://user:password@host:port/dbname?ssl=true`
 * (`rds.force_ssl` is on). The password's characters need no escaping in a URL (see
 * `DATABASE_PASSWORD_SPECIAL_CHARACTERS`).
 */
export function ectoDatabaseUrl(parts: DatabaseConnectionParts): string {
  return `ecto://${parts.username}:${parts.password}@${parts.host}:${parts.port}/${parts.dbname}?ssl=true`;
}
