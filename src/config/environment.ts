import * as fs from "fs";
import * as path from "path";
import type { ErrorObject } from "ajv";
import { describeFargateMemory, isFargateSize } from "./fargate";
import { CidrError, planSubnets } from "../cidr";
import { compileSchemaFile, SchemaValidator } from "./schema-validator";

/** Production gets the safe, highly available defaults; non-production the cheap ones. */
export type Tier = "production" | "non-production";

import type { NatGatewayMode } from "../constructs/network";

/** Where the service's private-registry pull credentials come from. */
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

/**
 * Default PostgreSQL version when the file names none: the major version only, so RDS creates the current 16.x and
 * automatic minor upgrades never show up as drift (a pinned minor would make every plan after an upgrade ask for a
 * downgrade).
 */
export const DEFAULT_POSTGRES_VERSION = "16";

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
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    problem("(file)", `is not valid JSON: ${(error as Error).message}`);
    throw new ConfigError(problems);
  }

  const validate = schemaValidator();
  if (!validate(raw)) {
    // A oneOf reports each failed branch too; its own error says it better.
    for (const error of (validate.errors ?? []).filter((e) => !e.schemaPath.includes("/oneOf/"))) {
      problem(...describeSchemaError(error, raw));
    }
    throw new ConfigError(dedupe(problems));
  }
  const input = raw as EnvironmentFile;
  checkRelations(input, problem);
  if (problems.length > 0) throw new ConfigError(problems);
  return resolve(input, name, shown);
}

/** Checks that need more than one field, or facts the schema cannot express. */
function checkRelations(input: EnvironmentFile, problem: (field: string, message: string) => void): void {
  const production = input.tier === "production";

  input.availabilityZones.forEach((az, i) => {
    if (!new RegExp(`^${input.region}[a-z]$`).test(az)) {
      problem(`availabilityZones[${i}]`, `got ${JSON.stringify(az)}, which is not in region ${input.region}; allowed: ${input.region}a, ${input.region}b, ...`);
    }
  });

  try {
    planSubnets(input.network.vpcCidr, input.availabilityZones.length);
  } catch (error) {
    if (!(error instanceof CidrError)) throw error;
    problem("network.vpcCidr", error.message.replace(/^network\.vpcCidr:\s*/, ""));
  }

  const { cpu, memoryMiB } = input.service;
  if (!isFargateSize(cpu, memoryMiB)) {
    problem("service.memoryMiB", `got ${memoryMiB} with cpu ${cpu}, which Fargate does not offer; allowed for cpu ${cpu}: ${describeFargateMemory(cpu)}`);
  }

  const min = input.service.minCount ?? input.service.desiredCount;
  const max = input.service.maxCount ?? Math.max(input.service.desiredCount * 2, min);
  if (min > input.service.desiredCount) {
    problem("service.minCount", `got ${min}; allowed: at most desiredCount (${input.service.desiredCount})`);
  }
  if (max < input.service.desiredCount) {
    problem("service.maxCount", `got ${max}; allowed: at least desiredCount (${input.service.desiredCount})`);
  }

  const { allocatedStorageGiB, maxAllocatedStorageGiB } = input.database;
  // RDS storage autoscaling needs the ceiling at least 10% above the allocated size.
  const minimumCeiling = Math.ceil(allocatedStorageGiB * 1.1);
  if (maxAllocatedStorageGiB !== undefined && maxAllocatedStorageGiB < minimumCeiling) {
    problem("database.maxAllocatedStorageGiB", `got ${maxAllocatedStorageGiB}; allowed: at least 10% above allocatedStorageGiB (${minimumCeiling} or more), up to 65536`);
  }
  const { instanceClass, performanceInsights } = input.database;
  if ((performanceInsights ?? production) && /^db\.t\d+g?\.(micro|small)$/.test(instanceClass)) {
    problem("database.performanceInsights", `is on (${performanceInsights === undefined ? "the production default" : "set"}) but ${instanceClass} does not support it; allowed: db.t4g.medium or larger, or performanceInsights false`);
  }

  const healthCheck = input.loadBalancer?.healthCheck;
  if (healthCheck) {
    const interval = healthCheck.intervalSeconds ?? 10;
    const timeout = healthCheck.timeoutSeconds ?? 5;
    if (timeout >= interval) {
      problem("loadBalancer.healthCheck.timeoutSeconds", `got ${timeout}; allowed: less than intervalSeconds (${interval})`);
    }
  }

  if (production) {
    // Production may change defaults, but never to something unsafe.
    if (!input.domain) {
      problem("domain", "is missing; production serves HTTPS only, so it needs a domain with its Route53 hostedZoneId");
    }
    const unsafe: Array<[string, unknown, unknown, string]> = [
      ["database.multiAz", input.database.multiAz, false, "production keeps a standby in a second AZ"],
      ["database.deletionProtection", input.database.deletionProtection, false, "production databases cannot be deleted by accident"],
      ["network.flowLogs", input.network.flowLogs, false, "production keeps VPC flow logs (FSBP EC2.6)"],
      ["loadBalancer.accessLogs", input.loadBalancer?.accessLogs, false, "production keeps ALB access logs (FSBP ELB.5)"],
      ["service.fargateSpot", input.service.fargateSpot, true, "Spot tasks can be reclaimed at two minutes' notice"],
      ["service.enableExecuteCommand", input.service.enableExecuteCommand, true, "ECS Exec needs a writable root filesystem, and production keeps it read-only"],
    ];
    for (const [field, given, forbidden, why] of unsafe) {
      if (given === forbidden) problem(field, `got ${JSON.stringify(given)}; allowed in production: ${JSON.stringify(!forbidden)} (${why})`);
    }
    if (input.service.desiredCount < 2) {
      problem("service.desiredCount", `got ${input.service.desiredCount}; allowed in production: 2 or more (one task per AZ at least)`);
    }
    if (input.service.minCount !== undefined && input.service.minCount < 2) {
      problem("service.minCount", `got ${input.service.minCount}; allowed in production: 2 or more`);
    }
    if (input.secrets?.recoveryWindowDays !== undefined && input.secrets.recoveryWindowDays < 30) {
      problem("secrets.recoveryWindowDays", `got ${input.secrets.recoveryWindowDays}; allowed in production: 30`);
    }
  }
}

