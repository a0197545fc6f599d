import { Construct } from "constructs";
import { Fn, ITerraformDependable, TerraformStack, Token } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { partitionOf } from "../domain/partition";
import { Naming } from "../core/naming";
import { readableLogicalId } from "../core/logical-id";
import type { Rds } from "./rds";
import { requireInteger } from "./validation";
import { tierDefaults } from "../domain/tier-defaults";

/** Master user names RDS reserves or that every attacker tries first. */
const RESERVED_USERNAMES = ["postgres", "admin", "rdsadmin", "rdsrepladmin", "root"];
/** Database names that exist in every RDS PostgreSQL instance. */
const RESERVED_DATABASE_NAMES = ["postgres", "rdsadmin", "template0", "template1"];

/**
 * The characters the database password may use besides letters and digits. They are URL "unreserved" characters
 * (RFC 3986), so the password goes into `DATABASE_URL` without percent-encoding, and none of them is one RDS
 * rejects (`/`, `@`, `"`, `'`, space).
 */
export const DATABASE_PASSWORD_SPECIAL_CHARACTERS = "-_~";

/** How the task gets the credentials to pull a private image from ghcr.io. */
export type RegistryCredentials =
  /**
   * Terraform creates an empty secret; the operator puts the value in out of band, so the token never enters the
   * Terraform state:
   *
   * `aws secretsmanager put-secret-value --secret-id <registryCredentialsName> --secret-string '{"username":"<gh user>","password":"<PAT with read:packages>"}'`
   */
  | { readonly mode: "managed" }
  /** A secret that already exists (same region), holding `{"username": ..., "password": ...}`. */
  | { readonly mode: "existing"; readonly secretArn: string };

/** Properties of {@link AppSecrets}. */
export interface AppSecretsProps {
  /** Names the secrets, the KMS alias and the IAM policy. */
  readonly naming: Naming;
  /**
   * Production: a 30-day recovery window by default, and `prevent_destroy` on the secrets and the KMS key.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable, 7 to 30.
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
   * Credentials for pulling a private image from ghcr.io.
   * @default none: the image is public
   */
  readonly registryCredentials?: RegistryCredentials;
}

/**
 * The application's secrets in Secrets Manager: `SECRET_KEY_BASE`, the database connection (with `DATABASE_URL` as
 * its `url` key) and, optionally, the GHCR pull credentials.
 *
 * **Why a Terraform-generated password and not the RDS-managed master password** (`manage_master_user_password`):
 * RDS rotates a managed password every 7 days. ECS tasks read secrets only when they start, so running tasks keep
 * the old password and fail on their next new connection after a rotation: an outage every week until they are
 * replaced. Here the password changes only when an operator decides to.
 *
 * **Rotating on purpose** (the addresses assume this construct's id is `secrets`; cdktf cannot pass `-replace`):
 * 1. `npx cdktf synth`, then in `cdktf.out/stacks/<stack>`:
 *    `terraform init && terraform apply -replace=random_password.secrets_database_password`.
 *    Terraform writes the new password to the DB instance (RDS applies a password change at once, whatever
 *    `apply_immediately` says) and a new version of the connection secret.
 * 2. Start new tasks: `aws ecs update-service --cluster <cluster> --service <service> --force-new-deployment`.
 *    New tasks read the new secret; established connections of old tasks keep working, new ones fail, so do this
 *    right after step 1. The task definition does not change (it refers to the secret ARN), so a plain deploy would
 *    not start new tasks.
 * `random_password.secrets_secret_key_base_password` rotates the same way; it invalidates sessions and signed tokens.
 * The passwords are deliberately not `prevent_destroy`, so `-replace` stays possible.
 *
 * The random provider must be declared in the stack (`new RandomProvider(stack, "random")`).
 */
