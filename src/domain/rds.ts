import { closest, distance } from "fastest-levenshtein";

/* Facts about RDS for PostgreSQL that the constructs (and the cost and alarm code) rely on. */

/** Intervals RDS enhanced monitoring accepts; 0 turns it off. */
export const MONITORING_INTERVALS_SECONDS: readonly number[] = [0, 1, 5, 10, 15, 30, 60];

/** Whether RDS offers Performance Insights on an instance class: not on the db.t*.micro and db.t*.small classes. */
export function supportsPerformanceInsights(instanceClass: string): boolean {
  return !/^db\.t\d+g?\.(micro|small)$/.test(instanceClass);
}

/** The smallest storage autoscaling ceiling RDS accepts: 10% above the allocated storage. */
export function minimumMaxAllocatedStorageGiB(allocatedStorageGiB: number): number {
  return Math.ceil((allocatedStorageGiB * 11) / 10);
}

/** Memory in GiB per size, by family kind: burstable (t), general purpose (m), memory optimized (r, x2g). */
const MEMORY_GIB_BY_SIZE = {
  t: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 },
  m: { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128, "12xlarge": 192, "16xlarge": 256, "24xlarge": 384, "32xlarge": 512, "48xlarge": 768 },
  r: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256, "12xlarge": 384, "16xlarge": 512, "24xlarge": 768, "32xlarge": 1024, "48xlarge": 1536 },
  x: { large: 32, xlarge: 64, "2xlarge": 128, "4xlarge": 256, "8xlarge": 512, "12xlarge": 768, "16xlarge": 1024 },
} as const;

type Kind = keyof typeof MEMORY_GIB_BY_SIZE;
type Size<K extends Kind> = keyof (typeof MEMORY_GIB_BY_SIZE)[K];
const sizes = <K extends Kind>(kind: K, ...names: Array<Size<K>>): Array<[string, number]> =>
  names.map((name) => [String(name), MEMORY_GIB_BY_SIZE[kind][name] as number]);
const UP_TO_16X = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"] as const;
const UP_TO_24X = [...UP_TO_16X, "24xlarge"] as const;
const UP_TO_32X = [...UP_TO_24X, "32xlarge"] as const;
const UP_TO_48X = [...UP_TO_24X, "48xlarge"] as const;
const BURSTABLE = ["micro", "small", "medium", "large", "xlarge", "2xlarge"] as const;

/**
 * The instance classes RDS for PostgreSQL 13 to 17 offers (current generation, single-AZ and Multi-AZ instance
 * deployments), with their memory in GiB. Source: the Amazon RDS User Guide, "Supported DB engines for DB instance
 * classes" and "Hardware specifications for DB instance classes", as of 2026-11. A region may offer fewer: RDS then
 * refuses the class at apply (`describe-orderable-db-instance-options` lists a region's classes).
 */
export const RDS_POSTGRES_INSTANCE_CLASSES: ReadonlyMap<string, number> = new Map(
  (
    [
      ["t3", sizes("t", ...BURSTABLE)],
      ["t4g", sizes("t", ...BURSTABLE)],
      ["m5", sizes("m", ...UP_TO_24X)],
      ["m5d", sizes("m", ...UP_TO_24X)],
      ["m6g", sizes("m", ...UP_TO_16X)],
      ["m6gd", sizes("m", ...UP_TO_16X)],
      ["m6i", sizes("m", ...UP_TO_32X)],
      ["m6id", sizes("m", ...UP_TO_32X)],
      ["m6idn", sizes("m", ...UP_TO_32X)],
      ["m6in", sizes("m", ...UP_TO_32X)],
      ["m7g", sizes("m", ...UP_TO_16X)],
      ["m7i", sizes("m", ...UP_TO_48X)],
      ["m8g", sizes("m", ...UP_TO_48X)],
      ["r5", sizes("r", ...UP_TO_24X)],
      ["r5b", sizes("r", ...UP_TO_24X)],
      ["r5d", sizes("r", ...UP_TO_24X)],
      ["r6g", sizes("r", ...UP_TO_16X)],
      ["r6gd", sizes("r", ...UP_TO_16X)],
      ["r6i", sizes("r", ...UP_TO_32X)],
      ["r6id", sizes("r", ...UP_TO_32X)],
      ["r6idn", sizes("r", ...UP_TO_32X)],
      ["r6in", sizes("r", ...UP_TO_32X)],
      ["r7g", sizes("r", ...UP_TO_16X)],
      ["r7i", sizes("r", ...UP_TO_48X)],
      ["r8g", sizes("r", ...UP_TO_48X)],
      ["x2g", sizes("x", ...UP_TO_16X)],
    ] as Array<[string, Array<[string, number]>]>
  ).flatMap(([family, list]) => list.map(([size, gib]) => [`db.${family}.${size}`, gib] as [string, number])),
);

/** Previous-generation families that RDS no longer offers for PostgreSQL 13 and later. */
const RETIRED_FAMILIES = ["t1", "t2", "m1", "m2", "m3", "m4", "r3", "r4", "x1", "x1e", "z1d"];

/**
 * What is wrong with an instance class for RDS for PostgreSQL, as `got ...; allowed: ...`, or undefined when RDS
 * offers it. A near miss gets a "did you mean".
 */
export function rdsPostgresInstanceClassProblem(instanceClass: string): string | undefined {
  if (RDS_POSTGRES_INSTANCE_CLASSES.has(instanceClass)) return undefined;
  const family = /^db\.([a-z0-9]+)\./.exec(instanceClass)?.[1];
  if (family !== undefined && RETIRED_FAMILIES.includes(family)) {
    return `got ${JSON.stringify(instanceClass)}, a previous-generation class that RDS for PostgreSQL 13 and later does not offer; allowed: a current class such as db.t4g.micro, db.m7g.large or db.r7g.large`;
  }
  const suggestion = closest(instanceClass, [...RDS_POSTGRES_INSTANCE_CLASSES.keys()]);
  const hint = distance(instanceClass, suggestion) <= 3 ? ` (did you mean ${JSON.stringify(suggestion)}?)` : "";
  return `got ${JSON.stringify(instanceClass)}, which is not an RDS for PostgreSQL instance class${hint}; allowed: db.<family>.<size> of a current family, such as db.t4g.micro, db.m7g.large or db.r7g.large`;
}

/**
 * RDS for PostgreSQL's default `max_connections` for an instance class: LEAST({DBInstanceClassMemory/9531392}, 5000),
 * with DBInstanceClassMemory taken as the class's memory (RDS reserves a little for the OS, so the real value is a
 * few percent lower). Undefined for an unknown class.
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
  const gib = RDS_POSTGRES_INSTANCE_CLASSES.get(instanceClass);
  return gib === undefined ? undefined : Math.min(Math.floor((gib * 1024 ** 3) / 9531392), 5000);
}
