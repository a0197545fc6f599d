import { imageReferenceProblem } from "../operator/image-reference";

/** The name of the Terraform output, on each environment stack, that describes its services. */
export const SERVICES_OUTPUT_NAME = "services";

/** One service of an environment, as the stack's `services` output describes it (written by src/stacks/environment-stack.ts). */
export interface ServiceTarget {
  /** The key in the `services` map, for example `api`. */
  readonly name: string;
  /** The ECS service name (`service_name`). */
  readonly serviceName: string;
  /** The ECS cluster name (`cluster`). */
  readonly cluster: string;
  /** The image the service is configured to run (`image`): `<repository>:<tag>` or `<repository>@sha256:<digest>`. */
  readonly image: string;
  /** The task definition family (`task_definition_family`). @default unknown: no latest-revision check */
  readonly taskDefinitionFamily?: string;
  /** Its load balancer target group (`target_group_arn`). @default none: the service has no route */
  readonly targetGroupArn?: string;
  /** Its base URL (`url`). @default none */
  readonly url?: string;
  /** The URL that must answer 200 (`health_check_url`). @default none: not reachable through a route */
  readonly healthCheckUrl?: string;
}

function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * Builds the services from the `services` output value (a map from service name to its fields).
 *
 * @param source names the stack in messages, for example `stack whcsites-staging`
 * @throws Error listing every missing or malformed field, one line each, with the value given and what is allowed
 */
export function servicesFromOutput(value: unknown, source: string): ServiceTarget[] {
  const where = `${source}: the "${SERVICES_OUTPUT_NAME}" output`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where} must be a map from service name to its settings, got ${JSON.stringify(value)}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new Error(`${where} is empty: the environment has no service to verify`);
  const problems: string[] = [];
  const services: ServiceTarget[] = [];
  for (const [name, raw] of entries) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${name}: must be an object, got ${JSON.stringify(raw)}`);
      continue;
    }
    const v = raw as Record<string, unknown>;
    const required = (field: string): string => {
      const given = v[field];
      if (typeof given !== "string" || given.trim().length === 0) problems.push(`${name}.${field}: got ${JSON.stringify(given)}; allowed: a non-empty string`);
      return given as string;
    };
    const optional = (field: string, check: (s: string) => boolean, allowed: string): string | undefined => {
      const given = v[field];
      if (given === null || given === undefined) return undefined;
      if (typeof given !== "string" || !check(given)) {
        problems.push(`${name}.${field}: got ${JSON.stringify(given)}; allowed: ${allowed} or null`);
        return undefined;
      }
      return given;
    };
    const service: ServiceTarget = {
      name,
      serviceName: required("service_name"),
      cluster: required("cluster"),
      image: required("image"),
      taskDefinitionFamily: optional("task_definition_family", (s) => s.length > 0, "a task definition family"),
      targetGroupArn: optional("target_group_arn", (s) => /^arn:[^:]+:elasticloadbalancing:/.test(s), "a target group ARN (arn:aws:elasticloadbalancing:...)"),
      url: optional("url", isUrl, "an http(s) URL"),
      healthCheckUrl: optional("health_check_url", isUrl, "an http(s) URL"),
    };
    if (typeof service.image === "string" && service.image.trim().length > 0) {
      const problem = imageReferenceProblem(service.image);
      if (problem !== undefined) problems.push(`${name}.image: got ${JSON.stringify(service.image)}; ${problem}`);
    }
    services.push(service);
  }
  if (problems.length > 0) throw new Error(`${where} is not usable:\n  - ${problems.join("\n  - ")}`);
  return services.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The services named, in the order given, or all of them when none is named.
 *
 * @throws Error naming the unknown names and the services the environment has
 */
export function selectServices(all: readonly ServiceTarget[], names: readonly string[] | undefined): ServiceTarget[] {
  if (names === undefined || names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`--service ${unknown.map((n) => JSON.stringify(n)).join(", ")}: no such service; the environment has ${all.map((s) => s.name).join(", ")}`);
  }
  return [...new Set(names)].map((n) => all.find((s) => s.name === n) as ServiceTarget);
}
