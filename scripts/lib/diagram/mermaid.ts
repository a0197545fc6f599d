/**
 * The architecture diagram of an environment stack (`npm run diagram`): a Mermaid flowchart built from the synthesized
 * resources and the references between them, never drawn by hand. Every node is labelled with its Terraform address.
 *
 * internet → DNS record → load balancer → listeners → routes (default action, listener rules and their conditions)
 * → target groups → ECS services → database (where security group rules on both sides allow it); the secrets each
 * service reads (its container definitions' `valueFrom` and its execution role's policy); the subnets per tier
 * (public: routed to the internet gateway; private: routed to a NAT gateway; isolated: no route out) and AZ, the NAT
 * gateways and the internet gateway; interface and gateway endpoints; a web ACL in front of the load balancer.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { architectureDiagramPath } from "../../../src/synth";
import type { EnvironmentFolder } from "../synth/environment-folders";
import type { StackJson } from "../stack/stack-json";
import { asList, parseJsonAttribute, referenceIn, referencesIn, StackResource, StackResources } from "../stack/stack-references";

type Shape = "box" | "round" | "database" | "circle" | "hexagon";

interface Node {
  readonly id: string;
  readonly lines: readonly string[];
  readonly shape: Shape;
  readonly group?: string;
}

interface Group {
  readonly id: string;
  readonly title: string;
  readonly parent?: string;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly dotted?: boolean;
}

/** Mermaid ids: letters, digits and underscores, never a keyword (`end`). */
const idOf = (key: string): string => `n_${key.replace(/[^A-Za-z0-9]/g, "_")}`;

/** A label line for Mermaid: quotes and angle brackets as entities (lines are joined with <br/>). */
const escapeLabel = (text: string): string => text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");

class Graph {
  public readonly nodes = new Map<string, Node>();
  public readonly groups = new Map<string, Group>();
  private readonly edges = new Map<string, Edge>();

  public group(key: string, title: string, parent?: string): string {
    const id = `g_${key.replace(/[^A-Za-z0-9]/g, "_")}`;
    if (!this.groups.has(id)) this.groups.set(id, { id, title, ...(parent !== undefined ? { parent } : {}) });
    return id;
  }

  public node(key: string, lines: readonly string[], shape: Shape = "box", group?: string): string {
    const id = idOf(key);
    if (!this.nodes.has(id)) this.nodes.set(id, { id, lines, shape, ...(group !== undefined ? { group } : {}) });
    return id;
  }

  public edge(from: string, to: string, label?: string, dotted = false): void {
    const key = `${from}>${to}>${label ?? ""}`;
    if (!this.edges.has(key)) this.edges.set(key, { from, to, ...(label !== undefined ? { label } : {}), dotted });
  }

  public has(key: string): boolean {
    return this.nodes.has(idOf(key));
  }

  /** The flowchart: groups nested in order of creation, nodes in order of creation, edges sorted. */
  public mermaid(): string {
    const out = ["flowchart LR"];
    const shape = (n: Node): string => {
      const label = `"${n.lines.map(escapeLabel).join("<br/>")}"`;
      switch (n.shape) {
        case "circle":
          return `${n.id}((${label}))`;
        case "database":
          return `${n.id}[(${label})]`;
        case "round":
          return `${n.id}(${label})`;
        case "hexagon":
          return `${n.id}{{${label}}}`;
        default:
          return `${n.id}[${label}]`;
      }
    };
    const emit = (parent: string | undefined, indent: string): void => {
      for (const node of this.nodes.values()) if (node.group === parent) out.push(`${indent}${shape(node)}`);
      for (const group of this.groups.values()) {
        if (group.parent !== parent) continue;
        out.push(`${indent}subgraph ${group.id}["${escapeLabel(group.title)}"]`);
        emit(group.id, `${indent}  `);
        out.push(`${indent}end`);
      }
    };
    emit(undefined, "  ");
    const edges = [...this.edges.values()].sort((a, b) => (`${a.from}>${a.to}>${a.label}` < `${b.from}>${b.to}>${b.label}` ? -1 : 1));
    for (const e of edges) {
      const arrow = e.dotted ? "-.->" : "-->";
      out.push(`  ${e.from} ${arrow}${e.label !== undefined ? `|"${escapeLabel(e.label)}"|` : ""} ${e.to}`);
    }
    return out.join("\n");
  }
}

type Tier = "public" | "private" | "isolated";

