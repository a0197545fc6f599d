import * as path from "path";
import { ADAPTATIONS, EMULATOR_SETTINGS, adaptForEmulator, liftProtections, synthesizedBlock } from "../../scripts/lib/emulator/adaptations";
import { findDeployGates, findInState } from "../../scripts/lib/emulator/apply";
import type { StackJson } from "../../scripts/lib/stack/stack-json";

const ROOT = "/repo";

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A stack with one of everything the adaptations touch, shaped as cdktf synthesizes it. */
function stack(): StackJson {
  return {
    terraform: {
      backend: { s3: { bucket: "state", key: "k", region: "eu-west-1" } },
      required_providers: { aws: { source: "aws", version: "5.100.0" }, random: { source: "hashicorp/random", version: "3.7.2" } },
    },
    provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["210987654321"] }], random: [{}] },
    variable: { image_tag: { default: "1.4.2", type: "string" } },
    resource: {
      random_password: { db: { length: 40, special: false } },
      aws_db_instance: {
        database: { password: "${random_password.db.result}", deletion_protection: true, skip_final_snapshot: false, lifecycle: { prevent_destroy: true } },
      },
      aws_lb: { api: { enable_deletion_protection: false } },
      aws_route53_record: { alias: { zone_id: "Z0123456789ABCDEFGHIJ", name: "api.example.org" } },
      aws_ecs_task_definition: { migrations: { family: "whcsites-staging-migrate" } },
      aws_ecs_service: { service: { wait_for_steady_state: true, depends_on: ["terraform_data.deploy_gate"] } },
      terraform_data: {
        deploy_gate: {
          provisioner: [
            {
              "local-exec": {
                command: "node --require ./scripts/register-ts.cjs scripts/migrate.ts --non-interactive --task-definition ${aws_ecs_task_definition.migrations.arn} --cluster c",
                working_dir: "../../..",
              },
            },
          ],
        },
      },
    },
  } as StackJson;
}

const resources = (json: StackJson): Record<string, Record<string, Record<string, any>>> => json.resource as any;

