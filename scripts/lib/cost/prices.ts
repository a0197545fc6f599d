/**
 * The dated list-price tables of `npm run cost`: `src/domain/prices/<region>.json`, one per region in use, each with
 * its source, the date its prices were taken as of, and where the AWS Price List API gives each price.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Where the price tables are. */
export const PRICES_DIR = path.join(__dirname, "..", "..", "..", "src", "domain", "prices");

/** USD list prices of one region. */
export interface Prices {
  readonly natGatewayHour: number;
  readonly natGatewayGb: number;
  readonly publicIpv4Hour: number;
  readonly albHour: number;
  readonly albLcuHour: number;
  /** Per vCPU-hour, by CPU architecture (`X86_64`, `ARM64`). */
  readonly fargateVcpuHour: Readonly<Record<string, number>>;
  /** Per GB-hour, by CPU architecture. */
  readonly fargateGbHour: Readonly<Record<string, number>>;
  /** RDS for PostgreSQL, Single-AZ, per instance-hour, by instance class. */
  readonly rdsPostgresInstanceHour: Readonly<Record<string, number>>;
  /** Single-AZ storage per GB-month, by storage type. */
  readonly rdsStorageGbMonth: Readonly<Record<string, number>>;
  readonly interfaceEndpointHourPerAz: number;
  readonly interfaceEndpointGb: number;
  readonly secretMonth: number;
  readonly kmsKeyMonth: number;
  /** Per alarm metric per month: `standard` (period of 60 s or more) and `highResolution`. */
  readonly alarmMetricMonth: Readonly<Record<"standard" | "highResolution", number>>;
  readonly compositeAlarmMonth: number;
  readonly dashboardMonth: number;
  readonly wafWebAclMonth: number;
  readonly wafRuleMonth: number;
  readonly wafRequestsMillion: number;
  readonly logsIngestionGb: number;
  /** RDS snapshots AWS Backup keeps, per GB-month (billed as RDS backup storage). */
  readonly backupStorageGbMonth: number;
  /** Data sent from this region to another AWS region, per GB. */
  readonly interRegionTransferGb: number;
}

/** A price table as in its file. */
export interface PriceTable {
  readonly region: string;
  readonly currency: "USD";
  /** The date the prices were taken as of (YYYY-MM-DD). */
  readonly asOf: string;
  readonly source: string;
  readonly prices: Prices;
  /** Price key -> where the AWS Price List API gives it. */
  readonly priceListApi: Readonly<Record<string, string>>;
  /** The file it was read from, relative to the repository. */
  readonly file: string;
}

const NUMBERS: readonly (keyof Prices)[] = [
  "natGatewayHour", "natGatewayGb", "publicIpv4Hour", "albHour", "albLcuHour", "interfaceEndpointHourPerAz", "interfaceEndpointGb",
  "secretMonth", "kmsKeyMonth", "compositeAlarmMonth", "dashboardMonth", "wafWebAclMonth", "wafRuleMonth", "wafRequestsMillion", "logsIngestionGb",
  "backupStorageGbMonth", "interRegionTransferGb",
];
const TABLES: readonly (keyof Prices)[] = ["fargateVcpuHour", "fargateGbHour", "rdsPostgresInstanceHour", "rdsStorageGbMonth", "alarmMetricMonth"];

/** Thrown when a price table is missing or malformed: one line per problem. */
export class PriceTableError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "PriceTableError";
  }
}

/** Regions that have a price table. */
export function pricedRegions(dir = PRICES_DIR): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort() : [];
}

/** Reads and checks `<dir>/<region>.json`. */
export function loadPriceTable(region: string, dir = PRICES_DIR): PriceTable {
  const file = path.join(dir, `${region}.json`);
  const shown = path.relative(path.join(__dirname, "..", "..", ".."), file);
  if (!fs.existsSync(file)) {
    throw new PriceTableError([`${shown}: no price table for region ${region}; priced regions: ${pricedRegions(dir).join(", ") || "none"} (add one: copy a table, take its prices from the AWS Price List API, set asOf)`]);
  }
  const table = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const prices = (table.prices ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const isPrice = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
  if (table.region !== region) problems.push(`${shown}: region: got ${JSON.stringify(table.region)}; allowed: "${region}" (the file's name)`);
  if (table.currency !== "USD") problems.push(`${shown}: currency: got ${JSON.stringify(table.currency)}; allowed: "USD"`);
  if (typeof table.asOf !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(table.asOf)) problems.push(`${shown}: asOf: got ${JSON.stringify(table.asOf)}; allowed: the date the prices were taken, YYYY-MM-DD`);
  if (typeof table.source !== "string" || table.source === "") problems.push(`${shown}: source: got ${JSON.stringify(table.source)}; allowed: where the prices come from`);
  for (const key of NUMBERS) if (!isPrice(prices[key])) problems.push(`${shown}: prices.${key}: got ${JSON.stringify(prices[key])}; allowed: a price in USD (a number >= 0)`);
  for (const key of TABLES) {
    const byName = prices[key];
    if (byName === null || typeof byName !== "object" || Object.keys(byName).length === 0) {
      problems.push(`${shown}: prices.${key}: got ${JSON.stringify(byName)}; allowed: an object of prices in USD by name`);
      continue;
    }
    for (const [name, value] of Object.entries(byName)) if (!isPrice(value)) problems.push(`${shown}: prices.${key}.${name}: got ${JSON.stringify(value)}; allowed: a price in USD (a number >= 0)`);
  }
  if (problems.length > 0) throw new PriceTableError(problems);
  return { ...(table as unknown as Omit<PriceTable, "file">), file: shown.split(path.sep).join("/") };
}
