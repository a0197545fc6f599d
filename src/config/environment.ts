import * as fs from "fs";
import * as path from "path";
import type { ErrorObject } from "ajv";
import { describeFargateMemory, isFargateSize } from "../domain/fargate";
import { CidrError, planSubnets } from "../domain/cidr";
import { compileSchemaFile, SchemaValidator } from "./schema-validator";

/** Production gets the safe, highly available defaults; non-production the cheap ones. */
export type Tier = "production" | "non-production";

import type { NatGatewayMode } from "../domain/nat-gateways";
import { minimumMaxAllocatedStorageGiB, supportsPerformanceInsights } from "../domain/rds";
import { DEFAULT_POSTGRES_ENGINE_VERSION } from "../domain/postgres";
import { tierDefaults } from "../domain/tier-defaults";


/** Pull credentials of a private image: an empty secret Terraform creates for the operator to fill, or an existing one. */
export type RegistryCredentials = { readonly mode: "managed" } | { readonly mode: "existing"; readonly secretArn: string };

/**
 * An environment file after validation, with every tier default filled in. Nested fields mean what the same keys
 * mean in `environments/schema.json` (their descriptions are there, once).
 */
export interface EnvironmentConfig {
  /** Environment name, from the file name (`staging` for `environments/staging.json`). */
  readonly name: string;
  /** Path of the file it was read from, for messages. */
  readonly file: string;
  /** `production` or `non-production`: decides the defaults below. */
  readonly tier: Tier;
  /** `tier === "production"`. */
  readonly production: boolean;
  /** The only AWS account the provider accepts (`allowed_account_ids`). */
  readonly accountId: string;
  /** AWS region of every resource. */
  readonly region: string;
  /** Availability zones, from the file (never looked up), at least 2. */
  readonly availabilityZones: readonly string[];
  /** The release image, split so the tag can be overridden at deploy time. */
  readonly image: { readonly repository: string; readonly tag: string };
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
  /** ALB settings: see `Alb`; `deletionProtection` follows the tier. */
  readonly loadBalancer: {
    readonly accessLogs: boolean;
    readonly accessLogRetentionDays: number;
    readonly idleTimeoutSeconds: number;
    readonly deregistrationDelaySeconds: number;
    readonly deletionProtection: boolean;
    readonly healthCheck: {
      readonly intervalSeconds: number;
      readonly timeoutSeconds: number;
      readonly healthyThreshold: number;
      readonly unhealthyThreshold: number;
    };
  };
  /** Fargate service size, scaling and runtime: see `EcsService`. */
  readonly service: {
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly desiredCount: number;
    readonly minCount: number;
    readonly maxCount: number;
    readonly cpuArchitecture: "X86_64" | "ARM64";
    readonly fargateSpot: boolean;
    readonly enableExecuteCommand: boolean;
    readonly poolSize: number;
    readonly logRetentionDays: number;
    readonly healthCheckGracePeriodSeconds: number;
    readonly targetCpuPercent: number;
    readonly targetRequestsPerTarget: number;
    readonly registryCredentials?: RegistryCredentials;
  };
  /** PostgreSQL size, backups and protections: see `Rds`. */
  readonly database: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly backupRetentionDays: number;
    readonly multiAz: boolean;
    readonly deletionProtection: boolean;
    readonly performanceInsights: boolean;
    readonly monitoringIntervalSeconds: number;
    readonly logRetentionDays: number;
  };
  /** Secrets Manager recovery window and optional customer-managed key: see `AppSecrets`. */
  readonly secrets: {
    readonly recoveryWindowDays: number;
    readonly customerManagedKey: boolean;
  };
  /** The migration task command and the deploy gate: see `MigrationTask` and `DeployGate`. */
  readonly migrations: {
    readonly command: readonly string[];
    readonly runOnDeploy: boolean;
    readonly timeoutMinutes: number;
  };
}

