import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALLOWED_WARNINGS, allowedBy } from "../../scripts/lib/terraform/allowed-warnings";
import { addressFilePath, readCommittedAddresses } from "../../scripts/lib/stack/addresses";
import { checkContainerDefinitions } from "../../scripts/lib/stack/container-definitions";
import { type StackJson } from "../../scripts/lib/stack/stack-json";
import { COMMITTED_ENVIRONMENTS } from "../../scripts/lib/synth/synth";
import { imageParts, runnableImage } from "../../src/config/environment";
import { findTerraform } from "../../scripts/lib/terraform/terraform-cli";
import { plannedFolder, planRun, synthesizedStacks, type PlannedFolder } from "./plan-run";
import { describeStackChecks, initRealBackend } from "./stack-checks";

// Real Terraform, never mocked: the project's global setup planned every stack of every environment folder once
// (plan-run.ts). Without terraform a developer machine skips loudly; CI fails in the setup.
const run = planRun();
const describeWithTerraform = run.terraform ? describe : describe.skip;

// The committed environments: stacks derived from the files in environments/, never listed by hand.
const committed = plannedFolder(run, COMMITTED_ENVIRONMENTS);
const ENVIRONMENT_STACKS = [...committed.environmentStacks];
const synthesizedByFolder = new Map(run.folders.map((folder) => [folder.name, synthesizedStacks(folder)]));
const synthesized = synthesizedByFolder.get(COMMITTED_ENVIRONMENTS) as Map<string, StackJson>;
/** The environment file of a committed environment stack, as written. */
const fileOf = (stack: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(committed.dir, `${stack.replace(/^whcsites-/, "")}.json`), "utf8"));
/** What a committed environment's tasks run without the emergency override: its file's image, by digest when pinned. */
const fileImage = (stack: string): string => runnableImage(imageParts(fileOf(stack).image));

describe("ECS container definitions: the shape check itself", () => {
  test("the shape check catches a misspelt key, a wrong type, a missing image and unparseable JSON", () => {
    const good = { name: "api", image: "ghcr.io/x/y:${var.image_tag}", essential: true, portMappings: [{ containerPort: 4000, protocol: "tcp" }] };
    expect(checkContainerDefinitions("t", JSON.stringify([good])).problems).toEqual([]);

    const bad = [{ name: "api", portMapping: [], memory: "512", logConfiguration: { logDriver: "cloudwatch" }, secrets: [{ name: "X" }] }];
    expect(checkContainerDefinitions("t", JSON.stringify(bad)).problems).toEqual([
      't[0]: required key "image" is missing',
      expect.stringMatching(/^t\[0\]\.portMapping: unknown key/),
      't[0].memory: expected number, got "512"',
      expect.stringMatching(/^t\[0\]\.logConfiguration\.logDriver: expected one of .*awslogs.*, got "cloudwatch"/),
      't[0].secrets[0]: required key "valueFrom" is missing',
    ]);
    expect(checkContainerDefinitions("t", "${jsonencode([])}").problems).toEqual([expect.stringMatching(/not valid JSON/)]);
  });
});

describeWithTerraform("the real S3 backend block (the check and the plans run without it)", () => {
  test("the backend check fails on a block Terraform rejects", () => {
    const backend = (synthesized.get(ENVIRONMENT_STACKS[0]) as StackJson & { terraform: { backend: { s3: Record<string, unknown> } } }).terraform.backend;
    const output = initRealBackend({ s3: { ...backend.s3, kms_key_id: "arn:aws:kms:eu-west-1:123456789012:bogus/whcsites-tfstate" } });
    expect(output).toMatch(/Error: Invalid KMS Key ARN/);
  });
});