const TIER_TITLES: Readonly<Record<Tier, string>> = {
  public: "public subnets: 0.0.0.0/0 to the internet gateway",
  private: "private subnets: 0.0.0.0/0 to a NAT gateway",
  isolated: "isolated subnets: no route out of the VPC",
};

const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
const listText = (values: unknown): string => (Array.isArray(values) ? values.map(str).join(", ") : str(values));

/** `http://<name>:<port>` of a service that Service Connect exposes (its client alias), else undefined. */
function internalUrlOf(service: StackResource): string | undefined {
  const connect = asList(service.body.service_connect_configuration)[0];
  const exposed = asList(connect?.service as never)[0] as Record<string, unknown> | undefined;
  const alias = asList(exposed?.client_alias as never)[0] as Record<string, unknown> | undefined;
  return alias === undefined ? undefined : `http://${str(alias.dns_name)}:${str(alias.port)}`;
}

/** Builds the diagram of one environment stack (a stack without a VPC gives a diagram of what it has). */
export function buildDiagram(stack: StackJson): string {
  const r = new StackResources(stack);
  const g = new Graph();
  const internet = g.node("internet", ["internet"], "circle");

  // ── network: route tables, then subnets by tier and AZ ──
  const vpc = r.ofType("aws_vpc")[0];
  const vpcGroup = vpc !== undefined ? g.group(vpc.address, `${vpc.address} · ${str(vpc.body.cidr_block)}`) : undefined;
  const defaultRoutes = new Map<string, { target: string; via: "igw" | "nat" }>(); // route table -> its 0.0.0.0/0 target
  const addRoute = (table: string | undefined, route: Record<string, unknown>) => {
    if (table === undefined || str(route.destination_cidr_block ?? route.cidr_block) !== "0.0.0.0/0") return;
    const nat = referenceIn(route.nat_gateway_id);
    const igw = referenceIn(route.gateway_id);
    if (nat !== undefined) defaultRoutes.set(table, { target: nat, via: "nat" });
    else if (igw?.startsWith("aws_internet_gateway.")) defaultRoutes.set(table, { target: igw, via: "igw" });
  };
  for (const route of r.ofType("aws_route")) addRoute(referenceIn(route.body.route_table_id), route.body);
  for (const table of r.ofType("aws_route_table")) for (const route of asList(table.body.route)) addRoute(table.address, route);
  const tableOfSubnet = new Map<string, string>();
  for (const assoc of r.ofType("aws_route_table_association")) {
    const subnet = referenceIn(assoc.body.subnet_id);
    const table = referenceIn(assoc.body.route_table_id);
    if (subnet !== undefined && table !== undefined) tableOfSubnet.set(subnet, table);
  }
  const tierOf = new Map<string, Tier>();
  const natOfSubnet = new Map<string, string>();
  const subnets = r.ofType("aws_subnet").sort((a, b) => (str(a.body.availability_zone) + a.address < str(b.body.availability_zone) + b.address ? -1 : 1));
  for (const subnet of subnets) {
    const route = defaultRoutes.get(tableOfSubnet.get(subnet.address) ?? "");
    tierOf.set(subnet.address, route === undefined ? "isolated" : route.via === "igw" ? "public" : "private");
    if (route?.via === "nat") natOfSubnet.set(subnet.address, route.target);
  }
  const tierGroup = (tier: Tier): string => g.group(`tier_${tier}`, TIER_TITLES[tier], vpcGroup);
  /** The tier of the subnets a resource is placed in, when they all share one. */
  const tierOfSubnets = (refs: readonly string[]): Tier | undefined => {
    const tiers = new Set(refs.map((s) => tierOf.get(s)).filter((t): t is Tier => t !== undefined));
    return tiers.size === 1 ? [...tiers][0] : undefined;
  };
  const subnetGroup = (refs: readonly string[]): string | undefined => {
    const tier = tierOfSubnets(refs);
    return tier !== undefined ? tierGroup(tier) : vpcGroup;
  };
  for (const tier of ["public", "private", "isolated"] as const) {
    for (const subnet of subnets.filter((s) => tierOf.get(s.address) === tier)) {
      g.node(subnet.address, [subnet.address, `${str(subnet.body.availability_zone)} · ${str(subnet.body.cidr_block)}`], "box", tierGroup(tier));
    }
  }
  for (const igw of r.ofType("aws_internet_gateway")) {
    const id = g.node(igw.address, [igw.address], "round", vpcGroup);
    g.edge(id, internet, "egress");
    for (const [table, route] of defaultRoutes) {
      if (route.target !== igw.address) continue;
      for (const [subnet, t] of tableOfSubnet) if (t === table) g.edge(idOf(subnet), id, "0.0.0.0/0");
    }
  }
  for (const nat of r.ofType("aws_nat_gateway")) {
    const subnet = referenceIn(nat.body.subnet_id);
    const eip = referenceIn(nat.body.allocation_id);
    const id = g.node(nat.address, [nat.address, `in ${subnet ?? "?"}`, ...(eip !== undefined ? [`public IP ${eip}`] : [])], "round", subnetGroup(subnet !== undefined ? [subnet] : []));
    const igw = r.ofType("aws_internet_gateway")[0];
    if (igw !== undefined) g.edge(id, idOf(igw.address), "egress");
    for (const [privateSubnet, target] of natOfSubnet) if (target === nat.address) g.edge(idOf(privateSubnet), id, "0.0.0.0/0");
  }
  for (const endpoint of r.ofType("aws_vpc_endpoint")) {
    const type = str(endpoint.body.vpc_endpoint_type || "Gateway");
    const service = str(endpoint.body.service_name).split(".").pop();
    const subnetRefs = referencesIn(endpoint.body.subnet_ids);
    const tableRefs = referencesIn(endpoint.body.route_table_ids);
    const placedIn = subnetRefs.length > 0 ? subnetRefs : [...tableOfSubnet].filter(([, t]) => tableRefs.includes(t)).map(([s]) => s);
    const where = subnetRefs.length > 0 ? `${subnetRefs.length} AZs` : `${tableRefs.length} route tables`;
    g.node(endpoint.address, [endpoint.address, `${type} endpoint · ${service} · ${where}`], "round", subnetGroup(placedIn));
  }

  // ── load balancers, listeners, routes, target groups ──
  for (const lb of r.ofType("aws_lb")) {
    const lbSubnets = referencesIn(lb.body.subnets);
    const group = subnetGroup(lbSubnets);
    const scheme = lb.body.internal === true ? "internal" : "internet-facing";
    const id = g.node(lb.address, [lb.address, `${str(lb.body.load_balancer_type || "application")} load balancer · ${scheme}`, str(lb.body.name)], "box", group);
    const aliases = r.ofType("aws_route53_record").filter((rec) => referencesIn(rec.body.alias).some((ref) => ref === lb.address));
    for (const alias of aliases) {
      const aliasId = g.node(alias.address, [alias.address, `${str(alias.body.type)} ${str(alias.body.name)}`], "round");
      g.edge(internet, aliasId);
      g.edge(aliasId, id, "alias");
    }
    if (aliases.length === 0 && scheme === "internet-facing") g.edge(internet, id);
  }
  for (const acl of r.ofType("aws_wafv2_web_acl_association")) {
    const webAcl = r.get(referenceIn(acl.body.web_acl_arn));
    const target = referenceIn(acl.body.resource_arn);
    if (webAcl === undefined || target === undefined) continue;
    const rules = asList(webAcl.body.rule).length;
    const aclId = g.node(webAcl.address, [webAcl.address, `web ACL · ${rules} rule(s) · default ${Object.keys((webAcl.body.default_action as object) ?? {}).join("") || "?"}`], "hexagon");
    g.edge(aclId, idOf(target), `filters requests (${acl.address})`, true);
  }
  /** A target group's node, beside the load balancer that forwards to it. */
  const targetGroupNode = (tg: StackResource, group: string | undefined): string => {
    const health = (tg.body.health_check as Record<string, unknown> | undefined)?.path;
    return g.node(tg.address, [tg.address, `${str(tg.body.protocol)} ${str(tg.body.port)}${health !== undefined ? ` · health ${str(health)}` : ""}`], "box", group);
  };
  const forward = (from: string, group: string | undefined, actions: unknown, label?: string): string[] => {
    const notes: string[] = [];
    for (const action of asList(actions)) {
      const type = str(action.type);
      if (type === "forward") {
        const tgs = [referenceIn(action.target_group_arn), ...asList((action.forward as Record<string, unknown> | undefined)?.target_group).map((t) => referenceIn(t.arn))];
        for (const tg of tgs.filter((t): t is string => t !== undefined)) {
          const target = r.get(tg);
          if (target !== undefined) g.edge(from, targetGroupNode(target, group), label);
        }
      } else if (type === "redirect") {
        const redirect = (action.redirect ?? {}) as Record<string, unknown>;
        notes.push(`${label ?? "default"}: redirect to ${str(redirect.protocol)} ${str(redirect.port)} (${str(redirect.status_code)})`);
      } else if (type === "fixed-response") {
        const response = (action.fixed_response ?? {}) as Record<string, unknown>;
        notes.push(`${label ?? "default"}: fixed response ${str(response.status_code)}`);
      } else {
        notes.push(`${label ?? "default"}: ${type}`);
      }
    }
    return notes;
  };
  for (const listener of r.ofType("aws_lb_listener")) {
    const lb = referenceIn(listener.body.load_balancer_arn);
    const lbNode = lb !== undefined && g.has(lb) ? idOf(lb) : undefined;
    const group = lb !== undefined ? g.nodes.get(idOf(lb))?.group : undefined;
    const id = idOf(listener.address);
    const notes = forward(id, group, listener.body.default_action, "default route");
    g.node(listener.address, [listener.address, `${str(listener.body.protocol)} ${str(listener.body.port)}`, ...notes], "box", group);
    if (lbNode !== undefined) g.edge(lbNode, id);
  }
  for (const rule of r.ofType("aws_lb_listener_rule")) {
    const listener = referenceIn(rule.body.listener_arn);
    const conditions = asList(rule.body.condition).flatMap((c) =>
      Object.entries(c).map(([kind, spec]) => `${kind.replace(/_/g, " ")} ${listText((spec as Record<string, unknown>)?.values ?? spec)}`),
    );
    const id = idOf(rule.address);
    const group = listener !== undefined ? g.nodes.get(idOf(listener))?.group : undefined;
    const notes = forward(id, group, rule.body.action);
    g.node(rule.address, [rule.address, `priority ${str(rule.body.priority)}: ${conditions.join(" and ")}`, ...notes], "hexagon", group);
    if (listener !== undefined) g.edge(idOf(listener), id);
  }

  // ── services, their secrets, the database ──
  const securityGroupsOf = (value: unknown) => new Set(referencesIn(value).filter((ref) => ref.startsWith("aws_security_group.")));
  const egress = r.ofType("aws_vpc_security_group_egress_rule");
  const ingress = r.ofType("aws_vpc_security_group_ingress_rule");
  /** `TCP 5432` when rules on both sides let `from` reach `to`; undefined otherwise. */
  const allowed = (from: ReadonlySet<string>, to: ReadonlySet<string>): string | undefined => {
    const pick = (rules: StackResource[], own: ReadonlySet<string>, peer: ReadonlySet<string>) =>
      rules.filter((rule) => own.has(referenceIn(rule.body.security_group_id) ?? "") && peer.has(referenceIn(rule.body.referenced_security_group_id) ?? ""));
    const out = pick(egress, from, to);
    const into = pick(ingress, to, from);
    if (out.length === 0 || into.length === 0) return undefined;
    return [...new Set(into.map((rule) => `${str(rule.body.ip_protocol).toUpperCase()} ${str(rule.body.from_port)}`))].join(", ");
  };
  const databases = r.ofType("aws_db_instance").map((db) => {
    const dbSubnets = r.get(referenceIn(db.body.db_subnet_group_name));
    const multiAz = db.body.multi_az === true ? "Multi-AZ" : "single-AZ";
    const id = g.node(
      db.address,
      [
        db.address,
        `${str(db.body.engine)} ${str(db.body.engine_version)} · ${str(db.body.instance_class)} · ${multiAz}`,
        `${str(db.body.allocated_storage)} GB ${str(db.body.storage_type)}${dbSubnets !== undefined ? ` · ${dbSubnets.address}` : ""}`,
      ],
      "database",
      dbSubnets !== undefined ? subnetGroup(referencesIn(dbSubnets.body.subnet_ids)) : vpcGroup,
    );
    return { id, securityGroups: securityGroupsOf(db.body.vpc_security_group_ids) };
  });

  const secretsGroup = () => g.group("secrets", "Secrets Manager: read by each task's execution role at start");
  const secretNode = (ref: string): string => {
    const secret = r.get(ref);
    if (secret === undefined) return g.node(ref, [`not in this stack: ${ref}`], "round", secretsGroup());
    const key = referenceIn(secret.body.kms_key_id);
    return g.node(secret.address, [secret.address, str(secret.body.name), ...(key !== undefined ? [`encrypted with ${key}`] : [])], "round", secretsGroup());
  };
  /** Secrets a task definition reads: variable names by secret (address, or ARN of a secret from elsewhere). */
  const secretsOfTask = (task: StackResource | undefined): Map<string, string[]> => {
    const bySecret = new Map<string, string[]>();
    const containers = parseJsonAttribute(task?.body.container_definitions);
    for (const container of Array.isArray(containers) ? (containers as Record<string, unknown>[]) : []) {
      for (const secret of asList(container.secrets)) {
        const from = str(secret.valueFrom);
        const key = referencesIn(from)[0] ?? from.replace(/:[^:]*::$/, "");
        bySecret.set(key, [...(bySecret.get(key) ?? []), str(secret.name)]);
      }
    }
    return bySecret;
  };
  /** Secrets an execution role's inline policies allow `secretsmanager:GetSecretValue` on. */
  const secretsOfRole = (role: string | undefined): Set<string> => {
    const allowedSecrets = new Set<string>();
    for (const policy of r.ofType("aws_iam_role_policy").filter((p) => referenceIn(p.body.role) === role)) {
      const document = parseJsonAttribute(policy.body.policy) as { Statement?: Record<string, unknown>[] } | undefined;
      for (const statement of asList(document?.Statement)) {
        const actions = asList(statement.Action as never).map(String);
        if (statement.Effect !== "Allow" || !actions.some((a) => a === "secretsmanager:GetSecretValue" || a === "secretsmanager:*")) continue;
        for (const resource of [statement.Resource].flat()) {
          const ref = referencesIn(resource).find((x) => x.startsWith("aws_secretsmanager_secret."));
          allowedSecrets.add(ref ?? str(resource));
        }
      }
    }
    return allowedSecrets;
  };
  const linkSecrets = (taskNode: string, task: StackResource | undefined) => {
    const reads = secretsOfTask(task);
    const allowedByRole = secretsOfRole(referenceIn(task?.body.execution_role_arn));
    for (const [secret, names] of reads) {
      const note = allowedByRole.has(secret) ? "" : " (NOT allowed by the execution role)";
      g.edge(secretNode(secret), taskNode, `${names.join(", ")}${note}`, true);
    }
    for (const secret of allowedByRole) if (!reads.has(secret)) g.edge(secretNode(secret), taskNode, "allowed by the execution role, not read", true);
  };

  const taskDefinitionsOfServices = new Set<string>();
  const serviceGroupsById = new Map<string, ReadonlySet<string>>();
  for (const service of r.ofType("aws_ecs_service")) {
    const network = (service.body.network_configuration ?? {}) as Record<string, unknown>;
    const serviceSubnets = referencesIn(network.subnets);
    const cluster = r.get(referenceIn(service.body.cluster));
    const clusterGroup = cluster !== undefined ? g.group(cluster.address, `${cluster.address} · ${str(cluster.body.name)}`, subnetGroup(serviceSubnets)) : subnetGroup(serviceSubnets);
    const task = r.get(referenceIn(service.body.task_definition));
    if (task !== undefined) taskDefinitionsOfServices.add(task.address);
    const strategy = asList(service.body.capacity_provider_strategy).map((s) => str(s.capacity_provider)).join("+") || str(service.body.launch_type || "FARGATE");
    const size = task !== undefined ? `${Number(task.body.cpu) / 1024} vCPU, ${Number(task.body.memory) / 1024} GB` : "";
    const tiers = tierOfSubnets(serviceSubnets);
    const exposed = internalUrlOf(service);
    const id = g.node(
      service.address,
      [
        service.address,
        `${str(service.body.name)} · ${str(service.body.desired_count)} task(s) · ${size} · ${strategy}`,
        `${task?.address ?? "?"}${tiers !== undefined ? ` · ${serviceSubnets.length} ${tiers} subnets` : ""}`,
        ...(exposed !== undefined ? [`internal service: ${exposed} (Service Connect)`] : []),
      ],
      "box",
      clusterGroup,
    );
    for (const lb of asList(service.body.load_balancer)) {
      const tg = r.get(referenceIn(lb.target_group_arn));
      if (tg !== undefined) g.edge(targetGroupNode(tg, vpcGroup), id, `port ${str(lb.container_port)}`);
    }
    linkSecrets(id, task);
    const serviceGroups = securityGroupsOf(network.security_groups);
    serviceGroupsById.set(id, serviceGroups);
    const out = egress.filter((rule) => serviceGroups.has(referenceIn(rule.body.security_group_id) ?? "") && rule.body.cidr_ipv4 === "0.0.0.0/0");
    const ports = [...new Set(out.map((rule) => `${str(rule.body.ip_protocol).toUpperCase()} ${str(rule.body.from_port)}`))];
    if (ports.length > 0) g.edge(id, internet, `out ${ports.join(", ")}${tiers === "private" ? " via NAT" : ""}`);
    for (const db of databases) {
      const ports = allowed(serviceGroups, db.securityGroups);
      if (ports !== undefined) g.edge(id, db.id, ports);
    }
  }
  // Calls between services: where rules on both sides allow them (the declared calls to internal services)
  const internalUrls = new Map(r.ofType("aws_ecs_service").map((service) => [idOf(service.address), internalUrlOf(service)]));
  for (const [caller, callerGroups] of serviceGroupsById) {
    for (const [callee, calleeGroups] of serviceGroupsById) {
      const ports = caller === callee ? undefined : allowed(callerGroups, calleeGroups);
      const url = internalUrls.get(callee);
      if (ports !== undefined) g.edge(caller, callee, `${ports}${url !== undefined ? ` · calls ${url}` : ""}`);
    }
  }

  // Scheduled jobs: the schedule, the task it starts, its dead letters and the rule on its failed runs
  const scheduledTasks = new Map<string, string>(); // task definition address -> schedule node
  for (const schedule of r.ofType("aws_scheduler_schedule")) {
    const target = (schedule.body.target ?? {}) as Record<string, unknown>;
    const ecs = (target.ecs_parameters ?? {}) as Record<string, unknown>;
    const task = referenceIn(ecs.task_definition_arn);
    const timezone = str(schedule.body.schedule_expression_timezone);
    const state = str(schedule.body.state) === "DISABLED" ? " · PAUSED" : "";
    const id = g.node(schedule.address, [schedule.address, `schedule ${str(schedule.body.schedule_expression)}${timezone !== "" && timezone !== "UTC" ? ` ${timezone}` : ""}${state}`], "hexagon");
    if (task !== undefined) scheduledTasks.set(task, id);
    const queue = r.get(referenceIn((target.dead_letter_config as Record<string, unknown> | undefined)?.arn));
    if (queue !== undefined) {
      const encrypted = queue.body.sqs_managed_sse_enabled === true ? "SSE-SQS" : queue.body.kms_master_key_id !== undefined ? "KMS" : "NOT encrypted";
      g.edge(id, g.node(queue.address, [queue.address, `dead letters: runs it could not start · ${encrypted}`], "round"), "could not start", true);
    }
  }

  // One-off task definitions (the migration task) and what runs them (the deploy gate, a schedule)
  for (const task of r.ofType("aws_ecs_task_definition").filter((t) => !taskDefinitionsOfServices.has(t.address))) {
    const containers = parseJsonAttribute(task.body.container_definitions);
    const argv = Array.isArray(containers) ? asList((containers[0] as Record<string, unknown>)?.command as never).map(String) : [];
    const schedule = scheduledTasks.get(task.address);
    // A job's command runs inside the job's shell (sh -c <script> <name> timeout ...): show what it runs.
    const full = (schedule !== undefined && argv[0] === "sh" && argv[1] === "-c" ? argv.slice(4) : argv).join(" ");
    // A shell script is the task's source, not its label.
    const command = full.length > 100 ? `${full.slice(0, 97)}...` : full;
    const cluster = r.ofType("aws_ecs_cluster")[0];
    const kind = schedule !== undefined ? "scheduled job task" : "one-off task";
    const id = g.node(task.address, [task.address, `${kind} · family ${str(task.body.family)}${command !== "" ? ` · ${command}` : ""}`], "round", cluster !== undefined ? g.group(cluster.address, `${cluster.address} · ${str(cluster.body.name)}`) : undefined);
    linkSecrets(id, task);
    if (schedule !== undefined) {
      g.edge(schedule, id, "starts (RunTask)");
      const scheduleBody = r.ofType("aws_scheduler_schedule").find((x) => idOf(x.address) === schedule)?.body;
      const network = (((scheduleBody?.target as Record<string, unknown> | undefined)?.ecs_parameters as Record<string, unknown> | undefined)?.network_configuration ?? {}) as Record<string, unknown>;
      const jobGroups = securityGroupsOf(network.security_groups);
      const out = egress.filter((rule) => jobGroups.has(referenceIn(rule.body.security_group_id) ?? "") && rule.body.cidr_ipv4 === "0.0.0.0/0");
      const ports = [...new Set(out.map((rule) => `${str(rule.body.ip_protocol).toUpperCase()} ${str(rule.body.from_port)}`))];
      if (ports.length > 0) g.edge(id, internet, `out ${ports.join(", ")}${tierOfSubnets(referencesIn(network.subnets)) === "private" ? " via NAT" : ""}`);
      for (const db of databases) {
        const dbPorts = allowed(jobGroups, db.securityGroups);
        if (dbPorts !== undefined) g.edge(id, db.id, dbPorts);
      }
      for (const rule of r.ofType("aws_cloudwatch_event_rule").filter((x) => String(x.body.event_pattern ?? "").includes(`task-definition/${str(task.body.family)}:`))) {
        const ruleId = g.node(rule.address, [rule.address, "rule: its runs that exited non-zero"], "hexagon");
        g.edge(id, ruleId, "stopped, exit code ≠ 0", true);
        for (const notification of r.ofType("aws_cloudwatch_event_target").filter((t) => referenceIn(t.body.rule) === rule.address)) {
          const topic = referenceIn(notification.body.arn);
          g.edge(ruleId, g.node(topic ?? notification.address, [topic ?? str(notification.body.arn)], "round"), "notifies", true);
        }
      }
    }
    for (const gate of r.ofType("terraform_data").filter((d) => referencesIn(d.body.triggers_replace ?? d.body.input).includes(task.address))) {
      const gateId = g.node(gate.address, [gate.address, "deploy gate: runs the task before each rollout"], "hexagon");
      g.edge(gateId, id, "runs");
    }
  }
  addRecovery(g, r, stack);
  return g.mermaid();
}

