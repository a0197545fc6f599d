import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { App, Aspects, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { acknowledge } from "../../src/core/acknowledge";
import { applyPolicies, policyReportOf } from "../../src/policies/apply";
import { PolicyPackAspect } from "../../src/policies/framework";
import { collectPolicyReports, formatPolicyReport, violationCount } from "../../src/policies/report";
import { ALL_POLICY_RULES } from "../../src/policies/rules";
import { elbHttpRedirect } from "../../src/policies/rules/elb-1-http-redirect";
import { elbDropInvalidHeaders } from "../../src/policies/rules/elb-4-drop-invalid-headers";
import { s3PublicAccessBlock } from "../../src/policies/rules/s3-8-public-access-block";
import { whcPreventDestroy } from "../../src/policies/rules/whc-safe1-prevent-destroy";
import { ReadableStack } from "../../src/stacks/readable-stack";
import { buildCompliantResources } from "./compliant-fixture";
import { expectFails, guardedStack, newStack, resultOf, synthError } from "./helpers";

function httpListener(scope: Construct, id = "http"): LbListener {
  const lb = new Lb(scope, `${id}_lb`, { subnets: ["subnet-a", "subnet-b"], dropInvalidHeaderFields: true });
  return new LbListener(scope, id, {
    loadBalancerArn: lb.arn,
    port: 80,
    protocol: "HTTP",
    defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } }],
  });
}

describe("the rule index", () => {
  test("lists every rule of the guard once, with our own rules prefixed WHC.", () => {
    // GIVEN the controls the guard holds every stack to: AWS FSBP controls, then our own
    const expected = [
      "EC2.2", "EC2.6", "EC2.15", "EC2.18", "EC2.19",
      "ELB.1", "ELB.4", "ELB.5", "ELB.6", "ELB.12", "ELB.13", "ELB.17",
      "ECS.2", "ECS.3", "ECS.4", "ECS.5", "ECS.8", "ECS.9", "ECS.10", "ECS.12",
      "RDS.2", "RDS.3", "RDS.5", "RDS.8", "RDS.9", "RDS.11", "RDS.13", "RDS.17", "RDS.25", "RDS.26",
      "S3.5", "S3.8", "S3.12", "DynamoDB.2", "DynamoDB.6", "IAM.1", "IAM.21", "KMS.4", "Backup.1",
      "WHC.LOG1", "WHC.SEC1", "WHC.SEC2", "WHC.SEC3", "WHC.SAFE1", "WHC.ECS1",
      // operations and edge protection
      "WHC.ECS2", "WHC.OPS1", "WHC.SNS1", "WHC.WAF1", "WHC.WAF2",
      // data protection in every tier, command templates, service trust, endpoint policies, key use
      "WHC.SAFE2", "WHC.ECS3", "WHC.IAM2", "WHC.NET1", "WHC.KMS1",
      // disaster recovery
      "WHC.BAK1",
      // scheduled jobs and internal services
      "SQS.1", "WHC.JOB1", "WHC.ECS4",
    ];
    // WHEN reading the index
    const ids = ALL_POLICY_RULES.map((rule) => rule.id);
    // THEN it holds exactly those, each once
    expect([...ids].sort()).toEqual([...expected].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ALL_POLICY_RULES.filter((r) => r.productionOnly).map((r) => r.id).sort()).toEqual(
      ["EC2.6", "ECS.12", "ECS.5", "ELB.5", "ELB.6", "RDS.5", "RDS.8", "RDS.26", "WHC.SAFE1", "WHC.WAF1", "WHC.BAK1"].sort(),
    );
  });
});

