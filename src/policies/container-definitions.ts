import type { Violation } from "./framework";
import { Config, UNKNOWN, Unknown, parseJsonWithTokens } from "./values";

/** One container of an `aws_ecs_task_definition`, keys as in the ECS API (camelCase). */
export type ContainerDefinition = Readonly<Record<string, unknown>>;

/**
 * The containers of a task definition, parsed from its `container_definitions` JSON. References inside the JSON
 * (a secret ARN, a log group name) are kept as strings. {@link UNKNOWN} when the value is not a JSON array, for
 * example a `${jsonencode(...)}` expression: the rules cannot read it then.
 */
export function readContainers(taskDefinition: Config): readonly ContainerDefinition[] | Unknown {
  const parsed = parseJsonWithTokens(taskDefinition.container_definitions);
  if (!Array.isArray(parsed)) return UNKNOWN;
  if (!parsed.every((c) => c !== null && typeof c === "object" && !Array.isArray(c))) return UNKNOWN;
  return parsed as ContainerDefinition[];
}

/** The container's name for messages. */
export function containerName(container: ContainerDefinition, index: number): string {
  return typeof container.name === "string" ? `container "${container.name}"` : `container #${index + 1}`;
}

/** The violation every container rule reports when the definitions cannot be read. */
export const UNREADABLE_CONTAINERS = {
  problem: "container_definitions cannot be read before apply (it is not a JSON array, for example a jsonencode() expression)",
  fix: "build container_definitions with JSON.stringify([...]); references inside string values are fine",
} as const;

/**
 * Runs `check` on every container of a task definition and collects its violations; reports
 * {@link UNREADABLE_CONTAINERS} once when the definitions cannot be read.
 *
 * @param check gets the container and its name for messages (see {@link containerName})
 */
export function checkEachContainer(taskDefinition: Config, check: (container: ContainerDefinition, name: string) => readonly Violation[]): Violation[] {
  const containers = readContainers(taskDefinition);
  if (containers === UNKNOWN) return [UNREADABLE_CONTAINERS];
  return containers.flatMap((container, index) => check(container, containerName(container, index)));
}
