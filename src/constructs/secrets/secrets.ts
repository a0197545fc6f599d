import { Construct } from "constructs";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Naming } from "../../core/naming";
import { accountAdministersKey, accountUsesThroughService, rolesAdministerKey } from "../../domain/kms";
import { partitionOf } from "../../domain/partition";
import { tierDefaults } from "../../domain/tier-defaults";
import { EphemeralPassword } from "./ephemeral-password";
import { PropChecks } from "../shared";
import type { DatabaseConnectionParts, ServiceSecret } from "./interfaces";

/** The tag that marks the database master user's connection secret (the policy guard reads it: WHC.SEC3). */
export const MASTER_SECRET_TAG = { key: "whcsites:role", value: "database-master" } as const;

/** Master user names RDS reserves or that every attacker tries first. */
const RESERVED_USERNAMES = ["postgres", "admin", "rdsadmin", "rdsrepladmin", "root"];
/** Database names that exist in every RDS PostgreSQL instance. */
const RESERVED_DATABASE_NAMES = ["postgres", "rdsadmin", "template0", "template1"];
/** A secret's name part: lower-case letters, digits and single hyphens. */
const SECRET_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,62}$/;

/**
 * The characters the database password may use besides letters and digits. They are URL "unreserved" characters
 * (RFC 3986), so the password goes into a connection URL without percent-encoding, and none of them is one RDS
 * rejects (`/`, `@`, `"`, `'`, space).
 */
export const DATABASE_PASSWORD_SPECIAL_CHARACTERS = "-_~";

/** Secrets Manager's punctuation set (GetRandomPassword), less the characters a database password may use. */
const EXCLUDED_DATABASE_PASSWORD_CHARACTERS = [...`!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`].filter((c) => !DATABASE_PASSWORD_SPECIAL_CHARACTERS.includes(c)).join("");

// ── props ──

/** Properties of {@link AppSecrets}. */
export interface AppSecretsProps {
  /** Names the secrets (`/<app>/<environment>/<name>`), the KMS alias and the IAM policy. */
  readonly naming: Naming;
  /**
   * Production: a 30-day recovery window (required), and `prevent_destroy` on the secrets and the KMS key.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable, 7 to 30; 30 in production.
   * @default 30 in production, 7 elsewhere
   */
  readonly recoveryWindowDays?: number;
  /**
   * Encrypt the secrets with a customer-managed KMS key (rotated yearly) instead of the AWS-managed
   * `aws/secretsmanager` key. Requires `accountId` and `region` for the key policy.
   * @default false
   */
  readonly customerManagedKey?: boolean;
  /**
   * The 12-digit AWS account id, for the KMS key policy (no data source: plans must run offline).
   * @default none; required when `customerManagedKey` is true
   */
  readonly accountId?: string;
  /**
   * The AWS region, for the KMS key policy's `kms:ViaService` condition.
   * @default none; required when `customerManagedKey` is true
   */
  readonly region?: string;
  /**
   * Roles that administer the key through its own policy, besides the account (the environment's deploy role, whose
   * IAM policies grant nothing on existing keys).
   *
   * @default none
   */
  readonly keyAdministratorArns?: readonly string[];
  /**
   * Generate the database master password and create the connection secret (the database writes its value with
   * {@link AppSecrets.storeDatabaseConnection}).
   * @default true
   */
  readonly databaseCredentials?: boolean;
  /**
   * The RDS master user name: lower-case letters, digits and `_`, starting with a letter, at most 63 characters;
   * not `postgres`, `admin`, `rdsadmin`, `rdsrepladmin` or `root`.
   * @default "whcsites_admin"
   */
  readonly databaseUsername?: string;
  /**
   * The application database created with the instance: lower-case letters, digits and `_`, starting with a letter,
   * at most 63 characters; not `postgres`, `rdsadmin`, `template0` or `template1`.
   * @default "whcsites"
   */
  readonly databaseName?: string;
  /**
   * Database roles besides the master user, each with its own generated password and connection secret
   * `/<app>/<environment>/database-<role>` (user `<databaseName>_<role>`), for example `app` (reads and writes data)
   * and `migrator` (owns the schema). The master connection (`database`) then goes to the role bootstrap only.
   * @default none
   */
  readonly databaseRoles?: readonly string[];
  /**
   * The write-only version of each generated value, by secret name (`database`, `database-<role>`, or a generated
   * secret's name). A value is written when its secret is created and again whenever its version changes: raising a
   * version rotates that value (docs/operating.md, "Rotate a secret").
   * @default 1 for every secret
   */
  readonly versions?: Readonly<Record<string, number>>;
}

