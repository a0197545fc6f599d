import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { imageParts, loadEnvironment, runnableImage } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { policyReportOf } from "../../src/policies";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { DEFAULT_PSQL_IMAGE } from "../../src/constructs/release";

const ROOT = path.join(__dirname, "..", "..");
const state = loadStateConfig(path.join(ROOT, "state.json"));

const synthesizedEnvironments = new Map<string, string>();

/**
 * The stack of a committed environment file as JSON, a fresh copy per call. Each file is synthesized once per test
 * file: the describe blocks below read the same two stacks.
 */
function synthEnvironment(name: string): any {
  let text = synthesizedEnvironments.get(name);
  if (text === undefined) {
    const config = loadEnvironment(path.join(ROOT, "environments", `${name}.json`));
    text = Testing.synth(new EnvironmentStack(Testing.app(), `whcsites-${name}`, { config, state }));
    synthesizedEnvironments.set(name, text);
  }
  return JSON.parse(text);
}

/**
 * Takes the domain out of an environment file: plain HTTP. The services' routes by hosts or paths (a file may have
 * some, docs/environments.md "Add a service") then need the file's acknowledgement, as the loader requires.
 */
function withoutDomain(env: any): void {
  delete env.domain;
  if (Object.values(env.services as Record<string, { route?: unknown }>).some((s) => s.route !== undefined && s.route !== "default")) {
    env.loadBalancer = { ...env.loadBalancer, plainHttpRoutes: { reason: "a test of the plain HTTP listener" } };
  }
}

