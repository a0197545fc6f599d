import { Construct } from "constructs";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { Naming } from "../core/naming";
import { partitionOf } from "../domain/partition";
import { tierDefaults } from "../domain/tier-defaults";
import type { ServiceSecret } from "./fargate-service";
import { PropChecks } from "./validation";

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

/** The parts of a database connection, as Terraform expressions, for a connection URL. */
export interface DatabaseConnectionParts {
  readonly username: string;
  /** The password: a secret. Only ever goes into the connection secret. */
  readonly password: string;
  readonly host: string;
  readonly port: string;
  readonly dbname: string;
}

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
}

/**
 * The secrets of an environment in Secrets Manager, optionally under a customer-managed KMS key: generated values
 * ({@link AppSecrets.generated}), secrets the operator fills ({@link AppSecrets.managed}) and the database
 * connection. Each comes back as a {@link ServiceSecret} that a service names in its `secrets`: a service's execution
 * role then reads exactly the secrets it names.
 *
 * **Why a Terraform-generated database password and not the RDS-managed master password**
 * (`manage_master_user_password`): RDS rotates a managed password every 7 days. ECS tasks read secrets only when they
 * start, so running tasks keep the old password and fail on their next new connection after a rotation: an outage
 * every week until they are replaced. Here the password changes only when an operator decides to.
 *
 * **Rotating on purpose** (the addresses assume this construct's id is `secrets`; cdktf cannot pass `-replace`):
 * 1. `npx cdktf synth`, then in `cdktf.out/stacks/<stack>`:
 *    `terraform init && terraform apply -replace=random_password.secrets_database_password`.
 *    Terraform writes the new password to the DB instance (RDS applies a password change at once, whatever
 *    `apply_immediately` says) and a new version of the connection secret.
 * 2. Start new tasks of every service that uses the database: `aws ecs update-service --cluster <cluster> --service
 *    <service> --force-new-deployment`. New tasks read the new secret; established connections of old tasks keep
 *    working, new ones fail, so do this right after step 1.
 * A generated secret (`random_password.secrets_<id>_password`) rotates the same way. The passwords are deliberately
 * not `prevent_destroy`, so `-replace` stays possible.
 *
 * The random provider must be declared in the stack (`new RandomProvider(stack, "random")`).
 */