export class AppSecrets extends Construct {
  /** ARN of the `SECRET_KEY_BASE` secret (a plain string). */
  public readonly secretKeyBaseArn: string;
  /**
   * ARN of the database connection secret, JSON with `username`, `password`, `host`, `port`, `dbname` and `url`
   * (`ecto://user:pass@host:port/dbname?ssl=true`). Its value is written by {@link AppSecrets.storeDatabaseConnection}.
   */
  public readonly databaseConnectionArn: string;
  /** ECS `valueFrom` for `DATABASE_URL`: the `url` key of the connection secret. */
  public readonly databaseUrlValueFrom: string;
  /**
   * The generated database password (a Terraform token), only for the DB instance's `password` argument.
   * Never put it in an output, a log, an environment variable or a tag: it is a secret in plain text.
   */
  public readonly databasePasswordValue: string;
  /** The RDS master user name. */
  public readonly databaseUsername: string;
  /** The application database name. */
  public readonly databaseName: string;
  /** ARN of the GHCR pull credentials secret (`repositoryCredentials.credentialsParameter`), when configured. */
  public readonly registryCredentialsArn?: string;
  /**
   * Name of the Terraform-created, operator-filled GHCR pull credentials secret (`registryCredentials.mode` "managed"),
   * for the `aws secretsmanager put-secret-value --secret-id` command.
   */
  public readonly registryCredentialsName?: string;
  /** ARN of the customer-managed KMS key, when `customerManagedKey` is true. */
  public readonly kmsKeyArn?: string;
  /** Every secret ARN the application's tasks read (the scope of {@link AppSecrets.grantRead}). */
  public readonly secretArns: string[];

  private readonly naming: Naming;
  private readonly region?: string;
  private readonly databasePassword: Password;
  private readonly databaseConnection: SecretsmanagerSecret;
  private connectionOf?: Rds;
  private connectionValue?: ITerraformDependable;

