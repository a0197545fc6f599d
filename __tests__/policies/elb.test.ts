import { Construct } from "constructs";
import { Alb } from "@cdktf/provider-aws/lib/alb";
import { Lb, LbConfig } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { acknowledge } from "../../src/core/acknowledge";
import { PolicyRule } from "../../src/policies/framework";
import { elbHttpRedirect } from "../../src/policies/rules/elb-1-http-redirect";
import { elbDropInvalidHeaders } from "../../src/policies/rules/elb-4-drop-invalid-headers";
import { elbAccessLogs } from "../../src/policies/rules/elb-5-access-logs";
import { elbDeletionProtection } from "../../src/policies/rules/elb-6-deletion-protection";
import { elbDesyncMitigation } from "../../src/policies/rules/elb-12-desync-mitigation";
import { elbMultipleSubnets } from "../../src/policies/rules/elb-13-multiple-subnets";
import { elbTlsPolicy } from "../../src/policies/rules/elb-17-tls-policy";
import { expectFails, expectPasses, guardedStack, resultOf, synthError } from "./helpers";

const compliantLb: LbConfig = {
  subnets: ["subnet-a", "subnet-b"],
  dropInvalidHeaderFields: true,
  enableDeletionProtection: true,
  accessLogs: { bucket: "logs", enabled: true },
};

function lb(scope: Construct, overrides: Partial<LbConfig> = {}): Lb {
  return new Lb(scope, "alb", { ...compliantLb, ...overrides });
}

describe("ELB.1 HTTP redirects to HTTPS", () => {
  const redirect = { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } };
  const forward = { type: "forward", targetGroupArn: "arn:tg" };

  test("passes for an HTTP listener that redirects and an HTTPS listener that forwards", () => {
    // GIVEN
    const stack = guardedStack([elbHttpRedirect]);
    const alb = lb(stack);
    new LbListener(stack, "http", { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultAction: [redirect] });
    const https = new LbListener(stack, "https", { loadBalancerArn: alb.arn, port: 443, protocol: "HTTPS", defaultAction: [forward] });
    new LbListenerRule(stack, "api", { listenerArn: https.arn, action: [forward], condition: [{ pathPattern: { values: ["/api/*"] } }] });
    // WHEN / THEN
    expectPasses(stack, "ELB.1", ["aws_lb_listener.http", "aws_lb_listener.https", "aws_lb_listener_rule.api"]);
  });

  test("fails for an HTTP listener (protocol left unset) that forwards", () => {
    const stack = guardedStack([elbHttpRedirect]);
    new LbListener(stack, "http", { loadBalancerArn: lb(stack).arn, port: 80, defaultAction: [forward] });
    expectFails(stack, "ELB.1", "http", /the HTTP listener on port 80 serves plain HTTP.*Fix: make the default action \{ type: "redirect"/);
  });

  test("fails for a listener rule that forwards on the HTTP listener", () => {
    const stack = guardedStack([elbHttpRedirect]);
    const http = new LbListener(stack, "http", { loadBalancerArn: lb(stack).arn, port: 80, protocol: "HTTP", defaultAction: [redirect] });
    new LbListenerRule(stack, "api", { listenerArn: http.arn, action: [forward], condition: [{ pathPattern: { values: ["/api/*"] } }] });
    expectFails(stack, "ELB.1", "api", /the rule forwards plain HTTP from aws_lb_listener\.http/);
  });

  test("is acknowledgeable for a non-production environment without a domain", () => {
    // GIVEN an HTTP-only listener with an acknowledgement
    const stack = guardedStack([elbHttpRedirect]);
    const http = new LbListener(stack, "http", { loadBalancerArn: lb(stack).arn, port: 80, protocol: "HTTP", defaultAction: [forward] });
    acknowledge(http, "ELB.1", "dev has no domain name, so it cannot have a certificate");
    // WHEN synthesizing THEN it passes and the exception is reported
    expect(synthError(stack)).toBeUndefined();
    expect(resultOf(stack, "ELB.1").acknowledged.map((a) => [a.address, a.acknowledgement.reason])).toEqual([
      ["aws_lb_listener.http", "dev has no domain name, so it cannot have a certificate"],
    ]);
  });
});

