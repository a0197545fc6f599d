// ── types ──

/** A Secrets Manager secret a container reads into an environment variable when its task starts. */
export interface ServiceSecret {
  /** ARN of the secret. */
  readonly arn: string;
  /**
   * A key of the secret's JSON value; the variable gets that key's value only.
   *
   * @default none: the whole secret string
   */
  readonly jsonKey?: string;
}

/** The parts of a database connection, as Terraform expressions, for a connection URL. */
export interface DatabaseConnectionParts {
  /** The user name. */
  readonly username: string;
  /** The password: a secret. Only ever goes into the connection secret. */
  readonly password: string;
  /** The host name of the database. */
  readonly host: string;
  /** The port, as text. */
  readonly port: string;
  /** The database name. */
  readonly dbname: string;
}