  public constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);
    const production = props.production ?? false;
    const recoveryWindowDays = props.recoveryWindowDays ?? tierDefaults(production).secretRecoveryWindowDays;
    const customerManagedKey = props.customerManagedKey ?? false;
    const databaseUsername = props.databaseUsername ?? "whcsites_admin";
    const databaseName = props.databaseName ?? "whcsites";

    requireInteger("AppSecrets", "recoveryWindowDays", recoveryWindowDays, 7, 30);
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(databaseUsername) || RESERVED_USERNAMES.includes(databaseUsername)) {
      throw new Error(
        `AppSecrets: databaseUsername must be 1-63 lower-case letters, digits or "_", starting with a letter, and not ${RESERVED_USERNAMES.join(", ")}; got ${JSON.stringify(databaseUsername)}.`,
      );
    }
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(databaseName) || RESERVED_DATABASE_NAMES.includes(databaseName)) {
      throw new Error(
        `AppSecrets: databaseName must be 1-63 lower-case letters, digits or "_", starting with a letter, and not ${RESERVED_DATABASE_NAMES.join(", ")}; got ${JSON.stringify(databaseName)}.`,
      );
    }
    if (customerManagedKey) {
      if (props.accountId === undefined || (!Token.isUnresolved(props.accountId) && !/^\d{12}$/.test(props.accountId))) {
        throw new Error(`AppSecrets: accountId must be a 12-digit AWS account id when customerManagedKey is true; got ${JSON.stringify(props.accountId)}.`);
      }
      if (props.region === undefined || (!Token.isUnresolved(props.region) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region))) {
        throw new Error(`AppSecrets: region must be an AWS region such as "eu-west-1" when customerManagedKey is true; got ${JSON.stringify(props.region)}.`);
      }
    }
    const registry = props.registryCredentials;
    if (registry !== undefined && registry.mode !== "managed" && registry.mode !== "existing") {
      throw new Error(`AppSecrets: registryCredentials.mode must be "managed" or "existing"; got ${JSON.stringify((registry as { mode: unknown }).mode)}.`);
    }
    if (
      registry?.mode === "existing" &&
      !Token.isUnresolved(registry.secretArn) &&
      !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/.test(registry.secretArn)
    ) {
      throw new Error(
        `AppSecrets: registryCredentials.secretArn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); got ${JSON.stringify(registry.secretArn)}.`,
      );
    }

    this.naming = props.naming;
    this.region = props.region;
    this.databaseUsername = databaseUsername;
    this.databaseName = databaseName;
    // Stateful and hard to recreate under the same name (deleted secrets keep their name for the recovery window).
    const protect = production ? { preventDestroy: true } : undefined;

    let kmsKeyId: string | undefined;
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
              // Without it the key becomes unmanageable; it also lets IAM policies (grantRead) grant use of the key.
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
        lifecycle: protect,
      });
      new KmsAlias(this, "key_alias", { name: `alias/${props.naming.name("secrets", 250)}`, targetKeyId: key.keyId });
      kmsKeyId = key.arn;
      this.kmsKeyArn = key.arn;
    }

    const secret = (secretId: string, name: string, description: string): SecretsmanagerSecret =>
      new SecretsmanagerSecret(this, secretId, {
        name: props.naming.path(name),
        description,
        kmsKeyId,
        recoveryWindowInDays: recoveryWindowDays,
        lifecycle: protect,
      });

    // Letters and digits only: safe in any shell, env file or URL. 64 characters, as `mix phx.gen.secret` makes.
    const secretKeyBase = new Password(this, "secret_key_base_password", { length: 64, special: false });
    const secretKeyBaseSecret = secret("secret_key_base", "secret-key-base", "Phoenix SECRET_KEY_BASE");
    new SecretsmanagerSecretVersion(this, "secret_key_base_value", {
      secretId: secretKeyBaseSecret.id,
      secretString: secretKeyBase.result,
    });
    this.secretKeyBaseArn = secretKeyBaseSecret.arn;

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
    this.databaseConnection = secret("database_connection", "database", "PostgreSQL connection: username, password, host, port, dbname and url (DATABASE_URL)");
    this.databaseConnectionArn = this.databaseConnection.arn;
    this.databaseUrlValueFrom = `${this.databaseConnection.arn}:url::`;

    if (registry?.mode === "managed") {
      // No secret version on purpose: the operator writes the token, so it never enters the Terraform state.
      const name = "registry-credentials";
      this.registryCredentialsArn = secret("registry_credentials", name, "ghcr.io pull credentials {username, password}; value set by the operator").arn;
      this.registryCredentialsName = props.naming.path(name);
    } else if (registry?.mode === "existing") {
      this.registryCredentialsArn = registry.secretArn;
    }

    this.secretArns = [this.secretKeyBaseArn, this.databaseConnectionArn];
    if (this.registryCredentialsArn !== undefined) this.secretArns.push(this.registryCredentialsArn);
  }

  /**
   * Writes the connection secret's value from the database's endpoint and the generated password.
   * {@link Rds} calls this itself; calling it again with the same database does nothing.
   *
   * @returns the secret version, only to depend on (tasks read it at start); typed so that the value cannot be read
   */
  public storeDatabaseConnection(database: Rds): ITerraformDependable {
    if (this.connectionOf === database && this.connectionValue !== undefined) return this.connectionValue;
    if (this.connectionOf !== undefined) {
      throw new Error(`AppSecrets: the connection secret already describes ${this.connectionOf.node.path}; it cannot also describe ${database.node.path}.`);
    }
    this.connectionOf = database;
    const port = Token.asString(database.port);
    const password = this.databasePassword.result;
    this.connectionValue = new SecretsmanagerSecretVersion(this, "database_connection_value", {
      secretId: this.databaseConnection.id,
      // Terraform's jsonencode escapes the values; the password's characters need no escaping in the URL.
      secretString: Fn.jsonencode({
        username: this.databaseUsername,
        password,
        host: database.address,
        port: database.port,
        dbname: this.databaseName,
        url: `ecto://${this.databaseUsername}:${password}@${database.address}:${port}/${this.databaseName}?ssl=true`,
      }),
    });
    return this.connectionValue;
  }

  /**
   * Lets `role` (the ECS task execution role, which resolves `secrets` and `repositoryCredentials` when a task
   * starts) read exactly {@link AppSecrets.secretArns}, and decrypt them with the customer-managed key if there is
   * one. An existing registry secret encrypted with another customer-managed key needs that key granted separately.
   *
   * @returns the inline role policy, so that resources that need the grant in place (an ECS service) can depend on it
   */
  public grantRead(role: IamRole): IamRolePolicy {
    const stack = TerraformStack.of(role);
    const below = role.node.scopes.slice(role.node.scopes.indexOf(stack) + 1).map((c) => c.node.id);
    const statements: object[] = [
      { Sid: "ReadAppSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...this.secretArns] },
    ];
    if (this.kmsKeyArn !== undefined) {
      statements.push({
        Sid: "DecryptAppSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [this.kmsKeyArn],
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${this.region}.amazonaws.com` } },
      });
    }
    return new IamRolePolicy(this, `read_${readableLogicalId(below)}`, {
      name: this.naming.name("read-secrets", 128),
      role: role.name,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
  }
}
