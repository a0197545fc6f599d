import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration, Wafv2WebAclLoggingConfigurationConfig } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { whcProductionAlbWebAcl } from "../../src/policies/rules/whc-waf1-production-alb-web-acl";
import { whcWebAclLogging } from "../../src/policies/rules/whc-waf2-web-acl-logging";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

function webAcl(scope: Construct, id = "acl"): Wafv2WebAcl {
  return new Wafv2WebAcl(scope, id, {
    name: id,
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: id, sampledRequestsEnabled: true },
  });
}

function alb(scope: Construct, id: string, internal?: boolean): Lb {
  return new Lb(scope, id, { subnets: ["subnet-a", "subnet-b"], internal });
}

describe("WHC.WAF1 a production internet-facing ALB has a web ACL", () => {
  test("passes for a public ALB with an association, and for an internal one without", () => {
    // GIVEN
    const stack = guardedStack([whcProductionAlbWebAcl], true);
    const acl = webAcl(stack);
    new Wafv2WebAclAssociation(stack, "association", { resourceArn: alb(stack, "public").arn, webAclArn: acl.arn });
    alb(stack, "internal", true);
    // WHEN / THEN
    expectPasses(stack, "WHC.WAF1", ["aws_lb.public", "aws_lb.internal"]);
  });

  test("fails for a public ALB without one, even when another ALB has one", () => {
    const stack = guardedStack([whcProductionAlbWebAcl], true);
    const acl = webAcl(stack);
    new Wafv2WebAclAssociation(stack, "association", { resourceArn: alb(stack, "protected").arn, webAclArn: acl.arn });
    alb(stack, "exposed");
    expectFails(stack, "WHC.WAF1", "exposed", /the internet-facing load balancer has no web ACL.*Fix: associate a web ACL with it/);
  });

  test("is not applied outside production", () => {
    const stack = guardedStack([whcProductionAlbWebAcl], false);
    alb(stack, "exposed");
    expect(synthError(stack)).toBeUndefined();
    expect(() => resultOf(stack, "WHC.WAF1")).toThrow(/was not applied/);
  });
});

describe("WHC.WAF2 every web ACL logs, with authorization and cookie redacted", () => {
  const logging = (aclArn: string, overrides: Partial<Wafv2WebAclLoggingConfigurationConfig> = {}): Wafv2WebAclLoggingConfigurationConfig => ({
    resourceArn: aclArn,
    logDestinationConfigs: ["arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-x"],
    redactedFields: [{ singleHeader: { name: "Authorization" } }, { singleHeader: { name: "cookie" } }],
    ...overrides,
  });

  test("passes for a web ACL whose logging redacts both headers (any case)", () => {
    const stack = guardedStack([whcWebAclLogging]);
    const acl = webAcl(stack);
    new Wafv2WebAclLoggingConfiguration(stack, "logging", logging(acl.arn));
    expectPasses(stack, "WHC.WAF2", ["aws_wafv2_web_acl.acl"]);
  });

  test("fails for a web ACL without logging", () => {
    const stack = guardedStack([whcWebAclLogging]);
    webAcl(stack);
    expectFails(stack, "WHC.WAF2", "acl", /the web ACL has no logging configuration/);
  });

  test("fails for a logging configuration that shows the cookie header, naming the one missing", () => {
    const stack = guardedStack([whcWebAclLogging]);
    const acl = webAcl(stack);
    new Wafv2WebAclLoggingConfiguration(stack, "logging", logging(acl.arn, { redactedFields: [{ singleHeader: { name: "authorization" } }] }));
    expectFails(stack, "WHC.WAF2", "acl", /aws_wafv2_web_acl_logging_configuration\.logging logs the cookie header\(s\) in clear/);
  });

  test("fails when only another web ACL has logging", () => {
    const stack = guardedStack([whcWebAclLogging]);
    const logged = webAcl(stack, "logged");
    webAcl(stack, "silent");
    new Wafv2WebAclLoggingConfiguration(stack, "logging", logging(logged.arn, { redactedFields: [] }));
    const error = expectFails(stack, "WHC.WAF2", "silent", /the web ACL has no logging configuration/);
    expect(error).toMatch(/\[WHC\.WAF2\] test\/logged: aws_wafv2_web_acl_logging_configuration\.logging logs the authorization and cookie header\(s\) in clear/);
  });
});