/** A committed environment file with `change` applied, synthesized as its stack (JSON). */
function synthChanged(base: string, change: (env: any) => void, onStack: (stack: EnvironmentStack) => void = () => undefined): any {
  const env = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", `${base}.json`), "utf8"));
  change(env);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-changed-"));
  try {
    fs.writeFileSync(path.join(dir, `${base}.json`), JSON.stringify(env));
    const config = loadEnvironment(path.join(dir, `${base}.json`));
    const stack = new EnvironmentStack(Testing.app(), `whcsites-${base}`, { config, state });
    const json = JSON.parse(Testing.synth(stack));
    onStack(stack);
    return json;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("EnvironmentStack", () => {
  const staging = synthEnvironment("staging");
  const production = synthEnvironment("production");

  test("keeps state in S3 under a key per environment, encrypted, locked by S3 and DynamoDB", () => {
    expect(staging.terraform.backend.s3).toEqual({
      bucket: "whcsites-tfstate-123456789012-eu-west-1",
      key: "whcsites/staging/terraform.tfstate",
      region: "eu-west-1",
      encrypt: true,
      // with the state stack's KMS key, by alias (its ARN is only known after that stack's deploy)
      kms_key_id: "arn:aws:kms:eu-west-1:123456789012:alias/whcsites-tfstate",
      dynamodb_table: "whcsites-tfstate-lock",
      use_lockfile: true,
      // the role the state stack made for this environment (the state account may be another one)
      assume_role: { role_arn: "arn:aws:iam::123456789012:role/whcsites-tfstate-staging" },
    });
    expect(production.terraform.backend.s3.key).toBe("whcsites/production/terraform.tfstate");
  });

  test("the provider refuses any account but the environment's, and tags everything", () => {
    expect(production.provider.aws[0]).toMatchObject({
      region: "eu-west-1",
      allowed_account_ids: ["123456789012"],
      default_tags: [{ tags: { app: "whcsites", environment: "production", "managed-by": "cdktf", repository: "whcsites-infra" } }],
    });
    expect(staging.provider.aws[0].allowed_account_ids).toEqual(["210987654321"]);
  });

  test("the release image is the file's digest; the only deploy-time input is the emergency override, empty by default", () => {
    // GIVEN staging.json's image ghcr.io/whc-example/whcsites:1.4.2@sha256:24bd...
    const digest = loadEnvironment(path.join(ROOT, "environments", "staging.json")).image.digest as string;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    // THEN the stack has one variable, the emergency override, and no tag or digest variable with a default of its own
    expect(Object.keys(staging.variable)).toEqual(["emergency_image"]);
    expect(staging.variable.emergency_image).toMatchObject({ type: "string", default: "" });
    expect(staging.variable.emergency_image.description).toMatch(/^EMERGENCY ONLY: /);
    // AND the release image is the file's repository at that digest unless the override is set
    expect(staging.locals.release_image).toBe(`\${var.emergency_image != "" ? var.emergency_image : "ghcr.io/whc-example/whcsites@${digest}"}`);
  });

  test("no data source calls an AWS API, so every stack plans offline", () => {
    const offline = new Set(["aws_iam_policy_document", "aws_partition", "aws_region", "aws_elb_service_account"]);
    for (const json of [staging, production]) {
      expect(Object.keys(json.data ?? {}).filter((type) => !offline.has(type))).toEqual([]);
    }
  });

  test("no reference crosses stacks: nothing reads remote state", () => {
    for (const json of [staging, production]) expect(json.data?.terraform_remote_state).toBeUndefined();
  });
});

describe("EnvironmentStack composition", () => {
  const staging = synthEnvironment("staging");
  const production = synthEnvironment("production");

  test("the ECS service depends on the deploy gate, the listener and its secret grants", () => {
    for (const json of [staging, production]) {
      expect(json.resource.aws_ecs_service.service_api.depends_on).toEqual(
        expect.arrayContaining(["terraform_data.deploy_gate", "aws_iam_role_policy.service_api_execution_role_secrets"]),
      );
    }
    expect(production.resource.aws_ecs_service.service_api.depends_on).toContain("aws_lb_listener.api_https");
    // without a domain, the plain HTTP listener is the one that routes
    const plain = synthChanged("staging", withoutDomain);
    expect(plain.resource.aws_ecs_service.service_api.depends_on).toContain("aws_lb_listener.api_http");
  });

  test("the gate and the service wait for what tasks need at start: database, connection secret, NAT routes, SG rules, IAM grants", () => {
    const needed = [
      "aws_db_instance.database",
      "aws_secretsmanager_secret_version.secrets_database_connection_value",
      "aws_route.network_private_a_nat",
      "aws_route.network_private_b_nat",
      "aws_route.network_private_c_nat",
      "aws_vpc_security_group_egress_rule.service_api_https_out",
      "aws_vpc_security_group_egress_rule.service_api_to_database_5432",
      "aws_vpc_security_group_ingress_rule.database_allow_service_api",
      "aws_iam_role_policy.service_api_execution_role_secrets",
      "aws_iam_role_policy.service_api_execution_role_logs",
    ];
    expect(production.resource.terraform_data.deploy_gate.depends_on).toEqual(expect.arrayContaining(needed));
    expect(production.resource.aws_ecs_service.service_api.depends_on).toEqual(expect.arrayContaining(needed));
  });

  test("the deploy gate runs the role bootstrap, then the migration, and re-runs when either task definition or image (tag or digest) changes", () => {
    const gate = staging.resource.terraform_data.deploy_gate;
    expect(gate.triggers_replace).toEqual({
      database_roles_task_definition: "${aws_ecs_task_definition.database_roles_task_definition.arn}",
      database_roles_image: DEFAULT_PSQL_IMAGE,
      migration_task_definition: "${aws_ecs_task_definition.migrations.arn}",
      migration_image: "${local.release_image}",
    });
    const exec = gate.provisioner[0]["local-exec"];
    expect(exec.working_dir).toBe("../../..");
    const [roles, migration, ...rest] = (exec.command as string).split(" >&2; ")[1].split(" && ");
    expect(rest).toEqual([]);
    for (const step of [roles, migration]) expect(step).toMatch(/^node --require \.\/scripts\/register-ts\.cjs scripts\/migrate\.ts --non-interactive /);
    expect(roles).toContain("--task-definition ${aws_ecs_task_definition.database_roles_task_definition.arn}");
    expect(roles).toContain("--container psql");
    expect(migration).toContain("--task-definition ${aws_ecs_task_definition.migrations.arn}");
    expect(migration).toContain("--expected-image ${local.release_image}");
    // The migration task runs the same image as the service, from the same variable.
    const migrate = JSON.parse(staging.resource.aws_ecs_task_definition.migrations.container_definitions);
    const api = JSON.parse(staging.resource.aws_ecs_task_definition.service_api_task_definition.container_definitions);
    expect(migrate[0].image).toBe(api[0].image);
    expect(api[0].image).toBe("${local.release_image}");
    // and stops itself a minute after the runner's 15 minutes
    expect(migrate[0].command).toEqual(["timeout", "-k", "30", "960", "/app/bin/migrate"]);
    expect(exec.command).toContain("--timeout 15m");
  });

  test("migrations.timeoutMinutes sets the runner's timeout and the container's limit; containerTimeLimit false drops the wrapper", () => {
    const config = loadEnvironment(path.join(ROOT, "environments", "staging.json"));
    const migrations = config.migrations as NonNullable<typeof config.migrations>;
    const build = (change: Partial<typeof migrations>) =>
      JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), "whcsites-staging", { config: { ...config, migrations: { ...migrations, ...change } }, state })));
    const longer = build({ timeoutMinutes: 45 });
    expect(JSON.parse(longer.resource.aws_ecs_task_definition.migrations.container_definitions)[0].command).toEqual(["timeout", "-k", "30", "2760", "/app/bin/migrate"]);
    // the role bootstrap and the migration both run under the gate's timeout, the migration's
    expect(longer.resource.terraform_data.deploy_gate.provisioner[0]["local-exec"].command.match(/--timeout 45m/g)).toHaveLength(2);
    const unwrapped = build({ containerTimeLimit: false });
    expect(JSON.parse(unwrapped.resource.aws_ecs_task_definition.migrations.container_definitions)[0].command).toEqual(["/app/bin/migrate"]);
  });

  test("runOnDeploy false leaves the migration out of the gate; the role bootstrap still runs before the services", () => {
    const config = loadEnvironment(path.join(ROOT, "environments", "staging.json"));
    const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
      config: { ...config, migrations: { ...(config.migrations as NonNullable<typeof config.migrations>), runOnDeploy: false } },
      state,
    });
    const json = JSON.parse(Testing.synth(stack));
    const gate = json.resource.terraform_data.deploy_gate;
    expect(Object.keys(gate.triggers_replace).sort()).toEqual(["database_roles_image", "database_roles_task_definition"]);
    expect(gate.provisioner[0]["local-exec"].command).not.toContain("aws_ecs_task_definition.migrations");
    expect(json.resource.aws_ecs_service.service_api.depends_on).toContain("terraform_data.deploy_gate");
  });

  test("security groups: ALB -> service on 4000; service and role bootstrap -> database on 5432, nothing else into the database", () => {
    const egress = Object.values(production.resource.aws_vpc_security_group_egress_rule) as any[];
    const ingress = Object.values(production.resource.aws_vpc_security_group_ingress_rule) as any[];
    expect(egress).toContainEqual(
      expect.objectContaining({
        security_group_id: "${aws_security_group.api_security_group.id}",
        referenced_security_group_id: "${aws_security_group.service_api_security_group.id}",
        from_port: 4000,
        to_port: 4000,
      }),
    );
    expect(egress).toContainEqual(
      expect.objectContaining({
        security_group_id: "${aws_security_group.service_api_security_group.id}",
        referenced_security_group_id: "${aws_security_group.database_security_group.id}",
        from_port: 5432,
      }),
    );
    const intoDatabase = ingress.filter((r) => r.security_group_id === "${aws_security_group.database_security_group.id}");
    expect(intoDatabase.map((r) => r.referenced_security_group_id).sort()).toEqual([
      "${aws_security_group.database_roles_security_group.id}",
      "${aws_security_group.service_api_security_group.id}",
    ]);
    for (const rule of intoDatabase) expect(rule).toMatchObject({ from_port: 5432, to_port: 5432 });
    expect(intoDatabase.filter((r) => r.cidr_ipv4 !== undefined)).toEqual([]);
  });

  test("outputs carry what operators need and never a secret value", () => {
    expect(Object.keys(production.output).sort()).toEqual(["api_url", "cluster_name", "database_endpoint", "database_secret_arn", "migration", "restore_drill", "services"].sort());
    expect(production.output.services.value.api).toEqual({
      service_name: "${aws_ecs_service.service_api.name}",
      cluster: "${aws_ecs_cluster.service_cluster.name}",
      task_definition_family: "${aws_ecs_task_definition.service_api_task_definition.family}",
      log_group_name: "${aws_cloudwatch_log_group.service_api_log_group.name}",
      image: "${local.release_image}",
      target_group_arn: "${aws_lb_target_group.service_api_target_group.arn}",
      url: "https://api.whcsites.example.org",
      health_check_url: "https://api.whcsites.example.org/healthz",
    });
    expect(production.output.api_url.value).toBe("https://api.whcsites.example.org");
    // staging has ECS Exec, so it also names the session log group
    expect(Object.keys(staging.output)).toContain("exec_log_group_name");
    expect(staging.output.exec_log_group_name.value).toBe("${aws_cloudwatch_log_group.service_exec_log_group.name}");
    const text = JSON.stringify(production.output) + JSON.stringify(staging.output);
    expect(text).not.toMatch(/random_password/);
    expect(text).not.toMatch(/secret_string/);
  });

  test("PHX_HOST is the domain with one and the ALB's DNS name without one", () => {
    const env = (json: any) => JSON.parse(json.resource.aws_ecs_task_definition.service_api_task_definition.container_definitions)[0].environment;
    expect(env(production)).toContainEqual({ name: "PHX_HOST", value: "api.whcsites.example.org" });
    expect(env(synthChanged("staging", withoutDomain))).toContainEqual({ name: "PHX_HOST", value: "${aws_lb.api.dns_name}" });
  });

  test("without a domain, a service routed by path is synthesized only with loadBalancer.plainHttpRoutes, its rule's ELB.1 acknowledged with the file's reason", () => {
    // GIVEN staging without a domain, the admin app of docs/environments.md routed by path, and the acknowledgement
    let report: ReturnType<typeof policyReportOf>;
    const json = synthChanged(
      "staging",
      (e) => {
        delete e.domain;
        e.loadBalancer = { ...e.loadBalancer, plainHttpRoutes: { reason: "a test environment without DNS: no real data passes it" } };
        // the api alone, whatever else the committed file routes
        e.services = { api: e.services.api };
        e.services.admin = { cpu: 256, memoryMiB: 512, desiredCount: 1, route: { paths: ["/admin", "/admin/*"], priority: 100 } };
      },
      (stack) => (report = policyReportOf(stack)),
    );
    // THEN the rule forwards on the HTTP listener, and ELB.1 is acknowledged on it (the listener's own, too)
    expect(json.resource.aws_lb_listener_rule.service_admin_route.listener_arn).toBe("${aws_lb_listener.api_http.arn}");
    const elb1 = report?.rules.find((r) => r.id === "ELB.1");
    expect(elb1?.violations).toEqual([]);
    expect(elb1?.acknowledged.map((a) => [a.path, a.acknowledgement.reason])).toEqual([
      ["whcsites-staging/api/http", expect.stringMatching(/without a domain/)],
      ["whcsites-staging/service/admin/route", expect.stringMatching(/staging\.json sets loadBalancer\.plainHttpRoutes: a test environment without DNS/)],
    ]);
  });
});