describe("adaptForEmulator", () => {
  // GIVEN a synthesized stack that must not change (frozen: any write throws)
  const synthesized = deepFreeze(stack());
  const before = JSON.stringify(synthesized);
  // WHEN it is adapted for the emulator
  const adapted = adaptForEmulator(synthesized, { stack: "whcsites-staging", projectRoot: ROOT, hostedZoneIds: new Map([["Z0123456789ABCDEFGHIJ", "EMULATEDZONE1"]]) });
  const r = resources(adapted.json);

  it("THEN leaves the synthesized stack untouched", () => {
    expect(JSON.stringify(synthesized)).toBe(before);
  });

  it("THEN drops the backend and the account-bound provider arguments, addresses S3 by path, and takes the credentials of Terraform's environment", () => {
    expect((adapted.json.terraform as any).backend).toBeUndefined();
    const aws = (adapted.json.provider as any).aws[0];
    expect(aws.allowed_account_ids).toBeUndefined();
    expect(aws).toMatchObject({ region: "eu-west-1", s3_use_path_style: true, skip_requesting_account_id: false, skip_credentials_validation: false });
    // the request record tells stacks and phases apart by the access key of each Terraform run
    expect(aws.access_key).toBeUndefined();
    expect(aws.secret_key).toBeUndefined();
  });

  it("THEN swaps random_password for a sensitive stand-in holding a fixed value of the asked length, so a second plan sees no change", () => {
    expect(r.random_password).toBeUndefined();
    const value = adapted.randomValues.get("random_password.db");
    expect(value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(r.terraform_data.random_password_db.input).toBe(value);
    expect(r.aws_db_instance.database.password).toBe("${sensitive(terraform_data.random_password_db.output)}");
    // the same values can be given back (a re-adapted copy of the same run keeps its passwords)
    const again = adaptForEmulator(synthesized, { stack: "whcsites-staging", projectRoot: ROOT, randomValues: adapted.randomValues });
    expect(resources(again.json).terraform_data.random_password_db.input).toBe(value);
  });

  it("THEN points the records at the zone the emulator created", () => {
    expect(r.aws_route53_record.alias.zone_id).toBe("EMULATEDZONE1");
    expect(JSON.stringify(adapted.json)).not.toContain("Z0123456789ABCDEFGHIJ");
  });

  it("THEN does not wait for ECS steady state, and runs the deploy gate from the repository root as cdktf deploy would", () => {
    expect(r.aws_ecs_service.service.wait_for_steady_state).toBe(false);
    expect(r.terraform_data.deploy_gate.provisioner[0]["local-exec"].working_dir).toBe(path.resolve(ROOT, "cdktf.out/stacks/whcsites-staging", "../../.."));
  });

  it("THEN keeps the protections for the apply and the second plan (they are lifted only before the destroy)", () => {
    expect(r.aws_db_instance.database).toMatchObject({ deletion_protection: true, skip_final_snapshot: false, lifecycle: { prevent_destroy: true } });
  });

  it("THEN reports every apply-phase adaptation by id, each listed with a reason", () => {
    const listed = ADAPTATIONS.filter((a) => a.phase === "apply").map((a) => a.id);
    expect(adapted.applied.map((a) => a.id)).toEqual(listed);
    for (const a of ADAPTATIONS) expect(a.reason.length).toBeGreaterThan(20);
    for (const s of EMULATOR_SETTINGS) expect(s.reason.length).toBeGreaterThan(20);
    expect(adapted.applied.find((a) => a.id === "hosted-zone-ids")?.details).toEqual(["Z0123456789ABCDEFGHIJ -> EMULATEDZONE1"]);
  });
});

describe("liftProtections", () => {
  it("GIVEN an adapted stack WHEN lifted THEN prevent_destroy and deletion protection go, a final snapshot is skipped, and only those resources are apply targets", () => {
    const adapted = deepFreeze(adaptForEmulator(stack(), { stack: "s", projectRoot: ROOT }).json);
    const lifted = liftProtections(adapted);
    const db = resources(lifted.json).aws_db_instance.database;
    expect(db.lifecycle).toBeUndefined();
    expect(db).toMatchObject({ deletion_protection: false, skip_final_snapshot: true });
    // already off: not a target
    expect(resources(lifted.json).aws_lb.api.enable_deletion_protection).toBe(false);
    expect(lifted.targets).toEqual(["aws_db_instance.database"]);
    expect(lifted.needsApply).toBe(true);
  });

  it("GIVEN only prevent_destroy WHEN lifted THEN no apply is needed before the destroy", () => {
    const json = { resource: { aws_kms_key: { key: { lifecycle: { prevent_destroy: true, ignore_changes: ["policy"] } } } } } as StackJson;
    const lifted = liftProtections(json);
    expect(resources(lifted.json).aws_kms_key.key.lifecycle).toEqual({ ignore_changes: ["policy"] });
    expect(lifted.needsApply).toBe(false);
    expect(lifted.applied.find((a) => a.id === "lift-prevent-destroy")?.details).toEqual(["aws_kms_key.key"]);
  });
});

describe("findDeployGates", () => {
  it("GIVEN a gate running scripts/migrate.ts THEN it names the migration task definition's family and the default startedBy marker", () => {
    expect(findDeployGates(stack())).toEqual([
      { address: "terraform_data.deploy_gate", family: "whcsites-staging-migrate", taskDefinition: "aws_ecs_task_definition.migrations", startedBy: "whcsites-migrate", runsRelease: false },
    ]);
  });

  it("GIVEN a gate that chains a setup task and the migration THEN it finds both in order, and only the migration runs the release image", () => {
    // GIVEN the database roles on a fixed image, then the migration on the release image (as main's deploy gate)
    const json = stack() as any;
    json.resource.aws_ecs_task_definition = {
      database_roles: { family: "whcsites-staging-database_roles", container_definitions: '[{"image":"postgres:17-alpine"}]' },
      migrations: { family: "whcsites-staging-migrate", container_definitions: '[{"image":"${local.release_image}"}]' },
    };
    // the release image through a local, as main synthesizes it (the file's digest unless the emergency override is set)
    json.locals = { release_image: `\${var.emergency_image != "" ? var.emergency_image : "ghcr.io/whc/api@sha256:${"1".repeat(64)}"}` };
    json.resource.terraform_data.deploy_gate.provisioner[0]["local-exec"].command =
      "node scripts/migrate.ts --task-definition ${aws_ecs_task_definition.database_roles.arn} --container psql && " +
      "node scripts/migrate.ts --task-definition ${aws_ecs_task_definition.migrations.arn} --container migrate --started-by deploy";
    // WHEN
    const gates = findDeployGates(json);
    // THEN
    expect(gates.map((g) => [g.family, g.startedBy, g.runsRelease])).toEqual([
      ["whcsites-staging-database_roles", "whcsites-migrate", false],
      ["whcsites-staging-migrate", "deploy", true],
    ]);
  });

  it("GIVEN a gate whose task definition cannot be found THEN it says so instead of guessing", () => {
    const json = stack();
    delete (json.resource as any).aws_ecs_task_definition;
    expect(() => findDeployGates(json)).toThrow(/terraform_data\.deploy_gate: cannot tell which task definition family/);
  });
});

describe("findInState", () => {
  it("GIVEN a state WHEN searched for a value THEN it lists every resource attribute and output holding it, also inside longer strings", () => {
    const state = {
      resources: [
        { mode: "managed", type: "aws_db_instance", name: "database", instances: [{ attributes: { password: "s3cr3t", port: 5432 } }] },
        { mode: "managed", type: "aws_secretsmanager_secret_version", name: "url", instances: [{ index_key: "a", attributes: { secret_string: "postgres://u:s3cr3t@h/db" } }] },
        { mode: "managed", type: "aws_vpc", name: "net", instances: [{ attributes: { tags: { Name: "x" } } }] },
      ],
      outputs: { leaked: { value: ["s3cr3t"] } },
    };
    expect(findInState(state, "s3cr3t")).toEqual([
      "aws_db_instance.database.password",
      'aws_secretsmanager_secret_version.url["a"].secret_string',
      "output.leaked[0]",
    ]);
    expect(findInState(state, "absent")).toEqual([]);
  });

  it("GIVEN the harness's own random stand-in in the state WHEN searched with it ignored THEN only the real places are listed", () => {
    // GIVEN a stand-in holding the value (it exists in the working copy only) and a resource that stores it
    const state = {
      resources: [
        { mode: "managed", type: "terraform_data", name: "random_password_db", instances: [{ attributes: { input: { value: "s3cr3t" }, output: { value: "s3cr3t" } } }] },
        { mode: "managed", type: "aws_db_instance", name: "database", instances: [{ attributes: { password: "s3cr3t" } }] },
      ],
    };
    // WHEN / THEN
    expect(findInState(state, "s3cr3t", new Set(["terraform_data.random_password_db"]))).toEqual(["aws_db_instance.database.password"]);
    expect(findInState(state, "s3cr3t")).toHaveLength(3);
  });
});

describe("synthesizedBlock", () => {
  it("GIVEN a stack with a managed and an ephemeral random_password WHEN looked up by Terraform address THEN each is found in its own table", () => {
    // GIVEN
    const stack = {
      resource: { random_password: { db: { length: 40 } } },
      ephemeral: { random_password: { db: { length: 24 } } },
    };
    // WHEN / THEN
    expect(synthesizedBlock(stack, "random_password.db")).toEqual({ length: 40 });
    expect(synthesizedBlock(stack, "ephemeral.random_password.db")).toEqual({ length: 24 });
    expect(synthesizedBlock(stack, "ephemeral.random_password.other")).toBeUndefined();
  });
});
