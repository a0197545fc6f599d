import * as fs from "fs";
import * as path from "path";
import {
  DAILY_BACKUP_RPO_HOURS,
  DEFAULT_DAILY_RETENTION_DAYS,
  DEFAULT_LOCK_MIN_RETENTION_DAYS,
  DEFAULT_MONTHLY_RETENTION_DAYS,
  DEFAULT_RESTORE_VALIDATION_HOURS,
  MIN_CHANGEABLE_FOR_DAYS,
  REPLICATED_LOGS_RPO_HOURS,
} from "../domain/backup";
import { RouteConditions, shadowedPatterns, takesEveryRequest } from "../domain/alb-routes";
import { ipv4CidrsOverlap } from "../domain/cidr";
import type { NatGatewayMode } from "../domain/nat-gateways";
import { DEFAULT_POSTGRES_ENGINE_VERSION } from "../domain/postgres";
import { AlarmOverrides, tierDefaults, WebAclMode } from "../domain/tier-defaults";
import { partitionOf } from "../domain/partition";
import { ConfigError, ConfigProblem } from "./errors";
import { FileNewness } from "./file-newness";
import { PatternWords, readJsonFile, schemaProblems } from "./json-file";
import { compileSchemaFile, SchemaValidator } from "./schema-validator";
import { tokenMarkerProblems } from "./token-markers";
import { APP_NAME } from "../core/app-name";

export { ConfigError } from "./errors";
export type { ConfigProblem } from "./errors";

/** Production gets the safe, highly available defaults; non-production the cheap ones. */
export type Tier = "production" | "non-production";

/** Pull credentials of a private image: an empty secret Terraform creates for the operator to fill, or an existing one. */
export type RegistryCredentials = { readonly mode: "managed" } | { readonly mode: "existing"; readonly secretArn: string };

/** How a service's container is run: an Elixir/Phoenix release, or any image with only its own variables. */
export type ServiceProfile = "phoenix" | "container";

/** Which requests reach a service: the load balancer's default route, or a rule by hosts and/or paths. */
export type ServiceRoute = "default" | { readonly hosts?: readonly string[]; readonly paths?: readonly string[]; readonly priority: number };

/** The name of the secret every environment has: Terraform generates it, and Phoenix services read it as SECRET_KEY_BASE. */
export const SECRET_KEY_BASE_SECRET = "secret-key-base";

/**
 * The name of the service the Phoenix API runs as. Its AWS names keep the `service` part they had when an
 * environment ran one service (`whcsites-<env>-service`), so that no deployed resource is replaced.
 */
export const API_SERVICE = "api";

/**
 * Secret names the environment's own secrets use (the database credentials, the key, the registry credentials), and
 * the suffixes a generated secret's own resources take (`<name>-password`, `<name>-value`).
 */
const RESERVED_SECRET_NAMES = /^(database(-.*)?|key|key-alias|registry-credentials|.*-password|.*-value)$/;

/** Names the app uses besides the environments': an environment file may not take them. */
const RESERVED_ENVIRONMENT_NAMES = new Map([
  ["state", "the stack whcsites-state, the state bootstrap stack"],
  ["tfstate", "the state's bucket, lock table and roles whcsites-tfstate-*"],
  ["github", "a GitHub stack's name"],
]);

/** The secrets of the database's passwords: the master user's, and the app and migrator roles'. */
export const DATABASE_SECRET_NAMES: readonly string[] = ["database", "database-app", "database-migrator"];

/** An image reference split into its parts: `<repository>[:<tag>][@<digest>]`. */
export interface ImageParts {
  /** Registry and path, for example `ghcr.io/whc-example/whcsites`. */
  readonly repository: string;
  /** The tag, a label for people when a digest is there too. */
  readonly tag?: string;
  /** `sha256:<64 hex digits>`: when present, what runs. */
  readonly digest?: string;
}

/** The `release` block of an environment file (see its descriptions in `environments/schema.json`). */
export interface ReleaseRecord {
  /** The newest database migration version the release image contains, as digits. */
  readonly schemaVersion?: string;
  /** Why the release may run on a database a newer release migrated (a rollback). */
  readonly acceptNewerSchema?: string;
}

/** Splits `<repository>[:<tag>][@sha256:<digest>]` (the schema's pattern: a repository has no `:`). */
export function imageParts(reference: string): ImageParts {
  const at = reference.indexOf("@");
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const colon = named.lastIndexOf(":");
  return colon > named.lastIndexOf("/") ? { repository: named.slice(0, colon), tag: named.slice(colon + 1), digest } : { repository: named, digest };
}

/**
 * What a task definition names for an image: `<repository>@<digest>` when it has a digest (the form ECS documents; the
 * tag is then only a label, kept in the file), else `<repository>:<tag>`.
 */
export function runnableImage(image: ImageParts | string): string {
  const parts = typeof image === "string" ? imageParts(image) : image;
  return parts.digest !== undefined ? `${parts.repository}@${parts.digest}` : `${parts.repository}:${parts.tag ?? "latest"}`;
}

/** The file's form of an image: `<repository>:<tag>@<digest>`, with whichever parts it has. */
export function imageReference(image: ImageParts): string {
  return `${image.repository}${image.tag === undefined ? "" : `:${image.tag}`}${image.digest === undefined ? "" : `@${image.digest}`}`;
}

/** One service of an environment file, validated; unset optional settings are left to the constructs' defaults. */
export interface ServiceConfig {
  /** The service's name (the key in `services`). */
  readonly name: string;
  /** The part of its AWS names: the name, except `service` for the api (see {@link API_SERVICE}). */
  readonly awsName: string;
  /** How the container is run. */
  readonly profile: ServiceProfile;
  /** Its own image reference as the file gives it (`<repository>:<tag>@<digest>`); undefined: the release image. */
  readonly image?: string;
  /** The container's command, when it replaces the image's. */
  readonly command?: readonly string[];
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly desiredCount: number;
  readonly minCount?: number;
  readonly maxCount?: number;
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  readonly fargateSpot?: boolean;
  readonly enableExecuteCommand?: boolean;
  readonly port?: number;
  /** Which requests reach it; undefined: none (a worker). */
  readonly route?: ServiceRoute;
  readonly healthCheckPath?: string;
  /** Plain variables from the file. */
  readonly environment: Readonly<Record<string, string>>;
  /** Secret variables from the file: variable name to secret name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Whether it gets the database (security group rule and connection secret). */
  readonly database: boolean;
  readonly poolSize?: number;
  readonly logRetentionDays?: number;
  readonly healthCheckGracePeriodSeconds?: number;
  readonly targetCpuPercent?: number;
  readonly targetRequestsPerTarget?: number;
  readonly registryCredentials?: RegistryCredentials;
  /** The name and port other services reach it by (ECS Service Connect): an internal service. */
  readonly expose?: { readonly name: string; readonly port: number };
  /** The `expose` names of the internal services it calls. */
  readonly calls: readonly string[];
}

/** One scheduled job of an environment file, validated; unset optional settings are left to the constructs' defaults. */
export interface JobConfig {
  /** The job's name (the key in `jobs`), also the part of its AWS names. */
  readonly name: string;
  /** How the container is run. */
  readonly profile: ServiceProfile;
  /** Its own image reference, pinned in the file; undefined: the environment's release image. */
  readonly image?: string;
  /** The job's command. */
  readonly command: readonly string[];
  /** `cron(...)` or `rate(...)`, as EventBridge Scheduler takes it. */
  readonly schedule: string;
  /** The time zone of the schedule: UTC unless the file says otherwise. */
  readonly timezone: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  readonly timeoutMinutes?: number;
  readonly retries?: number;
  readonly paused?: boolean;
  /** Plain variables from the file. */
  readonly environment: Readonly<Record<string, string>>;
  /** Secret variables from the file: variable name to secret name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Whether it gets the database (security group rule and connection secret). */
  readonly database: boolean;
  readonly poolSize?: number;
  readonly logRetentionDays?: number;
  readonly registryCredentials?: RegistryCredentials;
}

