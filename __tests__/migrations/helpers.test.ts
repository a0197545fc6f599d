import { formatDuration, parseDuration } from "../../src/operator/duration";
import { imageMatches, imageReferenceProblem, imageTagProblem, imageWithTag, parseImageReference } from "../../src/operator/image-reference";
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

const D1 = `sha256:${"0123456789abcdef".repeat(4)}`;
const D2 = `sha256:${"f".repeat(64)}`;

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
    expect(imageWithTag(`ghcr.io/example/api@${D1}`, "1.5.0")).toBe("ghcr.io/example/api:1.5.0");
  });

  it.each([
    // actual, expected, matches
    ["ghcr.io/example/api:1.4.0", "ghcr.io/example/api:1.4.0", true],
    ["ghcr.io/example/api:1.4.0", "ghcr.io/example/api:1.4.1", false],
    ["ghcr.io/other/api:1.4.0", "ghcr.io/example/api:1.4.0", false],
    ["ghcr.io/example/api", "ghcr.io/example/api:latest", true],
    [`ghcr.io/example/api@${D1}`, `ghcr.io/example/api@${D1}`, true],
    [`ghcr.io/example/api@${D1}`, `ghcr.io/example/api@${D2}`, false],
    [`ghcr.io/other/api@${D1}`, `ghcr.io/example/api@${D1}`, false],
    // the digest decides; a tag next to it is a label
    [`ghcr.io/example/api:1.4.0@${D1}`, `ghcr.io/example/api@${D1}`, true],
    [`ghcr.io/example/api@${D1}`, `ghcr.io/example/api:9.9.9@${D1}`, true],
    // a tag check: a pinned digest on the same tag matches, a bare digest cannot be told to be that tag
    [`ghcr.io/example/api:1.4.0@${D1}`, "ghcr.io/example/api:1.4.0", true],
    [`ghcr.io/example/api@${D1}`, "ghcr.io/example/api:1.4.0", false],
    ["ghcr.io/example/api:1.4.0", `ghcr.io/example/api@${D1}`, false],
  ])("%s runs what %s asks for: %p", (actual, expected, matches) => {
    expect(imageMatches(actual, expected)).toBe(matches);
  });

  it.each([
    ["ghcr.io/example/api:1.4.0", undefined],
    [`ghcr.io/example/api@${D1}`, undefined],
    [`ghcr.io/example/api:1.4.0@${D1}`, undefined],
    ["registry:5000/api", undefined],
    ["ghcr.io/example/api@sha256:abc", 'digest "sha256:abc" is not sha256:<64 lowercase hex digits>'],
    [`ghcr.io/example/api@sha512:${"a".repeat(128)}`, /^digest "sha512:a+" is not sha256:<64 lowercase hex digits>$/],
    [`ghcr.io/example/api@${D1.toUpperCase().replace("SHA256", "sha256")}`, /is not sha256:<64 lowercase hex digits>/],
    ["ghcr.io/example/api:-bad", 'tag "-bad" is not a valid tag (letters, digits, "_", "." and "-", at most 128)'],
    [":1.4.0", "it needs a repository such as ghcr.io/owner/api, then :<tag> or @sha256:<64 hex digits>"],
    ["ghcr.io/example/api 1.4.0", /^it needs a repository/],
  ])("checks the reference %s", (image, problem) => {
    const found = imageReferenceProblem(image);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it("tells a digest given as a tag to use the full reference", () => {
    expect(imageTagProblem("1.5.0")).toBeUndefined();
    expect(imageTagProblem(D1)).toBe("that is a digest, not a tag: give the full reference with --expected-image <repository>@sha256:<64 hex digits>");
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
