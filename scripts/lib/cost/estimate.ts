/**
 * The monthly estimate of a synthesized stack (`npm run cost`): what its resources cost at list prices
 * (scripts/lib/cost/prices.ts), under stated assumptions for what depends on traffic. Resource types it does not
 * know are listed as not estimated, never silently left out when they are known to cost by use.
 */
import { parseScheduleExpression, runsPerMonth } from "../../../src/domain/schedule-expression";
import type { PriceTable } from "./prices";
import type { StackJson } from "../stack/stack-json";
import { asList, referenceIn, referencesIn, StackResource, StackResources } from "../stack/stack-references";

/** What the estimate assumes; each has a flag of `npm run cost`. */
export interface Assumptions {
  /** Hours in a month. */
  readonly hoursPerMonth: number;
  /** GB a month through the stack's NAT gateways (all of them together). */
  readonly natGbPerMonth: number;
  /** Average load balancer capacity units of each application load balancer. */
  readonly albLcu: number;
  /** GB a month through the stack's interface endpoints (all of them together). */
  readonly endpointGbPerMonth: number;
  /** Fargate Spot's discount against on-demand, 0 to 1 (it varies by region and over time). */
  readonly spotDiscount: number;
  /** GB of logs ingested a month by the stack's log groups (all of them together). */
  readonly logGbPerMonth: number;
  /** Million requests a month through each web ACL. */
  readonly wafRequestsMillions: number;
  /** GB each vault (and the replicated backups) keeps, as a multiple of the protected database's allocated storage. */
  readonly backupStorageFactor: number;
  /** GB sent to the DR region a month by each of copies and replication, as a multiple of the database's allocated storage. */
  readonly backupTransferFactor: number;
}

/** The defaults of {@link Assumptions}: a lightly used environment. */
export const DEFAULT_ASSUMPTIONS: Assumptions = {
  hoursPerMonth: 730,
  natGbPerMonth: 50,
  albLcu: 1,
  endpointGbPerMonth: 10,
  spotDiscount: 0.7,
  logGbPerMonth: 5,
  wafRequestsMillions: 10,
  // A full snapshot plus the changes the retention keeps; a month of incremental copies (or of transaction logs).
  backupStorageFactor: 2,
  backupTransferFactor: 1,
};

/** One line of an estimate. */
export interface CostLine {
  readonly item: string;
  /** How the amount is reached, for example `3 × 730 h × $0.048/h`. */
  readonly quantity: string;
  readonly monthlyUsd: number;
  readonly addresses: readonly string[];
}

/** The estimate of one stack. */
export interface StackEstimate {
  readonly stack: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  /** Resource types present that cost by use and have no line (S3, data transfer, ...), with their count. */
  readonly notEstimated: readonly string[];
  /** Things to know about a line (desired counts, autoscaling ranges). */
  readonly notes: readonly string[];
}

/** Thrown when a resource has no price in the table (an RDS class, a CPU architecture): one line per problem. */
export class MissingPriceError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "MissingPriceError";
  }
}

/** Usage-priced resource types that get no line: what a reader must add for their own traffic. */
const USAGE_PRICED: Readonly<Record<string, string>> = {
  aws_s3_bucket: "S3 storage and requests",
  aws_dynamodb_table: "DynamoDB requests and storage",
  aws_route53_record: "Route 53 queries (alias queries to AWS resources are free)",
  aws_flow_log: "flow log delivery (counted in the log ingestion assumption when it goes to CloudWatch Logs)",
  aws_ecs_cluster: "Container Insights metrics",
  aws_secretsmanager_secret_version: "Secrets Manager API calls ($0.05 per 10,000)",
  aws_scheduler_schedule: "EventBridge Scheduler invocations (the first 14 million a month are free)",
  aws_sqs_queue: "SQS requests (a dead-letter queue gets a message per run that could not start)",
  aws_service_discovery_http_namespace: "Cloud Map registered instances and API calls (Service Connect registers each task of an exposed service)",
};