describe("EnvironmentStack: a deploy of an infrastructure change runs the file's release", () => {
  /** Every container image of a stack's task definitions, by address, with the locals they reference filled in. */
  const imagesOf = (json: any): Record<string, string[]> =>
    Object.fromEntries(
      Object.entries(json.resource.aws_ecs_task_definition as Record<string, { container_definitions: string }>).map(([name, td]) => [
        `aws_ecs_task_definition.${name}`,
        (JSON.parse(td.container_definitions) as Array<{ image: string }>).map((c) => c.image.replace("${local.release_image}", json.locals.release_image)),
      ]),
    );

  test.each(["staging", "production"])("GIVEN %s.json with only the first service's size changed WHEN synthesized THEN no task definition's image and no deploy gate trigger changes", (name) => {
    const file = path.join(ROOT, "environments", `${name}.json`);
    const env = JSON.parse(fs.readFileSync(file, "utf8"));
    const [service] = Object.keys(env.services);
    const before = synthEnvironment(name);
    // WHEN the service gets twice the CPU and memory, as a resize does
    env.services[service].cpu *= 2;
    env.services[service].memoryMiB *= 2;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-resize-"));
    let after: any;
    try {
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(env));
      after = JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), `whcsites-${name}`, { config: loadEnvironment(path.join(dir, `${name}.json`)), state })));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // THEN the size did change (the test would prove nothing otherwise)
    expect(after.resource.aws_ecs_task_definition).not.toEqual(before.resource.aws_ecs_task_definition);
    // AND every image is one the file names, before and after, as written there (its digest where it has one): the
    // release image behind the empty emergency override, a service's own image, or the role bootstrap's pinned one;
    // no other variable, no default (derived from the file: a service added with its own image changes no test)
    expect(imagesOf(after)).toEqual(imagesOf(before));
    const named = [
      `\${var.emergency_image != "" ? var.emergency_image : "${runnableImage(imageParts(env.image))}"}`,
      ...Object.values(env.services as Record<string, { image?: string }>).flatMap((s) => (s.image === undefined ? [] : [runnableImage(imageParts(s.image))])),
      DEFAULT_PSQL_IMAGE,
    ];
    expect(Object.values(imagesOf(after)).flat().filter((image) => !named.includes(image))).toEqual([]);
    if (env.tier === "production") expect(Object.values(imagesOf(after)).flat().filter((image) => !/@sha256:[a-f0-9]{64}"?\}?$/.test(image))).toEqual([]);
    // AND the deploy gate, which runs the migration, keeps its triggers and the task definitions they name (the
    // file was synthesized from another folder: nothing in them may depend on where the file lives)
    expect(after.resource.terraform_data.deploy_gate.triggers_replace).toEqual(before.resource.terraform_data.deploy_gate.triggers_replace);
    for (const gated of ["database_roles_task_definition", "migrations"]) {
      expect(after.resource.aws_ecs_task_definition[gated]).toEqual(before.resource.aws_ecs_task_definition[gated]);
    }
  });
});

describe("EnvironmentStack data protection", () => {
  /** The stack of a committed environment file after `change`, through the real loader. */
  const protections = { deletion_protection: true, skip_final_snapshot: false, delete_automated_backups: false };

  test("tier alone no longer turns off deletion protection: production.json switched to non-production keeps every data protection", () => {
    // GIVEN production.json with only its tier changed WHEN synthesized
    const json = synthChanged("production", (e) => (e.tier = "non-production"));
    // THEN the database keeps deletion protection, its final snapshot and its backups (only the cost defaults change)
    expect(json.resource.aws_db_instance.database).toMatchObject({ ...protections, final_snapshot_identifier: "whcsites-production-db-final", multi_az: false });
    // and the tier guard holds the new tier with prevent_destroy, so the plan against production's state fails
    expect(json.resource.terraform_data.tier_guard).toMatchObject({ triggers_replace: { tier: "non-production" }, lifecycle: { prevent_destroy: true } });
  });

  test("the committed environments are both protected and guarded (staging is not disposable)", () => {
    for (const [name, json] of [["staging", synthEnvironment("staging")], ["production", synthEnvironment("production")]]) {
      expect(json.resource.aws_db_instance.database).toMatchObject({ ...protections, final_snapshot_identifier: `whcsites-${name}-db-final` });
      expect(json.resource.terraform_data.tier_guard).toMatchObject({ triggers_replace: { tier: name === "staging" ? "non-production" : "production" }, lifecycle: { prevent_destroy: true } });
    }
  });

  test("a disposable environment's database has none of them, acknowledged to the policy guard, and its tier guard allows a destroy", () => {
    // GIVEN staging marked disposable WHEN synthesized
    const config = loadEnvironment(path.join(ROOT, "environments", "staging.json"));
    const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
      config: { ...config, disposable: true, database: { ...(config.database as NonNullable<typeof config.database>), deletionProtection: false, finalSnapshot: false, retainAutomatedBackups: false } },
      state,
    });
    const json = JSON.parse(Testing.synth(stack));
    // THEN
    expect(json.resource.aws_db_instance.database).toMatchObject({ deletion_protection: false, skip_final_snapshot: true, delete_automated_backups: true });
    expect(json.resource.terraform_data.tier_guard.lifecycle).toBeUndefined();
    const acknowledged = policyReportOf(stack)?.rules.find((r) => r.id === "WHC.SAFE2")?.acknowledged ?? [];
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged[0].acknowledgement.reason).toMatch(/marks the environment "disposable"/);
  });

  test("with secrets.customerManagedKey, the ECS Exec session logs are encrypted with the cluster's own key; without it, not", () => {
    // GIVEN staging (ECS Exec on, as in every non-production tier) with and without the customer-managed key
    const keyed = synthChanged("staging", (e) => (e.secrets = { ...e.secrets, customerManagedKey: true }));
    const plain = synthEnvironment("staging");
    // THEN only the keyed one has the exec log key, on the group and required by ECS Exec
    expect(keyed.resource.aws_cloudwatch_log_group.service_exec_log_group.kms_key_id).toBe("${aws_kms_key.service_exec_log_key.arn}");
    expect(keyed.resource.aws_ecs_cluster.service_cluster.configuration.execute_command_configuration.log_configuration.cloud_watch_encryption_enabled).toBe(true);
    expect(plain.resource.aws_cloudwatch_log_group.service_exec_log_group.kms_key_id).toBeUndefined();
    expect(plain.resource.aws_kms_key?.service_exec_log_key).toBeUndefined();
  });

  test("the RDS monitoring role trusts RDS only for this database; the endpoints allow this account's resources only", () => {
    const production = synthEnvironment("production");
    const trust = JSON.parse(production.resource.aws_iam_role.database_monitoring_role.assume_role_policy).Statement[0];
    expect(trust.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: { "aws:SourceArn": "arn:aws:rds:eu-west-1:123456789012:db:whcsites-production-db" },
    });
    for (const endpoint of Object.values(production.resource.aws_vpc_endpoint) as any[]) {
      expect(JSON.stringify(JSON.parse(endpoint.policy))).toContain("123456789012");
    }
  });
});