/**
 * An environment file after validation, with the tier defaults of the shared parts filled in. Nested fields mean what
 * the same keys mean in `environments/schema.json` (their descriptions are there, once).
 */
export interface EnvironmentConfig {
  /** Environment name, from the file name (`staging` for `environments/staging.json`). */
  readonly name: string;
  /** Path of the file it was read from, for messages. */
  readonly file: string;
  /** `production` or `non-production`: decides the defaults. */
  readonly tier: Tier;
  /** `tier === "production"`. */
  readonly production: boolean;
  /**
   * The environment's data may be lost: its database has no deletion protection, no final snapshot and no backups
   * kept after deletion, and the tier guard does not stop a destroy. Never in production. Default: false.
   */
  readonly disposable: boolean;
  /** An acknowledged change of tier (see `TierGuard`): the tier the deployed environment has, and why it changes. */
  readonly tierChange?: { readonly from: Tier; readonly reason: string };
  /** The only AWS account the provider accepts (`allowed_account_ids`). */
  readonly accountId: string;
  /** AWS region of every resource. */
  readonly region: string;
  /** Availability zones, from the file (never looked up), at least 2. */
  readonly availabilityZones: readonly string[];
  /**
   * The release image as the file pins it: the repository, the tag (for people) and the digest (what runs). At least
   * one of tag and digest; production always has a digest. {@link runnableImage} gives what the tasks run.
   */
  readonly image: ImageParts;
  /** What the release workflow recorded about the release, for the deploy gate's schema check. */
  readonly release: ReleaseRecord;
  /** Public name, Route53 zone and optional own certificate; absent outside production means plain HTTP. */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string; readonly certificateArn?: string };
  /** VPC layout: see `Network`. */
  readonly network: {
    readonly vpcCidr: string;
    readonly natGateways: NatGatewayMode;
    readonly flowLogs: boolean;
    readonly flowLogRetentionDays: number;
    readonly vpcEndpoints: boolean;
  };
  /** The shared load balancer and its target groups' defaults: see `Alb` and `FargateService`. */
  readonly loadBalancer: {
    readonly accessLogs: boolean;
    readonly accessLogRetentionDays: number;
    readonly idleTimeoutSeconds: number;
    readonly deregistrationDelaySeconds: number;
    /** Without a domain: the acknowledgement that the services' listener rules forward plain HTTP (ELB.1). */
    readonly plainHttpRoutes?: { readonly reason: string };
    readonly healthCheck: {
      readonly intervalSeconds: number;
      readonly timeoutSeconds: number;
      readonly healthyThreshold: number;
      readonly unhealthyThreshold: number;
    };
  };
  /** The services, in file order. */
  readonly services: readonly ServiceConfig[];
  /** The scheduled jobs, in file order. */
  readonly jobs: readonly JobConfig[];
  /** PostgreSQL size, backups and protections: see `Rds`. Undefined: the environment has no database. */
  readonly database?: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB?: number;
    readonly backupRetentionDays: number;
    readonly multiAz: boolean;
    readonly deletionProtection: boolean;
    /** On unless the environment is disposable. */
    readonly finalSnapshot: boolean;
    /** On unless the environment is disposable. */
    readonly retainAutomatedBackups: boolean;
    readonly performanceInsights: boolean;
    readonly monitoringIntervalSeconds: number;
    readonly logRetentionDays: number;
  };
  /** Secrets Manager settings and the secrets services may name: see `AppSecrets`. */
  readonly secrets: {
    readonly recoveryWindowDays: number;
    readonly customerManagedKey: boolean;
    /** Names of secrets Terraform generates; always includes {@link SECRET_KEY_BASE_SECRET}. */
    readonly generated: readonly string[];
    /** Names of secrets Terraform creates empty for the operator. */
    readonly managed: readonly string[];
    /** Existing secrets: name to ARN. */
    readonly existing: Readonly<Record<string, string>>;
    /** The write-only version of each generated value, by secret name; raising one rotates it. Unlisted: 1. */
    readonly versions: Readonly<Record<string, number>>;
  };
  /**
   * Deploys from GitHub Actions through OIDC: the environment's GitHub stack (provider, plan and deploy roles); see
   * `GithubStack`. Undefined: no GitHub roles.
   */
  readonly delivery?: {
    /** `owner/name` of this repository. */
    readonly repository: string;
    /** The repository as GitHub's `sub` claim names it, when different. */
    readonly subjectRepository?: string;
    /** `"create"` or the ARN of the account's existing provider. */
    readonly oidcProvider: string;
  };
  /** Roles of operators whom the environment's state role trusts (besides the GitHub roles, with delivery). */
  readonly operatorRoleArns: readonly string[];
  // ── operations: alarms, their notifications and the dashboard ──
  /** Where the alarms notify and changes to the tier's alarm settings: see `AlertTopic` and the alarm constructs. */
  readonly alerts: {
    readonly notify: AlertDestination;
    /** Changes to the tier's thresholds, periods and evaluation counts, by part and alarm. */
    readonly thresholds: AlarmOverrides;
  };
  // ── edge protection: the web application firewall ──
  /** The web application firewall on the load balancer: see `WebAcl`. */
  readonly webAcl: {
    readonly enabled: boolean;
    readonly mode: WebAclMode;
    readonly rateLimit: number;
    readonly allowCidrs: readonly string[];
    /** Managed rule group name to rule name to action. */
    readonly ruleOverrides: Readonly<Record<string, Readonly<Record<string, WafRuleAction>>>>;
    readonly logRetentionDays: number;
  };
  // ── disaster recovery: the backup plan, its copy in a second region, restore tests ──
  /** Backups of the database in a locked vault, copied to a second region: see `BackupPlan`. Undefined: none. */
  readonly dr?: RecoveryConfig;
  /** The migration task and the deploy gate: see `MigrationTask` and `DeployGate`. Undefined: no migrations. */
  readonly migrations?: {
    /** The service that owns the schema: its image, secrets and network run the migration. */
    readonly service: string;
    readonly command: readonly string[];
    readonly runOnDeploy: boolean;
    readonly timeoutMinutes: number;
    /** Whether the container stops itself a little after `timeoutMinutes` too (see `MigrationTask.containerTimeLimit`). */
    readonly containerTimeLimit: boolean;
  };
}

/**
 * Where an environment's alarms notify: e-mail addresses subscribed to the environment's own topic, an existing SNS
 * topic, or nobody (outside production only, an acknowledged choice: the alarms still exist for the dashboard).
 */
export type AlertDestination =
  | { readonly kind: "emails"; readonly emails: readonly string[] }
  | { readonly kind: "topic"; readonly topicArn: string }
  | { readonly kind: "none" };

/** How the backup vaults are locked: see `BackupVault`'s `lock`. */
export type VaultLockMode = "governance" | "compliance";

/**
 * Disaster recovery of an environment's database, validated, with its defaults filled in. The fields mean what the
 * same keys under `dr` mean in `environments/schema.json`.
 */
export interface RecoveryConfig {
  /** The second region: the copies' vault, its key, and (with `pointInTimeReplication`) the replicated backups. */
  readonly region: string;
  /** Recovery point objective, in hours. */
  readonly rpoHours: number;
  /** Recovery time objective, in hours. */
  readonly rtoHours: number;
  readonly dailyRetentionDays: number;
  readonly monthlyRetentionDays: number;
  readonly pointInTimeReplication: boolean;
  readonly restoreTesting: boolean;
  readonly restoreValidationHours: number;
  readonly vaultLock: {
    readonly mode: VaultLockMode;
    readonly minRetentionDays: number;
    readonly maxRetentionDays?: number;
    /** Compliance mode only. */
    readonly changeableForDays?: number;
  };
}

