import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildDiagram, diagramFiles, staleDiagrams } from "../../scripts/lib/diagram/mermaid";
import { environmentFolders, synthesizeFolder } from "../../scripts/lib/synth/environment-folders";
import type { StackJson } from "../../scripts/lib/stack/stack-json";

const ROOT = path.join(__dirname, "..", "..");
const folders = environmentFolders(ROOT);
/** Diagram path -> what `npm run diagram` would write now, for every folder of environment files. */
const expected = new Map<string, string>();
/** Stack name -> synthesized stack. */
const stacks = new Map<string, StackJson>();

const work = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-diagram-test-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  for (const folder of folders) {
    const outDir = await synthesizeFolder(ROOT, folder.dir, path.join(work, folder.dir));
    for (const [file, content] of diagramFiles(folder, outDir)) expected.set(file, content);
    for (const stack of folder.environmentStacks) stacks.set(stack, JSON.parse(fs.readFileSync(path.join(outDir, "stacks", stack, "cdk.tf.json"), "utf8")));
  }
}, 240_000);

/** The Mermaid lines of a diagram. */
const linesOf = (stack: string) => buildDiagram(stacks.get(stack) as StackJson).split("\n");
/** The node line of an address. */
const nodeOf = (stack: string, address: string) => linesOf(stack).find((l) => l.trim().startsWith(`n_${address.replace(/[^A-Za-z0-9]/g, "_")}`)) ?? "";
const edge = (from: string, to: string) => new RegExp(`^ {2}n_${from.replace(/[^A-Za-z0-9]/g, "_")} -(?:-|\\.-)>(?:\\|"([^"]*)"\\|)? n_${to.replace(/[^A-Za-z0-9]/g, "_")}$`);
const edgeLabels = (stack: string, from: string, to: string) =>
  linesOf(stack).map((l) => edge(from, to).exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => m[1] ?? "");

describe("docs/architecture: one diagram per environment stack", () => {
  test("every committed diagram matches the synthesized stacks (else: run npm run refresh)", () => {
    expect([...expected.keys()]).toEqual(expect.arrayContaining(["docs/architecture/whcsites-production.md", "docs/architecture/whcsites-staging.md", "docs/architecture/examples/multi-service/whcsites-demo.md", "docs/architecture/examples/all-kinds/whcsites-kinds.md"]));
    expect(staleDiagrams(ROOT, expected)).toEqual([]);
  });

  test("GIVEN a committed diagram edited by hand THEN the staleness check names it with the command that fixes it", () => {
    const copy = fs.mkdtempSync(path.join(work, "whcsites-diagram-stale-"));
    for (const [file, content] of expected) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.writeFileSync(path.join(copy, file), file.endsWith("whcsites-staging.md") ? content.replace("aws_db_instance.database", "aws_db_instance.db") : content);
    }
    fs.writeFileSync(path.join(copy, "docs/architecture/whcsites-gone.md"), "an environment that no longer exists");
    expect(staleDiagrams(copy, expected)).toEqual([
      "docs/architecture/whcsites-staging.md: out of date with the synthesized stack; run `npm run refresh` and commit it",
      "docs/architecture/whcsites-gone.md: no environment file writes it any more; run `npm run refresh` (it removes it)",
    ]);
  });

  test("production's diagram is a Mermaid flowchart that names the load balancer and the database by address", () => {
    const text = fs.readFileSync(path.join(ROOT, "docs/architecture/whcsites-production.md"), "utf8");
    expect(text).toMatch(/```mermaid\nflowchart LR\n[\s\S]*aws_lb\.api[\s\S]*aws_db_instance\.database[\s\S]*\n```\n/);
  });
});