describe("EnvironmentStack of the committed environments after the move to services", () => {
  const staging = synthEnvironment("staging");
  const production = synthEnvironment("production");

  test("the api keeps its AWS names: ECS service, cluster, task family, log group, roles and security group", () => {
    for (const [json, env] of [[staging, "staging"], [production, "production"]] as const) {
      const r = json.resource;
      expect(r.aws_ecs_service.service_api.name).toBe(`whcsites-${env}-service`);
      expect(r.aws_ecs_cluster.service_cluster.name).toBe(`whcsites-${env}-service`);
      expect(r.aws_ecs_task_definition.service_api_task_definition.family).toBe(`whcsites-${env}-service`);
      expect(r.aws_cloudwatch_log_group.service_api_log_group.name).toBe(`/whcsites/${env}/ecs/service`);
      expect(r.aws_iam_role.service_api_execution_role.name).toBe(`whcsites-${env}-service-execution`);
      expect(r.aws_security_group.service_api_security_group).toMatchObject({
        name: `whcsites-${env}-service-tasks`,
        description: "ECS tasks: ingress from the load balancer, egress to HTTPS and named peers only",
      });
      expect(r.aws_lb_target_group.service_api_target_group.name_prefix).toBe("api-");
      expect(JSON.parse(r.aws_ecs_task_definition.service_api_task_definition.container_definitions)[0].name).toBe("api");
    }
  });

  test("every first-wave address of the api has a moved block to its new address, and nothing else moves", () => {
    for (const json of [staging, production]) {
      const moved = new Map((json.moved as Array<{ from: string; to: string }>).map((m) => [m.to, m.from]));
      expect(moved.get("aws_ecs_service.service_api")).toBe("aws_ecs_service.service");
      expect(moved.get("aws_lb_target_group.service_api_target_group")).toBe("aws_lb_target_group.api_target_group");
      expect(moved.get("aws_iam_role_policy.service_api_execution_role_secrets")).toBe("aws_iam_role_policy.secrets_read_service_execution_role");
      // every target exists, every source is gone
      for (const [to, from] of moved) {
        const [type, name] = to.split(".");
        const [fromType, fromName] = from.split(".");
        expect([to, json.resource[type]?.[name] !== undefined]).toEqual([to, true]);
        expect([from, json.resource[fromType]?.[fromName]]).toEqual([from, undefined]);
      }
    }
    expect(staging.moved).toHaveLength(18);
    // production has no ECS Exec, so no exec policy to move
    expect(production.moved).toHaveLength(17);
  });

  test("the api is on the listener's default route: no listener rule, the listener forwards to its target group", () => {
    expect(production.resource.aws_lb_listener_rule).toBeUndefined();
    expect(production.resource.aws_lb_listener.api_https.default_action).toEqual([
      { type: "forward", target_group_arn: "${aws_lb_target_group.service_api_target_group.arn}" },
    ]);
  });
});

