/**
 * ECS container definitions as synthesized (`aws_ecs_task_definition.container_definitions`, a JSON string that may
 * hold `${...}` references) checked against the API shape of `ContainerDefinition` in `@aws-sdk/client-ecs`.
 *
 * The plan cannot show them: whenever they reference an ARN created in the same apply, they are "known after
 * apply". Reading the synthesized JSON catches a misspelt key or a wrong type before ECS rejects the task definition.
 */
import {
  ApplicationProtocol,
  ContainerCondition,
  LogDriver,
  TransportProtocol,
  VersionConsistency,
  type ContainerDefinition,
  type ContainerDependency,
  type ContainerRestartPolicy,
  type Device,
  type EnvironmentFile,
  type FirelensConfiguration,
  type HealthCheck,
  type HostEntry,
  type KernelCapabilities,
  type KeyValuePair,
  type LinuxParameters,
  type LogConfiguration,
  type MountPoint,
  type PortMapping,
  type RepositoryCredentials,
  type ResourceRequirement,
  type Secret,
  type SystemControl,
  type Tmpfs,
  type Ulimit,
  type VolumeFrom,
} from "@aws-sdk/client-ecs";
import type { StackJson } from "./stack-json";

type Scalar = "string" | "number" | "boolean" | "string[]" | "number[]" | "string-map";
interface EnumSpec {
  readonly oneOf: readonly string[];
}
interface ObjectSpec {
  readonly object: Shape;
}
interface ListSpec {
  readonly listOf: Shape;
}
type FieldSpec = Scalar | EnumSpec | ObjectSpec | ListSpec;

/** Every key of the SDK type, each with the kind of value it takes, and the keys the API requires. */
interface Shape {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly required: readonly string[];
}

/**
 * A shape that names every key of `T`: listing a key that `T` lacks, or leaving one of its keys out, is a compile
 * error, so an SDK upgrade that adds a key shows up here.
 */
function shape<T>(fields: { readonly [K in keyof Required<T>]: FieldSpec }, required: readonly (keyof T & string)[] = []): Shape {
  return { fields, required };
}

const values = (o: Record<string, string>): EnumSpec => ({ oneOf: Object.values(o) });

const KEY_VALUE = shape<KeyValuePair>({ name: "string", value: "string" }, ["name", "value"]);
const SECRET = shape<Secret>({ name: "string", valueFrom: "string" }, ["name", "valueFrom"]);

/** The shape of one ECS container definition. */
export const CONTAINER_DEFINITION: Shape = shape<ContainerDefinition>(
  {
    name: "string",
    image: "string",
    repositoryCredentials: { object: shape<RepositoryCredentials>({ credentialsParameter: "string" }, ["credentialsParameter"]) },
    cpu: "number",
    memory: "number",
    memoryReservation: "number",
    links: "string[]",
    portMappings: {
      listOf: shape<PortMapping>({
        containerPort: "number",
        hostPort: "number",
        protocol: values(TransportProtocol),
        name: "string",
        appProtocol: values(ApplicationProtocol),
        containerPortRange: "string",
      }),
    },
    essential: "boolean",
    restartPolicy: {
      object: shape<ContainerRestartPolicy>({ enabled: "boolean", ignoredExitCodes: "number[]", restartAttemptPeriod: "number" }, ["enabled"]),
    },
    entryPoint: "string[]",
    command: "string[]",
    environment: { listOf: KEY_VALUE },
    environmentFiles: { listOf: shape<EnvironmentFile>({ value: "string", type: "string" }, ["value", "type"]) },
    mountPoints: { listOf: shape<MountPoint>({ sourceVolume: "string", containerPath: "string", readOnly: "boolean" }) },
    volumesFrom: { listOf: shape<VolumeFrom>({ sourceContainer: "string", readOnly: "boolean" }) },
    linuxParameters: {
      object: shape<LinuxParameters>({
        capabilities: { object: shape<KernelCapabilities>({ add: "string[]", drop: "string[]" }) },
        devices: { listOf: shape<Device>({ hostPath: "string", containerPath: "string", permissions: "string[]" }, ["hostPath"]) },
        initProcessEnabled: "boolean",
        sharedMemorySize: "number",
        tmpfs: { listOf: shape<Tmpfs>({ containerPath: "string", size: "number", mountOptions: "string[]" }, ["containerPath", "size"]) },
        maxSwap: "number",
        swappiness: "number",
      }),
    },
    secrets: { listOf: SECRET },
    dependsOn: {
      listOf: shape<ContainerDependency>({ containerName: "string", condition: values(ContainerCondition) }, ["containerName", "condition"]),
    },
    startTimeout: "number",
    stopTimeout: "number",
    versionConsistency: values(VersionConsistency),
    hostname: "string",
    user: "string",
    workingDirectory: "string",
    disableNetworking: "boolean",
    privileged: "boolean",
    readonlyRootFilesystem: "boolean",
    dnsServers: "string[]",
    dnsSearchDomains: "string[]",
    extraHosts: { listOf: shape<HostEntry>({ hostname: "string", ipAddress: "string" }, ["hostname", "ipAddress"]) },
    dockerSecurityOptions: "string[]",
    interactive: "boolean",
    pseudoTerminal: "boolean",
    dockerLabels: "string-map",
    ulimits: { listOf: shape<Ulimit>({ name: "string", softLimit: "number", hardLimit: "number" }, ["name", "softLimit", "hardLimit"]) },
    logConfiguration: {
      object: shape<LogConfiguration>(
        { logDriver: values(LogDriver), options: "string-map", secretOptions: { listOf: SECRET } },
        ["logDriver"],
      ),
    },
    healthCheck: {
      object: shape<HealthCheck>(
        { command: "string[]", interval: "number", timeout: "number", retries: "number", startPeriod: "number" },
        ["command"],
      ),
    },
    systemControls: { listOf: shape<SystemControl>({ namespace: "string", value: "string" }) },
    resourceRequirements: {
      listOf: shape<ResourceRequirement>({ value: "string", type: "string", sharingStrategy: "string" }, ["type"]),
    },
    firelensConfiguration: { object: shape<FirelensConfiguration>({ type: "string", options: "string-map" }, ["type"]) },
    credentialSpecs: "string[]",
  },
  // The API itself marks nothing required, but ECS rejects a container without a name or an image.
  ["name", "image"],
);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function checkScalar(kind: Scalar, value: unknown): boolean {
  switch (kind) {
    case "string":
    case "number":
    case "boolean":
      return typeof value === kind;
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "number[]":
      return Array.isArray(value) && value.every((v) => typeof v === "number");
    case "string-map":
      return isObject(value) && Object.values(value).every((v) => typeof v === "string");
  }
}

