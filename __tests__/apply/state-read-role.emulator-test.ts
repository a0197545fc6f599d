/**
 * The CI's plans reach the state through the read-only state role: `terraform init` in .github/workflows/ci.yml
 * overrides the synthesized backend's role (the read-write `whcsites-tfstate-<environment>`) with
 * `whcsites-tfstate-<environment>-read`. Checked with real Terraform 1.11.4 against the emulator, whose request record
 * (scripts/emulator/request_recorder.py) shows which role the backend assumed.
 * Needs python3 with moto 5.2.1 and terraform (run by `npm run test:apply`, not by `npm test`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../scripts/lib/emulator/moto";
import { findTerraform } from "../../scripts/lib/terraform/terraform-cli";
import { readRequests } from "../../scripts/lib/permissions/recording";
import { ROOT } from "./helpers";

const CI = fs.readFileSync(path.join(ROOT, ".github", "workflows", "ci.yml"), "utf8");
const READ_ROLE = "arn:aws:iam::123456789012:role/whcsites-tfstate-staging-read";
const WRITE_ROLE = "arn:aws:iam::123456789012:role/whcsites-tfstate-staging";
const BUCKET = "whcsites-tfstate-123456789012-eu-west-1";

describe("the CI's terraform init", () => {
  let emulator: Emulator;
  let dir: string;
  let record: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-state-read-"));
    record = path.join(dir, "requests.jsonl");
    emulator = await startEmulator({ logFile: path.join(dir, "emulator.log"), recordFile: record });
    // The state bucket (the emulator takes unsigned requests).
    const created = await fetch(`${emulator.endpoint}/${BUCKET}`, { method: "PUT", body: '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>' });
    expect(created.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("GIVEN the synthesized backend with the read-write role WHEN init runs with ci.yml's -backend-config THEN the backend assumes the read-only role and never the read-write one", () => {
    // GIVEN: the backend as a stack synthesizes it (scripts/lib/... keep it), on the emulator's endpoints
    const init = /terraform init -input=false (-backend-config="assume_role=\{role_arn=\\"\$STATE_READ_ROLE\\"\}")/.exec(CI);
    expect(init).not.toBeNull();
    const work = path.join(dir, "stack");
    fs.mkdirSync(work);
    fs.writeFileSync(
      path.join(work, "main.tf.json"),
      JSON.stringify({
        terraform: {
          backend: {
            s3: {
              assume_role: { role_arn: WRITE_ROLE },
              bucket: BUCKET,
              key: "whcsites/staging/terraform.tfstate",
              region: "eu-west-1",
              encrypt: true,
              use_lockfile: true,
              use_path_style: true,
            },
          },
        },
      }),
    );
    // WHEN: the workflow's command, its variable set as the workflow's previous step sets it
    const terraform = findTerraform();
    expect(terraform).toBeDefined();
    const run = spawnSync("bash", ["-c", `"${terraform}" init -input=false -no-color ${init![1]}`], {
      cwd: work,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TF_IN_AUTOMATION: "1",
        CHECKPOINT_DISABLE: "1",
        STATE_READ_ROLE: READ_ROLE,
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ACCESS_KEY_ID: "AKIAWHCSCIPLAN000001",
        AWS_SECRET_ACCESS_KEY: "emulator",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    // THEN
    expect({ status: run.status, output: run.stdout + run.stderr }).toMatchObject({ status: 0 });
    const assumed = readRequests(record)
      .filter((r) => r.key === "AKIAWHCSCIPLAN000001" && r.service === "sts" && r.operation === "AssumeRole")
      .map((r) => r.params?.RoleArn);
    expect(assumed.length).toBeGreaterThan(0);
    expect([...new Set(assumed)]).toEqual([READ_ROLE]);
  });
});
