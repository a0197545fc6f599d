/**
 * `npm run cost`: a monthly estimate per stack from the synthesized resources, at the list prices of
 * src/domain/prices/<region>.json, under assumptions printed first and changed with flags. By default it synthesizes
 * the environment files first (`--environments`, or WHCSITES_ENVIRONMENTS_DIR, else environments/); `--out` reads a
 * cdktf output folder as it is. Exit code 1 when a price is missing or an option is wrong, with one line per problem.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { findStackDirs, PROJECT_ROOT } from "./lib/terraform/check-stacks";
import { DEFAULT_ASSUMPTIONS, estimateStack, formatAssumptions, formatEstimate, MissingPriceError, type Assumptions } from "./lib/cost/estimate";
import { loadPriceTable, PriceTableError, type PriceTable } from "./lib/cost/prices";
import { synthesizeFolder } from "./lib/synth/environment-folders";
import type { StackJson } from "./lib/stack/stack-json";
import { StackResources } from "./lib/stack/stack-references";
import { runMain } from "./lib/run-main";

const number = (flag: string, max = Number.POSITIVE_INFINITY) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > max) {
    throw new InvalidArgumentError(`got "${value}"; allowed: a number from 0${max !== Number.POSITIVE_INFINITY ? ` to ${max}` : ""} (${flag})`);
  }
  return n;
};

async function main(): Promise<number> {
  const a = DEFAULT_ASSUMPTIONS;
  const options = new Command()
    .name("cost")
    .description("Monthly estimate of each stack at list prices, from the synthesized resources")
    .option("--environments <dir>", "folder of environment files to synthesize", process.env.WHCSITES_ENVIRONMENTS_DIR)
    .option("--out <dir>", "read this cdktf output folder as it is instead of synthesizing")
    .option("--stack <name...>", "only these stacks")
    .addOption(new Option("--hours <n>", "hours in a month").argParser(number("--hours", 744)).default(a.hoursPerMonth))
    .addOption(new Option("--nat-gb <n>", "GB a month through an environment's NAT gateways").argParser(number("--nat-gb")).default(a.natGbPerMonth))
    .addOption(new Option("--lcu <n>", "average capacity units of each load balancer").argParser(number("--lcu")).default(a.albLcu))
    .addOption(new Option("--endpoint-gb <n>", "GB a month through an environment's interface endpoints").argParser(number("--endpoint-gb")).default(a.endpointGbPerMonth))
    .addOption(new Option("--log-gb <n>", "GB of logs ingested a month by an environment").argParser(number("--log-gb")).default(a.logGbPerMonth))
    .addOption(new Option("--spot-discount <fraction>", "Fargate Spot discount, 0 to 1").argParser(number("--spot-discount", 1)).default(a.spotDiscount))
    .addOption(new Option("--waf-requests <millions>", "million requests a month through each web ACL").argParser(number("--waf-requests")).default(a.wafRequestsMillions))
    .addOption(new Option("--backup-factor <n>", "GB each backup vault keeps, as a multiple of the protected database's storage").argParser(number("--backup-factor")).default(a.backupStorageFactor))
    .addOption(new Option("--transfer-factor <n>", "GB sent to the DR region a month, as a multiple of the database's storage").argParser(number("--transfer-factor")).default(a.backupTransferFactor))
    .addHelpText("after", "\nPrices: src/domain/prices/<region>.json (list prices, dated; refresh them from the AWS Price List API).")
    .parse()
    .opts<{ environments?: string; out?: string; stack?: string[]; hours: number; natGb: number; lcu: number; endpointGb: number; logGb: number; spotDiscount: number; wafRequests: number; backupFactor: number; transferFactor: number }>();
  const assumptions: Assumptions = {
    hoursPerMonth: options.hours,
    natGbPerMonth: options.natGb,
    albLcu: options.lcu,
    endpointGbPerMonth: options.endpointGb,
    logGbPerMonth: options.logGb,
    spotDiscount: options.spotDiscount,
    wafRequestsMillions: options.wafRequests,
    backupStorageFactor: options.backupFactor,
    backupTransferFactor: options.transferFactor,
  };

  const work = options.out === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-cost-")) : undefined;
  try {
    const outDir = work !== undefined
      ? await synthesizeFolder(PROJECT_ROOT, path.relative(PROJECT_ROOT, path.resolve(options.environments ?? "environments")), path.join(work, "out"))
      : path.resolve(options.out as string);
    const stacks = findStackDirs(outDir);
    const unknown = (options.stack ?? []).filter((s) => !stacks.has(s));
    if (unknown.length > 0) {
      console.error(`cost: --stack: got ${unknown.join(", ")}; allowed: ${[...stacks.keys()].join(", ")}`);
      return 1;
    }
    console.log(formatAssumptions(assumptions).join("\n"));
    const problems: string[] = [];
    const tables = new Map<string, PriceTable>();
    for (const [name, dir] of stacks) {
      if (options.stack !== undefined && !options.stack.includes(name)) continue;
      const json = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as StackJson;
      const region = new StackResources(json).region();
      if (region === undefined) {
        problems.push(`${name}: the aws provider names no region, so no price table applies`);
        continue;
      }
      try {
        const table = tables.get(region) ?? loadPriceTable(region);
        tables.set(region, table);
        console.log(`\n${formatEstimate(estimateStack(name, json, table, assumptions), table).join("\n")}`);
      } catch (error) {
        if (error instanceof PriceTableError || error instanceof MissingPriceError) problems.push(...error.problems.map((p) => `${name}: ${p}`));
        else throw error;
      }
    }
    for (const table of tables.values()) console.log(`\nPrices ${table.file}: ${table.source}`);
    if (problems.length > 0) {
      console.error(`\ncost: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}`);
      return 1;
    }
    return 0;
  } finally {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  }
}

runMain("cost", main);
