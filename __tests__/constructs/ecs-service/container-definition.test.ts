import { TerraformVariable, Testing } from "cdktf";
import { appContainerDefinition, AppContainerOptions, containerDefinitionsJson, escapeTemplateSequences } from "../../../src/constructs/ecs-service/container-definition";
import { ReadableStack } from "../../../src/stacks/readable-stack";

const OPTIONS: AppContainerOptions = {
  name: "api",
  image: "ghcr.io/example/whcsites:1.0.0",
  environment: {},
  secrets: {},
  logGroupName: "/whcsites/test/api",
  logRegion: "eu-west-1",
  logStreamPrefix: "api",
  logMode: "non-blocking",
  readonlyRootFilesystem: true,
  stopTimeoutSeconds: 30,
};

describe("appContainerDefinition", () => {
  test("orders environment and secrets by code point, whatever the machine's locale", () => {
    // GIVEN names whose order differs between code points and a locale collation (case, underscore)
    const environment = { b: "1", PORT: "4000", PHX_HOST: "x", PHXA: "y", a: "2" };
    const secrets = { SECRET_KEY_BASE: "arn:s", DATABASE_URL: "arn:d", DATABASE: "arn:e" };

    // WHEN
    const definition = appContainerDefinition({ ...OPTIONS, environment, secrets });

    // THEN
    expect(definition.environment?.map((e) => e.name)).toEqual(["PHXA", "PHX_HOST", "PORT", "a", "b"]);
    expect(definition.secrets?.map((s) => s.name)).toEqual(["DATABASE", "DATABASE_URL", "SECRET_KEY_BASE"]);
  });

  test("carries the docker labels it is given, as a copy", () => {
    // GIVEN
    const dockerLabels = { "whcsites.secret-versions": "database-app=1,database-migrator=3" };
    // WHEN
    const definition = appContainerDefinition({ ...OPTIONS, dockerLabels });
    // THEN
    expect(definition.dockerLabels).toEqual({ "whcsites.secret-versions": "database-app=1,database-migrator=3" });
    expect(definition.dockerLabels).not.toBe(dockerLabels);
  });

  test.each<[string, Record<string, string> | undefined]>([
    ["none", undefined],
    ["an empty set", {}],
  ])("has no dockerLabels key with %s", (_name, dockerLabels) => {
    expect(appContainerDefinition({ ...OPTIONS, dockerLabels })).not.toHaveProperty("dockerLabels");
  });

  test("refuses a name given both as plain environment and as secret", () => {
    expect(() => appContainerDefinition({ ...OPTIONS, environment: { DATABASE_URL: "x" }, secrets: { DATABASE_URL: "arn:d" } })).toThrow(
      /DATABASE_URL given both as plain environment and as secret; allowed: one of the two/,
    );
  });

  test("escapes Terraform template sequences in literal command and environment text, so the container gets what was written", () => {
    // GIVEN a shell command and a variable with ${ and %{ (Terraform would evaluate both)
    const definition = appContainerDefinition({
      ...OPTIONS,
      command: ["sh", "-c", 'echo "${HOME}" %{x} $${y}'],
      environment: { GREETING: "hello ${USER}" },
    });
    // THEN each becomes Terraform's escape ($${ and %%{), which Terraform turns back into the text as written
    // (real Terraform shows it: __tests__/terraform/guards.test.ts)
    expect(definition.command).toEqual(["sh", "-c", 'echo "$${HOME}" %%{x} $$${y}']);
    expect(definition.environment).toEqual([{ name: "GREETING", value: "hello $${USER}" }]);
    expect(escapeTemplateSequences("/app/bin/migrate")).toBe("/app/bin/migrate");
  });

  test("keeps cdktf references as references next to escaped literal text", () => {
    // GIVEN a value mixing a token and a literal ${
    const stack = new ReadableStack(Testing.app(), "test");
    const host = new TerraformVariable(stack, "host", { type: "string" });
    const definition = appContainerDefinition({ ...OPTIONS, environment: { URL: `https://${host.stringValue}/\${path}` } });
    // WHEN resolved as the task definition's JSON
    new TerraformVariable(stack, "probe", { type: "string", default: containerDefinitionsJson([definition]) });
    const json = JSON.parse(Testing.synth(stack)).variable.probe.default as string;
    // THEN the token is a reference, the literal is escaped
    expect(JSON.parse(json)[0].environment).toEqual([{ name: "URL", value: "https://${var.host}/$${path}" }]);
  });
});