describe("EnvironmentStack with three services (examples/multi-service)", () => {
  const EXAMPLE = path.join(ROOT, "examples", "multi-service", "environments", "demo.json");
  const build = (change: (config: any) => void = () => undefined): any => {
    const config = JSON.parse(JSON.stringify(loadEnvironment(EXAMPLE)));
    change(config);
    return JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), "whcsites-demo", { config, state })));
  };
  const demo = build();
  const containers = (name: string): any => JSON.parse(demo.resource.aws_ecs_task_definition[`service_${name}_task_definition`].container_definitions)[0];

  test("one cluster, one load balancer, three services, a target group per routed service and a rule for the path route", () => {
    expect(Object.keys(demo.resource.aws_ecs_cluster)).toEqual(["service_cluster"]);
    expect(Object.keys(demo.resource.aws_lb)).toEqual(["api"]);
    expect(Object.keys(demo.resource.aws_ecs_service).sort()).toEqual(["service_admin", "service_api", "service_worker"]);
    expect(Object.keys(demo.resource.aws_lb_target_group).sort()).toEqual(["service_admin_target_group", "service_api_target_group"]);
    expect(demo.resource.aws_lb_listener_rule.service_admin_route).toMatchObject({
      listener_arn: "${aws_lb_listener.api_https.arn}",
      priority: 100,
      condition: [{ path_pattern: { values: ["/admin", "/admin/*"] } }],
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.service_admin_target_group.arn}" }],
    });
    expect(demo.resource.aws_ecs_service.service_admin.depends_on).toContain("aws_lb_listener_rule.service_admin_route");
    for (const name of ["admin", "api", "worker"]) expect(demo.resource.aws_ecs_service[`service_${name}`].cluster).toBe("${aws_ecs_cluster.service_cluster.arn}");
  });

  test("a request no route claims gets a fixed 404 from the load balancer when no service takes the default route", () => {
    const json = build((c) => c.services.splice(c.services.findIndex((s: any) => s.name === "api"), 1, { ...c.services.find((s: any) => s.name === "api"), route: { paths: ["/api/*"], priority: 200 } }));
    expect(json.resource.aws_lb_listener.api_https.default_action).toEqual([
      { type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "404", message_body: "Not Found" } },
    ]);
  });

  test("the worker has no target group, no route, no ingress, and scales on CPU only", () => {
    const ingress = Object.values(demo.resource.aws_vpc_security_group_ingress_rule) as any[];
    expect(ingress.filter((r) => r.security_group_id === "${aws_security_group.service_worker_security_group.id}")).toEqual([]);
    expect(demo.resource.aws_ecs_service.service_worker.load_balancer).toBeUndefined();
    expect(demo.resource.aws_ecs_service.service_worker.health_check_grace_period_seconds).toBeUndefined();
    const policies = Object.keys(demo.resource.aws_appautoscaling_policy).filter((n) => n.startsWith("service_worker_"));
    expect(policies).toEqual(["service_worker_scale_on_cpu"]);
    expect(containers("worker")).toMatchObject({ command: ["/app/bin/worker", "--queue", "default"], image: "ghcr.io/whc-example/whcsites-worker:0.9.1", portMappings: [] });
  });

  test("each execution role reads exactly the secrets its service names", () => {
    const readable = (name: string): string[] =>
      JSON.parse(demo.resource.aws_iam_role_policy[`service_${name}_execution_role_secrets`].policy).Statement[0].Resource.sort();
    expect(readable("api")).toEqual(["${aws_secretsmanager_secret.secrets_database_app.arn}", "${aws_secretsmanager_secret.secrets_secret_key_base.arn}"]);
    expect(readable("admin")).toEqual(["${aws_secretsmanager_secret.secrets_admin_secret_key_base.arn}", "${aws_secretsmanager_secret.secrets_database_app.arn}"]);
    expect(readable("worker")).toEqual(["${aws_secretsmanager_secret.secrets_database_app.arn}", "${aws_secretsmanager_secret.secrets_notify_api_token.arn}"]);
  });

  test("database access is explicit: a service without it gets no rule, no connection secret, and does not wait for the gate", () => {
    const json = build((c) => {
      const worker = c.services.find((s: any) => s.name === "worker");
      worker.database = false;
    });
    expect(json.resource.aws_vpc_security_group_ingress_rule.database_allow_service_worker).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_egress_rule.service_worker_to_database_5432).toBeUndefined();
    const secrets = JSON.parse(json.resource.aws_ecs_task_definition.service_worker_task_definition.container_definitions)[0].secrets;
    expect(secrets.map((x: any) => x.name)).toEqual(["NOTIFY_API_TOKEN"]);
    expect(json.resource.aws_ecs_service.service_worker.depends_on).not.toContain("terraform_data.deploy_gate");
    // with access (the example), the worker reads the PG* variables of the connection secret and waits for the gate
    expect(containers("worker").secrets.map((x: any) => x.name)).toEqual(["NOTIFY_API_TOKEN", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER"]);
  });

  test("the migration gets the owning service's own variables, and the profile's without the server switch", () => {
    const json = build((c) => (c.services.find((s: any) => s.name === "api").environment = { FEATURE_FLAGS: "beta" }));
    const migrate = JSON.parse(json.resource.aws_ecs_task_definition.migrations.container_definitions)[0].environment;
    expect(migrate).toContainEqual({ name: "FEATURE_FLAGS", value: "beta" });
    expect(migrate.map((e: any) => e.name)).toEqual(["FEATURE_FLAGS", "PHX_HOST", "POOL_SIZE", "PORT", "RELEASE_TMP"]);
  });

  test("the migration runs before every service that uses the database", () => {
    for (const name of ["api", "admin", "worker"]) expect(demo.resource.aws_ecs_service[`service_${name}`].depends_on).toContain("terraform_data.deploy_gate");
    // the migration logs in as the schema owner, through an execution role of its own that the services do not have
    expect(demo.resource.aws_ecs_task_definition.migrations.execution_role_arn).toBe("${aws_iam_role.migrations_execution_role.arn}");
    expect(JSON.parse(demo.resource.aws_iam_role_policy.migrations_execution_role_secrets.policy).Statement[0].Resource.sort()).toEqual([
      "${aws_secretsmanager_secret.secrets_database_migrator.arn}",
      "${aws_secretsmanager_secret.secrets_secret_key_base.arn}",
    ]);
  });

  test("the Phoenix variables come from the profile; the worker (container profile) has none of them", () => {
    expect(containers("admin").environment).toEqual(
      expect.arrayContaining([{ name: "ADMIN_MOUNT_PATH", value: "/admin" }, { name: "PHX_SERVER", value: "true" }, { name: "PORT", value: "4000" }]),
    );
    expect(containers("worker").environment).toEqual([]);
    expect(JSON.stringify(containers("worker"))).not.toMatch(/PHX_|DATABASE_URL|SECRET_KEY_BASE/);
  });

  test("outputs list each service; only routed services have a target group and URLs", () => {
    const services = demo.output.services.value;
    expect(Object.keys(services).sort()).toEqual(["admin", "api", "worker"]);
    expect(services.admin).toMatchObject({ url: "https://demo.whcsites.example.org", health_check_url: "https://demo.whcsites.example.org/admin/healthz" });
    expect(services.worker.target_group_arn).toBeUndefined();
    expect(services.worker.url).toBeUndefined();
  });
});

