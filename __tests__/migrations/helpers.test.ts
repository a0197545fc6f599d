import { formatDuration, parseDuration } from "../../src/migrations/duration";
import { imageWithTag, parseImageReference } from "../../src/migrations/image";
import { readStackTarget, targetFromOutput } from "../../src/migrations/target";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["2m30s", 150_000],
    ["900", 900_000],
    ["0.5s", 500],
  ])("parses %s as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "0", "0s", "-5m", "15x", "m", "1m1h", "1.5m"])("rejects %j naming the value and the accepted forms", (text) => {
    expect(() => parseDuration(text)).toThrow(new RegExp(`invalid duration ${JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: use a positive duration such as 90s, 15m, 1h`));
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [45_900, "45s"],
    [125_000, "2m05s"],
    [3_720_000, "1h02m"],
    [-5, "0s"],
  ])("formats %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("image references", () => {
  it.each([
    ["ghcr.io/example/api:1.4.0", { repository: "ghcr.io/example/api", tag: "1.4.0" }],
    ["registry:5000/api", { repository: "registry:5000/api" }],
    ["registry:5000/api:2", { repository: "registry:5000/api", tag: "2" }],
    ["ghcr.io/example/api@sha256:abc", { repository: "ghcr.io/example/api", digest: "sha256:abc" }],
  ])("parses %s", (image, parts) => {
    expect(parseImageReference(image)).toEqual({ tag: undefined, digest: undefined, ...parts });
  });

  it("puts the asked tag on the repository of the reference image", () => {
    expect(imageWithTag("ghcr.io/example/api:1.4.0", "1.5.0")).toBe("ghcr.io/example/api:1.5.0");
    expect(imageWithTag("registry:5000/api", "7")).toBe("registry:5000/api:7");
  });
});

const OUTPUT_VALUE = {
  cluster: "whcsites-staging",
  taskDefinitionArn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/whcsites-staging-migrate:7",
  containerName: "api",
  subnetIds: ["subnet-aaa", "subnet-bbb"],
  securityGroupIds: ["sg-123"],
  logGroup: "/whcsites/staging/api",
  logStreamPrefix: "migrate",
  region: "eu-west-1",
  image: "ghcr.io/example/whcsites-api:1.4.0",
  startedBy: "whcsites-staging-migrate",
};

describe("readStackTarget", () => {
  it("runs terraform output -json in cdktf.out/stacks/<stack> and maps the migration output", async () => {
    // GIVEN
    const calls: Array<[string, readonly string[]]> = [];
    const run = async (file: string, args: readonly string[]) => {
      calls.push([file, args]);
      return JSON.stringify({ migration: { sensitive: false, type: ["object", {}], value: OUTPUT_VALUE }, other: { value: 1 } });
    };

    // WHEN
    const target = await readStackTarget("whcsites-staging", { run, outDir: "/repo/cdktf.out" });

    // THEN
    expect(calls).toEqual([["terraform", ["-chdir=/repo/cdktf.out/stacks/whcsites-staging", "output", "-json", "-no-color"]]]);
    expect(target).toEqual({
      cluster: "whcsites-staging",
      taskDefinition: OUTPUT_VALUE.taskDefinitionArn,
      containerName: "api",
      subnetIds: ["subnet-aaa", "subnet-bbb"],
      securityGroupIds: ["sg-123"],
      logGroup: "/whcsites/staging/api",
      logStreamPrefix: "migrate",
      region: "eu-west-1",
      image: "ghcr.io/example/whcsites-api:1.4.0",
      startedBy: "whcsites-staging-migrate",
    });
  });

  it("accepts an output without the optional fields (null or absent)", async () => {
    // GIVEN
    const { cluster, taskDefinitionArn, containerName, subnetIds, securityGroupIds } = OUTPUT_VALUE;
    const run = async () => JSON.stringify({ migration: { value: { cluster, taskDefinitionArn, containerName, subnetIds, securityGroupIds, image: null } } });

    // WHEN
    const target = await readStackTarget("whcsites-staging", { run });

    // THEN
    expect(target.image).toBeUndefined();
    expect(target.logGroup).toBeUndefined();
    expect(target.startedBy).toBeUndefined();
  });

  it("says the stack has no migration output and lists the outputs it has", async () => {
    const run = async () => JSON.stringify({ alb_dns_name: { value: "x" } });
    await expect(readStackTarget("whcsites-staging", { run })).rejects.toThrow('stack whcsites-staging: no "migration" output in the Terraform state (outputs: alb_dns_name)');
  });

  it("says the stack has not been deployed when there are no outputs", async () => {
    const run = async () => "{}";
    await expect(readStackTarget("whcsites-staging", { run })).rejects.toThrow(/no outputs at all: has the stack been deployed\?/);
  });

  it("reports terraform's error output and suggests terraform init", async () => {
    const run = async () => {
      throw Object.assign(new Error("Command failed"), { stderr: 'Error: Backend initialization required, please run "terraform init"\n' });
    };
    await expect(readStackTarget("whcsites-staging", { run })).rejects.toThrow(/`terraform output` failed \(is \S+ initialised with `terraform init`\?\):\nError: Backend initialization required/);
  });

  it("says when terraform is not installed", async () => {
    const run = async () => {
      throw Object.assign(new Error("spawn terraform ENOENT"), { code: "ENOENT" });
    };
    await expect(readStackTarget("whcsites-staging", { run })).rejects.toThrow(/terraform was not found on PATH/);
  });

  it("rejects a stack name that is not a plain name", async () => {
    const run = jest.fn(async () => "{}");
    await expect(readStackTarget("../../etc", { run })).rejects.toThrow(/invalid --stack "..\/..\/etc"/);
    expect(run).not.toHaveBeenCalled();
  });

  it("says when the stack folder is missing (synth first)", async () => {
    await expect(readStackTarget("whcsites-nowhere", { outDir: "/nonexistent/cdktf.out" })).rejects.toThrow(/does not exist\. Run `npx cdktf synth`/);
  });
});

describe("targetFromOutput", () => {
  it("lists every missing or malformed field", () => {
    expect(() => targetFromOutput({ cluster: "c", subnetIds: ["vpc-1"], securityGroupIds: [], startedBy: "bad marker!" }, "stack s")).toThrow(
      new RegExp(
        [
          'stack s: the "migration" output is not usable:',
          '  - taskDefinitionArn is required \\(got undefined\\)',
          '  - containerName is required \\(got undefined\\)',
          '  - subnetIds must hold subnet-\\* ids only \\(got \\["vpc-1"\\]\\)',
          "  - securityGroupIds must be a non-empty list of sg-\\* ids \\(got \\[\\]\\)",
          '  - startedBy must be 1-36 letters, digits, "-", "_" or "/" \\(got "bad marker!"\\)',
        ].join("\n"),
      ),
    );
  });

  it("rejects a value that is not an object", () => {
    expect(() => targetFromOutput("arn:...", "stack s")).toThrow('stack s: the "migration" output must be an object, got "arn:..."');
  });
});