describe("applyPolicies", () => {
  test("adds one policy aspect to the stack, with production-only rules only in production", () => {
    // GIVEN two stacks
    const app = Testing.app();
    const dev = new ReadableStack(app, "dev");
    const prod = new ReadableStack(app, "prod");
    // WHEN guarding them
    const devRules = applyPolicies(dev, { production: false });
    const prodRules = applyPolicies(prod, { production: true });
    // THEN production gets every rule, the other stack all but the production-only ones
    expect(prodRules).toHaveLength(ALL_POLICY_RULES.length);
    expect(devRules.map((r) => r.id)).not.toContain("RDS.5");
    expect(devRules).toHaveLength(ALL_POLICY_RULES.filter((r) => !r.productionOnly).length);
    const packAspects = (stack: TerraformStack) => Aspects.of(stack).all.filter((a): a is PolicyPackAspect => a instanceof PolicyPackAspect);
    expect(packAspects(prod).map((a) => a.rules)).toEqual([prodRules]);
    expect(packAspects(dev).map((a) => a.rules)).toEqual([devRules]);
    expect(Aspects.of(app).all).toHaveLength(0);
  });

  test("refuses to guard a stack twice and rejects duplicate rule ids", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    applyPolicies(stack, { production: false, rules: [elbHttpRedirect] });
    expect(() => applyPolicies(stack, { production: false })).toThrow(/already guarded/);
    const other = new ReadableStack(Testing.app(), "other");
    expect(() => applyPolicies(other, { production: false, rules: [elbHttpRedirect, elbHttpRedirect] })).toThrow(/ELB\.1 twice/);
  });

  test("a violation fails app.synth() with the rule id, the construct path and the fix", () => {
    // GIVEN a real App (not Testing) with a guarded stack holding a plain-HTTP listener
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-app."));
    const app = new App({ outdir });
    const stack = newStack("test", app);
    httpListener(stack);
    applyPolicies(stack, { production: false });
    // WHEN synthesizing THEN it fails with the formatted message
    expect(() => app.synth()).toThrow(
      /\[ELB\.1\] test\/http: the HTTP listener on port 80 serves plain HTTP instead of redirecting to HTTPS\. Fix: make the default action .*\./,
    );
  });

  test("a compliant stack synthesizes and reports the checked resources as passed", () => {
    // GIVEN a stack whose HTTP listener redirects
    const stack = guardedStack([elbHttpRedirect]);
    const lb = new Lb(stack, "alb", { subnets: ["a", "b"] });
    new LbListener(stack, "http", {
      loadBalancerArn: lb.arn,
      port: 80,
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
    // WHEN synthesizing
    const outdir = Testing.fullSynth(stack);
    // THEN the stack is written and the rule checked the listener
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "test", "cdk.tf.json"), "utf8"));
    expect(json.resource.aws_lb_listener.http.default_action[0].type).toBe("redirect");
    expect(resultOf(stack, "ELB.1").passed).toEqual(["aws_lb_listener.http"]);
  });

  test("sees addOverride and lifecycle, and an override can break compliance", () => {
    // GIVEN buckets protected by config, by override, and a load balancer whose override turns a setting off
    const stack = guardedStack([whcPreventDestroy, elbDropInvalidHeaders], true);
    new S3Bucket(stack, "by_config", { lifecycle: { preventDestroy: true } });
    new S3Bucket(stack, "by_override").addOverride("lifecycle.prevent_destroy", true);
    const lb = new Lb(stack, "alb", { subnets: ["a", "b"], dropInvalidHeaderFields: true });
    lb.addOverride("drop_invalid_header_fields", false);
    // WHEN synthesizing THEN only the overridden load balancer fails
    expectFails(stack, "ELB.4", "alb", /drop_invalid_header_fields is false/);
    expect([...resultOf(stack, "WHC.SAFE1").passed].sort()).toEqual(["aws_s3_bucket.by_config", "aws_s3_bucket.by_override"]);
  });

  test("matches references with cdktf's own hashed ids too (plain TerraformStack)", () => {
    // GIVEN a plain TerraformStack: addresses like aws_s3_bucket.bucket_ABC123
    const stack = new TerraformStack(Testing.app(), "plain");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    applyPolicies(stack, { production: false, rules: [s3PublicAccessBlock] });
    const scope = new Construct(stack, "logs");
    const bucket = new S3Bucket(scope, "bucket");
    new S3BucketPublicAccessBlock(scope, "pab", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    // WHEN synthesizing THEN the bucket passes through its reference
    expect(synthError(stack)).toBeUndefined();
    expect(resultOf(stack, "S3.8").passed).toEqual([`aws_s3_bucket.${bucket.friendlyUniqueId}`]);
  });

  test("reads each resource as resolved when the stack was prepared, instead of resolving it again", () => {
    // GIVEN a real App with a guarded ReadableStack whose only aspects are the guard's
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "policy-app.")) });
    const stack = newStack("test", app);
    const lb = new Lb(stack, "alb", { subnets: ["a", "b"], dropInvalidHeaderFields: true });
    applyPolicies(stack, {
      production: false,
      rules: [elbDropInvalidHeaders],
      resolvedAtPreparation: () => stack.takeResolvedAtPreparation(),
    });
    const toTerraform = jest.spyOn(lb, "toTerraform");
    // WHEN synthesizing
    app.synth();
    // THEN the load balancer was checked, and turned into JSON twice (preparation, stack file), not three times
    expect(resultOf(stack, "ELB.4").passed).toEqual(["aws_lb.alb"]);
    expect(toTerraform).toHaveBeenCalledTimes(2);
  });

  test("without the stack's preparation results, the guard resolves each resource it checks itself", () => {
    // GIVEN the same stack, guarded without resolvedAtPreparation
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "policy-app.")) });
    const stack = newStack("test", app);
    const lb = new Lb(stack, "alb", { subnets: ["a", "b"], dropInvalidHeaderFields: true });
    applyPolicies(stack, { production: false, rules: [elbDropInvalidHeaders] });
    const toTerraform = jest.spyOn(lb, "toTerraform");
    // WHEN synthesizing
    app.synth();
    // THEN the result is the same, at the cost of a third conversion
    expect(resultOf(stack, "ELB.4").passed).toEqual(["aws_lb.alb"]);
    expect(toTerraform).toHaveBeenCalledTimes(3);
  });

  test("an aspect that changes a resource after the preparation is still seen by the guard", () => {
    // GIVEN a compliant load balancer, and an aspect (running before the guard's) that turns a setting off
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "policy-app.")) });
    const stack = newStack("test", app);
    const lb = new Lb(stack, "alb", { subnets: ["a", "b"], dropInvalidHeaderFields: true });
    Aspects.of(stack).add({
      visit: (node) => {
        if (node === lb) lb.dropInvalidHeaderFields = false;
      },
    });
    applyPolicies(stack, { production: false, rules: [elbDropInvalidHeaders] });
    // WHEN synthesizing THEN the guard checks the changed configuration, not the one resolved before the aspects ran
    expect(() => app.synth()).toThrow(/\[ELB\.4\] test\/alb: drop_invalid_header_fields is false/);
  });

  test("synthesizing twice neither duplicates the error annotation nor the report entries", () => {
    const stack = guardedStack([elbHttpRedirect]);
    const listener = httpListener(stack);
    synthError(stack);
    synthError(stack);
    expect(listener.node.metadata.filter((m) => m.type === "@cdktf/error")).toHaveLength(1);
    expect(resultOf(stack, "ELB.1").violations).toHaveLength(1);
  });

  test("every rule passes on a stack built to comply, in production", () => {
    // GIVEN one compliant resource of each checked type
    const stack = guardedStack(ALL_POLICY_RULES, true);
    buildCompliantResources(stack);
    // WHEN synthesizing
    expect(synthError(stack)).toBeUndefined();
    // THEN no rule found a violation and every rule had something to check
    const report = policyReportOf(stack);
    expect(report?.rules).toHaveLength(ALL_POLICY_RULES.length);
    for (const rule of report?.rules ?? []) {
      expect({ id: rule.id, violations: rule.violations }).toEqual({ id: rule.id, violations: [] });
      expect({ id: rule.id, checked: rule.checked.length > 0 }).toEqual({ id: rule.id, checked: true });
    }
  });
});