describe("EnvironmentStack operations and edge protection", () => {
  const EXAMPLE = path.join(ROOT, "examples", "multi-service", "environments", "demo.json");
  const configOf = (file: string): any => JSON.parse(JSON.stringify(loadEnvironment(file)));
  const synthConfig = (config: any, id: string): any => JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), id, { config, state })));
  const stacks: Array<[string, any]> = [
    ["staging", synthEnvironment("staging")],
    ["production", synthEnvironment("production")],
    ["demo (examples/multi-service)", synthConfig(configOf(EXAMPLE), "whcsites-demo")],
  ];
  const addresses = (json: any): Set<string> =>
    new Set(Object.entries(json.resource as Record<string, object>).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)));

  test.each(stacks)("%s: an SNS topic encrypted with a KMS key of the stack whose policy lets CloudWatch use it", (_env, json) => {
    const topics = Object.values(json.resource.aws_sns_topic) as any[];
    expect(topics).toHaveLength(1);
    expect(topics[0].kms_master_key_id).toBe("${aws_kms_key.alerts_key.arn}");
    const statements = JSON.parse(json.resource.aws_kms_key.alerts_key.policy).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"] }));
    expect(json.resource.aws_sns_topic_subscription.alerts_email).toMatchObject({ protocol: "email", topic_arn: "${aws_sns_topic.alerts_topic.arn}" });
  });

  test.each(stacks)("%s: at least 12 alarms, each named whcsites-<env>-..., each notifying the topic when it fires and when it is over", (_env, json) => {
    const alarms = Object.values(json.resource.aws_cloudwatch_metric_alarm) as any[];
    expect(alarms.length).toBeGreaterThanOrEqual(12);
    const env = json.provider.aws[0].default_tags[0].tags.environment;
    for (const alarm of alarms) {
      expect(alarm.alarm_name).toMatch(new RegExp(`^whcsites-${env}-[a-z0-9-]+$`));
      expect(alarm.alarm_actions).toEqual(["${aws_sns_topic.alerts_topic.arn}"]);
      expect(alarm.ok_actions).toEqual(["${aws_sns_topic.alerts_topic.arn}"]);
      expect(["missing", "notBreaching", "breaching"]).toContain(alarm.treat_missing_data);
    }
  });

  test.each(stacks)("%s: every ECS service behind the load balancer rolls back on its own 5xx-rate and unhealthy-hosts alarms; others have none", (_env, json) => {
    const services = Object.entries(json.resource.aws_ecs_service) as Array<[string, any]>;
    for (const [name, service] of services) {
      if (service.load_balancer === undefined) {
        expect([name, service.alarms]).toEqual([name, undefined]);
        continue;
      }
      expect(service.alarms).toEqual({
        alarm_names: [`\${aws_cloudwatch_metric_alarm.${name}_alarms_target_5xx_rate.alarm_name}`, `\${aws_cloudwatch_metric_alarm.${name}_alarms_unhealthy_hosts.alarm_name}`],
        enable: true,
        rollback: true,
      });
    }
    expect(services.some(([, s]) => s.load_balancer !== undefined)).toBe(true);
  });

  test.each(stacks)("%s: a dashboard covering the load balancer, ECS and RDS metrics and the alarms, with references to this stack only", (_env, json) => {
    const dashboards = Object.values(json.resource.aws_cloudwatch_dashboard) as any[];
    expect(dashboards).toHaveLength(1);
    const widgets = JSON.parse(dashboards[0].dashboard_body).widgets as any[];
    const namespaces = new Set(widgets.filter((w) => w.type === "metric").flatMap((w) => w.properties.metrics.map((m: unknown[]) => m[0])));
    for (const namespace of ["AWS/ApplicationELB", "AWS/ECS", "ECS/ContainerInsights", "AWS/RDS"]) expect(namespaces).toContain(namespace);
    const alarmWidget = widgets.find((w) => w.type === "alarm");
    expect(alarmWidget.properties.alarms).toHaveLength(Object.keys(json.resource.aws_cloudwatch_metric_alarm).length);
    // every reference in the body is to a resource of this stack
    const known = addresses(json);
    const references = [...dashboards[0].dashboard_body.matchAll(/\$\{([a-z0-9_]+\.[a-z0-9_]+)\.[a-z_]+\}/g)].map((m) => m[1]);
    expect(references.length).toBeGreaterThan(10);
    expect(references.filter((r) => !known.has(r))).toEqual([]);
    // and every literal dimension value names something this stack creates (the database, the web ACL's rules) or is fixed
    const ruleMetrics = ((json.resource.aws_wafv2_web_acl?.web_acl.rule ?? []) as any[]).map((r) => r.visibility_config.metric_name);
    const literals = widgets
      .filter((w) => w.type === "metric")
      .flatMap((w) => w.properties.metrics.flatMap((m: unknown[]) => m.slice(2).filter((v, i) => typeof v === "string" && i % 2 === 1)))
      .filter((v: string) => !v.startsWith("${"));
    expect([...new Set(literals)].sort()).toEqual(expect.arrayContaining([json.resource.aws_db_instance.database.identifier]));
    for (const literal of literals) expect([json.resource.aws_db_instance.database.identifier, ...ruleMetrics, "eu-west-1", "ALL"]).toContain(literal);
  });

  test("the demo's dashboard has a section per service; the worker gets no load balancer alarms or graphs", () => {
    const demo = stacks[2][1];
    const headings = JSON.parse(demo.resource.aws_cloudwatch_dashboard.dashboard.dashboard_body).widgets.filter((w: any) => w.type === "text").map((w: any) => w.properties.markdown);
    expect(headings).toEqual(["## Alarms", "## Load balancer", "## Service api", "## Service admin", "## Service worker (no route)", "## Database"]);
    const workerAlarms = Object.keys(demo.resource.aws_cloudwatch_metric_alarm).filter((n) => n.startsWith("service_worker_"));
    expect(workerAlarms.sort()).toEqual(["service_worker_alarms_cpu_high", "service_worker_alarms_memory_high", "service_worker_alarms_tasks_below_desired"]);
    // the admin (Phoenix) has its error-line alarm; the worker (container profile, log format unknown) does not
    expect(Object.keys(demo.resource.aws_cloudwatch_log_metric_filter).sort()).toEqual(["service_admin_alarms_error_lines", "service_api_alarms_error_lines"]);
  });

  test("production: a web ACL with the four managed rule groups and a rate rule, on the load balancer, logging with redaction", () => {
    const production = stacks[1][1];
    const acl = production.resource.aws_wafv2_web_acl.web_acl;
    expect(acl.scope).toBe("REGIONAL");
    const groups = acl.rule.map((r: any) => r.statement.managed_rule_group_statement?.name).filter(Boolean);
    expect(groups.sort()).toEqual(["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"]);
    expect(acl.rule.filter((r: any) => r.statement.rate_based_statement !== undefined)).toEqual([expect.objectContaining({ action: { block: {} } })]);
    expect(production.resource.aws_wafv2_web_acl_association.web_acl_association).toMatchObject({ resource_arn: "${aws_lb.api.arn}", web_acl_arn: "${aws_wafv2_web_acl.web_acl.arn}" });
    expect(production.resource.aws_wafv2_web_acl_logging_configuration.web_acl_logging.redacted_fields).toEqual([
      { single_header: { name: "authorization" } },
      { single_header: { name: "cookie" } },
    ]);
    expect(production.resource.aws_cloudwatch_log_group.web_acl_log_group).toMatchObject({ name: "aws-waf-logs-whcsites-production", retention_in_days: 365 });
  });

  test("staging has no web ACL by default, and turning it on in the file gives it one on its own load balancer", () => {
    const staging = stacks[0][1];
    for (const type of ["aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_wafv2_web_acl_logging_configuration"]) expect(staging.resource[type]).toBeUndefined();
    const config = configOf(path.join(ROOT, "environments", "staging.json"));
    config.webAcl = { ...config.webAcl, enabled: true, mode: "count" };
    const on = synthConfig(config, "whcsites-staging");
    expect(on.resource.aws_wafv2_web_acl.web_acl.rule.map((r: any) => r.override_action ?? r.action)).toEqual(Array(5).fill({ count: {} }));
    expect(on.resource.aws_wafv2_web_acl_association.web_acl_association.resource_arn).toBe("${aws_lb.api.arn}");
    expect(on.resource.aws_wafv2_web_acl_logging_configuration.web_acl_logging.redacted_fields).toHaveLength(2);
    expect(on.resource.aws_cloudwatch_log_group.web_acl_log_group.retention_in_days).toBe(30);
  });

  test("an environment that notifies nobody keeps its alarms, without actions, and the choice is acknowledged under WHC.OPS1", () => {
    // GIVEN staging with "alerts": {"notify": false}
    const config = configOf(path.join(ROOT, "environments", "staging.json"));
    config.alerts = { ...config.alerts, notify: { kind: "none" } };
    const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", { config, state });
    // WHEN synthesized for real (the policy guard runs)
    const json = JSON.parse(Testing.synth(stack));
    Testing.fullSynth(stack);
    // THEN no topic, every alarm still there without actions, and each acknowledged with the reason
    expect(json.resource.aws_sns_topic).toBeUndefined();
    const alarms = Object.values(json.resource.aws_cloudwatch_metric_alarm) as any[];
    expect(alarms.length).toBeGreaterThanOrEqual(12);
    for (const alarm of alarms) expect([alarm.alarm_actions, alarm.ok_actions]).toEqual([undefined, undefined]);
    const ops = policyReportOf(stack)?.rules.find((r) => r.id === "WHC.OPS1");
    expect(ops?.violations).toEqual([]);
    expect(new Set(ops?.acknowledged.map((a) => a.address))).toEqual(new Set(Object.keys(json.resource.aws_cloudwatch_metric_alarm).map((n) => `aws_cloudwatch_metric_alarm.${n}`)));
    expect(ops?.acknowledged[0].acknowledgement.reason).toMatch(/"alerts": \{"notify": false\}/);
  });
});