describe("the allow-list of Terraform warnings", () => {
  test("every allow-list entry says why", () => {
    for (const entry of ALLOWED_WARNINGS) expect(entry.reason.length).toBeGreaterThan(40);
    expect(allowedBy({ severity: "warning", summary: "Deprecated Parameter", detail: 'The parameter "dynamodb_table" is deprecated.' })).toBeDefined();
    expect(allowedBy({ severity: "warning", summary: "Argument is deprecated", detail: "something else" })).toBeUndefined();
  });
});

/** Every stack of every environment folder, with real Terraform (offline init and plan). */
function describeFolder(folder: PlannedFolder): void {
  const stacks = synthesizedByFolder.get(folder.name) as Map<string, StackJson>;
  describeWithTerraform(`${folder.name}: every stack with real Terraform (offline init, plan)`, () => {
    test("its app synthesizes and plans exactly the stacks its environment files call for", () => {
      // GIVEN the stacks derived from the folder's files: whcsites-state, whcsites-<file name> for each, and
      // whcsites-<file name>-github for each with delivery
      expect(folder.stacks).toEqual(expect.arrayContaining(["whcsites-state", ...folder.environments.map((e) => `whcsites-${e}`)]));
      expect(folder.stacks).toHaveLength(1 + folder.environments.length + folder.githubStacks.length);
      // THEN they are what the app synthesized and what the check planned
      expect([...stacks.keys()].sort()).toEqual(folder.stacks);
      expect(folder.results.map((r) => r.stack).sort()).toEqual(folder.stacks);
    });
  });
  if (!run.terraform) return;
  describeStackChecks(`${folder.name}: per-stack checks`, folder, (stack) => ({
    result: folder.results.find((r) => r.stack === stack) as PlannedFolder["results"][number],
    synthesized: stacks.get(stack) as StackJson,
    committedAddresses: readCommittedAddresses(stack, folder.addressesDir),
    addressesFile: path.relative(path.join(__dirname, "..", ".."), addressFilePath(stack, folder.addressesDir)),
  }));
}

for (const folder of run.folders) describeFolder(folder);

/**
 * What the issues promise the plans show ("Must show"), asserted on Terraform's own plan JSON
 * (`terraform show -json`): planned values, and the configuration's references and depends_on.
 */