/**
 * Disaster recovery: the backup vaults by region (the stack's, and each aliased provider's), the plan with its rules,
 * what it protects and where it copies, the replicated automated backups, the monthly restore test, and the recovery
 * targets the restore drill measures against.
 */
function addRecovery(g: Graph, r: StackResources, stack: StackJson): void {
  const vaults = r.ofType("aws_backup_vault");
  if (vaults.length === 0) return;
  const providers = (Array.isArray(stack.provider?.aws) ? stack.provider?.aws : stack.provider?.aws === undefined ? [] : [stack.provider.aws]) as Array<Record<string, unknown>>;
  const regionOf = (body: Record<string, unknown>): string => {
    const alias = typeof body.provider === "string" ? body.provider.replace(/^aws\./, "") : undefined;
    return str(providers.find((p) => (alias === undefined ? p.alias === undefined : p.alias === alias))?.region ?? r.region());
  };
  const primary = r.region();
  const regionGroup = (region: string): string => g.group(`backups_${region}`, region === primary ? `AWS Backup in ${region}` : `DR region ${region} (provider alias)`);
  const locks = r.ofType("aws_backup_vault_lock_configuration");
  for (const vault of vaults) {
    const lock = locks.find((l) => referenceIn(l.body.backup_vault_name) === vault.address);
    const lockText = lock === undefined ? "NOT locked" : `${lock.body.changeable_for_days === undefined ? "governance" : "compliance"} lock, ${str(lock.body.min_retention_days)} days minimum`;
    g.node(vault.address, [vault.address, str(vault.body.name), `${lockText} · key ${referenceIn(vault.body.kms_key_arn) ?? str(vault.body.kms_key_arn)}`], "database", regionGroup(regionOf(vault.body)));
  }
  const targets = (stack.output as Record<string, { value?: Record<string, unknown> }> | undefined)?.restore_drill?.value;
  for (const plan of r.ofType("aws_backup_plan")) {
    const rules = asList(plan.body.rule);
    const lines = rules.map((rule) => `${str(rule.rule_name)}: ${str(rule.schedule)} · kept ${str((rule.lifecycle as Record<string, unknown> | undefined)?.delete_after)} days`);
    const objectives = targets?.rpoHours !== undefined ? [`RPO ${str(targets.rpoHours)} h · RTO ${str(targets.rtoHours)} h (npm run restore-drill)`] : [];
    const id = g.node(plan.address, [plan.address, ...lines, ...objectives], "hexagon", regionGroup(primary ?? ""));
    for (const rule of rules) {
      const into = r.ofType("aws_backup_vault").find((v) => referenceIn(rule.target_vault_name) === v.address);
      if (into !== undefined) g.edge(id, idOf(into.address), `${str(rule.rule_name)} backups`);
      for (const copy of asList(rule.copy_action)) {
        const to = referenceIn(copy.destination_vault_arn);
        if (to !== undefined) g.edge(id, idOf(to), `${str(rule.rule_name)} copies`, true);
      }
    }
    for (const selection of r.ofType("aws_backup_selection").filter((sel) => referenceIn(sel.body.plan_id) === plan.address)) {
      for (const resource of referencesIn(selection.body.resources)) if (g.has(resource)) g.edge(idOf(resource), id, `protected (${selection.address})`, true);
    }
  }
  for (const replication of r.ofType("aws_db_instance_automated_backups_replication")) {
    const id = g.node(
      replication.address,
      [replication.address, `automated backups and transaction logs · ${str(replication.body.retention_period)} days · point-in-time restore here`],
      "round",
      regionGroup(regionOf(replication.body)),
    );
    const source = referenceIn(replication.body.source_db_instance_arn);
    if (source !== undefined && g.has(source)) g.edge(idOf(source), id, "replicated", true);
  }
  for (const selection of r.ofType("aws_backup_restore_testing_selection")) {
    const testPlan = r.get(referenceIn(selection.body.restore_testing_plan_name));
    const overrides = (selection.body.restore_metadata_overrides ?? {}) as Record<string, unknown>;
    const id = g.node(
      selection.address,
      [
        selection.address,
        `restore test ${str(testPlan?.body.schedule_expression)} · kept ${str(selection.body.validation_window_hours)} h`,
        `into ${referenceIn(overrides.dbSubnetGroupName) ?? "?"} · public ${str(overrides.publiclyAccessible)}`,
      ],
      "round",
      regionGroup(primary ?? ""),
    );
    for (const point of asList(testPlan?.body.recovery_point_selection)) {
      for (const vault of referencesIn(point.include_vaults)) g.edge(idOf(vault), id, "newest recovery point", true);
    }
  }
}

