import * as path from "path";
import { Testing } from "cdktf";
import { loadEnvironment } from "../../../src/config/environment";
import { loadStateConfig } from "../../../src/config/state";
import { DeployGate } from "../../../src/constructs/release/deploy-gate";
import { MigrationTask } from "../../../src/constructs/release/migration-task";
import type { MigrationRunTarget } from "../../../src/constructs/release/run-target";
import { DEFAULT_PSQL_IMAGE, PostgresRoleBootstrap } from "../../../src/constructs/release/postgres-role-bootstrap";
import { EnvironmentStack } from "../../../src/stacks/environment-stack";
import { main } from "../../../src/migrations/cli";
import { ExitCode, MigrationRunOptions } from "../../../src/migrations/runner";
import { MigrationTarget } from "../../../src/migrations/target";

const ROOT = path.join(__dirname, "..", "..", "..");

describe("DeployGate", () => {
  // GIVEN a composed environment whose migration task exists
  const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
    config: loadEnvironment(path.join(ROOT, "environments", "staging.json")),
    state: loadStateConfig(path.join(ROOT, "state.json")),
  });
  const migration = stack.migration as MigrationTask;
  const bootstrap = stack.databaseRoles as PostgresRoleBootstrap;
  // The migration with its time limits, as the stack gives it to its gate.
  const migrationStep = [migration.deployStep("migration")];

  test("the committed staging environment has a role bootstrap and a migration task to gate", () => {
    expect(stack.migration).toBeInstanceOf(MigrationTask);
    expect(stack.databaseRoles).toBeInstanceOf(PostgresRoleBootstrap);
  });

  test("the runner's timeout is the migration's, so the container's own limit comes a minute after it", () => {
    // GIVEN the committed staging migration (15 minutes; its container stops itself after 960 s)
    expect(migration.containerTimeLimitSeconds).toBe(960);
    // THEN the gate's runner stops the task after 15 minutes
    expect((stack.deployGate as DeployGate).command).toContain("--timeout 15m");
  });

  test("a shorter timeout and a project root reach the command", () => {
    // WHEN a gate is built with both set
    const gate = new DeployGate(stack, "other_gate", { steps: migrationStep, timeoutMinutes: 10, projectRoot: "/srv/whcsites-infra" });
    // THEN the runner gets the timeout and runs from that folder
    expect(gate.command).toContain("--timeout 10m");
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.terraform_data.other_gate.provisioner[0]["local-exec"].working_dir).toBe("/srv/whcsites-infra");
  });

  test("a runner timeout past the container's own limit is refused: the container would stop first", () => {
    expect(() => new DeployGate(stack, "late_gate", { steps: migrationStep, timeoutMinutes: 30 })).toThrow(
      "DeployGate: timeoutMinutes got 30; allowed: an integer from 1 to 15 (the migration step's timeoutMinutes: its container stops itself after 960 seconds)",
    );
  });

  test("without a timeout of its own the gate takes the shortest step's, and applies it to every step", () => {
    // GIVEN a migration of 20 minutes (its container stops itself after 1260 s) after the role bootstrap (no limit)
    const long = new MigrationTask(stack, "long_migration", { naming: stack.naming, service: stack.services.get("api") as never, timeoutMinutes: 20 });
    // WHEN gated
    const gate = new DeployGate(stack, "long_gate", { steps: [{ name: "database_roles", target: bootstrap.runTarget }, long.deployStep("migration")] });
    // THEN both runs wait at most 20 minutes
    expect(long.containerTimeLimitSeconds).toBe(1260);
    expect(gate.command.match(/--timeout 20m/g)).toHaveLength(2);
  });

  test("it runs again when the task definition or the image changes, after what the migration needs", () => {
    // WHEN a gate waits for the api service's task prerequisites
    const api = stack.services.get("api");
    new DeployGate(stack, "prerequisite_gate", { steps: migrationStep, dependsOn: api?.taskPrerequisites });
    // THEN the triggers are keyed by the step's name
    const gate = JSON.parse(Testing.synth(stack)).resource.terraform_data.prerequisite_gate;
    expect(gate.triggers_replace).toEqual({
      migration_task_definition: "${aws_ecs_task_definition.migrations.arn}",
      migration_image: "${local.release_image}",
    });
    expect(gate.depends_on).toEqual(
      expect.arrayContaining(["aws_iam_role_policy.service_api_execution_role_secrets", "aws_vpc_security_group_ingress_rule.database_allow_service_api", "aws_db_instance.database"]),
    );
  });

  test.each([0, 121, 1.5])("timeoutMinutes %p is refused with the allowed range (a migration without its own limit)", (timeoutMinutes) => {
    const unlimited = new MigrationTask(stack, `unlimited_${String(timeoutMinutes).replace(".", "_")}`, { naming: stack.naming, service: stack.services.get("api") as never, containerTimeLimit: false });
    expect(() => new DeployGate(stack, `gate_${String(timeoutMinutes).replace(".", "_")}`, { steps: [unlimited.deployStep("migration")], timeoutMinutes })).toThrow(
      /DeployGate: timeoutMinutes got .*; allowed: an integer from 1 to 120$/,
    );
  });

  describe("GIVEN two steps, the role bootstrap then the migration", () => {
    // WHEN
    const gate = new DeployGate(stack, "two_step_gate", {
      steps: [
        { name: "database_roles", target: bootstrap.runTarget },
        migration.deployStep("migration"),
      ],
    });
    const resource = () => JSON.parse(Testing.synth(stack)).resource.terraform_data.two_step_gate;

    test("THEN the command runs them in that order, the second only after the first exited 0 (&&)", () => {
      const runs = gate.command.split(" && ");
      expect(runs).toHaveLength(2);
      expect(runs.every((run) => run.startsWith("node --require ./scripts/register-ts.cjs scripts/migrate.ts --non-interactive "))).toBe(true);
      const synthesized = resource().provisioner[0]["local-exec"].command as string;
      const [first, second] = synthesized.split(" && ");
      expect(first).toContain("--task-definition ${aws_ecs_task_definition.database_roles_task_definition.arn} ");
      expect(first).toContain("--container psql ");
      expect(first).toContain("--security-groups ${join(\",\", [aws_security_group.database_roles_security_group.id])} ");
      expect(second).toContain("--task-definition ${aws_ecs_task_definition.migrations.arn} ");
      expect(second).toContain("--container migrate ");
      // Each step gets the timeout.
      expect(synthesized.match(/--timeout 15m/g)).toHaveLength(2);
    });

    test("THEN it runs again when either step's task definition or image changes", () => {
      expect(resource().triggers_replace).toEqual({
        database_roles_task_definition: "${aws_ecs_task_definition.database_roles_task_definition.arn}",
        database_roles_image: DEFAULT_PSQL_IMAGE,
        migration_task_definition: "${aws_ecs_task_definition.migrations.arn}",
        migration_image: "${local.release_image}",
      });
    });
  });

  test("the environment's own gate runs the role bootstrap first, then the migration", () => {
    const gate = stack.deployGate as DeployGate;
    const runs = gate.command.split(" && ");
    expect(runs).toHaveLength(2);
    expect(runs[0]).toContain("--container psql ");
    expect(runs[1]).toContain("--container migrate ");
  });

  describe("validation", () => {
    const target: MigrationRunTarget = { ...migration.runTarget };

    test("no step is refused: a gate must run something", () => {
      expect(() => new DeployGate(stack, "empty_gate", { steps: [] })).toThrow("DeployGate: steps got []; allowed: at least one task to run");
    });

    test.each(["Migration", "database-roles", "1st", ""])("the step name %j is refused: names key the triggers", (name) => {
      expect(() => new DeployGate(stack, `named_gate_${name.length}_${name.charCodeAt(0) || 0}`, { steps: [{ name, target }] })).toThrow(
        `DeployGate: steps[0].name got ${JSON.stringify(name)}; allowed: snake_case, each once`,
      );
    });

    test("a name given twice is refused, naming the second, since its triggers would overwrite the first's", () => {
      expect(() => new DeployGate(stack, "twice_gate", { steps: [{ name: "migration", target }, { name: "migration", target }] })).toThrow(
        'DeployGate: steps[1].name got "migration"; allowed: snake_case, each once',
      );
    });

    test("a step with a container time limit but no timeoutMinutes is refused: the gate could not keep under it", () => {
      expect(() => new DeployGate(stack, "unbounded_gate", { steps: [{ name: "migration", target, containerTimeLimitSeconds: 960 }] })).toThrow(
        "DeployGate: steps[0].timeoutMinutes got nothing; allowed: set when containerTimeLimitSeconds is",
      );
    });
  });
});