/** One problem in an environment file: the file, the field path, and what is wrong with it. */
export interface ConfigProblem {
  /** The file, relative to the working directory. */
  readonly file: string;
  /** Field path in dotted form (`service.memoryMiB`), or `(file)` for the whole file. */
  readonly field: string;
  /** What was given and what is allowed. */
  readonly message: string;
}

/** Thrown when one or more environment files are invalid; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  /** @param problems every problem found, so that one run shows all there is to fix */
  public constructor(public readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** The JSON Schema every environment file is checked against (and references with `$schema` for editors). */
export const SCHEMA_PATH = path.join(__dirname, "..", "..", "environments", "schema.json");

let compiledSchema: SchemaValidator | undefined;
function schemaValidator(): SchemaValidator {
  compiledSchema ??= compileSchemaFile(SCHEMA_PATH);
  return compiledSchema;
}

/** Input shape of an environment file, as the schema describes it (optional settings may be missing). */
interface EnvironmentFile {
  tier: Tier;
  accountId: string;
  region: string;
  availabilityZones: string[];
  image: string;
  domain?: { name: string; hostedZoneId: string; certificateArn?: string };
  network: { vpcCidr: string; natGateways?: NatGatewayMode; flowLogs?: boolean; flowLogRetentionDays?: number; vpcEndpoints?: boolean };
  loadBalancer?: {
    accessLogs?: boolean;
    accessLogRetentionDays?: number;
    idleTimeoutSeconds?: number;
    deregistrationDelaySeconds?: number;
    healthCheck?: { intervalSeconds?: number; timeoutSeconds?: number; healthyThreshold?: number; unhealthyThreshold?: number };
  };
  service: {
    cpu: number;
    memoryMiB: number;
    desiredCount: number;
    minCount?: number;
    maxCount?: number;
    cpuArchitecture?: "X86_64" | "ARM64";
    fargateSpot?: boolean;
    enableExecuteCommand?: boolean;
    poolSize?: number;
    logRetentionDays?: number;
    healthCheckGracePeriodSeconds?: number;
    targetCpuPercent?: number;
    targetRequestsPerTarget?: number;
    registryCredentials?: string;
  };
  database: {
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
  secrets?: { recoveryWindowDays?: number; customerManagedKey?: boolean };
  migrations?: { command?: string[]; runOnDeploy?: boolean; timeoutMinutes?: number };
}


/** Environment names become stack names and AWS name parts. */
const ENVIRONMENT_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,19}$/;

/**
 * Reads, validates and resolves one environment file. Throws `ConfigError` listing every problem found.
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

  if (!ENVIRONMENT_NAME.test(name)) {
    problem("(file name)", `got ${JSON.stringify(name)}; allowed: lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen, at most 20 characters`);
  }
  let raw: unknown;
  try {
    raw = readJsonFile(file, shown);
  } catch (error) {
    if (error instanceof ConfigError) problems.push(...error.problems);
    throw new ConfigError(problems);
  }
  problems.push(...schemaProblems(schemaValidator(), raw, shown));
  if (problems.length > 0) throw new ConfigError(problems);
  const config = resolve(raw as EnvironmentFile, name, shown);
  checkRelations(config, problem);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Checks that need more than one field, or facts the schema cannot express. They run on the resolved config, so
 * defaults are computed once (in `resolve`); tier defaults are always safe, so an unsafe production value was set
 * in the file.
 */
function checkRelations(c: EnvironmentConfig, problem: (field: string, message: string) => void): void {
  c.availabilityZones.forEach((az, i) => {
    if (!new RegExp(`^${c.region}[a-z]$`).test(az)) {
      problem(`availabilityZones[${i}]`, `got ${JSON.stringify(az)}, which is not in region ${c.region}; allowed: ${c.region}a, ${c.region}b, ...`);
    }
  });

  try {
    planSubnets(c.network.vpcCidr, c.availabilityZones.length);
  } catch (error) {
    if (!(error instanceof CidrError)) throw error;
    problem("network.vpcCidr", error.message.replace(/^network\.vpcCidr:\s*/, ""));
  }

  const { cpu, memoryMiB, desiredCount, minCount, maxCount } = c.service;
  if (!isFargateSize(cpu, memoryMiB)) {
    problem("service.memoryMiB", `got ${memoryMiB} with cpu ${cpu}, which Fargate does not offer; allowed for cpu ${cpu}: ${describeFargateMemory(cpu)}`);
  }
  if (minCount > desiredCount) problem("service.minCount", `got ${minCount}; allowed: at most desiredCount (${desiredCount})`);
  if (maxCount < desiredCount) problem("service.maxCount", `got ${maxCount}; allowed: at least desiredCount (${desiredCount})`);

  const { allocatedStorageGiB, maxAllocatedStorageGiB, instanceClass, performanceInsights } = c.database;
  const minimumCeiling = minimumMaxAllocatedStorageGiB(allocatedStorageGiB);
  if (maxAllocatedStorageGiB < minimumCeiling) {
    problem("database.maxAllocatedStorageGiB", `got ${maxAllocatedStorageGiB}; allowed: at least 10% above allocatedStorageGiB (${minimumCeiling} or more), up to 65536`);
  }
  if (performanceInsights && !supportsPerformanceInsights(instanceClass)) {
    problem(
      "database.performanceInsights",
      `is on${c.production ? " (the production default)" : ""} but ${instanceClass} does not support it; allowed: db.t4g.medium or larger, or performanceInsights false`,
    );
  }

  const { intervalSeconds, timeoutSeconds } = c.loadBalancer.healthCheck;
  if (timeoutSeconds >= intervalSeconds) {
    problem("loadBalancer.healthCheck.timeoutSeconds", `got ${timeoutSeconds}; allowed: less than intervalSeconds (${intervalSeconds})`);
  }

  if (c.production) {
    // Production may change defaults, but never to something unsafe.
    if (!c.domain) {
      problem("domain", "is missing; production serves HTTPS only, so it needs a domain with its Route53 hostedZoneId");
    }
    const unsafe: Array<[string, boolean, boolean, string]> = [
      ["database.multiAz", c.database.multiAz, false, "production keeps a standby in a second AZ"],
      ["database.deletionProtection", c.database.deletionProtection, false, "production databases cannot be deleted by accident"],
      ["network.flowLogs", c.network.flowLogs, false, "production keeps VPC flow logs (FSBP EC2.6)"],
      ["loadBalancer.accessLogs", c.loadBalancer.accessLogs, false, "production keeps ALB access logs (FSBP ELB.5)"],
      ["service.fargateSpot", c.service.fargateSpot, true, "Spot tasks can be reclaimed at two minutes' notice"],
      ["service.enableExecuteCommand", c.service.enableExecuteCommand, true, "ECS Exec needs a writable root filesystem, and production keeps it read-only"],
    ];
    for (const [field, given, forbidden, why] of unsafe) {
      if (given === forbidden) problem(field, `got ${JSON.stringify(given)}; allowed in production: ${JSON.stringify(!forbidden)} (${why})`);
    }
    if (desiredCount < 2) {
      problem("service.desiredCount", `got ${desiredCount}; allowed in production: 2 or more (one task per AZ at least)`);
    } else if (minCount < 2) {
      problem("service.minCount", `got ${minCount}; allowed in production: 2 or more`);
    }
    if (c.secrets.recoveryWindowDays < 30) {
      problem("secrets.recoveryWindowDays", `got ${c.secrets.recoveryWindowDays}; allowed in production: 30`);
    }
  }
}

function resolve(input: EnvironmentFile, name: string, file: string): EnvironmentConfig {
  const production = input.tier === "production";
  const defaults = tierDefaults(production);
  const imageAt = input.image.lastIndexOf(":");
  const registry = input.service.registryCredentials;
  const desired = input.service.desiredCount;
  const minCount = input.service.minCount ?? desired;
  const healthCheck = input.loadBalancer?.healthCheck ?? {};
  return {
    name,
    file,
    tier: input.tier,
    production,
    accountId: input.accountId,
    region: input.region,
    availabilityZones: [...input.availabilityZones],
    image: { repository: input.image.slice(0, imageAt), tag: input.image.slice(imageAt + 1) },
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
      deletionProtection: production,
      healthCheck: {
        intervalSeconds: healthCheck.intervalSeconds ?? 10,
        timeoutSeconds: healthCheck.timeoutSeconds ?? 5,
        healthyThreshold: healthCheck.healthyThreshold ?? 2,
        unhealthyThreshold: healthCheck.unhealthyThreshold ?? 3,
      },
    },
    service: {
      cpu: input.service.cpu,
      memoryMiB: input.service.memoryMiB,
      desiredCount: desired,
      minCount,
      maxCount: input.service.maxCount ?? Math.max(desired * 2, minCount),
      cpuArchitecture: input.service.cpuArchitecture ?? "X86_64",
      fargateSpot: input.service.fargateSpot ?? false,
      enableExecuteCommand: input.service.enableExecuteCommand ?? defaults.enableExecuteCommand,
      poolSize: input.service.poolSize ?? 10,
      logRetentionDays: input.service.logRetentionDays ?? defaults.logRetentionDays,
      healthCheckGracePeriodSeconds: input.service.healthCheckGracePeriodSeconds ?? 60,
      targetCpuPercent: input.service.targetCpuPercent ?? 60,
      targetRequestsPerTarget: input.service.targetRequestsPerTarget ?? 1000,
      registryCredentials:
        registry === undefined ? undefined : registry === "managed" ? { mode: "managed" } : { mode: "existing", secretArn: registry },
    },
    database: {
      engineVersion: input.database.engineVersion ?? DEFAULT_POSTGRES_ENGINE_VERSION,
      instanceClass: input.database.instanceClass,
      allocatedStorageGiB: input.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: input.database.maxAllocatedStorageGiB ?? Math.min(Math.max(input.database.allocatedStorageGiB * 5, 100), 65536),
      backupRetentionDays: input.database.backupRetentionDays ?? defaults.backupRetentionDays,
      multiAz: input.database.multiAz ?? defaults.protective,
      deletionProtection: input.database.deletionProtection ?? defaults.protective,
      performanceInsights: input.database.performanceInsights ?? defaults.protective,
      monitoringIntervalSeconds: input.database.monitoringIntervalSeconds ?? defaults.monitoringIntervalSeconds,
      logRetentionDays: input.database.logRetentionDays ?? defaults.logRetentionDays,
    },
    secrets: {
      recoveryWindowDays: input.secrets?.recoveryWindowDays ?? defaults.secretRecoveryWindowDays,
      customerManagedKey: input.secrets?.customerManagedKey ?? false,
    },
    migrations: {
      command: [...(input.migrations?.command ?? ["/app/bin/migrate"])],
      runOnDeploy: input.migrations?.runOnDeploy ?? true,
      timeoutMinutes: input.migrations?.timeoutMinutes ?? 15,
    },
  };
}

