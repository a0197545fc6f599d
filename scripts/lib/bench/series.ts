/**
 * The environments of the benchmark's scaling series: the multi-service example with 1, 5, 10, ... services, so that
 * the cost of synthesis can be read per added service.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../terraform/check-stacks";

/** The environment file every point of the series is generated from. */
export const EXAMPLE_FILE = path.join(PROJECT_ROOT, "examples", "multi-service", "environments", "demo.json");

/** The example's service every environment keeps: the API, on the default route. */
export const FIRST_SERVICE = "api";

/**
 * The example's service each added service copies: a routed Phoenix service with a database and a secret, so every
 * copy brings what a real added service brings (target group, listener rule, alarms, security group rules, roles).
 */
export const TEMPLATE_SERVICE = "admin";

type Json = Record<string, unknown>;

/** One point of the series: how many services, and the folder holding its one environment file. */
export interface SeriesPoint {
  readonly services: number;
  readonly dir: string;
}

/**
 * The example environment with `count` services: the first service as it is, then `count - 1` copies of the
 * template named `<template>-1`, `<template>-2`, ..., each on its own paths (`/<name>`, `/<name>/*`) with its own
 * health check path and listener rule priority (the template's, then one more for each copy). Everything else in the
 * file stays as the example has it. Throws when the example lacks either service or the template has no priority.
 */
export function environmentWithServices(example: Json, count: number): Json {
  if (!Number.isInteger(count) || count < 1) throw new Error(`services: got ${count}; allowed: a whole number from 1`);
  const services = (example.services ?? {}) as Record<string, Json>;
  const first = services[FIRST_SERVICE];
  const template = services[TEMPLATE_SERVICE];
  const priority = (template?.route as Json | undefined)?.priority;
  if (first === undefined || template === undefined || typeof priority !== "number") {
    throw new Error(`the example has no services.${FIRST_SERVICE} or no services.${TEMPLATE_SERVICE} with a route priority`);
  }
  const generated: Record<string, Json> = { [FIRST_SERVICE]: first };
  for (let i = 1; i < count; i++) {
    const name = `${TEMPLATE_SERVICE}-${i}`;
    generated[name] = { ...template, route: { paths: [`/${name}`, `/${name}/*`], priority: priority + i - 1 }, healthCheckPath: `/${name}/healthz` };
  }
  const environment: Json = { ...example, services: generated };
  // The generated folder is elsewhere: the example's relative $schema would point nowhere.
  delete environment.$schema;
  return environment;
}

/**
 * Writes one folder per count under `dir` (`services-<count>/`), each holding the example's file with that many
 * services under the example's file name, ready for `WHCSITES_ENVIRONMENTS_DIR`.
 */
export function writeSeries(dir: string, counts: readonly number[], exampleFile: string = EXAMPLE_FILE): SeriesPoint[] {
  const example = JSON.parse(fs.readFileSync(exampleFile, "utf8")) as Json;
  return counts.map((services) => {
    const folder = path.join(dir, `services-${services}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, path.basename(exampleFile)), `${JSON.stringify(environmentWithServices(example, services), null, 2)}\n`);
    return { services, dir: folder };
  });
}
