import * as path from "path";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { EnvironmentStack } from "../../src/stacks/environment-stack";

const ROOT = path.join(__dirname, "..", "..");
const state = loadStateConfig(path.join(ROOT, "state.json"));

/** Synthesizes the stack of a committed environment file and returns its JSON. */
function synthEnvironment(name: string): any {
  const config = loadEnvironment(path.join(ROOT, "environments", `${name}.json`));
  const stack = new EnvironmentStack(Testing.app(), `whcsites-${name}`, { config, state });
  return JSON.parse(Testing.synth(stack));
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

  test("the image tag is a variable whose default is the file's tag", () => {
    expect(staging.variable.image_tag).toMatchObject({ type: "string", default: "1.4.2" });
    expect(staging.variable.image_tag.validation[0].condition).toContain("var.image_tag");
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
      expect(json.resource.aws_ecs_service.service.depends_on).toEqual(
        expect.arrayContaining(["terraform_data.deploy_gate", "aws_iam_role_policy.secrets_read_service_execution_role"]),
      );
    }
    expect(production.resource.aws_ecs_service.service.depends_on).toContain("aws_lb_listener.api_https");
    expect(staging.resource.aws_ecs_service.service.depends_on).toContain("aws_lb_listener.api_http");
  });

  test("the gate and the service wait for what tasks need at start: database, connection secret, NAT routes, SG rules, IAM grants", () => {
    const needed = [
      "aws_db_instance.database",
      "aws_secretsmanager_secret_version.secrets_database_connection_value",
      "aws_route.network_private_a_nat",
      "aws_route.network_private_b_nat",
      "aws_route.network_private_c_nat",
      "aws_vpc_security_group_egress_rule.service_https_out",
      "aws_vpc_security_group_egress_rule.service_to_database_5432",
      "aws_vpc_security_group_ingress_rule.database_allow_service",
      "aws_iam_role_policy.secrets_read_service_execution_role",
      "aws_iam_role_policy.service_execution_role_logs",
    ];
    expect(production.resource.terraform_data.deploy_gate.depends_on).toEqual(expect.arrayContaining(needed));
    expect(production.resource.aws_ecs_service.service.depends_on).toEqual(expect.arrayContaining(needed));
  });

  test("the deploy gate re-runs when the migration task definition or the image tag changes, and runs the runner", () => {
    const gate = staging.resource.terraform_data.deploy_gate;
    expect(gate.triggers_replace).toEqual({
      task_definition: "${aws_ecs_task_definition.migrations.arn}",
      image: "ghcr.io/whc-example/whcsites:${var.image_tag}",
    });
    const exec = gate.provisioner[0]["local-exec"];
    expect(exec.working_dir).toBe("../../..");
    expect(exec.command).toMatch(/^node --require \.\/scripts\/register-ts\.cjs scripts\/migrate\.ts --non-interactive /);
    expect(exec.command).toContain("--task-definition ${aws_ecs_task_definition.migrations.arn}");
    expect(exec.command).toContain("--expected-image ghcr.io/whc-example/whcsites:${var.image_tag}");
    // The migration task runs the same image as the service, from the same variable.
    const migrate = JSON.parse(staging.resource.aws_ecs_task_definition.migrations.container_definitions);
    const api = JSON.parse(staging.resource.aws_ecs_task_definition.service_task_definition.container_definitions);
    expect(migrate[0].image).toBe(api[0].image);
    expect(api[0].image).toBe("ghcr.io/whc-example/whcsites:${var.image_tag}");
  });

  test("runOnDeploy false leaves the gate out", () => {
    const config = loadEnvironment(path.join(ROOT, "environments", "staging.json"));
    const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
      config: { ...config, migrations: { ...config.migrations, runOnDeploy: false } },
      state,
    });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.terraform_data).toBeUndefined();
    expect(json.resource.aws_ecs_service.service.depends_on).not.toContain("terraform_data.deploy_gate");
  });

  test("security groups: ALB -> service on 4000, service -> database on 5432, nothing else into the database", () => {
    const egress = Object.values(production.resource.aws_vpc_security_group_egress_rule) as any[];
    const ingress = Object.values(production.resource.aws_vpc_security_group_ingress_rule) as any[];
    expect(egress).toContainEqual(
      expect.objectContaining({
        security_group_id: "${aws_security_group.api_security_group.id}",
        referenced_security_group_id: "${aws_security_group.service_security_group.id}",
        from_port: 4000,
        to_port: 4000,
      }),
    );
    expect(egress).toContainEqual(
      expect.objectContaining({
        security_group_id: "${aws_security_group.service_security_group.id}",
        referenced_security_group_id: "${aws_security_group.database_security_group.id}",
        from_port: 5432,
      }),
    );
    const intoDatabase = ingress.filter((r) => r.security_group_id === "${aws_security_group.database_security_group.id}");
    expect(intoDatabase).toEqual([
      expect.objectContaining({ referenced_security_group_id: "${aws_security_group.service_security_group.id}", from_port: 5432, to_port: 5432 }),
    ]);
    expect(intoDatabase[0].cidr_ipv4).toBeUndefined();
  });

  test("outputs carry what operators need and never a secret value", () => {
    expect(Object.keys(production.output).sort()).toEqual(
      ["api_url", "cluster_name", "database_endpoint", "database_secret_arn", "log_group_name", "migration", "service_name", "task_definition_family"].sort(),
    );
    expect(production.output.api_url.value).toBe("https://api.whcsites.example.org");
    // staging has ECS Exec, so it also names the session log group
    expect(Object.keys(staging.output)).toContain("exec_log_group_name");
    expect(staging.output.exec_log_group_name.value).toBe("${aws_cloudwatch_log_group.service_exec_log_group.name}");
    const text = JSON.stringify(production.output) + JSON.stringify(staging.output);
    expect(text).not.toMatch(/random_password/);
    expect(text).not.toMatch(/secret_string/);
  });

  test("PHX_HOST is the domain in production and the ALB's DNS name without one", () => {
    const env = (json: any) => JSON.parse(json.resource.aws_ecs_task_definition.service_task_definition.container_definitions)[0].environment;
    expect(env(production)).toContainEqual({ name: "PHX_HOST", value: "api.whcsites.example.org" });
    expect(env(staging)).toContainEqual({ name: "PHX_HOST", value: "${aws_lb.api.dns_name}" });
  });
});