function checkShape(spec: Shape, value: unknown, where: string, problems: string[]): void {
  if (!isObject(value)) {
    problems.push(`${where}: expected an object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const key of spec.required) {
    if (value[key] === undefined || value[key] === null) problems.push(`${where}: required key "${key}" is missing`);
  }
  for (const [key, v] of Object.entries(value)) {
    const field = spec.fields[key];
    const at = `${where}.${key}`;
    if (field === undefined) {
      problems.push(`${at}: unknown key (known: ${Object.keys(spec.fields).join(", ")})`);
    } else if (typeof field === "string") {
      if (!checkScalar(field, v)) problems.push(`${at}: expected ${field}, got ${JSON.stringify(v)}`);
    } else if ("oneOf" in field) {
      if (typeof v !== "string" || !field.oneOf.includes(v)) problems.push(`${at}: expected one of ${field.oneOf.join(", ")}, got ${JSON.stringify(v)}`);
    } else if ("object" in field) {
      checkShape(field.object, v, at, problems);
    } else if (!Array.isArray(v)) {
      problems.push(`${at}: expected a list, got ${JSON.stringify(v)}`);
    } else {
      v.forEach((item, i) => checkShape(field.listOf, item, `${at}[${i}]`, problems));
    }
  }
}

/** The container definitions of one task definition, parsed, with every shape problem found. */
export interface ContainerDefinitionsCheck {
  /** Address of the task definition, for example `aws_ecs_task_definition.service`. */
  readonly address: string;
  /** The parsed definitions (empty when the value is not parseable). */
  readonly definitions: readonly ContainerDefinition[];
  /** Problems as `<address>[i].key: what is wrong`; empty when every definition has the ECS shape. */
  readonly problems: readonly string[];
}

/** Parse and check one `container_definitions` value. */
export function checkContainerDefinitions(address: string, raw: unknown): ContainerDefinitionsCheck {
  if (typeof raw !== "string") {
    return { address, definitions: [], problems: [`${address}: container_definitions is not a JSON string: ${JSON.stringify(raw)}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return {
      address,
      definitions: [],
      problems: [`${address}: container_definitions is not valid JSON (${(error as Error).message}); build it with JSON.stringify of literal values`],
    };
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    return { address, definitions: [], problems: [`${address}: container_definitions must be a non-empty JSON array`] };
  }
  const problems: string[] = [];
  parsed.forEach((definition, i) => checkShape(CONTAINER_DEFINITION, definition, `${address}[${i}]`, problems));
  return { address, definitions: parsed as ContainerDefinition[], problems };
}

/** Every `aws_ecs_task_definition` of a synthesized stack, checked. */
export function checkStackContainerDefinitions(stack: StackJson): ContainerDefinitionsCheck[] {
  const taskDefinitions = stack.resource?.aws_ecs_task_definition ?? {};
  return Object.entries(taskDefinitions).map(([name, body]) =>
    checkContainerDefinitions(`aws_ecs_task_definition.${name}`, body.container_definitions),
  );
}