/** The Markdown file of one stack's diagram. `source` says where the stack was read from (shown in the file). */
export function renderDiagramMarkdown(stackName: string, stack: StackJson, source: string): string {
  return [
    `# ${stackName}: architecture`,
    "",
    `<!-- Generated by \`npm run diagram\` from ${source}. Do not edit: __tests__/diagram fails when this file no longer matches the synthesized stack. -->`,
    "",
    "Built from the synthesized stack (the resources of `cdk.tf.json` and the references between them). Every node is",
    "labelled with its Terraform address, as in `terraform plan` and `terraform state show <address>`. Solid arrows:",
    "requests and routes (labels: route, port, security group rule); dotted arrows: secrets each task reads at start",
    "(labels: its variables) and filters in front of the load balancer.",
    "",
    "```mermaid",
    buildDiagram(stack),
    "```",
    "",
  ].join("\n");
}

/**
 * The diagram files of one folder of environment files, from its synthesized output in `outDir`: repository-relative
 * path (`docs/architecture/whcsites-production.md`) -> content.
 */
export function diagramFiles(folder: EnvironmentFolder, outDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const stack of folder.environmentStacks) {
    const target = architectureDiagramPath(folder.dir, stack);
    if (target === undefined) continue;
    const json = JSON.parse(fs.readFileSync(path.join(outDir, "stacks", stack, "cdk.tf.json"), "utf8")) as StackJson;
    const how = folder.dir === "environments" ? "`npm run synth`" : `\`WHCSITES_ENVIRONMENTS_DIR=${folder.dir} npm run synth\``;
    files.set(target, renderDiagramMarkdown(stack, json, `cdktf.out/stacks/${stack}/cdk.tf.json as ${how} writes it`));
  }
  return files;
}