describe("DeployGate and the migration runner", () => {
  test("the runner accepts each command the gate runs, and gets the role bootstrap's and the migration's targets from them", async () => {
    // GIVEN the gate's synthesized command, with Terraform's references filled in as apply would
    const stack = new EnvironmentStack(Testing.app(), "whcsites-staging", {
      config: loadEnvironment(path.join(ROOT, "environments", "staging.json")),
      state: loadStateConfig(path.join(ROOT, "state.json")),
    });
    const exec = JSON.parse(Testing.synth(stack)).resource.terraform_data.deploy_gate.provisioner[0]["local-exec"];
    // The notice comes first, through the environment (empty unless the emergency override is set), then the steps.
    const [notice, command] = (exec.command as string).split(" >&2; ");
    expect(notice).toBe("printenv DEPLOY_GATE_NOTICE | grep . | sed 's/^/deploy gate: /'");
    expect(exec.environment.DEPLOY_GATE_NOTICE).toMatch(/^\$\{var\.emergency_image == "" \? "" : "EMERGENCY IMAGE: running \$\{var\.emergency_image\} instead of the environment file's ghcr\.io\/whc-example\/whcsites:1\.4\.2@sha256:[a-f0-9]{64} /);
    const applied = command
      .replace(/\$\{join\(",", \[[^\]]*\]\)\}/g, (match) => (match.includes("aws_subnet") ? "subnet-a,subnet-b" : "sg-1"))
      .replace(/\$\{aws_ecs_cluster\.service_cluster\.name\}/g, "whcsites-staging-service")
      .replace("${aws_ecs_task_definition.database_roles_task_definition.arn}", "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-staging-database_roles:3")
      .replace("${aws_cloudwatch_log_group.database_roles_log_group.name}", "/whcsites/staging/ecs/database_roles")
      .replace("${aws_ecs_task_definition.migrations.arn}", "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-staging-migrate:7")
      .replace("${aws_cloudwatch_log_group.service_api_log_group.name}", "/whcsites/staging/ecs/api")
      .replace("${local.release_image}", "ghcr.io/whc-example/whcsites:2.0.0");
    expect(applied).not.toContain("${");
    const commands = applied.split(" && ");
    expect(commands).toHaveLength(2);

    // WHEN the runner's CLI parses each
    const runs: Array<{ target: MigrationTarget; options: MigrationRunOptions }> = [];
    for (const command of commands) {
      const [node, requireFlag, register, script, ...args] = command.split(" ");
      expect([node, requireFlag, register, script]).toEqual(["node", "--require", "./scripts/register-ts.cjs", "scripts/migrate.ts"]);
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
      expect(code).toBe(0);
    }

    // THEN first the role bootstrap: its task definition, in the private subnets, with its own group, the psql image
    expect(runs).toHaveLength(2);
    expect(runs[0].target).toMatchObject({
      cluster: "whcsites-staging-service",
      taskDefinition: "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-staging-database_roles:3",
      containerName: "psql",
      subnetIds: ["subnet-a", "subnet-b"],
      securityGroupIds: ["sg-1"],
      region: "eu-west-1",
      logGroup: "/whcsites/staging/ecs/database_roles",
      logStreamPrefix: "database_roles",
    });
    expect(runs[0].options).toMatchObject({ expectedImage: DEFAULT_PSQL_IMAGE, timeoutMs: 15 * 60 * 1000, dryRun: false });
    // AND then the migration: that task definition in those subnets, with the service's group, and the image check
    expect(runs[1].target).toMatchObject({
      cluster: "whcsites-staging-service",
      taskDefinition: "arn:aws:ecs:eu-west-1:210987654321:task-definition/whcsites-staging-migrate:7",
      containerName: "migrate",
      subnetIds: ["subnet-a", "subnet-b"],
      securityGroupIds: ["sg-1"],
      region: "eu-west-1",
      logGroup: "/whcsites/staging/ecs/api",
      logStreamPrefix: "migrate",
    });
    expect(runs[1].options).toMatchObject({ expectedImage: "ghcr.io/whc-example/whcsites:2.0.0", timeoutMs: 15 * 60 * 1000, dryRun: false });
  });
});
