/**
 * The emulator apply on small fixture stacks (__tests__/fixtures/apply), through the real CLI, the real emulator,
 * real Terraform and the real migration runner: a clean stack passes; a perpetual diff and a migration that exits
 * non-zero each make the check fail; the synthesized stacks are never written to.
 * Needs python3 with moto 5.2.1 and terraform (run by `npm run test:apply`, not by `npm test`).
 */
import * as fs from "fs";
import * as path from "path";
import { FIXTURES, emulatorPid, gone, hashTree, startCli, summaryOf } from "./helpers";

const OUT = ["--out", "__tests__/fixtures/apply"];

describe("npm run test:apply on fixture stacks", () => {
  const fixturesBefore = hashTree(FIXTURES);

  it("GIVEN a stack with a deploy gate WHEN it is applied, planned, shipped with a failing migration and destroyed THEN every phase passes", async () => {
    // WHEN
    const run = startCli([...OUT, "--stack", "gate"]);
    const pid = await emulatorPid(run);
    const code = await run.exited;
    // THEN
    expect({ code, output: run.output() }).toMatchObject({ code: 0 });
    expect(await gone(pid)).toBe(true);
    const [result] = summaryOf(run.workDir).results;
    expect(result.ok).toBe(true);
    expect(result.phases.map((p: { name: string; ok: boolean }) => [p.name, p.ok])).toEqual([
      ["prepare", true],
      ["init", true],
      ["apply", true],
      ["plan", true],
      ["failed-migration", true],
      ["teardown", true],
      ["destroy", true],
    ]);
    expect(result.secondPlan).toEqual([]);
    // the gate ran the real runner twice: a migration that succeeded, then one that failed and stopped the deploy
    const logs = result.logDir as string;
    expect(fs.readFileSync(path.join(logs, "3-apply.log"), "utf8")).toContain("Migration succeeded: container migrate exited 0");
    const failed = fs.readFileSync(path.join(logs, "5-failed-migration.log"), "utf8");
    expect(failed).toContain("migration FAILED: container migrate exited with code 1");
    expect(failed).toContain("checked: apply exit 1; ECS services unchanged: aws_ecs_service.service");
    expect(fs.readFileSync(path.join(logs, "migrations.log"), "utf8")).toMatch(/finished with exit code 0[\s\S]*finished with exit code 1/);
    // progress: a start and an end line with a duration for each phase, and the logs folder named
    for (const phase of ["prepare", "init", "apply", "plan", "failed-migration", "teardown", "destroy"]) {
      expect(run.output()).toContain(`apply/gate: ${phase} started`);
      expect(run.output()).toMatch(new RegExp(`apply/gate: ${phase} ok \\(\\d+\\.\\d s\\)`));
    }
    expect(run.output()).toContain(`full logs: ${path.relative(path.join(__dirname, "..", ".."), path.join(run.workDir, "logs"))}`);
    expect(run.output()).toMatch(/test:apply: 1\/1 stack\(s\) applied, planned again with no change, and destroyed; total \d+\.\d s/);
  }, 300_000);

  it("GIVEN a deliberate perpetual diff WHEN the check runs THEN it fails naming the resource, the attribute and the values, and still destroys", async () => {
    const run = startCli([...OUT, "--stack", "drift"]);
    expect(await run.exited).toBe(1);
    const [result] = summaryOf(run.workDir).results;
    expect(result.ok).toBe(false);
    const plan = result.phases.find((p: { name: string }) => p.name === "plan");
    expect(plan.ok).toBe(false);
    expect(plan.detail).toMatch(/aws_default_network_acl\.default \(update\): NOT ALLOWED: subnet_ids differ\(s\) and no allowlist entry matches/);
    expect(plan.detail).toMatch(/subnet_ids: \["subnet-[0-9a-f]+"\] -> \[\] {2}\[real difference\]/);
    expect(result.phases.find((p: { name: string }) => p.name === "destroy").ok).toBe(true);
    expect(run.output()).toContain("apply/drift: plan FAILED");
    expect(run.output()).toContain("test:apply: 0/1 stack(s)");
  }, 300_000);

  it("GIVEN a migration that exits non-zero WHEN the stack is applied THEN the check fails and the deploy stopped before the ECS service was created", async () => {
    const run = startCli([...OUT, "--stack", "gate", "--migration-exit-code", "1", "--no-failed-migration"]);
    expect(await run.exited).toBe(1);
    const [result] = summaryOf(run.workDir).results;
    const apply = result.phases.find((p: { name: string }) => p.name === "apply");
    expect(apply.ok).toBe(false);
    expect(fs.readFileSync(path.join(result.logDir as string, "3-apply.log"), "utf8")).toContain("migration FAILED: container migrate exited with code 1");
    // what the failed deploy left: the migration task definition and the tainted gate, no service
    expect(result.addressesAfterApply).toEqual(expect.arrayContaining(["aws_ecs_task_definition.migrations", "terraform_data.deploy_gate"]));
    expect(result.addressesAfterApply).not.toContain("aws_ecs_service.service");
    expect(result.phases.find((p: { name: string }) => p.name === "destroy").ok).toBe(true);
  }, 300_000);

  it("GIVEN an ECS service that does not wait for the deploy gate WHEN a version with a failing migration ships THEN the check fails because the service rolled anyway", async () => {
    const run = startCli([...OUT, "--stack", "unguarded"]);
    expect(await run.exited).toBe(1);
    const [result] = summaryOf(run.workDir).results;
    const phase = result.phases.find((p: { name: string }) => p.name === "failed-migration");
    expect(phase.ok).toBe(false);
    expect(phase.detail).toMatch(/a failed migration did not stop the deploy as it must:\n {2}aws_ecs_service\.service changed its task definition \(\S+apply-fixture-service:1 -> \S+apply-fixture-service:2\) although the migration failed/);
  }, 300_000);

  afterAll(() => {
    // the harness only reads synthesized stacks
    expect(hashTree(FIXTURES)).toBe(fixturesBefore);
  });
});