describe("EnvironmentStack hardening: the application logs in with roles of its own, and no secret reaches the state", () => {
  const staging = synthEnvironment("staging");
  const production = synthEnvironment("production");
  const containers = (json: any): Array<[string, any]> =>
    Object.entries(json.resource.aws_ecs_task_definition as Record<string, any>).flatMap(([name, td]) =>
      (JSON.parse(td.container_definitions) as any[]).map((c) => [name, c] as [string, any]),
    );
  const MASTER = "${aws_secretsmanager_secret.secrets_database_connection.arn}";

  test("no service's container reads the master secret; the role bootstrap is the one task that does", () => {
    for (const json of [staging, production]) {
      const readers = containers(json).filter(([, c]) => (c.secrets ?? []).some((s: any) => s.valueFrom.startsWith(MASTER)));
      expect(readers.map(([name]) => name)).toEqual(["database_roles_task_definition"]);
      // and no execution role but the bootstrap's may read it
      const policies = Object.entries(json.resource.aws_iam_role_policy as Record<string, any>).filter(([, p]) => p.policy.includes(MASTER));
      expect(policies.map(([name]) => name)).toEqual(["database_roles_execution_role_secrets"]);
    }
  });

  test("the services log in as the app role and the migration as the schema owner, each from its own secret", () => {
    const api = containers(staging).find(([name]) => name === "service_api_task_definition")?.[1];
    const migrate = containers(staging).find(([name]) => name === "migrations")?.[1];
    expect(api.secrets).toContainEqual({ name: "DATABASE_URL", valueFrom: "${aws_secretsmanager_secret.secrets_database_app.arn}:url::" });
    expect(migrate.secrets).toContainEqual({ name: "DATABASE_URL", valueFrom: "${aws_secretsmanager_secret.secrets_database_migrator.arn}:url::" });
    expect(staging.resource.aws_secretsmanager_secret.secrets_database_app.name).toBe("/whcsites/staging/database-app");
  });

  test("no generated secret reaches the state: no random_password, no password or secret_string, write-only values from ephemeral passwords", () => {
    for (const json of [staging, production]) {
      expect(json.resource.random_password).toBeUndefined();
      expect(json.resource.aws_db_instance.database.password).toBeUndefined();
      expect(json.resource.aws_db_instance.database).toMatchObject({
        password_wo: "${ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password}",
        password_wo_version: 1,
      });
      for (const [name, version] of Object.entries(json.resource.aws_secretsmanager_secret_version as Record<string, any>)) {
        expect([name, version.secret_string]).toEqual([name, undefined]);
        expect([name, version.secret_string_wo]).toEqual([name, expect.stringMatching(/ephemeral\.aws_secretsmanager_random_password\.\w+\.random_password/)]);
        expect([name, version.secret_string_wo_version]).toEqual([name, 1]);
      }
      expect(Object.keys(json.ephemeral.aws_secretsmanager_random_password).sort()).toEqual([
        "secrets_database_app_password",
        "secrets_database_migrator_password",
        "secrets_database_password",
        "secrets_secret_key_base_password",
      ]);
    }
  });

  test("raising a secret's version writes a new value, reruns the role bootstrap and rolls the services that read it", () => {
    // GIVEN staging with the app role's password at version 2
    const config = loadEnvironment(path.join(ROOT, "environments", "staging.json"));
    const rotated = JSON.parse(
      Testing.synth(
        new EnvironmentStack(Testing.app(), "whcsites-staging", { config: { ...config, secrets: { ...config.secrets, versions: { "database-app": 2 } } }, state }),
      ),
    );
    // THEN the secret's write-only version, the bootstrap's label and the api's label change; the master password does not
    expect(rotated.resource.aws_secretsmanager_secret_version.secrets_database_app_value.secret_string_wo_version).toBe(2);
    expect(rotated.resource.aws_db_instance.database.password_wo_version).toBe(1);
    const label = (json: any, td: string) => JSON.parse(json.resource.aws_ecs_task_definition[td].container_definitions)[0].dockerLabels["whcsites.secret-versions"];
    expect(label(staging, "service_api_task_definition")).toBe("database-app=1,secret-key-base=1");
    expect(label(rotated, "service_api_task_definition")).toBe("database-app=2,secret-key-base=1");
    expect(label(rotated, "database_roles_task_definition")).toBe("whcsites_migrator=1,whcsites_app=2");
  });
});