function resolve(input: EnvironmentFile, name: string, file: string): EnvironmentConfig {
  const production = input.tier === "production";
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
      natGateways: input.network.natGateways ?? (production ? "one-per-az" : "single"),
      flowLogs: input.network.flowLogs ?? true,
      flowLogRetentionDays: input.network.flowLogRetentionDays ?? (production ? 365 : 30),
      vpcEndpoints: input.network.vpcEndpoints ?? false,
    },
    loadBalancer: {
      accessLogs: input.loadBalancer?.accessLogs ?? production,
      accessLogRetentionDays: input.loadBalancer?.accessLogRetentionDays ?? (production ? 365 : 30),
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
      enableExecuteCommand: input.service.enableExecuteCommand ?? !production,
      poolSize: input.service.poolSize ?? 10,
      logRetentionDays: input.service.logRetentionDays ?? (production ? 365 : 30),
      healthCheckGracePeriodSeconds: input.service.healthCheckGracePeriodSeconds ?? 60,
      targetCpuPercent: input.service.targetCpuPercent ?? 60,
      targetRequestsPerTarget: input.service.targetRequestsPerTarget ?? 1000,
      registryCredentials:
        registry === undefined ? undefined : registry === "managed" ? { mode: "managed" } : { mode: "existing", secretArn: registry },
    },
    database: {
      engineVersion: input.database.engineVersion ?? DEFAULT_POSTGRES_VERSION,
      instanceClass: input.database.instanceClass,
      allocatedStorageGiB: input.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: input.database.maxAllocatedStorageGiB ?? Math.min(Math.max(input.database.allocatedStorageGiB * 5, 100), 65536),
      backupRetentionDays: input.database.backupRetentionDays ?? (production ? 14 : 7),
      multiAz: input.database.multiAz ?? production,
      deletionProtection: input.database.deletionProtection ?? production,
      performanceInsights: input.database.performanceInsights ?? production,
      monitoringIntervalSeconds: input.database.monitoringIntervalSeconds ?? (production ? 60 : 0),
      logRetentionDays: input.database.logRetentionDays ?? (production ? 365 : 30),
    },
    secrets: {
      recoveryWindowDays: input.secrets?.recoveryWindowDays ?? (production ? 30 : 7),
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
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort();
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