// ── types ──

/** A database role's connection: its secret, its user name and the version of its password. */
export interface DatabaseRoleSecret {
  /** The connection secret (JSON with username, password, host, port, dbname, and url when formatted). */
  readonly connection: ServiceSecret;
  /** The role's user name. */
  readonly username: string;
  /** The version of its password (see {@link AppSecretsProps.versions}). */
  readonly version: number;
}

/**
 * The secrets of an environment in Secrets Manager, optionally under a customer-managed KMS key: generated values
 * ({@link AppSecrets.generated}), secrets the operator fills ({@link AppSecrets.managed}) and the database
 * connection. Each comes back as a {@link ServiceSecret} that a service names in its `secrets`: a service's execution
 * role then reads exactly the secrets it names.
 *
 * **No secret in the Terraform state.** Every generated value comes from an ephemeral password (never stored) and goes
 * only into write-only arguments (`secret_string_wo`, and `password_wo` on the database), each with a version number:
 * the state holds the versions, never the values.
 *
 * **Why a Terraform-generated database password and not the RDS-managed master password**
 * (`manage_master_user_password`): RDS rotates a managed password every 7 days. ECS tasks read secrets only when they
 * start, so running tasks keep the old password and fail on their next new connection after a rotation: an outage
 * every week until they are replaced. Here the password changes only when an operator decides to.
 *
 * **Rotating on purpose**: raise the secret's version (`secrets.versions` in the environment file) and deploy. The new
 * value is written to the secret (and, for the master password, to the database in the same apply); services whose
 * task definitions name the secret's version roll out and read it.
 */
export class AppSecrets extends Construct {
  /**
   * The database connection secret, JSON with `username`, `password`, `host`, `port`, `dbname` (and `url` when
   * {@link AppSecrets.storeDatabaseConnection} is given a URL format); undefined without `databaseCredentials`.
   */
  public readonly databaseConnection?: ServiceSecret;
  /**
   * The generated database master password (an ephemeral Terraform value), only for the DB instance's write-only
   * `password_wo`, with {@link AppSecrets.databasePasswordVersion}.
   */
  public readonly databasePasswordValue?: string;
  /** The version of the master password (`password_wo_version`). */
  public readonly databasePasswordVersion: number;
  /** The database roles' connections, by role. */
  public readonly databaseRoles: ReadonlyMap<string, DatabaseRoleSecret>;
  /** The RDS master user name. */
  public readonly databaseUsername: string;
  /** The application database name. */
  public readonly databaseName: string;
  /** ARN of the customer-managed KMS key, when `customerManagedKey` is true. */
  public readonly kmsKeyArn?: string;

  private readonly naming: Naming;
  private readonly kmsKeyId?: string;
  private readonly recoveryWindowDays: number;
  private readonly protect?: { readonly preventDestroy: true };
  private readonly databasePassword?: EphemeralPassword;
  private readonly databaseConnectionSecret?: SecretsmanagerSecret;
  private readonly roleSecrets = new Map<string, { readonly secret: SecretsmanagerSecret; readonly password: EphemeralPassword }>();
  private readonly versions: Readonly<Record<string, number>>;
  private readonly byName = new Map<string, { readonly kind: string; readonly secret: ServiceSecret }>();
  private connectionOf?: string;
  private connectionValues?: ITerraformDependable[];