const money = (n: number): string => (n >= 0.1 ? n.toFixed(2) : n.toPrecision(2));
const unit = (price: number): string => `$${price}`;
const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The share of a service's tasks on FARGATE_SPOT: `base` tasks first to their provider, the rest by weight. */
export function spotShare(strategy: ReadonlyArray<Record<string, unknown>>, desired: number): number {
  if (strategy.length === 0 || desired <= 0) return 0;
  const spot = (s: Record<string, unknown>) => s.capacity_provider === "FARGATE_SPOT";
  let remaining = desired;
  let spotTasks = 0;
  for (const s of strategy) {
    const base = Math.min(Number(s.base ?? 0), remaining);
    if (spot(s)) spotTasks += base;
    remaining -= base;
  }
  const totalWeight = strategy.reduce((sum, s) => sum + Number(s.weight ?? 0), 0);
  if (totalWeight > 0) spotTasks += (remaining * strategy.filter(spot).reduce((sum, s) => sum + Number(s.weight ?? 0), 0)) / totalWeight;
  return spotTasks / desired;
}

/** Estimates one synthesized stack at the prices of `table` under `assumptions`. */
export function estimateStack(stackName: string, stack: StackJson, table: PriceTable, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): StackEstimate {
  const r = new StackResources(stack);
  const p = table.prices;
  const h = assumptions.hoursPerMonth;
  const lines: CostLine[] = [];
  const notes: string[] = [];
  const missing: string[] = [];
  const add = (item: string, quantity: string, monthlyUsd: number, addresses: readonly string[]) => lines.push({ item, quantity, monthlyUsd, addresses });
  const addresses = (rs: readonly StackResource[]) => rs.map((x) => x.address);

  // ── network ──
  const nats = r.ofType("aws_nat_gateway");
  if (nats.length > 0) {
    add("NAT gateway hours", `${nats.length} × ${h} h × ${unit(p.natGatewayHour)}/h`, nats.length * h * p.natGatewayHour, addresses(nats));
    add("NAT data processed (assumed)", `${assumptions.natGbPerMonth} GB × ${unit(p.natGatewayGb)}/GB`, assumptions.natGbPerMonth * p.natGatewayGb, addresses(nats));
  }
  const eips = r.ofType("aws_eip");
  if (eips.length > 0) add("public IPv4 addresses (Elastic IPs)", `${eips.length} × ${h} h × ${unit(p.publicIpv4Hour)}/h`, eips.length * h * p.publicIpv4Hour, addresses(eips));
  const interfaces = r.ofType("aws_vpc_endpoint").filter((e) => e.body.vpc_endpoint_type === "Interface");
  if (interfaces.length > 0) {
    const azHours = interfaces.reduce((sum, e) => sum + Math.max(1, referencesIn(e.body.subnet_ids).length), 0);
    add("interface endpoints, per AZ", `${azHours} endpoint-AZs × ${h} h × ${unit(p.interfaceEndpointHourPerAz)}/h`, azHours * h * p.interfaceEndpointHourPerAz, addresses(interfaces));
    add("interface endpoint data (assumed)", `${assumptions.endpointGbPerMonth} GB × ${unit(p.interfaceEndpointGb)}/GB`, assumptions.endpointGbPerMonth * p.interfaceEndpointGb, addresses(interfaces));
  }

  // ── load balancers ──
  const albs = r.ofType("aws_lb").filter((lb) => (lb.body.load_balancer_type ?? "application") === "application");
  if (albs.length > 0) {
    add("application load balancer hours", `${albs.length} × ${h} h × ${unit(p.albHour)}/h`, albs.length * h * p.albHour, addresses(albs));
    add("load balancer capacity units (assumed)", `${albs.length} × ${assumptions.albLcu} LCU × ${h} h × ${unit(p.albLcuHour)}/LCU-h`, albs.length * assumptions.albLcu * h * p.albLcuHour, addresses(albs));
    const facing = albs.filter((lb) => lb.body.internal !== true);
    const ips = facing.reduce((sum, lb) => sum + Math.max(1, referencesIn(lb.body.subnets).length), 0);
    if (ips > 0) add("load balancer public IPv4 (one per AZ)", `${ips} × ${h} h × ${unit(p.publicIpv4Hour)}/h`, ips * h * p.publicIpv4Hour, addresses(facing));
  }
  const acls = r.ofType("aws_wafv2_web_acl");
  for (const acl of acls) {
    const rules = asList(acl.body.rule).length;
    add("web ACL", `1 ACL × ${unit(p.wafWebAclMonth)} + ${rules} rules × ${unit(p.wafRuleMonth)}`, p.wafWebAclMonth + rules * p.wafRuleMonth, [acl.address]);
    add("web ACL requests (assumed)", `${assumptions.wafRequestsMillions} M × ${unit(p.wafRequestsMillion)}/M`, assumptions.wafRequestsMillions * p.wafRequestsMillion, [acl.address]);
  }

  // ── Fargate: desired counts as synthesized ──
  for (const service of r.ofType("aws_ecs_service")) {
    const task = r.get(referenceIn(service.body.task_definition));
    if (task === undefined) continue;
    const desired = Number(service.body.desired_count ?? 1);
    const vcpu = Number(task.body.cpu) / 1024;
    const gb = Number(task.body.memory) / 1024;
    const arch = String((task.body.runtime_platform as Record<string, unknown> | undefined)?.cpu_architecture ?? "X86_64");
    const vcpuPrice = p.fargateVcpuHour[arch];
    const gbPrice = p.fargateGbHour[arch];
    if (vcpuPrice === undefined || gbPrice === undefined) {
      missing.push(`${table.file}: prices.fargateVcpuHour/fargateGbHour.${arch}: no price for ${service.address}'s CPU architecture ${arch}; priced: ${Object.keys(p.fargateVcpuHour).join(", ")}`);
      continue;
    }
    const cluster = r.ofType("aws_ecs_cluster_capacity_providers").find((c) => referencesIn(c.body.cluster_name).includes(referenceIn(service.body.cluster) ?? ""));
    const strategy = asList(service.body.capacity_provider_strategy).length > 0 ? asList(service.body.capacity_provider_strategy) : asList(cluster?.body.default_capacity_provider_strategy);
    const spot = service.body.launch_type !== undefined ? 0 : spotShare(strategy, desired);
    const perTaskHour = vcpu * vcpuPrice + gb * gbPrice;
    const factor = 1 - spot * assumptions.spotDiscount;
    const spotText = spot > 0 ? ` × (1 - ${spot === 1 ? "" : `${round2(spot)} × `}${assumptions.spotDiscount} Spot discount)` : "";
    add(
      `Fargate ${String(service.body.name)}${spot === 1 ? " (Spot)" : spot > 0 ? " (partly Spot)" : ""}`,
      `${desired} task(s) × (${vcpu} vCPU × ${unit(vcpuPrice)} + ${gb} GB × ${unit(gbPrice)}) × ${h} h${spotText}`,
      desired * perTaskHour * h * factor,
      [service.address, task.address],
    );
    const scaling = r.ofType("aws_appautoscaling_target").find((t) => referencesIn(t.body.resource_id).includes(service.address));
    if (scaling !== undefined && Number(scaling.body.max_capacity) > desired) {
      const max = Number(scaling.body.max_capacity);
      notes.push(`${service.address}: ${desired} task(s) as synthesized; autoscaling may run ${String(scaling.body.min_capacity)}-${max} (up to ${money(max * perTaskHour * h * factor)} USD/month)`);
    }
  }

  // ── scheduled jobs: an upper bound, every run taking its whole time limit ──
  for (const schedule of r.ofType("aws_scheduler_schedule")) {
    const ecs = ((schedule.body.target as Record<string, unknown> | undefined)?.ecs_parameters ?? undefined) as Record<string, unknown> | undefined;
    const task = r.get(referenceIn(ecs?.task_definition_arn));
    if (task === undefined) continue;
    const expression = parseScheduleExpression(String(schedule.body.schedule_expression));
    const limitSeconds = containerTimeLimitSeconds(task.body.container_definitions);
    const arch = String((task.body.runtime_platform as Record<string, unknown> | undefined)?.cpu_architecture ?? "X86_64");
    const vcpuPrice = p.fargateVcpuHour[arch];
    const gbPrice = p.fargateGbHour[arch];
    if (!expression.ok || limitSeconds === undefined) {
      notes.push(`${schedule.address}: not estimated (${!expression.ok ? `schedule ${String(schedule.body.schedule_expression)}: ${expression.problem}` : "its task has no time limit (timeout) to bound a run"})`);
      continue;
    }
    if (vcpuPrice === undefined || gbPrice === undefined) {
      missing.push(`${table.file}: prices.fargateVcpuHour/fargateGbHour.${arch}: no price for ${task.address}'s CPU architecture ${arch}; priced: ${Object.keys(p.fargateVcpuHour).join(", ")}`);
      continue;
    }
    const vcpu = Number(task.body.cpu) / 1024;
    const gb = Number(task.body.memory) / 1024;
    const paused = schedule.body.state === "DISABLED";
    const runs = paused ? 0 : runsPerMonth(expression.value);
    const hours = limitSeconds / 3600;
    add(
      `Fargate job ${String(schedule.body.name)}${paused ? " (paused)" : ""}, at most`,
      `${round2(runs)} runs × ${round2(hours * 60)} min limit × (${vcpu} vCPU × ${unit(vcpuPrice)} + ${gb} GB × ${unit(gbPrice)})/h`,
      runs * hours * (vcpu * vcpuPrice + gb * gbPrice),
      [schedule.address, task.address],
    );
    notes.push(`${schedule.address}: an upper bound (every run taking its ${round2(hours * 60)}-minute limit; ${String(schedule.body.schedule_expression)} runs ${round2(runs)} times in an average month)`);
  }

  // ── database ──
  for (const db of r.ofType("aws_db_instance")) {
    const cls = String(db.body.instance_class);
    const copies = db.body.multi_az === true ? 2 : 1;
    const price = p.rdsPostgresInstanceHour[cls];
    if (db.body.engine !== "postgres") notes.push(`${db.address}: engine ${String(db.body.engine)} priced as PostgreSQL`);
    if (price === undefined) missing.push(`${table.file}: prices.rdsPostgresInstanceHour: no price for ${db.address}'s instance_class "${cls}"; priced: ${Object.keys(p.rdsPostgresInstanceHour).join(", ")} (AWS Price List API: ${table.priceListApi.rdsPostgresInstanceHour ?? "AmazonRDS"})`);
    else add(`RDS ${cls}${copies === 2 ? " Multi-AZ (2 instances)" : " single-AZ"}`, `${copies} × ${h} h × ${unit(price)}/h`, copies * h * price, [db.address]);
    const storageType = String(db.body.storage_type ?? "gp2");
    const storagePrice = p.rdsStorageGbMonth[storageType];
    const gbStorage = Number(db.body.allocated_storage ?? 0);
    if (storagePrice === undefined) missing.push(`${table.file}: prices.rdsStorageGbMonth: no price for ${db.address}'s storage_type "${storageType}"; priced: ${Object.keys(p.rdsStorageGbMonth).join(", ")}`);
    else add(`RDS storage ${storageType}`, `${copies} × ${gbStorage} GB × ${unit(storagePrice)}/GB`, copies * gbStorage * storagePrice, [db.address]);
  }

  // ── secrets, keys, logs, alarms, dashboards ──
  const secrets = r.ofType("aws_secretsmanager_secret");
  if (secrets.length > 0) add("Secrets Manager secrets", `${secrets.length} × ${unit(p.secretMonth)}`, secrets.length * p.secretMonth, addresses(secrets));
  const keys = r.ofType("aws_kms_key");
  if (keys.length > 0) add("KMS keys", `${keys.length} × ${unit(p.kmsKeyMonth)}`, keys.length * p.kmsKeyMonth, addresses(keys));
  const logGroups = r.ofType("aws_cloudwatch_log_group");
  if (logGroups.length > 0) add("CloudWatch Logs ingestion (assumed)", `${assumptions.logGbPerMonth} GB × ${unit(p.logsIngestionGb)}/GB`, assumptions.logGbPerMonth * p.logsIngestionGb, addresses(logGroups));
  const alarms = r.ofType("aws_cloudwatch_metric_alarm");
  if (alarms.length > 0) {
    let standard = 0;
    let highRes = 0;
    for (const alarm of alarms) {
      const queries = asList(alarm.body.metric_query);
      const metrics = queries.length > 0 ? Math.max(1, queries.filter((q) => q.metric !== undefined).length) : 1;
      const periods = [alarm.body.period, ...queries.map((q) => (q.metric as Record<string, unknown> | undefined)?.period)].filter((x) => x !== undefined).map(Number);
      if (periods.some((s) => s < 60)) highRes += metrics;
      else standard += metrics;
    }
    const parts = [standard > 0 ? `${standard} × ${unit(p.alarmMetricMonth.standard)}` : "", highRes > 0 ? `${highRes} high-resolution × ${unit(p.alarmMetricMonth.highResolution)}` : ""].filter((x) => x !== "");
    add("CloudWatch alarm metrics", parts.join(" + "), standard * p.alarmMetricMonth.standard + highRes * p.alarmMetricMonth.highResolution, addresses(alarms));
  }
  const composites = r.ofType("aws_cloudwatch_composite_alarm");
  if (composites.length > 0) add("CloudWatch composite alarms", `${composites.length} × ${unit(p.compositeAlarmMonth)}`, composites.length * p.compositeAlarmMonth, addresses(composites));
  const dashboards = r.ofType("aws_cloudwatch_dashboard");
  if (dashboards.length > 0) {
    add("CloudWatch dashboards", `${dashboards.length} × ${unit(p.dashboardMonth)}`, dashboards.length * p.dashboardMonth, addresses(dashboards));
    notes.push("dashboards: the first 3 of an account are free; not taken off here");
  }

  estimateRecovery(r, p, assumptions, add, notes);

  if (missing.length > 0) throw new MissingPriceError(missing);
  const counts = new Map<string, number>();
  for (const resource of r.all()) if (USAGE_PRICED[resource.type] !== undefined) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  const notEstimated = [...counts].map(([type, n]) => `${USAGE_PRICED[type]} (${n} ${type})`);
  const rounded = lines.map((l) => ({ ...l, monthlyUsd: round2(l.monthlyUsd) }));
  return {
    stack: stackName,
    region: table.region,
    lines: rounded,
    totalUsd: round2(rounded.reduce((sum, l) => sum + l.monthlyUsd, 0)),
    notEstimated,
    notes,
  };
}