describe("acknowledge", () => {
  test("an acknowledgement on a parent lets synthesis pass and lists the exception with its reason", () => {
    // GIVEN a plain-HTTP listener inside a construct that acknowledges ELB.1
    const stack = guardedStack([elbHttpRedirect]);
    const alb = new Construct(stack, "alb");
    httpListener(alb);
    acknowledge(alb, "ELB.1", "dev has no domain, so no certificate: HTTP only");
    // WHEN synthesizing
    const outdir = Testing.fullSynth(stack);
    // THEN the report lists the acknowledged violation with its reason
    const result = resultOf(stack, "ELB.1");
    expect(result.violations).toEqual([]);
    expect(result.acknowledged).toHaveLength(1);
    expect(result.acknowledged[0]).toMatchObject({
      ruleId: "ELB.1",
      path: "test/alb/http",
      acknowledgement: { reason: "dev has no domain, so no certificate: HTTP only", scopePath: "test/alb" },
    });
    // AND the synthesis output (manifest annotations) carries it as an info
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    const infos = manifest.stacks.test.annotations.filter((a: { level: string }) => a.level === "@cdktf/info");
    expect(infos.map((a: { message: string }) => a.message)).toEqual([
      "[ELB.1] test/alb/http: acknowledged: dev has no domain, so no certificate: HTTP only",
    ]);
    // AND the text report prints it
    const text = formatPolicyReport(collectPolicyReports(stack.node.scope as App));
    expect(text).toContain("[ELB.1] test/alb/http: dev has no domain, so no certificate: HTTP only (acknowledged on test/alb)");
  });

  test("an acknowledgement silences only its rule and its subtree", () => {
    // GIVEN an acknowledged listener and an unacknowledged sibling
    const stack = guardedStack([elbHttpRedirect, elbDropInvalidHeaders]);
    const dev = new Construct(stack, "dev");
    httpListener(dev);
    acknowledge(dev, "ELB.4", "the wrong rule for this listener, on purpose");
    httpListener(stack, "other");
    // WHEN synthesizing THEN both listeners fail ELB.1
    const error = expectFails(stack, "ELB.1", "dev/http", /plain HTTP/);
    expect(error).toMatch(/\[ELB\.1\] test\/other: /);
  });

  test("records the acknowledged exceptions and prints nothing itself (the app's entry point prints them)", () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const stack = newStack("printed");
      applyPolicies(stack, { production: false, rules: [elbHttpRedirect] });
      const listener = httpListener(stack);
      acknowledge(listener, "ELB.1", "printed acknowledgement reason");
      const manifest = JSON.parse(fs.readFileSync(path.join(Testing.fullSynth(stack), "manifest.json"), "utf8"));
      // one short line as an info annotation: rule, where, why; not the rule's fix text
      expect(manifest.stacks.printed.annotations).toContainEqual(
        expect.objectContaining({ level: "@cdktf/info", message: "[ELB.1] printed/http: acknowledged: printed acknowledgement reason" }),
      );
      expect([warn.mock.calls, write.mock.calls]).toEqual([[], []]);
    } finally {
      warn.mockRestore();
      write.mockRestore();
    }
  });

  test("an acknowledgement of an unknown rule fails synthesis", () => {
    const stack = guardedStack([elbHttpRedirect]);
    const bucket = new S3Bucket(stack, "bucket");
    acknowledge(bucket, "ELB.99", "a typo in the rule id");
    expect(synthError(stack)).toMatch(/\[POLICY\] test\/bucket: acknowledges unknown rule "ELB\.99"/);
  });

  test.each([
    ["ELB 1", "a reason long enough", /ruleId "ELB 1" is not a rule id/],
    ["ELB.1", "short", /reason "short" for ELB\.1 on test\/bucket is too short/],
  ])("rejects rule id %p with reason %p", (ruleId, reason, message) => {
    const stack = new ReadableStack(Testing.app(), "test");
    const bucket = new S3Bucket(stack, "bucket");
    expect(() => acknowledge(bucket, ruleId, reason)).toThrow(message);
  });

  test("rejects a second acknowledgement of the same rule on the same construct", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    const bucket = new S3Bucket(stack, "bucket");
    acknowledge(bucket, "S3.8", "first reason, long enough");
    expect(() => acknowledge(bucket, "S3.8", "second reason, long enough")).toThrow(/already acknowledged on test\/bucket/);
  });
});