  public constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);
    const production = props.production ?? false;
    const recoveryWindowDays = props.recoveryWindowDays ?? tierDefaults(production).secretRecoveryWindowDays;
    const customerManagedKey = props.customerManagedKey ?? false;
    const databaseCredentials = props.databaseCredentials ?? true;
    const databaseUsername = props.databaseUsername ?? "whcsites_admin";
    const databaseName = props.databaseName ?? "whcsites";

    // ── validation ──
    const checks = new PropChecks("AppSecrets");
    checks.integer("recoveryWindowDays", recoveryWindowDays, production ? 30 : 7, 30, production ? "30 in production" : undefined);
    checks.expect(/^[a-z][a-z0-9_]{0,62}$/.test(databaseUsername) && !RESERVED_USERNAMES.includes(databaseUsername), "databaseUsername", databaseUsername,
      `1-63 lower-case letters, digits or "_", starting with a letter, and not ${RESERVED_USERNAMES.join(", ")}`);
    checks.expect(/^[a-z][a-z0-9_]{0,62}$/.test(databaseName) && !RESERVED_DATABASE_NAMES.includes(databaseName), "databaseName", databaseName,
      `1-63 lower-case letters, digits or "_", starting with a letter, and not ${RESERVED_DATABASE_NAMES.join(", ")}`);
    const databaseRoles = props.databaseRoles ?? [];
    databaseRoles.forEach((role, i) => {
      checks.expect(/^[a-z][a-z0-9]{0,15}$/.test(role) && databaseRoles.indexOf(role) === i, `databaseRoles[${i}]`, role, "lower-case letters and digits, starting with a letter, at most 16, each once");
    });
    for (const [name, version] of Object.entries(props.versions ?? {})) checks.integer(`versions.${name}`, version, 1, 1_000_000);
    if (customerManagedKey) {
      checks.expect(props.accountId !== undefined && (Token.isUnresolved(props.accountId) || /^\d{12}$/.test(props.accountId)), "accountId", props.accountId,
        "a 12-digit AWS account id when customerManagedKey is true");
      checks.expect(props.region !== undefined && (Token.isUnresolved(props.region) || /^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region)), "region", props.region,
        'an AWS region such as "eu-west-1" when customerManagedKey is true');
    }
    checks.throwIfAny();

    // ── attributes ──
    this.naming = props.naming;
    this.versions = props.versions ?? {};
    this.recoveryWindowDays = recoveryWindowDays;
    this.databaseUsername = databaseUsername;
    this.databaseName = databaseName;
    // Stateful and hard to recreate under the same name (deleted secrets keep their name for the recovery window).
    this.protect = production ? { preventDestroy: true } : undefined;

    // ── encryption ──
    // The customer-managed key.
    if (customerManagedKey) {
      const rootArn = `arn:${partitionOf(props.region ?? "")}:iam::${props.accountId}:root`; // region checked above
      const key = new KmsKey(this, "key", {
        description: `Secrets Manager secrets of ${props.naming.prefix}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            // Administration by the account; use by its IAM policies (a service's execution role) through Secrets
            // Manager only.
            accountAdministersKey(rootArn),
            ...[rolesAdministerKey(props.keyAdministratorArns ?? [])].filter((x) => x !== undefined),
            accountUsesThroughService("UseThroughSecretsManagerOnly", rootArn, props.accountId as string, `secretsmanager.${props.region}.amazonaws.com`, [
              "kms:Encrypt",
              "kms:Decrypt",
              "kms:ReEncrypt*",
              "kms:GenerateDataKey*",
              "kms:DescribeKey",
              "kms:CreateGrant",
            ]),
          ],
        }),
        lifecycle: this.protect,
      });
      new KmsAlias(this, "key_alias", { name: `alias/${props.naming.name("secrets", 250)}`, targetKeyId: key.keyId });
      this.kmsKeyId = key.arn;
      this.kmsKeyArn = key.arn;
    }

    // ── database credentials ──
    // The master, and a login per role.
    this.databasePasswordVersion = this.versionOf("database");
    const roles = new Map<string, DatabaseRoleSecret>();
    if (databaseCredentials) {
      this.databasePassword = this.databasePasswordFor("database_password");
      this.databasePasswordValue = this.databasePassword.result;
      this.databaseConnectionSecret = this.secret("database_connection", "database", "PostgreSQL master connection: username, password, host, port, dbname");
      // The policy guard's WHC.SEC3 finds the master secret by this tag: only the role bootstrap may read it.
      this.databaseConnectionSecret.tags = { [MASTER_SECRET_TAG.key]: MASTER_SECRET_TAG.value };
      this.databaseConnection = { arn: this.databaseConnectionSecret.arn };
      for (const role of databaseRoles) {
        const name = `database-${role}`;
        const secret = this.secret(`database_${role}`, name, `PostgreSQL connection of the ${role} role: username, password, host, port, dbname (and url)`);
        this.roleSecrets.set(role, { secret, password: this.databasePasswordFor(`database_${role}_password`) });
        roles.set(role, { connection: { arn: secret.arn }, username: `${databaseName}_${role}`, version: this.versionOf(name) });
      }
    }
    this.databaseRoles = roles;
  }

  // ── secrets by name ──
  /**
   * A secret whose value Terraform generates: 64 letters and digits (safe in any shell, env file or URL), as
   * `mix phx.gen.secret` makes. Its construct id is the name in snake_case: `secret-key-base` gives
   * `aws_secretsmanager_secret.<this id>_secret_key_base`. Asking twice for one name returns the same secret.
   *
   * @param name the name part: the secret is `/<app>/<environment>/<name>`
   * @param description what the secret is for
   */
  public generated(name: string, description: string): ServiceSecret {
    return this.once(name, "generated", (id) => {
      const value = new EphemeralPassword(this, `${id}_password`, { length: 64, excludePunctuation: true });
      const secret = this.secret(id, name, description);
      new SecretsmanagerSecretVersion(this, `${id}_value`, { secretId: secret.id, secretStringWo: value.result, secretStringWoVersion: this.versionOf(name) });
      return { arn: secret.arn };
    });
  }

  /** The write-only version of a secret's generated value (see {@link AppSecretsProps.versions}). */
  public versionOf(name: string): number {
    return this.versions[name] ?? 1;
  }

  /**
   * A secret Terraform creates empty; the operator puts the value in out of band, so it never enters the Terraform
   * state: `aws secretsmanager put-secret-value --secret-id /<app>/<environment>/<name> --secret-string ...`.
   * Asking twice for one name returns the same secret.
   *
   * @param name the name part: the secret is `/<app>/<environment>/<name>`
   * @param description what the secret is for, and what value the operator must put in
   */
  public managed(name: string, description: string): ServiceSecret {
    return this.once(name, "managed", (id) => ({ arn: this.secret(id, name, description).arn }));
  }

  /** The full name of a secret of this environment: `/<app>/<environment>/<name>`. */
  public secretName(name: string): string {
    return this.naming.path(name);
  }

  // ── database connection ──
  /**
   * Writes the connection secret's value from the database's endpoint and the generated password. Calling it again
   * for the same database does nothing.
   *
   * @param database the database's endpoint, and its construct path (one connection secret describes one database)
   * @param url formats the `url` key (for example an Ecto URL for `DATABASE_URL`); its `password` must only ever go into
   *   the returned string
   * @returns the secret versions (master, then each role's), only to depend on (tasks read them at start)
   */
  public storeDatabaseConnection(
    database: { readonly address: string; readonly port: number; readonly path: string },
    url?: (parts: DatabaseConnectionParts) => string,
  ): ITerraformDependable[] {
    if (this.databasePassword === undefined || this.databaseConnectionSecret === undefined) {
      throw new Error("AppSecrets: storeDatabaseConnection needs databaseCredentials (it is false).");
    }
    if (this.connectionOf === database.path && this.connectionValues !== undefined) return this.connectionValues;
    if (this.connectionOf !== undefined) {
      throw new Error(`AppSecrets: the connection secret already describes ${this.connectionOf}; it cannot also describe ${database.path}.`);
    }
    this.connectionOf = database.path;
    const write = (id: string, secret: SecretsmanagerSecret, username: string, password: EphemeralPassword, version: number, withUrl: boolean) => {
      const parts: DatabaseConnectionParts = { username, password: password.result, host: database.address, port: Token.asString(database.port), dbname: this.databaseName };
      return new SecretsmanagerSecretVersion(this, id, {
        secretId: secret.id,
        // Write-only: the value (with the password) reaches Secrets Manager and never the state. Terraform's jsonencode
        // escapes the values. The database's endpoint is stable for its identifier, so a new version is only needed
        // when the password changes (its version).
        secretStringWo: Fn.jsonencode({
          username,
          password: password.result,
          host: database.address,
          port: database.port,
          dbname: this.databaseName,
          ...(withUrl && url !== undefined ? { url: url(parts) } : {}),
        }),
        secretStringWoVersion: version,
      });
    };
    this.connectionValues = [
      // The master connection: only the role bootstrap reads it when there are roles, so it needs no URL then.
      write("database_connection_value", this.databaseConnectionSecret, this.databaseUsername, this.databasePassword, this.databasePasswordVersion, this.roleSecrets.size === 0),
      ...[...this.roleSecrets].map(([role, { secret, password }]) => {
        const login = this.databaseRoles.get(role) as DatabaseRoleSecret;
        return write(`database_${role}_value`, secret, login.username, password, login.version, true);
      }),
    ];
    return this.connectionValues;
  }

  // ── helpers ──
  /** An ephemeral database password: URL-safe special characters, every character class. */
  private databasePasswordFor(id: string): EphemeralPassword {
    // ~190 bits; one character of each type satisfies any complexity rule.
    return new EphemeralPassword(this, id, { length: 32, excludeCharacters: EXCLUDED_DATABASE_PASSWORD_CHARACTERS, requireEachIncludedType: true });
  }

  private once(name: string, kind: string, create: (id: string) => ServiceSecret): ServiceSecret {
    const existing = this.byName.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) throw new Error(`AppSecrets: secret ${JSON.stringify(name)} is already ${existing.kind}; it cannot also be ${kind}.`);
      return existing.secret;
    }
    if (!SECRET_NAME.test(name) || name === "database") {
      throw new Error(`AppSecrets: secret name got ${JSON.stringify(name)}; allowed: lower-case letters, digits and single hyphens, starting with a letter, not "database" (the connection secret)`);
    }
    // A secret's construct ids come from its name; another secret (or this construct's own key and database secrets)
    // may already hold one of them: `database-password`, or `api-password` beside a generated `api`.
    const id = name.replace(/-/g, "_");
    const taken = [id, `${id}_password`, `${id}_value`].filter((candidate) => this.node.tryFindChild(candidate) !== undefined);
    if (taken.length > 0) {
      throw new Error(`AppSecrets: secret name got ${JSON.stringify(name)}, whose resources would be named ${taken.join(", ")} like another secret's; allowed: a name that does not end in -password or -value and does not repeat another secret's`);
    }
    const secret = create(id);
    this.byName.set(name, { kind, secret });
    return secret;
  }

  private secret(id: string, name: string, description: string): SecretsmanagerSecret {
    return new SecretsmanagerSecret(this, id, {
      name: this.naming.path(name),
      description,
      kmsKeyId: this.kmsKeyId,
      recoveryWindowInDays: this.recoveryWindowDays,
      lifecycle: this.protect,
    });
  }
}