/**
 * Disaster recovery: backup storage in each vault and of the replicated automated backups (all priced at the stack's
 * region), the transfer to the DR region, the monthly restore test's instance hours, and the recovery targets.
 */
function estimateRecovery(
  r: StackResources,
  p: PriceTable["prices"],
  a: Assumptions,
  add: (item: string, quantity: string, monthlyUsd: number, addresses: readonly string[]) => void,
  notes: string[],
): void {
  const vaults = r.ofType("aws_backup_vault");
  const selections = r.ofType("aws_backup_selection");
  const protectedDbs = r.ofType("aws_db_instance").filter((db) => selections.some((s) => referencesIn(s.body.resources).includes(db.address)));
  const gb = protectedDbs.reduce((sum, db) => sum + Number(db.body.allocated_storage ?? 0), 0);
  const replications = r.ofType("aws_db_instance_automated_backups_replication");
  if (vaults.length > 0 && gb > 0) {
    const stored = gb * a.backupStorageFactor;
    add("AWS Backup storage (assumed)", `${vaults.length} vault(s) × ${gb} GB × ${a.backupStorageFactor} × ${unit(p.backupStorageGbMonth)}/GB`, vaults.length * stored * p.backupStorageGbMonth, [...vaults, ...protectedDbs].map((x) => x.address));
    const copies = r.ofType("aws_backup_plan").some((plan) => asList(plan.body.rule).some((rule) => asList(rule.copy_action).length > 0));
    const streams = (copies ? 1 : 0) + (replications.length > 0 ? 1 : 0);
    if (streams > 0) {
      const what = [copies ? "copies" : "", replications.length > 0 ? "replicated logs" : ""].filter((x) => x !== "").join(" + ");
      add(`transfer to the DR region: ${what} (assumed)`, `${streams} × ${gb} GB × ${a.backupTransferFactor} × ${unit(p.interRegionTransferGb)}/GB`, streams * gb * a.backupTransferFactor * p.interRegionTransferGb, [...r.ofType("aws_backup_plan"), ...replications].map((x) => x.address));
    }
    notes.push("backup storage and transfer: priced at this region's list prices; the DR region's may differ");
  }
  if (replications.length > 0) {
    const replicatedGb = replications.reduce((sum, rep) => sum + Number(r.get(referenceIn(rep.body.source_db_instance_arn))?.body.allocated_storage ?? 0), 0);
    add("replicated automated backups storage (assumed)", `${replicatedGb} GB × ${a.backupStorageFactor} × ${unit(p.backupStorageGbMonth)}/GB`, replicatedGb * a.backupStorageFactor * p.backupStorageGbMonth, replications.map((x) => x.address));
  }
  for (const selection of r.ofType("aws_backup_restore_testing_selection")) {
    // A single-AZ copy of each database, kept for the validation window after about an hour of restore.
    for (const db of referencesIn(selection.body.protected_resource_arns).map((ref) => r.get(ref)).filter((x): x is StackResource => x !== undefined)) {
      const price = p.rdsPostgresInstanceHour[String(db.body.instance_class)];
      if (price === undefined) continue; // the database's own line reports the missing price
      const hours = Number(selection.body.validation_window_hours ?? 1) + 1;
      add(`monthly restore test of ${db.address}`, `1 × ${hours} h × ${unit(price)}/h (single-AZ)`, hours * price, [selection.address, db.address]);
    }
  }
  const targets = (r.stack.output as Record<string, { value?: Record<string, unknown> }> | undefined)?.restore_drill?.value;
  if (targets?.rpoHours !== undefined) {
    const dr = String(targets.drRegion ?? "?");
    const how = replications.length > 0 ? `transaction logs replicated to ${dr}` : `a daily copy to ${dr}`;
    notes.push(`recovery targets: RPO ${String(targets.rpoHours)} h (${how}), RTO ${String(targets.rtoHours)} h; measure them with npm run restore-drill -- --stack <stack>`);
  }
}