describe("the report", () => {
  test("lists applied rules, passes, violations and unguarded stacks", () => {
    // GIVEN a guarded stack with one violation and an unguarded stack
    const app = Testing.app();
    const stack = newStack("web", app);
    applyPolicies(stack, { production: false, rules: [elbHttpRedirect, elbDropInvalidHeaders, s3PublicAccessBlock] });
    httpListener(stack);
    new ReadableStack(app, "loose");
    // WHEN synthesizing and formatting
    synthError(stack);
    const report = collectPolicyReports(app);
    const text = formatPolicyReport(report);
    // THEN
    expect(violationCount(report)).toBe(1);
    expect(report.unguardedStacks).toEqual(["loose"]);
    expect(text).toContain("Stack web (non-production): 3 rules applied");
    expect(text).toMatch(/FAIL ELB\.1 .*\(0\/1 resources pass\)/);
    expect(text).toMatch(/PASS ELB\.4 .*\(1\/1 resources pass\)/);
    // rules without resources are left out unless asked for
    expect(text).not.toMatch(/S3\.8/);
    expect(formatPolicyReport(report, { includeNotApplicable: true })).toMatch(/N\/A {2}S3\.8 .*\(no resources\)/);
    expect(text).toContain("    [ELB.1] web/http: the HTTP listener on port 80 serves plain HTTP");
    expect(text).toContain("Stack loose: NOT GUARDED");
    expect(text).toContain("Policy check failed: 1 violation(s), 1 unguarded stack(s).");
    // --failures-only keeps the failing rule and drops the passing one
    const failures = formatPolicyReport(report, { failuresOnly: true });
    expect(failures).toMatch(/FAIL ELB\.1/);
    expect(failures).not.toMatch(/PASS ELB\.4/);
  });
});