/** Diagram files in the folder of `target` that no environment of the folder writes any more (`whcsites-*.md`). */
export function orphanDiagrams(root: string, folderFiles: ReadonlyMap<string, string>): string[] {
  const dirs = new Set([...folderFiles.keys()].map((f) => path.posix.dirname(f)));
  return [...dirs].flatMap((dir) =>
    fs.existsSync(path.join(root, dir))
      ? fs.readdirSync(path.join(root, dir)).filter((f) => /^whcsites-.*\.md$/.test(f)).map((f) => path.posix.join(dir, f)).filter((f) => !folderFiles.has(f))
      : [],
  );
}

/**
 * What is out of date among the committed diagrams of `root`, against `expected` (path -> content, from
 * {@link diagramFiles}): one line per file, each with the fix.
 */
export function staleDiagrams(root: string, expected: ReadonlyMap<string, string>): string[] {
  const stale: string[] = [];
  for (const [file, content] of expected) {
    const target = path.join(root, file);
    if (!fs.existsSync(target)) stale.push(`${file}: missing; run \`npm run refresh\` and commit it`);
    else if (fs.readFileSync(target, "utf8") !== content) stale.push(`${file}: out of date with the synthesized stack; run \`npm run refresh\` and commit it`);
  }
  for (const orphan of orphanDiagrams(root, expected)) stale.push(`${orphan}: no environment file writes it any more; run \`npm run refresh\` (it removes it)`);
  return stale;
}