/** The assumptions as printed before the tables, with the flag that changes each. */
export function formatAssumptions(a: Assumptions): string[] {
  return [
    "Assumptions (change them with the flags; npm run cost -- --help):",
    `  --hours ${a.hoursPerMonth}`.padEnd(30) + "hours in a month",
    `  --nat-gb ${a.natGbPerMonth}`.padEnd(30) + "GB a month through an environment's NAT gateways",
    `  --lcu ${a.albLcu}`.padEnd(30) + "average load balancer capacity units (LCU) of each load balancer",
    `  --endpoint-gb ${a.endpointGbPerMonth}`.padEnd(30) + "GB a month through an environment's interface endpoints",
    `  --log-gb ${a.logGbPerMonth}`.padEnd(30) + "GB of logs ingested a month by an environment",
    `  --spot-discount ${a.spotDiscount}`.padEnd(30) + "Fargate Spot discount against on-demand (it varies)",
    `  --waf-requests ${a.wafRequestsMillions}`.padEnd(30) + "million requests a month through each web ACL",
    `  --backup-factor ${a.backupStorageFactor}`.padEnd(30) + "GB each backup vault keeps, × the protected database's allocated storage",
    `  --transfer-factor ${a.backupTransferFactor}`.padEnd(30) + "GB sent to the DR region a month (copies, replicated logs), × the same",
    "  Fargate runs each service's desired count as synthesized (autoscaling may run more: see the notes).",
    "  List prices, on-demand, no free tier, no savings plan or reserved instance, no data transfer out to the internet.",
  ];
}