type LbCase = [string, PolicyRule, boolean, Partial<LbConfig>, RegExp];
const lbCases: LbCase[] = [
  ["ELB.4", elbDropInvalidHeaders, false, { dropInvalidHeaderFields: undefined }, /drop_invalid_header_fields is not set/],
  ["ELB.5", elbAccessLogs, true, { accessLogs: { bucket: "logs", enabled: false } }, /access_logs\.enabled is false/],
  ["ELB.5", elbAccessLogs, true, { accessLogs: undefined }, /access_logs\.enabled is not set/],
  ["ELB.6", elbDeletionProtection, true, { enableDeletionProtection: false }, /enable_deletion_protection is false/],
  ["ELB.12", elbDesyncMitigation, false, { desyncMitigationMode: "monitor" }, /desync_mitigation_mode is "monitor"/],
  ["ELB.13", elbMultipleSubnets, false, { subnets: ["subnet-a"] }, /the load balancer spans 1 subnet/],
  ["ELB.13", elbMultipleSubnets, false, { subnets: ["subnet-a", "subnet-a"] }, /spans 1 subnet/],
];

describe.each(lbCases)("%s on load balancers", (id, rule, production, broken, message) => {
  test(`passes for a compliant load balancer${production ? " (production)" : ""}`, () => {
    const stack = guardedStack([rule], production);
    lb(stack);
    expectPasses(stack, id, ["aws_lb.alb"]);
  });

  test(`fails for ${JSON.stringify(broken)}`, () => {
    const stack = guardedStack([rule], production);
    lb(stack, broken);
    expectFails(stack, id, "alb", message);
  });
});

describe("load balancer rules", () => {
  test("also check the aws_alb alias, and ELB.12 accepts the unset default", () => {
    const stack = guardedStack([elbDropInvalidHeaders, elbDesyncMitigation]);
    new Alb(stack, "legacy", { subnets: ["a", "b"], dropInvalidHeaderFields: false });
    expectFails(stack, "ELB.4", "legacy", /drop_invalid_header_fields is false/);
    expect(resultOf(stack, "ELB.12").passed).toEqual(["aws_alb.legacy"]);
  });

  test("ELB.13 cannot verify subnets given as one expression", () => {
    const stack = guardedStack([elbMultipleSubnets]);
    new Lb(stack, "alb", {}).addOverride("subnets", "${var.subnets}");
    expectFails(stack, "ELB.13", "alb", /one expression known only at apply/);
  });

  test("ELB.4 leaves network load balancers alone (the setting is ALB-only)", () => {
    const stack = guardedStack([elbDropInvalidHeaders]);
    new Lb(stack, "nlb", { loadBalancerType: "network", subnets: ["a", "b"] });
    expectPasses(stack, "ELB.4", ["aws_lb.nlb"]);
  });
});

describe("ELB.17 TLS policy", () => {
  test("passes for an HTTPS listener with a TLS 1.3 policy (HTTP listeners are not concerned)", () => {
    const stack = guardedStack([elbTlsPolicy]);
    const alb = lb(stack);
    new LbListener(stack, "https", {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificateArn: "arn:cert",
      defaultAction: [{ type: "forward", targetGroupArn: "arn:tg" }],
    });
    new LbListener(stack, "http", { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultAction: [{ type: "forward", targetGroupArn: "arn:tg" }] });
    expectPasses(stack, "ELB.17", ["aws_lb_listener.https", "aws_lb_listener.http"]);
  });

  test.each([
    [undefined, /ssl_policy is not set, so AWS uses ELBSecurityPolicy-2016-08/],
    ["ELBSecurityPolicy-2016-08", /ssl_policy "ELBSecurityPolicy-2016-08" is not an allowed TLS 1\.2\+ policy/],
  ])("fails for ssl_policy %p", (sslPolicy, message) => {
    const stack = guardedStack([elbTlsPolicy]);
    new LbListener(stack, "https", {
      loadBalancerArn: lb(stack).arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy,
      certificateArn: "arn:cert",
      defaultAction: [{ type: "forward", targetGroupArn: "arn:tg" }],
    });
    expectFails(stack, "ELB.17", "https", message);
  });
});
