import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { githubDeployRoleName } from "../../src/constructs/delivery/github-deploy-role";
import { githubPlanRoleName } from "../../src/constructs/delivery/github-plan-role";
import { Naming } from "../../src/core/naming";

// The aws-role action's resolver (.github/actions/aws-role/role.mjs): the role ARN the workflows assume must be the
// one the GitHub role constructs create, in the account and region of the environment file.

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, ".github", "actions", "aws-role", "role.mjs");

function resolve(cwd: string, env: Record<string, string>): { status: number | null; outputs: Record<string, string>; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT], { cwd, env: { PATH: process.env.PATH ?? "", GITHUB_RUN_ID: "4242", ...env }, encoding: "utf8" });
  const outputs = Object.fromEntries(run.stdout.split("\n").filter(Boolean).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  return { status: run.status, outputs, stderr: run.stderr };
}

function givenEnvironmentFile(name: string, content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-role-"));
  fs.mkdirSync(path.join(dir, "environments"));
  fs.writeFileSync(path.join(dir, "environments", `${name}.json`), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

describe("aws-role resolver", () => {
  const environments = fs.readdirSync(path.join(ROOT, "environments")).filter((f) => f.endsWith(".json") && f !== "schema.json").map((f) => f.replace(/\.json$/, ""));

  test.each(environments.flatMap((environment) => [[environment, "plan"], [environment, "deploy"]]))(
    "GIVEN the committed %s file WHEN the %s role is resolved THEN it is the construct's role in the file's account and region",
    (environment, role) => {
      const file = JSON.parse(fs.readFileSync(path.join(ROOT, "environments", `${environment}.json`), "utf8"));
      const naming = new Naming("whcsites", environment);
      const name = role === "plan" ? githubPlanRoleName(naming) : githubDeployRoleName(naming);
      const { status, outputs } = resolve(ROOT, { ENVIRONMENT: environment, ROLE: role });
      expect(status).toBe(0);
      expect(outputs).toEqual({
        "role-arn": `arn:aws:iam::${file.accountId}:role/${name}`,
        region: file.region,
        "account-id": file.accountId,
        audience: "sts.amazonaws.com",
        "session-name": `github-${role}-4242`,
      });
    },
  );

  test("GIVEN a China region THEN the ARN and the audience are the China partition's", () => {
    const dir = givenEnvironmentFile("cn", { accountId: "123456789012", region: "cn-north-1" });
    const { outputs } = resolve(dir, { ENVIRONMENT: "cn", ROLE: "deploy" });
    expect(outputs["role-arn"]).toBe("arn:aws-cn:iam::123456789012:role/whcsites-cn-github-deploy");
    expect(outputs.audience).toBe("sts.amazonaws.com.cn");
  });

  test.each([
    [{ ENVIRONMENT: "staging", ROLE: "admin" }, 'aws-role: role got "admin"; allowed: "plan" or "deploy"'],
    [{ ENVIRONMENT: "../staging", ROLE: "plan" }, 'aws-role: environment got "../staging"; allowed: an environment name'],
    [{ ENVIRONMENT: "nowhere", ROLE: "plan" }, "aws-role: environments/nowhere.json: cannot be read as JSON"],
  ])("GIVEN %j THEN it exits 1 with one line naming the problem", (env, message) => {
    const { status, outputs, stderr } = resolve(ROOT, env);
    expect(status).toBe(1);
    expect(outputs).toEqual({});
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  test("GIVEN a file whose accountId is not 12 digits THEN it names the file and the field", () => {
    const dir = givenEnvironmentFile("qa", { accountId: 1234, region: "eu-west-1" });
    const { status, stderr } = resolve(dir, { ENVIRONMENT: "qa", ROLE: "plan" });
    expect(status).toBe(1);
    expect(stderr.trim()).toBe("aws-role: environments/qa.json: accountId got 1234; allowed: 12 digits");
  });
});