/** Addresses for a table cell: each in full, or `7 × aws_cloudwatch_log_group` for three or more of one type. */
function shortAddresses(addresses: readonly string[]): string {
  const byType = new Map<string, string[]>();
  for (const a of addresses) byType.set(a.split(".")[0], [...(byType.get(a.split(".")[0]) ?? []), a]);
  return [...byType].map(([type, all]) => (all.length >= 3 ? `${all.length} × ${type}` : all.join(", "))).join(", ");
}

/** One stack's estimate as a table. */
export function formatEstimate(e: StackEstimate, table: PriceTable): string[] {
  const rows = e.lines.map((l) => [l.item, l.quantity, money(l.monthlyUsd), shortAddresses(l.addresses)]);
  const header = ["item", "quantity × list price", "USD/month", "resources"];
  const widths = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const row = (cells: string[]) => `  ${cells[0].padEnd(widths[0])}  ${cells[1].padEnd(widths[1])}  ${cells[2].padStart(widths[2])}  ${cells[3]}`.trimEnd();
  return [
    `${e.stack} (${e.region}; prices of ${table.asOf} from ${table.file})`,
    row(header),
    ...rows.map(row),
    row(["total", "", e.totalUsd.toFixed(2), ""]),
    ...e.notes.map((n) => `  note: ${n}`),
    ...(e.notEstimated.length > 0 ? [`  not estimated (priced by use): ${e.notEstimated.join("; ")}`] : []),
  ];
}

/**
 * Seconds a task's container may run: the `timeout -k <kill> <limit>` its command runs under (a scheduled job's and the
 * migration's container time limit), anywhere in the command; undefined without one.
 */
export function containerTimeLimitSeconds(containerDefinitions: unknown): number | undefined {
  let parsed: unknown;
  try {
    parsed = typeof containerDefinitions === "string" ? JSON.parse(containerDefinitions) : containerDefinitions;
  } catch {
    return undefined;
  }
  const command = Array.isArray(parsed) ? ((parsed[0] as { command?: unknown } | undefined)?.command ?? []) : [];
  const argv = Array.isArray(command) ? command.map(String) : [];
  const at = argv.indexOf("timeout");
  if (at < 0) return undefined;
  const rest = argv.slice(at + 1);
  const limit = rest[0] === "-k" ? rest[2] : rest[0];
  return limit !== undefined && /^\d+$/.test(limit) ? Number(limit) : undefined;
}