describe("what a diagram shows, from the synthesized references", () => {
  test("disaster recovery: the vaults by region, the plan's backups and copies with the RPO and RTO, replication, the monthly restore test", () => {
    const s = "whcsites-production";
    const lines = linesOf(s);
    const groupOf = (address: string) => {
      const at = lines.findIndex((l) => l.trim().startsWith(`n_${address.replace(/[^A-Za-z0-9]/g, "_")}`));
      return lines.slice(0, at).reverse().find((l) => l.trim().startsWith("subgraph"))?.trim();
    };
    expect(groupOf("aws_backup_vault.backup_vault")).toBe('subgraph g_backups_eu_west_1["AWS Backup in eu-west-1"]');
    expect(groupOf("aws_backup_vault.dr_backup_vault")).toBe('subgraph g_backups_eu_central_1["DR region eu-central-1 (provider alias)"]');
    expect(groupOf("aws_db_instance_automated_backups_replication.replicated_backups")).toBe('subgraph g_backups_eu_central_1["DR region eu-central-1 (provider alias)"]');
    expect(nodeOf(s, "aws_backup_vault.dr_backup_vault")).toMatch(/governance lock, 7 days minimum · key aws_kms_key\.dr_backup_vault_key/);
    expect(nodeOf(s, "aws_backup_plan.backup_plan")).toMatch(/daily: cron\(0 5 \? \* \* \*\) · kept 35 days<br\/>monthly: .* kept 365 days<br\/>RPO 1 h · RTO 4 h/);
    expect(edgeLabels(s, "aws_backup_plan.backup_plan", "aws_backup_vault.backup_vault")).toEqual(["daily backups", "monthly backups"]);
    expect(edgeLabels(s, "aws_backup_plan.backup_plan", "aws_backup_vault.dr_backup_vault")).toEqual(["daily copies", "monthly copies"]);
    expect(edgeLabels(s, "aws_db_instance.database", "aws_backup_plan.backup_plan")).toEqual(["protected (aws_backup_selection.backup_plan_selection_database)"]);
    expect(edgeLabels(s, "aws_db_instance.database", "aws_db_instance_automated_backups_replication.replicated_backups")).toEqual(["replicated"]);
    expect(edgeLabels(s, "aws_backup_vault.backup_vault", "aws_backup_restore_testing_selection.restore_testing_selection")).toEqual(["newest recovery point"]);
    expect(lines.some((l) => l.includes("aws_backup"))).toBe(true);
    expect(linesOf("whcsites-staging").some((l) => l.includes("aws_backup"))).toBe(false);
  });

  test("internet → DNS alias → load balancer → HTTPS listener → default route → target group → api → database", () => {
    const s = "whcsites-production";
    expect(edgeLabels(s, "internet", "aws_route53_record.api_alias")).toEqual([""]);
    expect(edgeLabels(s, "aws_route53_record.api_alias", "aws_lb.api")).toEqual(["alias"]);
    expect(edgeLabels(s, "aws_lb.api", "aws_lb_listener.api_https")).toEqual([""]);
    expect(edgeLabels(s, "aws_lb_listener.api_https", "aws_lb_target_group.service_api_target_group")).toEqual(["default route"]);
    expect(edgeLabels(s, "aws_lb_target_group.service_api_target_group", "aws_ecs_service.service_api")).toEqual(["port 4000"]);
    expect(edgeLabels(s, "aws_ecs_service.service_api", "aws_db_instance.database")).toEqual(["TCP 5432"]);
    expect(nodeOf(s, "aws_lb_listener.api_http")).toMatch(/HTTP 80<br\/>default route: redirect to HTTPS 443 \(HTTP_301\)/);
    expect(nodeOf(s, "aws_db_instance.database")).toMatch(/db\.m7g\.large · Multi-AZ/);
  });

  test("three services: admin behind a listener rule with its path condition, the worker with no route, each with its secrets", () => {
    const s = "whcsites-demo";
    expect(nodeOf(s, "aws_lb_listener_rule.service_admin_route")).toMatch(/priority 100: path pattern \/admin, \/admin\/\*/);
    expect(edgeLabels(s, "aws_lb_listener.api_https", "aws_lb_listener_rule.service_admin_route")).toEqual([""]);
    expect(edgeLabels(s, "aws_lb_listener_rule.service_admin_route", "aws_lb_target_group.service_admin_target_group")).toEqual([""]);
    expect(linesOf(s).filter((l) => / n_aws_ecs_service_service_worker$/.test(l) && l.includes("target_group"))).toEqual([]);
    expect(edgeLabels(s, "aws_secretsmanager_secret.secrets_notify_api_token", "aws_ecs_service.service_worker")).toEqual(["NOTIFY_API_TOKEN"]);
    expect(edgeLabels(s, "aws_secretsmanager_secret.secrets_admin_secret_key_base", "aws_ecs_service.service_admin")).toEqual(["SECRET_KEY_BASE"]);
    expect(edgeLabels(s, "aws_secretsmanager_secret.secrets_secret_key_base", "aws_ecs_service.service_admin")).toEqual([]);
    for (const service of ["api", "admin", "worker"]) expect(edgeLabels(s, `aws_ecs_service.service_${service}`, "aws_db_instance.database")).toEqual(["TCP 5432"]);
  });

  test("subnets by tier and AZ; each private subnet's NAT gateway; NAT to the internet gateway to the internet", () => {
    const s = "whcsites-production";
    const lines = linesOf(s);
    const tierOf = (subnet: string) => {
      const at = lines.findIndex((l) => l.trim().startsWith(`n_aws_subnet_${subnet}[`));
      return [...lines.slice(0, at)].reverse().find((l) => l.trim().startsWith("subgraph g_tier_"))?.trim().split("[")[0];
    };
    expect(["network_public_a", "network_private_b", "network_database_c"].map(tierOf)).toEqual(["subgraph g_tier_public", "subgraph g_tier_private", "subgraph g_tier_isolated"]);
    expect(nodeOf(s, "aws_subnet.network_private_b")).toMatch(/eu-west-1b · 10\.10\.72\.0\/21/);
    for (const az of ["a", "b", "c"]) expect(edgeLabels(s, `aws_subnet.network_private_${az}`, `aws_nat_gateway.network_nat_${az}`)).toEqual(["0.0.0.0/0"]);
    expect(edgeLabels(s, "aws_nat_gateway.network_nat_a", "aws_internet_gateway.network_igw")).toEqual(["egress"]);
    expect(edgeLabels(s, "aws_internet_gateway.network_igw", "internet")).toEqual(["egress"]);
    // staging has one NAT gateway for both private subnets
    expect(edgeLabels("whcsites-staging", "aws_subnet.network_private_b", "aws_nat_gateway.network_nat_a")).toEqual(["0.0.0.0/0"]);
  });

  test("GIVEN a web ACL on the load balancer and a secret read without the execution role's grant THEN both show", () => {
    const stack = structuredClone(stacks.get("whcsites-staging")) as any;
    stack.resource.aws_wafv2_web_acl = { api: { name: "api", default_action: { allow: {} }, rule: [{ name: "common" }, { name: "rate" }] } };
    stack.resource.aws_wafv2_web_acl_association = { api: { resource_arn: "${aws_lb.api.arn}", web_acl_arn: "${aws_wafv2_web_acl.api.arn}" } };
    const task = stack.resource.aws_ecs_task_definition.service_api_task_definition;
    task.container_definitions = task.container_definitions.replace('"secrets":[', '"secrets":[{"name":"EXTRA","valueFrom":"${aws_secretsmanager_secret.secrets_extra.arn}"},');
    stack.resource.aws_secretsmanager_secret.secrets_extra = { name: "/whcsites/staging/extra" };
    const lines = buildDiagram(stack).split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}n_aws_wafv2_web_acl_api\{\{"aws_wafv2_web_acl\.api<br\/>web ACL · 2 rule\(s\) · default allow"\}\}$/));
    expect(lines).toContain('  n_aws_wafv2_web_acl_api -.->|"filters requests (aws_wafv2_web_acl_association.api)"| n_aws_lb_api');
    expect(lines).toContain('  n_aws_secretsmanager_secret_secrets_extra -.->|"EXTRA (NOT allowed by the execution role)"| n_aws_ecs_service_service_api');
  });

  test("every kind: the api calls the internal service pricing by name, the worker has no route, the nightly job is started by its schedule", () => {
    const s = "whcsites-kinds";
    // the internal service: its name on the node, the declared call as the only edge between services
    expect(nodeOf(s, "aws_ecs_service.service_pricing")).toContain("internal service: http://pricing:8080 (Service Connect)");
    expect(edgeLabels(s, "aws_ecs_service.service_api", "aws_ecs_service.service_pricing")).toEqual(["TCP 8080 · calls http://pricing:8080"]);
    expect(edgeLabels(s, "aws_ecs_service.service_pricing", "aws_ecs_service.service_api")).toEqual([]);
    expect(edgeLabels(s, "aws_ecs_service.service_worker", "aws_ecs_service.service_pricing")).toEqual([]);
    expect(linesOf(s).filter((l) => / n_aws_ecs_service_service_pricing$/.test(l) && l.includes("target_group"))).toEqual([]);
    // the job: schedule -> its task (its own command, not the wrapper), its dead letters, the database, its failure rule
    const job = "aws_ecs_task_definition.job_nightly_cleanup_task_definition";
    expect(nodeOf(s, "aws_scheduler_schedule.job_nightly_cleanup_schedule")).toContain("schedule cron(0 2 * * ? *) Europe/Paris");
    expect(edgeLabels(s, "aws_scheduler_schedule.job_nightly_cleanup_schedule", job)).toEqual(["starts (RunTask)"]);
    expect(nodeOf(s, job)).toContain("scheduled job task · family whcsites-kinds-nightly-cleanup · timeout -k 30 1800 /app/bin/whcsites eval Whcsites.Jobs.Cleanup.run()");
    expect(nodeOf(s, job)).not.toContain("started=");
    expect(edgeLabels(s, "aws_scheduler_schedule.job_nightly_cleanup_schedule", "aws_sqs_queue.job_nightly_cleanup_dead_letter_queue")).toEqual(["could not start"]);
    expect(nodeOf(s, "aws_sqs_queue.job_nightly_cleanup_dead_letter_queue")).toContain("SSE-SQS");
    expect(edgeLabels(s, job, "aws_db_instance.database")).toEqual(["TCP 5432"]);
    expect(edgeLabels(s, job, "aws_cloudwatch_event_rule.job_nightly_cleanup_failed_runs")).toEqual(["stopped, exit code ≠ 0"]);
    expect(edgeLabels(s, "aws_cloudwatch_event_rule.job_nightly_cleanup_failed_runs", "aws_sns_topic.alerts_topic")).toEqual(["notifies"]);
  });
});