describe("EnvironmentStack with every kind of service (examples/all-kinds)", () => {
  const EXAMPLE = path.join(ROOT, "examples", "all-kinds", "environments", "kinds.json");
  const build = (change: (config: any) => void = () => undefined): any => {
    const config = JSON.parse(JSON.stringify(loadEnvironment(EXAMPLE)));
    change(config);
    return JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), "whcsites-kinds", { config, state })));
  };
  const kinds = build();
  const r = kinds.resource;

  test("GIVEN a nightly job using the database THEN its schedule runs the job's task definition, failed invocations go to an encrypted queue, and a rule matches its family's non-zero exits", () => {
    // the schedule's target is the job's task definition, in the cluster, private subnets, its own security group
    const schedule = r.aws_scheduler_schedule.job_nightly_cleanup_schedule;
    expect(schedule.target.ecs_parameters.task_definition_arn).toBe("${aws_ecs_task_definition.job_nightly_cleanup_task_definition.arn}");
    expect(r.aws_ecs_task_definition.job_nightly_cleanup_task_definition.family).toBe("whcsites-kinds-nightly-cleanup");
    expect(schedule.target.arn).toBe("${aws_ecs_cluster.service_cluster.arn}");
    expect(schedule.target.ecs_parameters.network_configuration.security_groups).toEqual(["${aws_security_group.job_nightly_cleanup_security_group.id}"]);
    expect(schedule.target.ecs_parameters.network_configuration.subnets).toEqual(["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"]);
    // the dead-letter queue, encrypted
    expect(schedule.target.dead_letter_config.arn).toBe("${aws_sqs_queue.job_nightly_cleanup_dead_letter_queue.arn}");
    expect(r.aws_sqs_queue.job_nightly_cleanup_dead_letter_queue.sqs_managed_sse_enabled).toBe(true);
    // the rule on the family's non-zero exits, notifying the alert topic, counted by an alarm on the dashboard
    const pattern = JSON.parse(r.aws_cloudwatch_event_rule.job_nightly_cleanup_failed_runs.event_pattern);
    expect(pattern.detail.taskDefinitionArn).toEqual([{ prefix: "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-kinds-nightly-cleanup:" }]);
    expect(pattern.detail.containers.exitCode).toEqual([{ "anything-but": 0 }]);
    expect(r.aws_cloudwatch_event_target.job_nightly_cleanup_failed_runs_notification.arn).toBe("${aws_sns_topic.alerts_topic.arn}");
    const failed = r.aws_cloudwatch_metric_alarm.job_nightly_cleanup_alarms_failed;
    expect(failed).toMatchObject({ alarm_name: "whcsites-kinds-nightly-cleanup-failed", namespace: "AWS/Events", metric_name: "MatchedEvents", dimensions: { RuleName: "${aws_cloudwatch_event_rule.job_nightly_cleanup_failed_runs.name}" } });
    expect(failed.alarm_actions).toEqual(["${aws_sns_topic.alerts_topic.arn}"]);
    const body = r.aws_cloudwatch_dashboard.dashboard.dashboard_body as string;
    expect(body).toContain("## Job nightly-cleanup (cron(0 2 * * ? *) Europe/Paris)");
    for (const title of ["nightly-cleanup: runs (per hour)", "nightly-cleanup: failures (per hour)", "nightly-cleanup: duration (s)"]) expect(body).toContain(title);
    expect(body).toContain("${aws_cloudwatch_metric_alarm.job_nightly_cleanup_alarms_failed.arn}");
  });

  test("GIVEN the job uses the database THEN it reaches it as the app role (DATABASE_URL of database-app), with a rule on each side, and waits for the deploy gate", () => {
    const [container] = JSON.parse(r.aws_ecs_task_definition.job_nightly_cleanup_task_definition.container_definitions);
    expect(container.secrets).toEqual(expect.arrayContaining([{ name: "DATABASE_URL", valueFrom: "${aws_secretsmanager_secret.secrets_database_app.arn}:url::" }]));
    // the Phoenix profile's variables, as a service gets them, but no server
    expect(Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]))).toMatchObject({ PHX_HOST: "kinds.whcsites.example.org", POOL_SIZE: "10", RELEASE_TMP: "/tmp" });
    expect(container.environment.map((e: any) => e.name)).not.toContain("PHX_SERVER");
    expect(r.aws_vpc_security_group_egress_rule.job_nightly_cleanup_to_database_5432).toBeDefined();
    expect(r.aws_vpc_security_group_ingress_rule.database_allow_job_nightly_cleanup).toBeDefined();
    expect(r.aws_scheduler_schedule.job_nightly_cleanup_schedule.depends_on).toContain("terraform_data.deploy_gate");
  });

  test("GIVEN a job without an image of its own THEN it runs the release image as the services do: the file's, or the emergency override", () => {
    const [job] = JSON.parse(r.aws_ecs_task_definition.job_nightly_cleanup_task_definition.container_definitions);
    const [api] = JSON.parse(r.aws_ecs_task_definition.service_api_task_definition.container_definitions);
    expect(job.image).toBe("${local.release_image}");
    expect(job.image).toBe(api.image);
    expect(kinds.locals.release_image).toBe('${var.emergency_image != "" ? var.emergency_image : "ghcr.io/whc-example/whcsites:1.4.2"}');
    expect(Object.keys(kinds.variable)).toEqual(["emergency_image"]);
  });

  test("GIVEN a job with its own image pinned as <repository>:<tag>@<digest> THEN its task definition names <repository>@<digest>, and it does not wait for the release's migration", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const own = build((config) => {
      config.jobs[0].image = `ghcr.io/whc-example/whcsites-cleanup:2.0.0@${digest}`;
      config.jobs[0].database = false;
    });
    const [job] = JSON.parse(own.resource.aws_ecs_task_definition.job_nightly_cleanup_task_definition.container_definitions);
    expect(job.image).toBe(`ghcr.io/whc-example/whcsites-cleanup@${digest}`);
    expect(own.resource.aws_scheduler_schedule.job_nightly_cleanup_schedule.depends_on ?? []).not.toContain("terraform_data.deploy_gate");
  });

  test("GIVEN the api calls the internal service pricing THEN one Service Connect namespace, the configuration on both, and a security group rule only on that edge", () => {
    expect(Object.keys(r.aws_service_discovery_http_namespace)).toEqual(["service_connect"]);
    expect(r.aws_ecs_service.service_pricing.service_connect_configuration.service).toEqual([{ port_name: "http", discovery_name: "pricing", client_alias: { port: 8080, dns_name: "pricing" } }]);
    expect(r.aws_ecs_service.service_api.service_connect_configuration).toMatchObject({ enabled: true, namespace: "${aws_service_discovery_http_namespace.service_connect.arn}" });
    expect(r.aws_ecs_service.service_api.service_connect_configuration.service).toBeUndefined();
    // the worker neither calls nor is called: no Service Connect
    expect(r.aws_ecs_service.service_worker.service_connect_configuration).toBeUndefined();
    // rules that name pricing's security group: the api's way in, and nothing else (no load balancer, no worker)
    const naming = (rules: Record<string, any>, side: string) => Object.keys(rules).filter((k) => String(rules[k][side] ?? "").includes("service_pricing_security_group"));
    expect(naming(r.aws_vpc_security_group_ingress_rule, "security_group_id")).toEqual(["service_pricing_from_service_api_8080"]);
    expect(naming(r.aws_vpc_security_group_egress_rule, "referenced_security_group_id")).toEqual(["service_api_to_service_pricing_8080"]);
    // an internal service has no route and no target group
    expect(r.aws_lb_target_group.service_pricing_target_group).toBeUndefined();
    expect(Object.keys(r.aws_lb_listener_rule ?? {})).toEqual([]);
    expect(kinds.output.services.value.pricing.internal_url).toBe("http://pricing:8080");
  });

  test("GIVEN no job THEN no scheduler, queue, rule or namespace, and the alert topic admits no EventBridge rule", () => {
    const plain = build((config) => {
      config.jobs = [];
      for (const s of config.services) {
        delete s.expose;
        s.calls = [];
      }
    });
    for (const type of ["aws_scheduler_schedule", "aws_sqs_queue", "aws_cloudwatch_event_rule", "aws_service_discovery_http_namespace"]) expect(plain.resource[type]).toBeUndefined();
    expect(plain.resource.aws_sns_topic.alerts_topic.policy).not.toContain("events.amazonaws.com");
    // with the job, the topic admits its failure rule, by its ARN
    expect(r.aws_sns_topic.alerts_topic.policy).toContain('"aws:SourceArn":["arn:aws:events:eu-west-1:210987654321:rule/whcsites-kinds-nightly-cleanup-failed"]');
  });
});
