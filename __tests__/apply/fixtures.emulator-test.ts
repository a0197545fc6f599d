/**
 * The emulator apply on small fixture stacks (__tests__/fixtures/apply), through the real CLI, the real emulator,
 * real Terraform and the real migration runner: a clean stack passes; a perpetual diff and a migration that exits
 * non-zero each make the check fail; the synthesized stacks are never written to.
 * Needs python3 with moto 5.2.1 and terraform (run by `npm run test:apply`, not by `npm test`).
 */
import * as fs from "fs";
import * as path from "path";
import { hashTree } from "../helpers/hash-tree";
import { FIXTURES, emulatorPid, gone, removeWorkDirs, startCli, summaryOf } from "./helpers";

const OUT = ["--out", "__tests__/fixtures/apply"];

describe("npm run test:apply on fixture stacks", () => {
  const fixturesBefore = hashTree(FIXTURES);
  // One run for three stacks (one emulator): a clean one and two with a deliberate mistake each.
  let run: ReturnType<typeof startCli>;
  let code: number | string;
  let emulator: number;
  const result = (stack: string): Record<string, any> => {
    const found = summaryOf(run.workDir).results.find((r) => r.stack === stack);
    if (found === undefined) throw new Error(`no result for ${stack}`);
    return found;
  };
  const phase = (stack: string, name: string): { ok: boolean; detail?: string } => result(stack).phases.find((p: { name: string }) => p.name === name);

  beforeAll(async () => {
    run = startCli([...OUT, "--stack", "gate", "drift", "unguarded"]);
    emulator = await emulatorPid(run);
    code = await run.exited;
  }, 600_000);

  it("GIVEN two of three stacks with a mistake WHEN the check runs THEN it exits 1, says 1/3 passed and names the log folder, and the emulator is gone", async () => {
    expect({ code, output: run.output() }).toMatchObject({ code: 1 });
    expect(await gone(emulator)).toBe(true);
    expect(run.output()).toContain(`full logs: ${path.relative(path.join(__dirname, "..", ".."), path.join(run.workDir, "logs"))}`);
    expect(run.output()).toMatch(/test:apply: 1\/3 stack\(s\) applied, planned again with no change, and destroyed; total \d+\.\d s/);
  });

  it("GIVEN a stack with a deploy gate WHEN it is applied, planned, shipped with a failing migration and destroyed THEN every phase passes", () => {
    const gate = result("gate");
    expect(gate.ok).toBe(true);
    expect(gate.phases.map((p: { name: string; ok: boolean }) => [p.name, p.ok])).toEqual([
      ["prepare", true],
      ["init", true],
      ["apply", true],
      ["ci-plan", true],
      ["plan", true],
      ["failed-migration", true],
      ["teardown", true],
      ["destroy", true],
    ]);
    expect(gate.secondPlan).toEqual([]);
    // the gate ran the real runner twice: a migration that succeeded, then one that failed and stopped the deploy
    const logs = gate.logDir as string;
    expect(fs.readFileSync(path.join(logs, "3-apply.log"), "utf8")).toContain("Migration succeeded: container migrate exited 0");
    const failed = fs.readFileSync(path.join(logs, "6-failed-migration.log"), "utf8");
    expect(failed).toContain("migration FAILED: container migrate exited with code 1");
    expect(failed).toContain("checked: apply exit 1\n  aws_ecs_service.service kept its task definition\n");
    expect(fs.readFileSync(path.join(logs, "migrations.log"), "utf8")).toMatch(/finished with exit code 0[\s\S]*finished with exit code 1/);
    // progress: a start and an end line with a duration for each phase
    for (const name of ["prepare", "init", "apply", "ci-plan", "plan", "failed-migration", "teardown", "destroy"]) {
      expect(run.output()).toContain(`apply/gate: ${name} started`);
      expect(run.output()).toMatch(new RegExp(`apply/gate: ${name} ok \\(\\d+\\.\\d s\\)`));
    }
  });

  it("GIVEN a deliberate perpetual diff THEN the check fails naming the resource, the attribute and the values, and still destroys", () => {
    expect(result("drift").ok).toBe(false);
    const plan = phase("drift", "plan");
    expect(plan.ok).toBe(false);
    expect(plan.detail).toMatch(/aws_default_network_acl\.default \(update\): NOT ALLOWED: subnet_ids differ\(s\) and no allowlist entry matches/);
    expect(plan.detail).toMatch(/subnet_ids: \["subnet-[0-9a-f]+"\] -> \[\] {2}\[real difference\]/);
    expect(phase("drift", "destroy").ok).toBe(true);
    expect(run.output()).toContain("apply/drift: plan FAILED");
  });

  it("GIVEN an ECS service that does not wait for the deploy gate WHEN a version with a failing migration ships THEN the check fails: the service rolled, and nothing waits for the migration", () => {
    const failed = phase("unguarded", "failed-migration");
    expect(failed.ok).toBe(false);
    expect(failed.detail).toBe("a failed migration did not stop the deploy as it must:\n  no ECS service depends on the deploy gate, so nothing waits for the migration");
    const log = fs.readFileSync(path.join(result("unguarded").logDir as string, "6-failed-migration.log"), "utf8");
    expect(log).toMatch(/aws_ecs_service\.service changed its task definition \(\S+apply-unguarded-service:1 -> \S+apply-unguarded-service:2\); it does not wait for the deploy gate/);
  });

  it("GIVEN a migration that exits non-zero WHEN the stack is applied THEN the check fails and the deploy stopped before the ECS service was created", async () => {
    const failing = startCli([...OUT, "--stack", "gate", "--migration-exit-code", "1", "--no-failed-migration"]);
    expect(await failing.exited).toBe(1);
    const [gate] = summaryOf(failing.workDir).results;
    expect(gate.phases.find((p: { name: string }) => p.name === "apply").ok).toBe(false);
    expect(fs.readFileSync(path.join(gate.logDir as string, "3-apply.log"), "utf8")).toContain("migration FAILED: container migrate exited with code 1");
    // what the failed deploy left: the migration task definition and the tainted gate, no service
    expect(gate.addressesAfterApply).toEqual(expect.arrayContaining(["aws_ecs_task_definition.migrations", "terraform_data.deploy_gate"]));
    expect(gate.addressesAfterApply).not.toContain("aws_ecs_service.service");
    expect(gate.phases.find((p: { name: string }) => p.name === "destroy").ok).toBe(true);
  }, 300_000);

  afterAll(() => {
    removeWorkDirs();
    // the harness only reads synthesized stacks
    expect(hashTree(FIXTURES)).toBe(fixturesBefore);
  });
});
