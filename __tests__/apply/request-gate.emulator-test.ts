/**
 * The emulator's request gate (scripts/emulator/moto_launcher.py, RequestGate), against the real launcher: a retry of a
 * request the emulator already answered 2xx is answered again instead of run twice (a lost answer must not turn
 * one CreateRole into EntityAlreadyExists, one AuthorizeSecurityGroupEgress into InvalidPermission.Duplicate), and
 * nothing else is: a new call, a retry after an error, a retry with another body all run in moto.
 * Needs python3 with moto 5.2.1 (run by `npm run test:apply`, not by `npm test`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator, type Emulator } from "../../scripts/lib/emulator/moto";

/** An IAM query-protocol request as an AWS SDK sends it (moto does not check signatures). */
function iam(emulator: Emulator, body: string, invocation: string, attempt: number): Promise<Response> {
  return fetch(emulator.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
      "amz-sdk-invocation-id": invocation,
      "amz-sdk-request": `attempt=${attempt}; max=25`,
    },
    body,
  });
}

const trust = encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }));
const createRole = (name: string): string => `Action=CreateRole&Version=2010-05-08&RoleName=${name}&AssumeRolePolicyDocument=${trust}`;

describe("the emulator's request gate", () => {
  let dir: string;
  let emulator: Emulator;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-gate-"));
    emulator = await startEmulator({ logFile: path.join(dir, "emulator.log") });
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("GIVEN a CreateRole answered 200 WHEN the SDK retries it (same invocation, attempt 2) THEN it gets the same 200 and the role is created once", async () => {
    // GIVEN
    const first = await iam(emulator, createRole("gate-retried"), "inv-retried", 1);
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    // WHEN
    const retry = await iam(emulator, createRole("gate-retried"), "inv-retried", 2);
    // THEN
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe(firstBody);
    const stats = await emulator.requestStats();
    expect(stats.replayed).toEqual([expect.objectContaining({ action: "CreateRole", attempt: 2, status: "200" })]);
    // and a new call (another invocation) still meets the role that exists: the retry was not run
    const again = await iam(emulator, createRole("gate-retried"), "inv-new-call", 1);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("EntityAlreadyExists");
  });

  it("GIVEN a call answered with an error WHEN the SDK retries it THEN the retry runs in moto again", async () => {
    // GIVEN the role exists: CreateRole answers 409
    const before = await emulator.requestStats();
    expect((await iam(emulator, createRole("gate-retried"), "inv-failed", 1)).status).toBe(409);
    // WHEN
    const retry = await iam(emulator, createRole("gate-retried"), "inv-failed", 2);
    // THEN
    expect(retry.status).toBe(409);
    const after = await emulator.requestStats();
    expect(after.retriesRun).toBe(before.retriesRun + 1);
    expect(after.replayed).toHaveLength(before.replayed.length);
  });

  it("GIVEN an answered invocation WHEN a retry carries another body THEN it runs in moto as sent", async () => {
    // GIVEN
    expect((await iam(emulator, createRole("gate-body-a"), "inv-body", 1)).status).toBe(200);
    const before = await emulator.requestStats();
    // WHEN
    const retry = await iam(emulator, createRole("gate-body-b"), "inv-body", 2);
    // THEN: gate-body-b is created (a replay would have answered gate-body-a's 200 without creating it)
    expect(retry.status).toBe(200);
    expect(await retry.text()).toContain("gate-body-b");
    expect((await emulator.requestStats()).replayed).toHaveLength(before.replayed.length);
  });

  it("GIVEN requests WHEN counted THEN every request, the control endpoint's too, went through the gate one at a time", async () => {
    const before = await emulator.requestStats();
    await Promise.all(Array.from({ length: 20 }, (_, i) => iam(emulator, createRole(`gate-parallel-${i}`), `inv-parallel-${i}`, 1)));
    await emulator.finishTasks({ startedBy: "nobody", exitCode: 0 });
    const after = await emulator.requestStats();
    expect(after.requests).toBe(before.requests + 21);
    expect(after.longestWaitMs).toBeGreaterThanOrEqual(0);
  });
});
