/**
 * The secret values the harness searches the state for, read back from the real emulator.
 * Needs python3 with moto 5.2.1 (run by `npm run test:apply`, not by `npm test`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator, type Emulator } from "../../scripts/lib/emulator/moto";
import { findInState } from "../../scripts/lib/emulator/apply";
import { secretValuesInEmulator, valuesOf } from "../../scripts/lib/emulator/secrets";

/** One Secrets Manager call on the emulator (JSON protocol; the emulator does not check signatures). */
async function call(endpoint: string, action: string, body: object): Promise<any> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `secretsmanager.${action}`,
      Authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}

describe("the state search's secret values", () => {
  test("GIVEN a connection secret and a plain one WHEN the values are picked THEN the password and URL, or the whole string", () => {
    expect(valuesOf("s", JSON.stringify({ username: "whcsites_app", password: "p4ssw0rd-long", host: "db.example", port: 5432, url: "ecto://u:p@db/x" }))).toEqual([
      { what: "s (password)", value: "p4ssw0rd-long" },
      { what: "s (url)", value: "ecto://u:p@db/x" },
    ]);
    expect(valuesOf("k", "a-secret-key-base-of-64-characters")).toEqual([{ what: "k", value: "a-secret-key-base-of-64-characters" }]);
    expect(valuesOf("short", "abc")).toEqual([]);
  });

  describe("on the emulator", () => {
    let emulator: Emulator;
    let dir: string;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-secrets-"));
      emulator = await startEmulator({ logFile: path.join(dir, "emulator.log") });
    }, 60_000);
    afterAll(async () => {
      await emulator?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test("GIVEN a state naming two secrets, one with a value and one the operator has not filled THEN the value is read back, and found where a state holds it", async () => {
      // GIVEN
      const filled = await call(emulator.endpoint, "CreateSecret", { Name: "/whcsites/test/database-app", SecretString: JSON.stringify({ password: "Gen3rated-Passw0rd", url: "ecto://whcsites_app:Gen3rated-Passw0rd@db:5432/whcsites" }) });
      const empty = await call(emulator.endpoint, "CreateSecret", { Name: "/whcsites/test/operator-filled" });
      const state = {
        resources: [
          { mode: "managed", type: "aws_secretsmanager_secret", name: "app", instances: [{ attributes: { arn: filled.ARN } }] },
          { mode: "managed", type: "aws_secretsmanager_secret", name: "filled_later", instances: [{ attributes: { arn: empty.ARN } }] },
        ],
      };
      // WHEN
      const values = await secretValuesInEmulator(emulator.endpoint, state);
      // THEN
      expect(values).toEqual([
        { what: "aws_secretsmanager_secret.app (password)", value: "Gen3rated-Passw0rd" },
        { what: "aws_secretsmanager_secret.app (url)", value: "ecto://whcsites_app:Gen3rated-Passw0rd@db:5432/whcsites" },
      ]);
      // and the search finds such a value in a state that stored it (a secret_string), and not in one that did not
      const leaky = { resources: [...state.resources, { mode: "managed", type: "aws_secretsmanager_secret_version", name: "app_value", instances: [{ attributes: { secret_string: "x Gen3rated-Passw0rd x" } }] }] };
      expect(findInState(leaky, values[0].value)).toEqual(["aws_secretsmanager_secret_version.app_value.secret_string"]);
      expect(findInState(state, values[0].value)).toEqual([]);
    });
  });
});