describeWithTerraform("the environment plans show what was promised", () => {
  interface PlannedResource {
    address: string;
    type: string;
    values: Record<string, any>;
  }
  interface ConfigResource {
    address: string;
    type: string;
    mode: string;
    depends_on?: string[];
    expressions: Record<string, { constant_value?: unknown; references?: string[] }>;
  }
  const plans = new Map<string, any>();

  beforeAll(() => {
    // The plans the global setup made (plan-run.ts): no suite plans a committed stack again.
    for (const r of committed.results) plans.set(r.stack, JSON.parse(fs.readFileSync(r.planJsonPath as string, "utf8")));
  });

  const planned = (stack: string, type: string): PlannedResource[] =>
    (plans.get(stack).planned_values.root_module.resources as PlannedResource[]).filter((r) => r.type === type);
  const one = (stack: string, address: string): PlannedResource => {
    const found = (plans.get(stack).planned_values.root_module.resources as PlannedResource[]).find((r) => r.address === address);
    if (!found) throw new Error(`${stack}: ${address} is not planned`);
    return found;
  };
  const configs = (stack: string): ConfigResource[] => plans.get(stack).configuration.root_module.resources;
  const config = (stack: string, address: string): ConfigResource => configs(stack).find((r) => r.address === address) as ConfigResource;
  const refs = (resource: ConfigResource, attribute: string): string[] => resource.expressions[attribute]?.references ?? [];

  describe("network", () => {
    test("production: 3 tiers x 3 AZs of subnets, 3 NAT gateways, an ALL-traffic flow log, a default SG with no rules", () => {
      const subnets = planned("whcsites-production", "aws_subnet").map((s) => s.address.replace(/^aws_subnet\.network_/, ""));
      expect(subnets.sort()).toEqual(["database_a", "database_b", "database_c", "private_a", "private_b", "private_c", "public_a", "public_b", "public_c"]);
      expect(planned("whcsites-production", "aws_subnet").every((s) => s.values.map_public_ip_on_launch === false)).toBe(true);
      expect(planned("whcsites-production", "aws_nat_gateway")).toHaveLength(3);
      expect(planned("whcsites-production", "aws_flow_log")).toEqual([expect.objectContaining({ values: expect.objectContaining({ traffic_type: "ALL" }) })]);
      expect(planned("whcsites-production", "aws_default_security_group")).toEqual([
        expect.objectContaining({ values: expect.objectContaining({ ingress: [], egress: [] }) }),
      ]);
    });

    test("staging runs one NAT gateway", () => {
      expect(planned("whcsites-staging", "aws_nat_gateway")).toHaveLength(1);
    });

    test.each(ENVIRONMENT_STACKS)("%s: no database subnet is associated with a route table that reaches the internet", (stack) => {
      const routeTableOf = (subnet: string): string[] =>
        configs(stack)
          .filter((r) => r.type === "aws_route_table_association" && refs(r, "subnet_id").includes(`${subnet}.id`))
          .flatMap((r) => refs(r, "route_table_id").filter((ref) => !ref.endsWith(".id")));
      const databaseSubnets = configs(stack).filter((r) => r.address.startsWith("aws_subnet.network_database_"));
      expect(databaseSubnets.length).toBeGreaterThanOrEqual(2);
      for (const subnet of databaseSubnets) {
        const tables = routeTableOf(subnet.address);
        expect(tables).toHaveLength(1);
        // Neither a separate aws_route nor an inline route of that table goes to a gateway.
        const routes = configs(stack).filter((r) => r.type === "aws_route" && refs(r, "route_table_id").includes(tables[0]));
        expect(routes).toEqual([]);
        expect(one(stack, tables[0]).values.route ?? []).toEqual([]);
      }
    });

    test.each(ENVIRONMENT_STACKS)("%s reads no data source", (stack) => {
      expect(configs(stack).filter((r) => r.mode === "data").map((r) => r.address)).toEqual([]);
    });
  });

  describe("load balancer", () => {
    test("production: TLS 1.3 HTTPS listener with a validated certificate, 301 redirect, Route53 alias, deletion protection, access logs", () => {
      const stack = "whcsites-production";
      expect(one(stack, "aws_lb_listener.api_https").values).toMatchObject({ port: 443, protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06" });
      expect(refs(config(stack, "aws_lb_listener.api_https"), "certificate_arn")).toContain("aws_acm_certificate_validation.api_certificate_validation");
      expect(one(stack, "aws_lb_listener.api_http").values.default_action[0]).toMatchObject({
        type: "redirect",
        redirect: [expect.objectContaining({ protocol: "HTTPS", port: "443", status_code: "HTTP_301" })],
      });
      expect(one(stack, "aws_route53_record.api_alias").values).toMatchObject({ name: "api.whcsites.example.org", type: "A" });
      expect(one(stack, "aws_lb.api").values).toMatchObject({ internal: false, enable_deletion_protection: true });
      expect(one(stack, "aws_lb.api").values.access_logs[0]).toMatchObject({ enabled: true });
      expect(config(stack, "aws_lb.api").depends_on).toContain("aws_s3_bucket_policy.api_access_logs_policy");
    });

    test.each(ENVIRONMENT_STACKS)("%s: with a domain HTTPS forwards and HTTP redirects; without one a single plain HTTP listener forwards", (stack) => {
      const domain = fileOf(stack).domain;
      if (domain !== undefined) {
        expect(one(stack, "aws_lb_listener.api_https").values).toMatchObject({ port: 443, protocol: "HTTPS" });
        expect(one(stack, "aws_lb_listener.api_http").values.default_action[0]).toMatchObject({ type: "redirect" });
        expect(one(stack, "aws_route53_record.api_alias").values).toMatchObject({ name: domain.name, type: "A" });
      } else {
        expect(one(stack, "aws_lb_listener.api_http").values.default_action[0]).toMatchObject({ type: "forward" });
        expect(planned(stack, "aws_lb_listener")).toHaveLength(1);
      }
    });

    test.each(ENVIRONMENT_STACKS)("%s: invalid headers dropped, /healthz target group, modeled rollout of 60 s or less", (stack) => {
      expect(one(stack, "aws_lb.api").values).toMatchObject({ drop_invalid_header_fields: true, desync_mitigation_mode: "defensive" });
      const tg = one(stack, "aws_lb_target_group.service_api_target_group").values;
      expect(tg).toMatchObject({ target_type: "ip", port: 4000, protocol: "HTTP" });
      expect(tg.health_check[0]).toMatchObject({ path: "/healthz", matcher: "200" });
      const rolloutSeconds = tg.health_check[0].healthy_threshold * tg.health_check[0].interval + Number(tg.deregistration_delay);
      expect(rolloutSeconds).toBeLessThanOrEqual(60);
    });
  });

  describe("secrets and database", () => {
    test.each(ENVIRONMENT_STACKS)("%s: one PostgreSQL instance in the isolated subnets, admitting only the service's and the role bootstrap's security groups", (stack) => {
      expect(planned(stack, "aws_db_instance")).toHaveLength(1);
      expect(one(stack, "aws_db_instance.database").values).toMatchObject({ engine: "postgres", publicly_accessible: false, storage_encrypted: true, storage_type: "gp3" });
      const subnetRefs = refs(config(stack, "aws_db_subnet_group.database_subnet_group"), "subnet_ids").filter((r) => r.endsWith(".id"));
      expect(subnetRefs.length).toBeGreaterThanOrEqual(2);
      expect(subnetRefs.every((r) => r.startsWith("aws_subnet.network_database_"))).toBe(true);
      const intoDatabase = configs(stack).filter(
        (r) => r.type === "aws_vpc_security_group_ingress_rule" && refs(r, "security_group_id").includes("aws_security_group.database_security_group"),
      );
      // the role bootstrap's group, and the group of each service and each scheduled job of the file with "database": true
      const withDatabase = (kind: "services" | "jobs") => Object.entries((fileOf(stack)[kind] ?? {}) as Record<string, { database?: boolean }>).filter(([, s]) => s.database === true).map(([name]) => name.replace(/-/g, "_"));
      expect(intoDatabase.map((rule) => refs(rule, "referenced_security_group_id").find((r) => r.startsWith("aws_security_group.") && !r.endsWith(".id"))).sort()).toEqual(
        [
          "aws_security_group.database_roles_security_group",
          ...withDatabase("services").map((name) => `aws_security_group.service_${name}_security_group`),
          ...withDatabase("jobs").map((name) => `aws_security_group.job_${name}_security_group`),
        ].sort(),
      );
      for (const rule of intoDatabase) expect(rule.expressions.cidr_ipv4).toBeUndefined();
    });

    test.each(ENVIRONMENT_STACKS)("%s: every secret version is written write-only from a generated password, never a literal or a stored value", (stack) => {
      const versions = configs(stack).filter((r) => r.type === "aws_secretsmanager_secret_version");
      expect(versions.length).toBeGreaterThanOrEqual(4);
      for (const version of versions) {
        expect([version.address, version.expressions.secret_string]).toEqual([version.address, undefined]);
        // Ephemeral passwords (offline: their sensitive stand-ins) feed every value.
        expect([version.address, refs(version, "secret_string_wo").some((r) => r.startsWith("terraform_data.ephemeral_aws_secretsmanager_random_password_"))]).toEqual([version.address, true]);
      }
      expect(config(stack, "aws_db_instance.database").expressions.password).toBeUndefined();
      expect(refs(config(stack, "aws_db_instance.database"), "password_wo")).toContain("terraform_data.ephemeral_aws_secretsmanager_random_password_secrets_database_password.output");
    });

    test.each(ENVIRONMENT_STACKS)("%s: no output carries a secret", (stack) => {
      const outputs = plans.get(stack).configuration.root_module.outputs as Record<string, { expression?: { references?: string[] }; sensitive?: boolean }>;
      for (const [name, output] of Object.entries(outputs)) {
        expect([name, (output.expression?.references ?? []).filter((r) => /random_password|secret_version/.test(r))]).toEqual([name, []]);
      }
    });

    test("production: deletion protection, stable final snapshot, kept backups, Multi-AZ, Performance Insights, enhanced monitoring", () => {
      expect(one("whcsites-production", "aws_db_instance.database").values).toMatchObject({
        deletion_protection: true,
        skip_final_snapshot: false,
        final_snapshot_identifier: "whcsites-production-db-final",
        delete_automated_backups: false,
        multi_az: true,
        performance_insights_enabled: true,
        monitoring_interval: 60,
        backup_retention_period: 14,
        copy_tags_to_snapshot: true,
        auto_minor_version_upgrade: true,
        apply_immediately: false,
      });
      // prevent_destroy is not part of the plan JSON; the synthesized configuration carries it.
      expect((synthesized.get("whcsites-production") as any).resource.aws_db_instance.database.lifecycle).toMatchObject({ prevent_destroy: true });
    });
  });

  describe("ECS service and migrations", () => {
    test.each(ENVIRONMENT_STACKS)("%s: every service has a circuit breaker with rollback, awaits steady state, scales on CPU (and on requests when routed)", (stack) => {
      const services = Object.entries(fileOf(stack).services as Record<string, { route?: unknown }>);
      for (const [name] of services) {
        expect([name, one(stack, `aws_ecs_service.service_${name}`).values]).toEqual([name, expect.objectContaining({
          wait_for_steady_state: true,
          deployment_circuit_breaker: [{ enable: true, rollback: true }],
          deployment_minimum_healthy_percent: 100,
          deployment_maximum_percent: 200,
        })]);
      }
      const metrics = planned(stack, "aws_appautoscaling_policy").map((p) => p.values.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type);
      expect(metrics.sort()).toEqual([
        ...services.filter(([, s]) => s.route !== undefined).map(() => "ALBRequestCountPerTarget"),
        ...services.map(() => "ECSServiceAverageCPUUtilization"),
      ]);
      expect(planned(stack, "aws_cloudwatch_log_group").every((g) => g.values.retention_in_days > 0)).toBe(true);
    });

    test.each(ENVIRONMENT_STACKS)("%s runs the ghcr.io image with SECRET_KEY_BASE and DATABASE_URL from Secrets Manager", (stack) => {
      // Container definitions reference secret ARNs created in the same apply, so the plan knows them only after
      // apply: read them from the configuration Terraform planned.
      const [api] = JSON.parse((synthesized.get(stack) as any).resource.aws_ecs_task_definition.service_api_task_definition.container_definitions);
      // the release image: the file's digest, unless the emergency override is set
      expect(api.image).toBe("${local.release_image}");
      expect((synthesized.get(stack) as any).locals.release_image).toBe(`\${var.emergency_image != "" ? var.emergency_image : "${fileImage(stack)}"}`);
      expect(api.secrets).toEqual([
        { name: "DATABASE_URL", valueFrom: "${aws_secretsmanager_secret.secrets_database_app.arn}:url::" },
        { name: "SECRET_KEY_BASE", valueFrom: "${aws_secretsmanager_secret.secrets_secret_key_base.arn}" },
      ]);
      expect(api.environment.map((e: { name: string }) => e.name).sort()).toEqual(["PHX_HOST", "PHX_SERVER", "POOL_SIZE", "PORT", "RELEASE_TMP"]);
      expect(refs(config(stack, "aws_ecs_task_definition.service_api_task_definition"), "container_definitions")).toEqual(
        expect.arrayContaining(["aws_secretsmanager_secret.secrets_secret_key_base.arn", "aws_secretsmanager_secret.secrets_database_app.arn"]),
      );
    });

    test.each(ENVIRONMENT_STACKS)("%s: the execution role may read exactly the task's secrets", (stack) => {
      const policy = config(stack, "aws_iam_role_policy.service_api_execution_role_secrets");
      const secretRefs = refs(policy, "policy").filter((r) => r.startsWith("aws_secretsmanager_secret.") && r.endsWith(".arn"));
      expect(secretRefs.sort()).toEqual(["aws_secretsmanager_secret.secrets_database_app.arn", "aws_secretsmanager_secret.secrets_secret_key_base.arn"]);
    });

    test("the only variable is the emergency override, empty in every plan, and production runs at least 2 tasks with a read-only root", () => {
      for (const stack of ENVIRONMENT_STACKS) expect(plans.get(stack).variables).toEqual({ emergency_image: { value: "" } });
      expect(one("whcsites-production", "aws_ecs_service.service_api").values.desired_count).toBeGreaterThanOrEqual(2);
      const api = JSON.parse((synthesized.get("whcsites-production") as any).resource.aws_ecs_task_definition.service_api_task_definition.container_definitions)[0];
      expect(api).toMatchObject({ readonlyRootFilesystem: true, image: "${local.release_image}" });
    });

    test("the deploy gate's trigger follows the emergency override (a real second plan with it set)", () => {
      // GIVEN the staging working copy the check initialized, planned without a variable: the file's digest
      const byDefault = one("whcsites-staging", "terraform_data.deploy_gate").values.triggers_replace;
      expect(byDefault.migration_image).toBe(fileImage("whcsites-staging"));
      const override = `${imageParts(fileOf("whcsites-staging").image).repository}@sha256:${"cd".repeat(32)}`;
      // WHEN planned again with the override (in the working copy the global setup initialized; this run holds its
      // lock until the end)
      const dir = path.join(committed.workDir, "whcsites-staging");
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-var-"));
      try {
        const planFile = path.join(tmp, "tfplan");
        const env = { ...process.env, TF_CLI_CONFIG_FILE: run.cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
        const terraform = findTerraform() as string;
        const plan = spawnSync(terraform, ["plan", "-input=false", "-lock=false", "-refresh=false", "-var", `emergency_image=${override}`, `-out=${planFile}`], { cwd: dir, env, encoding: "utf8" });
        expect(plan.stderr).toBe("");
        const shown = spawnSync(terraform, ["show", "-json", planFile], { cwd: dir, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        const gate = JSON.parse(shown.stdout).planned_values.root_module.resources.find((r: PlannedResource) => r.address === "terraform_data.deploy_gate");
        // THEN the trigger, and so the migration run, changes with it
        expect(gate.values.triggers_replace.migration_image).toBe(override);
        // AND it is the stack's release image, which reaches the gate's --expected-image the same way
        const synthesizedGate = (synthesized.get("whcsites-staging") as any).resource.terraform_data.deploy_gate;
        expect(synthesizedGate.triggers_replace.migration_image).toBe("${local.release_image}");
        expect(JSON.stringify(synthesizedGate)).toContain("--expected-image ${local.release_image} ");
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }, 180_000);

    test.each(ENVIRONMENT_STACKS)("%s: a migration task definition and the deploy gate, which the service depends on", (stack) => {
      expect(one(stack, "aws_ecs_task_definition.migrations").values).toMatchObject({ family: `${stack}-migrate`, requires_compatibilities: ["FARGATE"] });
      expect(planned(stack, "terraform_data")).toEqual(expect.arrayContaining([expect.objectContaining({ address: "terraform_data.deploy_gate" })]));
      expect(config(stack, "aws_ecs_service.service_api").depends_on).toContain("terraform_data.deploy_gate");
    });
  });
});