export class AppSecrets extends Construct {
  /**
   * The database connection secret, JSON with `username`, `password`, `host`, `port`, `dbname` (and `url` when
   * {@link AppSecrets.storeDatabaseConnection} is given a URL format); undefined without `databaseCredentials`.
   */
  public readonly databaseConnection?: ServiceSecret;
  /**
   * The generated database master password (a Terraform token), only for the DB instance's `password` argument.
   * Never put it in an output, a log, an environment variable or a tag: it is a secret in plain text.
   */
  public readonly databasePasswordValue?: string;
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
  private readonly databasePassword?: Password;
  private readonly databaseConnectionSecret?: SecretsmanagerSecret;
  private readonly byName = new Map<string, { readonly kind: string; readonly secret: ServiceSecret }>();
  private connectionOf?: string;
  private connectionValue?: ITerraformDependable;

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
    if (customerManagedKey) {
      checks.expect(props.accountId !== undefined && (Token.isUnresolved(props.accountId) || /^\d{12}$/.test(props.accountId)), "accountId", props.accountId,
        "a 12-digit AWS account id when customerManagedKey is true");
      checks.expect(props.region !== undefined && (Token.isUnresolved(props.region) || /^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region)), "region", props.region,
        'an AWS region such as "eu-west-1" when customerManagedKey is true');
    }
    checks.throwIfAny();

    this.naming = props.naming;
    this.recoveryWindowDays = recoveryWindowDays;
    this.databaseUsername = databaseUsername;
    this.databaseName = databaseName;
    // Stateful and hard to recreate under the same name (deleted secrets keep their name for the recovery window).
    this.protect = production ? { preventDestroy: true } : undefined;

    // ── encryption: the customer-managed key ──
    if (customerManagedKey) {
      const rootArn = `arn:${partitionOf(props.region ?? "")}:iam::${props.accountId}:root`; // region checked above
      const key = new KmsKey(this, "key", {
        description: `Secrets Manager secrets of ${props.naming.prefix}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              // Without it the key becomes unmanageable; it also lets IAM policies (a service's execution role) grant use of the key.
              Sid: "AccountAdministersKey",
              Effect: "Allow",
              Principal: { AWS: rootArn },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "UseThroughSecretsManagerOnly",
              Effect: "Allow",
              Principal: { AWS: rootArn },
              Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
              Resource: "*",
              Condition: {
                StringEquals: {
                  "kms:ViaService": `secretsmanager.${props.region}.amazonaws.com`,
                  "kms:CallerAccount": props.accountId,
                },
              },
            },
          ],
        }),
        lifecycle: this.protect,
      });
      new KmsAlias(this, "key_alias", { name: `alias/${props.naming.name("secrets", 250)}`, targetKeyId: key.keyId });
      this.kmsKeyId = key.arn;
      this.kmsKeyArn = key.arn;
    }

    // ── database credentials ──
    if (databaseCredentials) {
      // ~190 bits; the minimums satisfy any complexity rule.
      this.databasePassword = new Password(this, "database_password", {
        length: 32,
        special: true,
        overrideSpecial: DATABASE_PASSWORD_SPECIAL_CHARACTERS,
        minLower: 1,
        minUpper: 1,
        minNumeric: 1,
        minSpecial: 1,
      });
      this.databasePasswordValue = this.databasePassword.result;
      this.databaseConnectionSecret = this.secret("database_connection", "database", "PostgreSQL connection: username, password, host, port, dbname (and url)");
      this.databaseConnection = { arn: this.databaseConnectionSecret.arn };
    }
  }

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
      const value = new Password(this, `${id}_password`, { length: 64, special: false });
      const secret = this.secret(id, name, description);
      new SecretsmanagerSecretVersion(this, `${id}_value`, { secretId: secret.id, secretString: value.result });
      return { arn: secret.arn };
    });
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

  /**
   * Writes the connection secret's value from the database's endpoint and the generated password. Calling it again
   * for the same database does nothing.
   *
   * @param database the database's endpoint, and its construct path (one connection secret describes one database)
   * @param url formats the `url` key (for example an Ecto URL for `DATABASE_URL`); its `password` must only ever go into
   *   the returned string
   * @returns the secret version, only to depend on (tasks read it at start); typed so that the value cannot be read
   */
  public storeDatabaseConnection(
    database: { readonly address: string; readonly port: number; readonly path: string },
    url?: (parts: DatabaseConnectionParts) => string,
  ): ITerraformDependable {
    if (this.databasePassword === undefined || this.databaseConnectionSecret === undefined) {
      throw new Error("AppSecrets: storeDatabaseConnection needs databaseCredentials (it is false).");
    }
    if (this.connectionOf === database.path && this.connectionValue !== undefined) return this.connectionValue;
    if (this.connectionOf !== undefined) {
      throw new Error(`AppSecrets: the connection secret already describes ${this.connectionOf}; it cannot also describe ${database.path}.`);
    }
    this.connectionOf = database.path;
    const parts: DatabaseConnectionParts = {
      username: this.databaseUsername,
      password: this.databasePassword.result,
      host: database.address,
      port: Token.asString(database.port),
      dbname: this.databaseName,
    };
    this.connectionValue = new SecretsmanagerSecretVersion(this, "database_connection_value", {
      secretId: this.databaseConnectionSecret.id,
      // Terraform's jsonencode escapes the values.
      secretString: Fn.jsonencode({
        username: parts.username,
        password: parts.password,
        host: database.address,
        port: database.port,
        dbname: parts.dbname,
        ...(url === undefined ? {} : { url: url(parts) }),
      }),
    });
    return this.connectionValue;
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