/**
 * Loads every `*.json` environment file in `dir` (except the schema). Collects the problems of all files before
 * throwing, so that one run shows everything to fix.
 */
export function loadEnvironments(dir: string): EnvironmentConfig[] {
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
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}

/** Parses a JSON file; a file that cannot be read or parsed is a {@link ConfigError} naming it. */
export function readJsonFile(file: string, shown: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([{ file: shown, field: "(file)", message: `cannot be read: ${(error as Error).message}` }]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ file: shown, field: "(file)", message: `is not valid JSON: ${(error as Error).message}` }]);
  }
}

/**
 * Checks `raw` against a compiled schema: one problem per field, naming the value given and what is allowed.
 * Shared by the environment files and `state.json`.
 */
export function schemaProblems(validate: SchemaValidator, raw: unknown, shown: string): ConfigProblem[] {
  if (validate(raw)) return [];
  // A oneOf reports each failed branch too; its own error says it better.
  const errors = (validate.errors ?? []).filter((e) => !e.schemaPath.includes("/oneOf/"));
  return dedupe(errors.map((error) => {
    const [field, message] = describeSchemaError(error, raw);
    return { file: shown, field, message };
  }));
}

/** Turns an Ajv error into (field, message) naming the value given and what is allowed. */
function describeSchemaError(error: ErrorObject, root: unknown): [string, string] {
  const segments = error.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const field = segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "") || "(top level)";
  const given = segments.reduce<unknown>((value, s) => (value as Record<string, unknown> | undefined)?.[s], root);
  const got = `got ${JSON.stringify(given)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const where = field === "(top level)" ? key : `${field}.${key}`;
      const schema = error.parentSchema as { properties?: Record<string, unknown> };
      const allowed = Object.keys(schema.properties ?? {}).filter((k) => k !== "$schema");
      return [where, `is not a known setting; allowed keys here: ${allowed.join(", ")}`];
    }
    case "required":
      return [field === "(top level)" ? String(params.missingProperty) : `${field}.${String(params.missingProperty)}`, "is required"];
    case "type":
      return [field, `${got}; allowed: a value of type ${String(params.type)}`];
    case "enum":
      return [field, `${got}; allowed: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`];
    case "const":
      return [field, `${got}; allowed: ${JSON.stringify(params.allowedValue)}`];
    case "pattern":
      return [field, `${got}; allowed: ${describePattern(field)}`];
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const schema = error.parentSchema as { minimum?: number; maximum?: number };
      return [field, `${got}; allowed: ${schema.minimum ?? "-∞"} to ${schema.maximum ?? "∞"}`];
    }
    case "minItems":
      return [field, `has ${(given as unknown[]).length} item(s); allowed: at least ${String(params.limit)}`];
    case "maxItems":
      return [field, `has ${(given as unknown[]).length} item(s); allowed: at most ${String(params.limit)}`];
    case "uniqueItems":
      return [field, `${got}; allowed: no duplicates (items ${String(params.j)} and ${String(params.i)} are equal)`];
    case "oneOf":
      return [field, `${got}; allowed: ${describePattern(field)}`];
    default:
      return [field, `${got}; ${error.message ?? "is invalid"}`];
  }
}

/** Human words for the schema's patterns, by field. */
function describePattern(field: string): string {
  const leaf = field.replace(/\[\d+\]$/, "").split(".").pop() ?? field;
  const words: Record<string, string> = {
    accountId: "a 12-digit AWS account id, as a string",
    availabilityZones: "an availability zone name such as eu-west-1a",
    image: "ghcr.io/<owner>/<name>:<tag>, lower-case owner and name, for example ghcr.io/example-org/whcsites:1.4.2",
    name: "a lower-case DNS name such as api.example.org",
    hostedZoneId: "a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ",
    certificateArn: "an ACM certificate ARN",
    vpcCidr: "an IPv4 CIDR such as 10.20.0.0/16",
    engineVersion: "a PostgreSQL major version 13 to 17, optionally with a minor, such as 16 or 16.11",
    instanceClass: "an RDS instance class such as db.t4g.small",
    registryCredentials: '"managed" or a Secrets Manager secret ARN',
    region: "an AWS region code such as eu-west-1",
    bucketName: "an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens",
    lockTableName: "a DynamoDB table name: 3-255 letters, digits, _ . -",
  };
  return words[leaf] ?? "see environments/schema.json";
}

/** Ajv may report one field more than once; keep the first message of each. */
function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const byField = new Map<string, ConfigProblem>();
  for (const p of problems) {
    if (!byField.has(p.field)) byField.set(p.field, p);
  }
  return [...byField.values()];
}
