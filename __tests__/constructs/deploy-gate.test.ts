import * as path from "path";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../src/config/environment";
import { loadStateConfig } from "../../src/config/state";
import { DeployGate } from "../../src/constructs/deploy-gate";
import { MigrationTask } from "../../src/constructs/migration-task";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { main } from "../../src/migrations/cli";
import { ExitCode, MigrationRunOptions } from "../../src/migrations/runner";
import { MigrationTarget } from "../../src/migrations/target";

const ROOT = path.join(__dirname, "..", "..");

describe("DeployGate", () => {
  // GIVEN a composed environment whose migration task exists
  const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
    config: loadEnvironment(path.join(ROOT, "environments", "staging.json")),
    state: loadStateConfig(path.join(ROOT, "state.json")),
  });
  const migration = stack.migration as MigrationTask;

  test("the committed staging environment has a migration task to gate", () => {
    expect(stack.migration).toBeInstanceOf(MigrationTask);
  });

  test("a custom timeout and project root reach the command", () => {
    // WHEN a gate is built with both set
    const gate = new DeployGate(stack, "other_gate", { migration, timeoutMinutes: 30, projectRoot: "/srv/whcsites-infra" });
    // THEN the runner gets the timeout and runs from that folder
    expect(gate.command).toContain("--timeout 30m");
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.terraform_data.other_gate.provisioner[0]["local-exec"].working_dir).toBe("/srv/whcsites-infra");
  });

  test("it runs again when the task definition or the image changes, after what the migration needs", () => {
    // WHEN a gate waits for the api service's task prerequisites
    const api = stack.services.get("api");
    new DeployGate(stack, "prerequisite_gate", { migration, dependsOn: api?.taskPrerequisites });
    // THEN
    const gate = JSON.parse(Testing.synth(stack)).resource.terraform_data.prerequisite_gate;
    expect(gate.triggers_replace).toEqual({ task_definition: "${aws_ecs_task_definition.migrations.arn}", image: "ghcr.io/whc-example/whcsites:${var.image_tag}" });
    expect(gate.depends_on).toEqual(
      expect.arrayContaining(["aws_iam_role_policy.service_api_execution_role_secrets", "aws_vpc_security_group_ingress_rule.database_allow_service_api", "aws_db_instance.database"]),
    );
  });

  test.each([0, 121, 1.5])("timeoutMinutes %p is refused with the allowed range", (timeoutMinutes) => {
    expect(() => new DeployGate(stack, `gate_${String(timeoutMinutes).replace(".", "_")}`, { migration, timeoutMinutes })).toThrow(
      /DeployGate: timeoutMinutes got .*; allowed: an integer from 1 to 120/,
    );
  });
});

describe("DeployGate and the migration runner", () => {
  test("the runner accepts the command the gate runs, and gets the migration target from it", async () => {
    // GIVEN the gate's synthesized command, with Terraform's references filled in as apply would
    const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
      config: loadEnvironment(path.join(ROOT, "environments", "staging.json")),
      state: loadStateConfig(path.join(ROOT, "state.json")),
    });
    const command: string = JSON.parse(Testing.synth(stack)).resource.terraform_data.deploy_gate.provisioner[0]["local-exec"].command;
    const applied = command
      .replace(/\$\{join\(",", \[[^\]]*\]\)\}/g, (match) => (match.includes("aws_subnet") ? "subnet-a,subnet-b" : "sg-1"))
      .replace("${aws_ecs_cluster.service_cluster.name}", "whcsites-staging-service")
      .replace("${aws_ecs_task_definition.migrations.arn}", "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-staging-migrate:7")
      .replace("${aws_cloudwatch_log_group.service_api_log_group.name}", "/whcsites/staging/ecs/api")
      .replace("${var.image_tag}", "2.0.0");
    expect(applied).not.toContain("${");
    const [node, requireFlag, register, script, ...args] = applied.split(" ");
    expect([node, requireFlag, register, script]).toEqual(["node", "--require", "./scripts/register-ts.cjs", "scripts/migrate.ts"]);

    // WHEN the runner's CLI parses it
    const runs: Array<{ target: MigrationTarget; options: MigrationRunOptions }> = [];
    const code = await main([node, script, ...args], {
      createClients: () => ({}) as never,
      run: async (target, options) => {
        runs.push({ target, options });
        return { outcome: "succeeded", exitCode: ExitCode.Success, message: "ok" } as never;
      },
      writeErr: (text) => {
        throw new Error(`the runner refused the gate's command: ${text}`);
      },
    });

    // THEN it runs that task definition in those subnets, with the service's group, and checks the image
    expect(code).toBe(0);
    expect(runs).toHaveLength(1);
    expect(runs[0].target).toMatchObject({
      cluster: "whcsites-staging-service",
      taskDefinition: "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-staging-migrate:7",
      containerName: "migrate",
      subnetIds: ["subnet-a", "subnet-b"],
      securityGroupIds: ["sg-1"],
      region: "eu-west-1",
      logGroup: "/whcsites/staging/ecs/api",
      logStreamPrefix: "migrate",
    });
    expect(runs[0].options).toMatchObject({ expectedImage: "ghcr.io/whc-example/whcsites:2.0.0", timeoutMs: 15 * 60 * 1000, dryRun: false });
  });
});