/** What a per-rule override of a managed WAF rule makes it do. */
export type WafRuleAction = "count" | "block";

/** A warning about an environment file: it does not stop synthesis. */
export type ConfigWarning = ConfigProblem;

/** Options of {@link loadEnvironments}. */
export interface LoadOptions {
  /**
   * Receives each warning (for example two environments of one account with overlapping VPC CIDRs).
   *
   * @default warnings are dropped
   */
  readonly warn?: (warning: ConfigWarning) => void;
}

/** The JSON Schema every environment file is checked against (and references with `$schema` for editors). */
export const SCHEMA_PATH = path.join(__dirname, "..", "..", "environments", "schema.json");

let compiledSchema: SchemaValidator | undefined;
function schemaValidator(): SchemaValidator {
  compiledSchema ??= compileSchemaFile(SCHEMA_PATH);
  return compiledSchema;
}

/** What the schema's patterns look like, in words, by field name. */
const WORDS: PatternWords = {
  accountId: "a 12-digit AWS account id, as a string",
  availabilityZones: "an availability zone name such as eu-west-1a",
  image: "ghcr.io/<owner>/<name>:<tag>@sha256:<64 lower-case hex digits> (or a tag alone, or a digest alone), lower-case owner and name, for example ghcr.io/example-org/whcsites:1.4.2@sha256:<digest>",
  schemaVersion: "digits only, a migration version such as 20251104093000",
  name: "a lower-case DNS name such as api.example.org",
  hostedZoneId: "a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ",
  certificateArn: "an ACM certificate ARN",
  vpcCidr: "an IPv4 CIDR such as 10.20.0.0/16",
  engineVersion: "a PostgreSQL major version 13 to 17, optionally with a minor, such as 16 or 16.11",
  instanceClass: "an RDS instance class such as db.t4g.small",
  allocatedStorageGiB: "gigabytes, 20 to 65536",
  registryCredentials: '"managed" or a Secrets Manager secret ARN',
  region: "an AWS region code such as eu-west-1",
  route: '"default", or {"paths": ["/admin/*"], "priority": 100} (hosts and/or paths, and a priority)',
  hosts: "a host name such as admin.example.org (* and ? allowed)",
  paths: 'a path pattern starting with "/", such as /admin/*',
  healthCheckPath: 'a path starting with "/" such as /healthz',
  generated: "a secret name: lower-case letters, digits and single hyphens",
  managed: "a secret name: lower-case letters, digits and single hyphens",
  secrets: "a secret name of this environment (lower-case letters, digits and single hyphens)",
  existing: "a Secrets Manager secret ARN",
  "services.(name)": 'a service name: lower-case letters, digits and single hyphens, starting with a letter, at most 20 characters',
  "jobs.(name)": "a job name: lower-case letters, digits and single hyphens, starting with a letter",
  calls: "the expose.name of a service of this environment",
  "environment.(name)": "an environment variable name: upper-case letters, digits and _, not starting with a digit",
  "secrets.(name)": "an environment variable name: upper-case letters, digits and _, not starting with a digit",
  "existing.(name)": "a secret name: lower-case letters, digits and single hyphens",
  repository: "a GitHub repository as owner/name, such as whc-example/whcsites-infra",
  oidcProvider: '"create", or arn:aws:iam::<accountId>:oidc-provider/token.actions.githubusercontent.com',
  operatorRoleArns: "an IAM role ARN such as arn:aws:iam::123456789012:role/whcsites-operator",
  emails: "an e-mail address such as ops@example.org",
  topicArn: "an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:ops-alerts",
  allowCidrs: "an IPv4 CIDR such as 203.0.113.0/24",
};

/** Input shape of an environment file, as the schema describes it (optional settings may be missing). */
interface EnvironmentFile {
  tier: Tier;
  disposable?: boolean;
  tierChange?: { from: Tier; reason: string };
  accountId: string;
  region: string;
  availabilityZones: string[];
  image: string;
  release?: { schemaVersion?: string; acceptNewerSchema?: string };
  domain?: { name: string; hostedZoneId: string; certificateArn?: string };
  network: { vpcCidr: string; natGateways?: NatGatewayMode; flowLogs?: boolean; flowLogRetentionDays?: number; vpcEndpoints?: boolean };
  loadBalancer?: {
    accessLogs?: boolean;
    accessLogRetentionDays?: number;
    idleTimeoutSeconds?: number;
    deregistrationDelaySeconds?: number;
    plainHttpRoutes?: { reason: string };
    healthCheck?: { intervalSeconds?: number; timeoutSeconds?: number; healthyThreshold?: number; unhealthyThreshold?: number };
  };
  services: Record<string, ServiceFile>;
  jobs?: Record<string, JobFile>;
  database?: {
    engineVersion?: string;
    instanceClass: string;
    allocatedStorageGiB: number;
    maxAllocatedStorageGiB?: number;
    backupRetentionDays?: number;
    multiAz?: boolean;
    deletionProtection?: boolean;
    performanceInsights?: boolean;
    monitoringIntervalSeconds?: number;
    logRetentionDays?: number;
  };
  secrets?: {
    recoveryWindowDays?: number;
    customerManagedKey?: boolean;
    generated?: string[];
    managed?: string[];
    existing?: Record<string, string>;
    versions?: Record<string, number>;
  };
  migrations?: { service?: string; command?: string[]; runOnDeploy?: boolean; timeoutMinutes?: number; containerTimeLimit?: boolean };
  delivery?: { repository: string; subjectRepository?: string; oidcProvider?: string };
  stateAccess?: { operatorRoleArns?: string[] };
  alerts?: { emails?: string[]; topicArn?: string; notify?: false; thresholds?: AlarmOverrides };
  dr?: {
    region: string;
    rpoHours: number;
    rtoHours: number;
    dailyRetentionDays?: number;
    monthlyRetentionDays?: number;
    pointInTimeReplication?: boolean;
    restoreTesting?: boolean;
    restoreValidationHours?: number;
    vaultLock?: { mode?: VaultLockMode; minRetentionDays?: number; maxRetentionDays?: number; changeableForDays?: number; acknowledgeIrreversible?: true };
  };
  webAcl?: {
    enabled?: boolean;
    mode?: WebAclMode;
    rateLimit?: number;
    allowCidrs?: string[];
    ruleOverrides?: Record<string, Record<string, WafRuleAction>>;
    logRetentionDays?: number;
  };
}

type ServiceFile = Omit<ServiceConfig, "name" | "awsName" | "profile" | "environment" | "secrets" | "database" | "registryCredentials" | "calls"> & {
  profile?: ServiceProfile;
  environment?: Record<string, string>;
  secrets?: Record<string, string>;
  database?: boolean;
  registryCredentials?: string;
  calls?: string[];
};

type JobFile = Omit<JobConfig, "name" | "profile" | "timezone" | "environment" | "secrets" | "database" | "registryCredentials"> & {
  profile?: ServiceProfile;
  timezone?: string;
  environment?: Record<string, string>;
  secrets?: Record<string, string>;
  database?: boolean;
  registryCredentials?: string;
};

/** Names a job may not take: their AWS names are the migration's, or a service's of the first wave. */
const RESERVED_JOB_NAMES = new Map([
  ["migrate", "the migration task's family whcsites-<env>-migrate"],
  ["service", "the api service's AWS names"],
]);

/**
 * Settings a job does not have, with why: the schema would only call them unknown. Their schema complaint is replaced
 * by this line.
 */
const NOT_FOR_JOBS: Readonly<Record<string, string>> = {
  route: "a job runs on its schedule and serves no requests; a service under \"services\" takes a route",
  expose: "a job is no service another can call; a service under \"services\" takes expose",
  calls: "a scheduled task cannot join ECS Service Connect (RunTask tasks have no Service Connect configuration), so a job cannot call an internal service by name; a service under \"services\" takes calls",
  desiredCount: "a job runs one task per run, when its schedule says",
};

/** Environment names become stack names and AWS name parts; 14 characters keep every AWS name within its limit. */
const ENVIRONMENT_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,13}$/;

/**
 * Reads, validates and resolves one environment file. Throws `ConfigError` listing every problem found. Checks of a
 * construct's props (sizes, counts, production safety) are the constructs' own: they report through the stack with
 * the file's field paths.
 *
 * @param file path of `environments/<name>.json`
 */
export function loadEnvironment(file: string): EnvironmentConfig {
  const shown = path.relative(process.cwd(), file) || file;
  const name = path.basename(file, ".json");
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string): void => {
    problems.push({ file: shown, field, message });
  };

  const reserved = RESERVED_ENVIRONMENT_NAMES.get(name) ?? (name.endsWith("-github") ? "the GitHub stack of another environment" : undefined);
  if (reserved !== undefined) {
    problem("(file name)", `got ${JSON.stringify(name)}, which would clash with ${reserved}; allowed: any other environment name`);
  } else if (!ENVIRONMENT_NAME.test(name)) {
    problem("(file name)", `got ${JSON.stringify(name)}; allowed: lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen, at most 14 characters (AWS name limits)`);
  }
  let raw: unknown;
  try {
    raw = readJsonFile(file, shown);
  } catch (error) {
    if (error instanceof ConfigError) problems.push(...error.problems);
    throw new ConfigError(problems);
  }
  const oldShape = raw !== null && typeof raw === "object" && "service" in raw;
  if (oldShape) {
    problem("service", 'is the single-service shape, which is gone; convert it: move the block into "services": {"api": {...the same settings..., ' +
      '"route": "default", "database": true}} (docs/environments.md, "Upgrading from one service"); "image", "migrations" and the rest stay where they are');
  }
  const notForJobs = settingsNotForJobs(raw);
  for (const [field, given, why] of notForJobs) problem(field, `got ${JSON.stringify(given)}; allowed: none on a job (${why})`);
  // A cdktf token marker in any value, found before anything reads one; the schema's complaint about the same field
  // (a pattern it also breaks) would only repeat it.
  const markers = tokenMarkerProblems(raw, shown);
  problems.push(...markers);
  const marked = new Set(markers.map((p) => p.field));
  // The schema's own complaints about the old key, a job's service settings and a token marker would repeat the lines above less helpfully.
  problems.push(
    ...schemaProblems(schemaValidator(), raw, shown, WORDS).filter(
      (p) => !marked.has(p.field) && !(oldShape && (p.field === "service" || p.field === "services")) && !notForJobs.some(([field]) => p.field === field),
    ),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  checkOperations(raw as EnvironmentFile, problem);
  checkRecovery(raw as EnvironmentFile, problem);
  if (problems.length > 0) throw new ConfigError(problems);
  const config = resolve(raw as EnvironmentFile, name, shown);
  checkRelations(config, problem);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The settings of a service that a job of the file has: [field, value, why a job has none]. */
function settingsNotForJobs(raw: unknown): Array<[string, unknown, string]> {
  const jobs = raw !== null && typeof raw === "object" ? (raw as { jobs?: unknown }).jobs : undefined;
  if (jobs === null || typeof jobs !== "object") return [];
  return Object.entries(jobs as Record<string, unknown>).flatMap(([name, job]) =>
    job !== null && typeof job === "object"
      ? Object.entries(NOT_FOR_JOBS).filter(([key]) => key in job).map(([key, why]): [string, unknown, string] => [`jobs.${name}.${key}`, (job as Record<string, unknown>)[key], why])
      : [],
  );
}

/**
 * The checks that need more than one field and belong to the file itself: references between services, secrets, the
 * database and routes, and what production forbids in the file. Prop checks are the constructs'.
 */
function checkRelations(c: EnvironmentConfig, problem: (field: string, message: string) => void): void {
  const secretNames = new Set([...c.secrets.generated, ...c.secrets.managed, ...Object.keys(c.secrets.existing)]);
  const kinds: Array<[string, readonly string[]]> = [["generated", c.secrets.generated], ["managed", c.secrets.managed], ["existing", Object.keys(c.secrets.existing)]];
  for (const [kind, names] of kinds) {
    for (const secret of names) {
      if (RESERVED_SECRET_NAMES.test(secret)) {
        problem(`secrets.${kind}`, `got ${JSON.stringify(secret)}, a name the environment's own secrets use; allowed: another name, not database*, key, key-alias, registry-credentials, or ending in -password or -value`);
      }
      const others = kinds.filter(([k, n]) => k !== kind && n.includes(secret)).map(([k]) => k);
      if (others.length > 0 && kind < others[0]) problem(`secrets.${kind}`, `got ${JSON.stringify(secret)}, which is also in secrets.${others[0]}; allowed: each name in one list`);
    }
  }
  // Secrets under /<app>/<environment>/ are the environments' own: this one's are created (and rotated, and
  // deleted) by its stack, another's are that environment's to read. Named as existing they would be read around the
  // grants the stack gives, and a rotation of the original would go unnoticed.
  const ownPrefix = `/${APP_NAME}/${c.name}/`;
  const existingArns: Array<[string, string]> = [
    ...Object.entries(c.secrets.existing).map(([name, arn]): [string, string] => [`secrets.existing.${name}`, arn]),
    ...c.services.flatMap((s): Array<[string, string]> => (s.registryCredentials?.mode === "existing" ? [[`services.${s.name}.registryCredentials`, s.registryCredentials.secretArn]] : [])),
    ...c.jobs.flatMap((j): Array<[string, string]> => (j.registryCredentials?.mode === "existing" ? [[`jobs.${j.name}.registryCredentials`, j.registryCredentials.secretArn]] : [])),
  ];
  for (const [field, arn] of existingArns) {
    const secretName = /:secret:(.+)$/.exec(arn)?.[1] ?? "";
    if (secretName.startsWith(ownPrefix)) {
      problem(field, `got ${JSON.stringify(arn)}, a secret of this environment's own stack (it creates every secret under ${ownPrefix}); allowed: a secret outside /${APP_NAME}/ (to have the stack create one, name it under secrets.generated or secrets.managed; the database's connection comes with "database": true)`);
    } else if (secretName.startsWith(`/${APP_NAME}/`)) {
      problem(field, `got ${JSON.stringify(arn)}, a secret of another environment's stack (/${APP_NAME}/<environment>/ holds each environment's own); allowed: a secret outside /${APP_NAME}/`);
    }
  }
  // Only generated values have versions: the database's passwords and the generated secrets.
  const versioned = [...c.secrets.generated, ...(c.database === undefined ? [] : DATABASE_SECRET_NAMES)];
  for (const [name, version] of Object.entries(c.secrets.versions)) {
    if (!versioned.includes(name)) {
      problem(`secrets.versions.${name}`, `got ${version} for a secret whose value Terraform does not generate; allowed: ${versioned.map((n) => JSON.stringify(n)).join(", ")}`);
    }
  }
  const routes = new Map<string, string>();
  for (const s of c.services) {
    const at = `services.${s.name}`;
    if (s.name === "service") problem(at, 'is a reserved name: the api service\'s AWS names use "service"; allowed: any other name');
    for (const [variable, secret] of Object.entries(s.secrets)) {
      if (!secretNames.has(secret)) {
        problem(`${at}.secrets.${variable}`, `got ${JSON.stringify(secret)}, which is not a secret of this environment; allowed: ${[...secretNames].map((n) => JSON.stringify(n)).join(", ")} (list new ones under secrets.generated, secrets.managed or secrets.existing)`);
      }
    }
    if (s.database && c.database === undefined) {
      problem(`${at}.database`, "got true, but this environment has no database block; allowed: false, or add a database block");
    }
    if (s.route === undefined) {
      for (const key of ["healthCheckPath", "healthCheckGracePeriodSeconds", "targetRequestsPerTarget"] as const) {
        if (s[key] !== undefined) problem(`${at}.${key}`, `got ${JSON.stringify(s[key])} on a service without a route; allowed: only with a route (the load balancer checks routed services)`);
      }
    } else if (s.route === "default") {
      const owner = routes.get("default");
      if (owner !== undefined) {
        problem(`${at}.route`, `got "default", the same requests as services.${owner}.route; allowed: a route no other service has`);
      }
      routes.set("default", s.name);
    }
    if (c.production && s.image !== undefined && imageParts(s.image).digest === undefined) {
      problem(`${at}.image`, `got ${JSON.stringify(s.image)}, a tag without a digest; allowed in production: pinned by digest, ${imageParts(s.image).repository}:<tag>@sha256:<64 hex digits> (docker buildx imagetools inspect <image> prints it)`);
    }
  }
  shadowedRoutes(c, problem);
  plainHttpRoutes(c, problem);
  checkInternalServices(c, problem);
  checkJobs(c, secretNames, problem);
  // Production runs exactly what the file names: a tag alone could point at other bits by the next task start.
  if (c.production && c.image.digest === undefined) {
    problem("image", `got ${JSON.stringify(imageReference(c.image))}, a tag without a digest; allowed in production: pinned by digest, ${c.image.repository}:${c.image.tag ?? "<tag>"}@sha256:<64 hex digits> (a release records it: npm run release -- record, docs/operating.md "Ship a release")`);
  }
  if (c.release.acceptNewerSchema !== undefined && c.release.schemaVersion === undefined) {
    problem("release.acceptNewerSchema", 'is set, but release.schemaVersion is not: without a version the deploy gate checks nothing to accept; allowed: leave it out, or record the release\'s schemaVersion');
  }
  // Data protection is one switch for the whole file: "disposable" (see docs/security.md, "Data protection").
  if (c.disposable && c.production) {
    problem("disposable", "got true in production; allowed: false (a production environment's data is never disposable)");
  }
  if (c.database !== undefined && !c.database.deletionProtection && !c.disposable) {
    problem("database.deletionProtection", 'got false in an environment that is not disposable; allowed: true, or mark the whole environment "disposable": true (no deletion protection, no final snapshot, no backups kept after deletion)');
  }
  if (c.delivery === undefined && c.operatorRoleArns.length === 0) {
    problem("stateAccess.operatorRoleArns", "got no role, and no delivery; allowed: at least one role ARN that deploys this environment (its state role trusts only these and, with delivery, the GitHub roles)");
  }
  const migrations = c.migrations;
  if (migrations !== undefined) {
    const owner = c.services.find((s) => s.name === migrations.service);
    if (owner === undefined) {
      problem("migrations.service", `got ${JSON.stringify(migrations.service)}, which is not a service of this environment; allowed: ${c.services.map((s) => JSON.stringify(s.name)).join(", ")}`);
    } else if (!owner.database) {
      problem("migrations.service", `got ${JSON.stringify(migrations.service)}, which has no database access; allowed: a service with "database": true`);
    }
  }
}

/**
 * Internal services and their callers: an exposed service has no route (the internet never reaches it), each name is
 * exposed once, and a service calls only names another service exposes. Calls may form cycles (a calls b, b calls a):
 * each edge is its own security group rule and Service Connect client, and ECS rolls each service out on its own, so a
 * cycle orders nothing and deadlocks nothing. A service calling itself is refused: its own name goes through its proxy
 * to its own tasks, which `localhost` reaches without a rule.
 */
function checkInternalServices(c: EnvironmentConfig, problem: (field: string, message: string) => void): void {
  const exposedBy = new Map<string, string>();
  for (const s of c.services) {
    if (s.expose === undefined) continue;
    const at = `services.${s.name}.expose`;
    if (s.route !== undefined) {
      problem(at, `got ${JSON.stringify(s.expose)} on a service with a route; allowed: expose or route, not both (an internal service is reached by name from the services that call it, never through the load balancer)`);
    }
    const owner = exposedBy.get(s.expose.name);
    if (owner !== undefined) {
      problem(`${at}.name`, `got ${JSON.stringify(s.expose.name)}, which services.${owner}.expose.name has too; allowed: a name no other service exposes`);
    } else {
      exposedBy.set(s.expose.name, s.name);
    }
  }
  const exposed = [...exposedBy.keys()];
  for (const s of c.services) {
    for (const name of s.calls) {
      const at = `services.${s.name}.calls`;
      const server = exposedBy.get(name);
      if (server === undefined) {
        const service = c.services.find((other) => other.name === name);
        const hint = service === undefined ? "" : ` (services.${name} is not exposed: give it "expose": {"name": "${name}", "port": 4000})`;
        problem(at, `got ${JSON.stringify(name)}, which no service of this environment exposes${hint}; allowed: ${exposed.length === 0 ? "none (no service has expose)" : exposed.map((n) => JSON.stringify(n)).join(", ")}`);
      } else if (server === s.name) {
        problem(at, `got ${JSON.stringify(name)}, the service's own name; allowed: the names of other services (a service reaches itself on localhost)`);
      }
    }
  }
}

/**
 * Jobs: names that clash with no service's AWS names, and what they refer to (secrets, the database) exists. Their
 * schedule, time zone, size and name length are ScheduledJob's props, checked there.
 */
function checkJobs(c: EnvironmentConfig, secretNames: ReadonlySet<string>, problem: (field: string, message: string) => void): void {
  for (const job of c.jobs) {
    const at = `jobs.${job.name}`;
    const reserved = RESERVED_JOB_NAMES.get(job.name);
    if (reserved !== undefined) problem(at, `is a reserved name (${reserved}); allowed: any other name`);
    if (c.services.some((s) => s.name === job.name)) {
      problem(at, `is also services.${job.name}: a job and a service share their AWS names (task family, log group, roles); allowed: a name no service has`);
    }
    for (const [variable, secret] of Object.entries(job.secrets)) {
      if (!secretNames.has(secret)) {
        problem(`${at}.secrets.${variable}`, `got ${JSON.stringify(secret)}, which is not a secret of this environment; allowed: ${[...secretNames].map((n) => JSON.stringify(n)).join(", ")} (list new ones under secrets.generated, secrets.managed or secrets.existing)`);
      }
    }
    if (job.database && c.database === undefined) {
      problem(`${at}.database`, "got true, but this environment has no database block; allowed: false, or add a database block");
    }
    if (c.production && job.image !== undefined && imageParts(job.image).digest === undefined) {
      problem(`${at}.image`, `got ${JSON.stringify(job.image)}, a tag without a digest; allowed in production: pinned by digest, ${imageParts(job.image).repository}:<tag>@sha256:<64 hex digits> (docker buildx imagetools inspect <image> prints it)`);
    }
  }
}

/**
 * The file's own rules about alerts and the web ACL: one destination for the alarms, none of them "nobody" in
 * production, no web ACL switched off in production, and no settings that would be ignored. The ranges of the
 * settings are the constructs' (AlertTopic, the alarm constructs, WebAcl).
 */
function checkOperations(input: EnvironmentFile, problem: (field: string, message: string) => void): void {
  const production = input.tier === "production";
  const destinations = '{"emails": ["ops@example.org"]}, {"topicArn": "arn:aws:sns:<region>:<account>:<topic>"}' + (production ? "" : ', or {"notify": false} (no notification)');
  const alerts = input.alerts;
  if (alerts === undefined) {
    problem("alerts", `is required: where the alarms notify${production ? "" : " (or that they notify nobody)"}; allowed: ${destinations}`);
  } else {
    const given = (["emails", "topicArn", "notify"] as const).filter((key) => alerts[key] !== undefined);
    if (given.length !== 1) {
      problem("alerts", `got ${given.length === 0 ? "no destination" : given.join(" and ")}; allowed: exactly one of ${destinations}`);
    } else if (alerts.notify === false && production) {
      problem("alerts.notify", "got false in production; allowed: emails or topicArn (production alarms must reach someone)");
    }
    if (alerts.thresholds?.database !== undefined && input.database === undefined) {
      problem("alerts.thresholds.database", "is set, but this environment has no database block; allowed: leave it out, or add a database block");
    }
  }
  const webAcl = input.webAcl;
  const enabled = webAcl?.enabled ?? tierDefaults(production).webAcl.enabled;
  if (production && webAcl?.enabled === false) {
    problem("webAcl.enabled", "got false in production; allowed: true (a public load balancer in production has a web application firewall; use \"mode\": \"count\" to observe before blocking)");
  }
  if (!enabled) {
    for (const key of ["mode", "rateLimit", "allowCidrs", "ruleOverrides", "logRetentionDays"] as const) {
      if (webAcl?.[key] !== undefined) {
        problem(`webAcl.${key}`, `got ${JSON.stringify(webAcl[key])}, but the web ACL is off in this environment (off by default outside production); allowed: "enabled": true next to it, or leave it out`);
      }
    }
    if (alerts?.thresholds?.webAcl !== undefined) {
      problem("alerts.thresholds.webAcl", 'is set, but the web ACL is off in this environment; allowed: leave it out, or "webAcl": {"enabled": true}');
    }
  }
}

/**
 * The file's own rules about disaster recovery: production with a database has a plan, the copies go to another
 * region, the recovery point objective is one the backups can meet, and an irreversible lock is acknowledged. The
 * ranges, and retention against the lock, are the constructs' (BackupVault, BackupPlan).
 */
function checkRecovery(input: EnvironmentFile, problem: (field: string, message: string) => void): void {
  const production = input.tier === "production";
  const dr = input.dr;
  if (dr === undefined) {
    if (production && input.database !== undefined) {
      problem("dr", `is required in production with a database (AWS FSBP RDS.26: a production database is in a backup plan); allowed: {"region": "<another region than ${input.region}>", "rpoHours": 24, "rtoHours": 4}`);
    }
    return;
  }
  if (input.database === undefined) {
    problem("dr", "is set, but this environment has no database block; allowed: leave it out, or add a database block");
  }
  if (dr.region === input.region) {
    problem("dr.region", `got ${JSON.stringify(dr.region)}, the environment's own region; allowed: another AWS region (copies in the same region are lost with it)`);
  }
  const replication = dr.pointInTimeReplication ?? replicationByDefault(dr.rpoHours, production);
  if (!replication && dr.rpoHours < DAILY_BACKUP_RPO_HOURS) {
    problem("dr.rpoHours", `got ${dr.rpoHours}, tighter than the daily backup and its copy to ${dr.region} can give; allowed: at least ${DAILY_BACKUP_RPO_HOURS}, or "pointInTimeReplication": true (transaction logs replicated to ${dr.region}: at least ${REPLICATED_LOGS_RPO_HOURS})`);
  } else if (replication && dr.rpoHours < REPLICATED_LOGS_RPO_HOURS) {
    problem("dr.rpoHours", `got ${dr.rpoHours}; allowed: at least ${REPLICATED_LOGS_RPO_HOURS} (AWS replicates the transaction logs to ${dr.region} within minutes, with no stated bound)`);
  }
  if (production && dr.restoreTesting === false) {
    problem("dr.restoreTesting", "got false in production; allowed: true (a production backup is proven restorable every month)");
  }
  if (dr.restoreTesting === false && dr.restoreValidationHours !== undefined) {
    problem("dr.restoreValidationHours", `got ${dr.restoreValidationHours}, but restore testing is off; allowed: leave it out, or "restoreTesting": true`);
  }
  const lock = dr.vaultLock ?? {};
  if ((lock.mode ?? "governance") === "compliance") {
    if (lock.acknowledgeIrreversible !== true) {
      problem("dr.vaultLock.acknowledgeIrreversible", `got ${lock.acknowledgeIrreversible === undefined ? "nothing" : JSON.stringify(lock.acknowledgeIrreversible)} with "mode": "compliance"; allowed: true, which states that after ${lock.changeableForDays ?? MIN_CHANGEABLE_FOR_DAYS} days nobody (not the account's root user, not AWS) can remove the lock or delete a recovery point before its retention ends`);
    }
  } else {
    for (const key of ["changeableForDays", "acknowledgeIrreversible"] as const) {
      if (lock[key] !== undefined) problem(`dr.vaultLock.${key}`, `got ${JSON.stringify(lock[key])} in governance mode; allowed: only with "mode": "compliance"`);
    }
  }
}

/**
 * Without a domain the load balancer listens on plain HTTP, so a listener rule (a route by hosts or paths) forwards
 * plain HTTP, which the policy rule ELB.1 refuses: the file must say so on purpose (`loadBalancer.plainHttpRoutes`),
 * or give a domain. The acknowledgement is refused where it would acknowledge nothing.
 */
function plainHttpRoutes(c: EnvironmentConfig, problem: (field: string, message: string) => void): void {
  const acknowledged = c.loadBalancer.plainHttpRoutes;
  const ruled = c.services.filter((s) => s.route !== undefined && s.route !== "default");
  if (c.domain !== undefined) {
    if (acknowledged !== undefined) {
      problem("loadBalancer.plainHttpRoutes", 'is set, but this environment has a domain, so its listener rules are on HTTPS; allowed: leave it out');
    }
    return;
  }
  if (acknowledged === undefined) {
    for (const s of ruled) {
      problem(
        `services.${s.name}.route`,
        `got ${JSON.stringify(s.route)} in an environment without a domain, where its listener rule would forward plain HTTP (policy rule ELB.1); ` +
          'allowed: a domain ("domain": {"name": ..., "hostedZoneId": ...}: TLS), or acknowledge plain HTTP with "loadBalancer": {"plainHttpRoutes": {"reason": "<why it is acceptable here>"}}',
      );
    }
  } else if (ruled.length === 0) {
    problem("loadBalancer.plainHttpRoutes", 'is set, but no service has a route by hosts or paths (a "default" route needs no acknowledgement); allowed: leave it out');
  }
}

/**
 * Routes that can never get a request: a path pattern that a rule evaluated before it covers, for the same hosts (or
 * a rule without hosts), and a rule that takes every request in front of the default route. The load balancer's
 * rule is in src/domain/alb-routes.ts; the problem goes to the service that would starve, naming the other.
 */
function shadowedRoutes(c: EnvironmentConfig, problem: (field: string, message: string) => void): void {
  const rules = c.services.flatMap((s) => (s.route === undefined || s.route === "default" ? [] : [{ service: s.name, route: s.route }]));
  const fallback = c.services.find((s) => s.route === "default")?.name;
  const hostsOf = (route: RouteConditions): string => ((route.hosts ?? []).length === 0 ? "every host" : `hosts ${(route.hosts ?? []).join(", ")}`);
  for (const later of rules) {
    for (const earlier of rules) {
      for (const shadow of shadowedPatterns(earlier.route, later.route)) {
        const what = shadow.path === undefined ? `every path (no path condition) of ${hostsOf(later.route)}` : `path "${shadow.path}"`;
        const by = shadow.coveredBy === undefined ? `every path of ${hostsOf(earlier.route)}` : `"${shadow.coveredBy}" on ${hostsOf(earlier.route)}`;
        problem(
          `services.${later.service}.route`,
          `got ${what} at priority ${later.route.priority}, which services.${earlier.service}.route takes first (${by}, priority ${earlier.route.priority}), so services.${later.service} would never get those requests; ` +
            `allowed: a priority below ${earlier.route.priority} for the narrower rule, or a pattern the other rule does not cover (docs/environments.md, "Routes")`,
        );
      }
    }
    const everything = takesEveryRequest(later.route);
    if (fallback !== undefined && everything !== undefined) {
      const what = everything.path === undefined ? "no path condition" : `path "${everything.path}"`;
      problem(
        `services.${later.service}.route`,
        `got ${what} on every host at priority ${later.route.priority}, which takes every request before the default route, so services.${fallback} would never get one; ` +
          `allowed: narrower paths or hosts, or "route": "default" on services.${later.service} instead of services.${fallback}`,
      );
    }
  }
}

function resolve(input: EnvironmentFile, name: string, file: string): EnvironmentConfig {
  const production = input.tier === "production";
  const defaults = tierDefaults(production);
  const healthCheck = input.loadBalancer?.healthCheck ?? {};
  const services = Object.entries(input.services).map(([serviceName, s]): ServiceConfig => {
    const { profile, environment, secrets, database, registryCredentials, ...settings } = s;
    const registry = registryCredentials;
    return {
      ...settings,
      name: serviceName,
      awsName: serviceName === API_SERVICE ? "service" : serviceName,
      profile: profile ?? "phoenix",
      environment: { ...(environment ?? {}) },
      secrets: { ...(secrets ?? {}) },
      database: database ?? false,
      registryCredentials: registry === undefined ? undefined : registry === "managed" ? { mode: "managed" } : { mode: "existing", secretArn: registry },
      expose: s.expose === undefined ? undefined : { ...s.expose },
      calls: [...(s.calls ?? [])],
    };
  });
  const jobs = Object.entries(input.jobs ?? {}).map(([jobName, j]): JobConfig => {
    const { profile, timezone, environment, secrets, database, registryCredentials, command, ...settings } = j;
    return {
      ...settings,
      name: jobName,
      profile: profile ?? "phoenix",
      command: [...command],
      timezone: timezone ?? "UTC",
      environment: { ...(environment ?? {}) },
      secrets: { ...(secrets ?? {}) },
      database: database ?? false,
      registryCredentials:
        registryCredentials === undefined ? undefined : registryCredentials === "managed" ? { mode: "managed" } : { mode: "existing", secretArn: registryCredentials },
    };
  });
  const api = services.find((s) => s.name === API_SERVICE);
  // Migrations belong to the api by default, when it has the database; a file can name another service.
  const migrationsOn = input.migrations !== undefined || api?.database === true;
  return {
    name,
    file,
    tier: input.tier,
    production,
    disposable: input.disposable ?? false,
    tierChange: input.tierChange === undefined ? undefined : { ...input.tierChange },
    accountId: input.accountId,
    region: input.region,
    availabilityZones: [...input.availabilityZones],
    image: imageParts(input.image),
    release: { ...(input.release ?? {}) },
    domain: input.domain ? { ...input.domain } : undefined,
    network: {
      vpcCidr: input.network.vpcCidr,
      natGateways: input.network.natGateways ?? defaults.natGateways,
      flowLogs: input.network.flowLogs ?? true,
      flowLogRetentionDays: input.network.flowLogRetentionDays ?? defaults.logRetentionDays,
      vpcEndpoints: input.network.vpcEndpoints ?? false,
    },
    loadBalancer: {
      accessLogs: input.loadBalancer?.accessLogs ?? defaults.protective,
      accessLogRetentionDays: input.loadBalancer?.accessLogRetentionDays ?? defaults.logRetentionDays,
      idleTimeoutSeconds: input.loadBalancer?.idleTimeoutSeconds ?? 60,
      deregistrationDelaySeconds: input.loadBalancer?.deregistrationDelaySeconds ?? 30,
      plainHttpRoutes: input.loadBalancer?.plainHttpRoutes === undefined ? undefined : { ...input.loadBalancer.plainHttpRoutes },
      healthCheck: {
        intervalSeconds: healthCheck.intervalSeconds ?? 10,
        timeoutSeconds: healthCheck.timeoutSeconds ?? 5,
        healthyThreshold: healthCheck.healthyThreshold ?? 2,
        unhealthyThreshold: healthCheck.unhealthyThreshold ?? 3,
      },
    },
    services,
    jobs,
    database:
      input.database === undefined
        ? undefined
        : {
            engineVersion: input.database.engineVersion ?? DEFAULT_POSTGRES_ENGINE_VERSION,
            instanceClass: input.database.instanceClass,
            allocatedStorageGiB: input.database.allocatedStorageGiB,
            // Unset: the Rds construct's default (5 x allocated, or off where no ceiling fits).
            maxAllocatedStorageGiB: input.database.maxAllocatedStorageGiB,
            backupRetentionDays: input.database.backupRetentionDays ?? defaults.backupRetentionDays,
            multiAz: input.database.multiAz ?? defaults.protective,
            deletionProtection: input.database.deletionProtection ?? !(input.disposable ?? false),
            finalSnapshot: !(input.disposable ?? false),
            retainAutomatedBackups: !(input.disposable ?? false),
            performanceInsights: input.database.performanceInsights ?? defaults.protective,
            monitoringIntervalSeconds: input.database.monitoringIntervalSeconds ?? defaults.monitoringIntervalSeconds,
            logRetentionDays: input.database.logRetentionDays ?? defaults.logRetentionDays,
          },
    secrets: {
      recoveryWindowDays: input.secrets?.recoveryWindowDays ?? defaults.secretRecoveryWindowDays,
      customerManagedKey: input.secrets?.customerManagedKey ?? false,
      generated: [...new Set([SECRET_KEY_BASE_SECRET, ...(input.secrets?.generated ?? [])])],
      managed: [...(input.secrets?.managed ?? [])],
      existing: { ...(input.secrets?.existing ?? {}) },
      versions: { ...(input.secrets?.versions ?? {}) },
    },
    delivery: input.delivery === undefined ? undefined : { ...input.delivery, oidcProvider: input.delivery.oidcProvider ?? "create" },
    operatorRoleArns: [...(input.stateAccess?.operatorRoleArns ?? [])],
    alerts: {
      notify:
        input.alerts?.topicArn !== undefined
          ? { kind: "topic", topicArn: input.alerts.topicArn }
          : input.alerts?.notify === false
            ? { kind: "none" }
            : { kind: "emails", emails: [...(input.alerts?.emails ?? [])] },
      thresholds: JSON.parse(JSON.stringify(input.alerts?.thresholds ?? {})) as AlarmOverrides,
    },
    webAcl: {
      enabled: input.webAcl?.enabled ?? defaults.webAcl.enabled,
      mode: input.webAcl?.mode ?? defaults.webAcl.mode,
      rateLimit: input.webAcl?.rateLimit ?? defaults.webAcl.rateLimit,
      allowCidrs: [...(input.webAcl?.allowCidrs ?? [])],
      ruleOverrides: JSON.parse(JSON.stringify(input.webAcl?.ruleOverrides ?? {})) as Record<string, Record<string, WafRuleAction>>,
      logRetentionDays: input.webAcl?.logRetentionDays ?? defaults.logRetentionDays,
    },
    dr: resolveRecovery(input.dr, production),
    migrations: migrationsOn
      ? {
          service: input.migrations?.service ?? API_SERVICE,
          command: [...(input.migrations?.command ?? ["/app/bin/migrate"])],
          runOnDeploy: input.migrations?.runOnDeploy ?? true,
          timeoutMinutes: input.migrations?.timeoutMinutes ?? 15,
          containerTimeLimit: input.migrations?.containerTimeLimit ?? true,
        }
      : undefined,
  };
}

/**
 * Whether the automated backups are replicated when the file does not say: in production, and wherever the stated RPO
 * is tighter than the daily copy can give (the objective decides the means; the refusal is for an explicit false).
 */
function replicationByDefault(rpoHours: number, production: boolean): boolean {
  return production || rpoHours < DAILY_BACKUP_RPO_HOURS;
}

/** The `dr` block with its defaults (docs/environments.md, "Settings reference"). */
function resolveRecovery(dr: EnvironmentFile["dr"], production: boolean): RecoveryConfig | undefined {
  if (dr === undefined) return undefined;
  const lock = dr.vaultLock ?? {};
  const mode = lock.mode ?? "governance";
  return {
    region: dr.region,
    rpoHours: dr.rpoHours,
    rtoHours: dr.rtoHours,
    dailyRetentionDays: dr.dailyRetentionDays ?? DEFAULT_DAILY_RETENTION_DAYS,
    monthlyRetentionDays: dr.monthlyRetentionDays ?? DEFAULT_MONTHLY_RETENTION_DAYS,
    pointInTimeReplication: dr.pointInTimeReplication ?? replicationByDefault(dr.rpoHours, production),
    restoreTesting: dr.restoreTesting ?? true,
    restoreValidationHours: dr.restoreValidationHours ?? DEFAULT_RESTORE_VALIDATION_HOURS,
    vaultLock: {
      mode,
      minRetentionDays: lock.minRetentionDays ?? DEFAULT_LOCK_MIN_RETENTION_DAYS,
      maxRetentionDays: lock.maxRetentionDays,
      changeableForDays: mode === "compliance" ? (lock.changeableForDays ?? MIN_CHANGEABLE_FOR_DAYS) : undefined,
    },
  };
}

/**
 * Loads every `*.json` environment file in `dir` (except the schema). Collects the problems of all files before
 * throwing, so that one run shows everything to fix; then checks the files against each other.
 */
export function loadEnvironments(dir: string, options: LoadOptions = {}): EnvironmentConfig[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    throw new ConfigError([{ file: dir, field: "(directory)", message: `cannot be read: ${(error as Error).message}` }]);
  }
  const files = names.filter((f) => f.endsWith(".json") && f !== "schema.json").sort();
  const configs: EnvironmentConfig[] = [];
  const problems: ConfigProblem[] = [];
  for (const f of files) {
    try {
      configs.push(loadEnvironment(path.join(dir, f)));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (files.length === 0) {
    problems.push({ file: dir, field: "(directory)", message: "holds no environment file; add one such as staging.json" });
  }
  // A clash between two files is reported on the newer one (file-newness.ts: git, else modification time), naming
  // the other, so that following the message never changes the environment that is already deployed.
  let newness: FileNewness | undefined;
  const age = (): FileNewness => (newness ??= FileNewness.of(configs.map((c) => c.file)));
  const copied = copies(configs, age);
  // An unchanged copy clashes in every other way too: its one line says it all.
  const others = [...prefixedNames(configs, age), ...oidcProviderCreators(configs, age)].filter((p) => !copied.some((c) => c.file === p.file));
  problems.push(...copied, ...others);
  if (problems.length > 0) throw new ConfigError(problems);
  for (const warning of overlappingNetworks(configs, age)) options.warn?.(warning);
  return configs;
}

/** Pairs of files (the older first) for which `clash` holds, each pair once. */
function clashingPairs(configs: readonly EnvironmentConfig[], clash: (a: EnvironmentConfig, b: EnvironmentConfig) => boolean): Array<[EnvironmentConfig, EnvironmentConfig]> {
  return configs.flatMap((a, i) => configs.slice(i + 1).filter((b) => clash(a, b)).map((b): [EnvironmentConfig, EnvironmentConfig] => [a, b]));
}

/** The pair ordered older, newer, with the reason the second is the newer. */
function byAge(age: () => FileNewness, [a, b]: [EnvironmentConfig, EnvironmentConfig]): { older: EnvironmentConfig; newer: EnvironmentConfig; why: string } {
  const [older, newer] = age().newer(a.file, b.file) === b.file ? [a, b] : [b, a];
  return { older, newer, why: age().why(newer.file, older.file) };
}

/**
 * Two environments of one account whose names are a hyphen-prefix of each other (`prod` and `prod-eu`): names of the
 * first (`whcsites-prod-*`) also match the second's resources, so a deploy role scoped by its prefix would reach them.
 */
function prefixedNames(configs: readonly EnvironmentConfig[], age: () => FileNewness): ConfigProblem[] {
  const prefixed = (a: EnvironmentConfig, b: EnvironmentConfig): boolean =>
    a.accountId === b.accountId && (b.name.startsWith(`${a.name}-`) || a.name.startsWith(`${b.name}-`));
  return clashingPairs(configs, prefixed).map((pair) => {
    const { older, newer, why } = byAge(age, pair);
    const clash = newer.name.startsWith(`${older.name}-`)
      ? `which starts with "${older.name}-" of ${older.file}`
      : `a hyphen-prefix of "${older.name}" of ${older.file}`;
    return {
      file: newer.file,
      field: "(file name)",
      message: `got "${newer.name}", ${clash}, in the same account ${newer.accountId}; rename this file, the newer one (${why}); allowed: names that are not a hyphen-prefix of another environment's in the account (deploy roles are scoped by the prefix whcsites-<environment>-)`,
    };
  });
}

/** A file that is another one with only its name changed: a copy whose edits were forgotten, deployed twice. */
function copies(configs: readonly EnvironmentConfig[], age: () => FileNewness): ConfigProblem[] {
  const comparable = (c: EnvironmentConfig): string => JSON.stringify({ ...c, name: undefined, file: undefined });
  const groups = new Map<string, EnvironmentConfig[]>();
  for (const c of configs) groups.set(comparable(c), [...(groups.get(comparable(c)) ?? []), c]);
  return [...groups.values()].flatMap((group) => {
    if (group.length < 2) return [];
    const [original, ...copied] = age().oldestFirst(group.map((c) => c.file));
    return copied.map((file) => ({
      file,
      field: "(file)",
      message: `is the same as ${original} apart from its name; change this file, the copy (${age().why(file, original)}); allowed: a copy with its own network.vpcCidr (and usually its own accountId, domain and sizes)`,
    }));
  });
}

/**
 * Two files of one account that both create the account's GitHub OIDC provider: AWS allows one per URL, so the second
 * deploy would fail with EntityAlreadyExists. The older file keeps creating it; the newer one gets its ARN.
 */
function oidcProviderCreators(configs: readonly EnvironmentConfig[], age: () => FileNewness): ConfigProblem[] {
  const creates = (c: EnvironmentConfig): boolean => c.delivery?.oidcProvider === "create";
  return clashingPairs(configs, (a, b) => creates(a) && creates(b) && a.accountId === b.accountId).flatMap((pair) => {
    const { older, newer, why } = byAge(age, pair);
    // With three creators, each newer file is reported once, against the oldest.
    const oldest = age().oldestFirst(configs.filter((c) => creates(c) && c.accountId === newer.accountId).map((c) => c.file))[0];
    if (older.file !== oldest) return [];
    const arn = `arn:${partitionOf(newer.region)}:iam::${newer.accountId}:oidc-provider/token.actions.githubusercontent.com`;
    return [{
      file: newer.file,
      field: "delivery.oidcProvider",
      message: `got "create", but ${older.file} already creates the GitHub OIDC provider of account ${newer.accountId} (one per account); change this file, the newer one (${why}), not ${older.file}; allowed: "${arn}"`,
    }];
  });
}

/** Two environments of one account whose VPCs overlap cannot be peered or routed to each other later. */
function overlappingNetworks(configs: readonly EnvironmentConfig[], age: () => FileNewness): ConfigProblem[] {
  const overlap = (a: EnvironmentConfig, b: EnvironmentConfig): boolean => a.accountId === b.accountId && ipv4CidrsOverlap(a.network.vpcCidr, b.network.vpcCidr);
  return clashingPairs(configs, overlap).map((pair) => {
    const { older, newer, why } = byAge(age, pair);
    return {
      file: newer.file,
      field: "network.vpcCidr",
      message: `${newer.network.vpcCidr} overlaps ${older.network.vpcCidr} of ${older.file} in the same account ${newer.accountId}; the two VPCs can never be peered or routed to each other (choose a range that does not overlap in this file, the newer one: ${why})`,
    };
  });
}
