import { Testing } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Wafv2IpSet } from "@cdktf/provider-aws/lib/wafv2-ip-set";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Alb } from "../../../src/constructs/alb/alb";
import { PropError } from "../../../src/constructs/shared/validation";
import { RATE_RULE_NAME, WebAcl, WebAclProps } from "../../../src/constructs/edge/web-acl";
import { Naming } from "../../../src/core/naming";
import { MANAGED_RULE_GROUPS, RATE_RULE_CAPACITY_WCU, WEB_ACL_INCLUDED_CAPACITY_WCU } from "../../../src/domain/waf";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

type Resources = Record<string, Record<string, Record<string, any>>>;
const ACCOUNT = "123456789012";
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:whcsites-production-alerts`;

function build(props: Partial<WebAclProps> = {}): { synth: string; resources: Resources; webAcl: WebAcl } {
  const stack = new ReadableStack(Testing.app(), "test");
  const production = props.production ?? true;
  const naming = new Naming("whcsites", production ? "production" : "staging");
  const domain = production ? { domain: { name: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" } } : {};
  const loadBalancer = new Alb(stack, "api", { naming, network: testNetwork(stack, naming), region: "eu-west-1", production, accountId: ACCOUNT, ...domain });
  const webAcl = new WebAcl(stack, "web_acl", { naming, loadBalancer, region: "eu-west-1", accountId: ACCOUNT, production, alarmTopicArn: TOPIC, ...props });
  const synth = Testing.synth(stack);
  return { synth, resources: JSON.parse(synth).resource as Resources, webAcl };
}

function errorOf(props: Partial<WebAclProps>): string {
  try {
    build(props);
  } catch (error) {
    if (!(error instanceof PropError)) throw error;
    return error.message;
  }
  throw new Error("expected a PropError");
}

describe("WebAcl in production (block mode by default)", () => {
  // GIVEN the production load balancer WHEN protected with the defaults
  const { synth, resources, webAcl } = build();
  const acl = resources.aws_wafv2_web_acl.web_acl;

  test("THEN a REGIONAL web ACL allows by default and has metrics and samples on", () => {
    expect(acl).toMatchObject({
      name: "whcsites-production-web-acl",
      scope: "REGIONAL",
      default_action: { allow: {} },
      visibility_config: { cloudwatch_metrics_enabled: true, metric_name: "whcsites-production-web-acl", sampled_requests_enabled: true },
    });
    expect(webAcl.mode).toBe("block");
  });

  test("THEN the rules are IP reputation, the rate limit, core rule set, known bad inputs and SQL database, in that order", () => {
    expect(acl.rule.map((r: any) => [r.priority, r.name])).toEqual([
      [10, "AWSManagedRulesAmazonIpReputationList"],
      [20, RATE_RULE_NAME],
      [30, "AWSManagedRulesCommonRuleSet"],
      [40, "AWSManagedRulesKnownBadInputsRuleSet"],
      [50, "AWSManagedRulesSQLiRuleSet"],
    ]);
    for (const rule of acl.rule.filter((r: any) => r.name !== RATE_RULE_NAME)) {
      expect(rule.statement).toEqual({ managed_rule_group_statement: { name: rule.name, vendor_name: "AWS" } });
      expect(rule.override_action).toEqual({ none: {} });
    }
  });

  test("THEN the rate rule blocks a client IP over 2000 requests in 5 minutes", () => {
    expect(acl.rule[1]).toMatchObject({ action: { block: {} }, statement: { rate_based_statement: { limit: 2000, aggregate_key_type: "IP", evaluation_window_sec: 300 } } });
    expect(acl.rule[1].statement.rate_based_statement.scope_down_statement).toBeUndefined();
  });

  test("THEN every rule publishes CloudWatch metrics and samples under its own metric name", () => {
    for (const rule of acl.rule) {
      expect(rule.visibility_config).toEqual({ cloudwatch_metrics_enabled: true, metric_name: `whcsites-production-${rule.name}`, sampled_requests_enabled: true });
    }
  });

  test("THEN logs go to aws-waf-logs-<app>-<env> with the tier's retention, authorization and cookie redacted, BLOCK and COUNT only", () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "aws-waf-logs-whcsites-production", retention_in_days: 365 });
    expect(resources.aws_wafv2_web_acl_logging_configuration.web_acl_logging).toMatchObject({
      resource_arn: "${aws_wafv2_web_acl.web_acl.arn}",
      log_destination_configs: ["${aws_cloudwatch_log_group.web_acl_log_group.arn}"],
      redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "cookie" } }],
      logging_filter: {
        default_behavior: "DROP",
        filter: [{ behavior: "KEEP", requirement: "MEETS_ANY", condition: [{ action_condition: { action: "BLOCK" } }, { action_condition: { action: "COUNT" } }] }],
      },
      depends_on: ["aws_cloudwatch_log_resource_policy.web_acl_log_delivery_policy"],
    });
  });

  test("THEN the log group has its own resource policy: log delivery of this account may write to it, nothing else", () => {
    const policy = JSON.parse(resources.aws_cloudwatch_log_resource_policy.web_acl_log_delivery_policy.policy_document);
    expect(policy.Statement).toEqual([
      {
        Sid: "WafLogDelivery",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: ["${aws_cloudwatch_log_group.web_acl_log_group.arn}:*"],
        Condition: { ArnLike: { "aws:SourceArn": `arn:aws:logs:eu-west-1:${ACCOUNT}:*` }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
  });

  test("THEN it protects the load balancer, so every service behind it", () => {
    expect(synth).toHaveResourceWithProperties(Wafv2WebAclAssociation, { resource_arn: "${aws_lb.api.arn}", web_acl_arn: "${aws_wafv2_web_acl.web_acl.arn}" });
  });

  test("THEN a spike of blocked requests alarms to the topic, both ways", () => {
    expect(resources.aws_cloudwatch_metric_alarm.web_acl_blocked_requests).toMatchObject({
      alarm_name: "whcsites-production-waf-blocked-spike",
      namespace: "AWS/WAFV2",
      metric_name: "BlockedRequests",
      dimensions: { WebACL: "${aws_wafv2_web_acl.web_acl.name}", Region: "eu-west-1", Rule: "ALL" },
      statistic: "Sum",
      threshold: 1000,
      treat_missing_data: "notBreaching",
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
  });
});

describe("WebAcl options", () => {
  test("GIVEN count mode WHEN synthesized THEN the groups and the rate rule only count, and the alarm watches counted requests", () => {
    const { resources } = build({ mode: "count" });
    const rules = resources.aws_wafv2_web_acl.web_acl.rule;
    expect(rules.filter((r: any) => r.name !== RATE_RULE_NAME).map((r: any) => r.override_action)).toEqual(Array(4).fill({ count: {} }));
    expect(rules[1].action).toEqual({ count: {} });
    expect(resources.aws_cloudwatch_metric_alarm.web_acl_blocked_requests.metric_name).toBe("CountedRequests");
  });

  test("GIVEN an allow list WHEN synthesized THEN an IPv4 IP set holds it and the rate rule skips it (scope-down NOT match)", () => {
    const { synth, resources } = build({ allowCidrs: ["203.0.113.0/24", "198.51.100.7/32"] });
    expect(synth).toHaveResourceWithProperties(Wafv2IpSet, { scope: "REGIONAL", ip_address_version: "IPV4", addresses: ["203.0.113.0/24", "198.51.100.7/32"] });
    expect(resources.aws_wafv2_web_acl.web_acl.rule[1].statement.rate_based_statement.scope_down_statement).toEqual({
      not_statement: { statement: { ip_set_reference_statement: { arn: "${aws_wafv2_ip_set.web_acl_rate_limit_allow_list.arn}" } } },
    });
  });

  test("GIVEN a rate limit and per-rule overrides WHEN synthesized THEN they are in the rules", () => {
    const { resources } = build({ rateLimit: 500, ruleOverrides: { AWSManagedRulesCommonRuleSet: { SizeRestrictions_BODY: "count" }, AWSManagedRulesAmazonIpReputationList: { AWSManagedIPDDoSList: "block" } } });
    const rules = resources.aws_wafv2_web_acl.web_acl.rule;
    expect(rules[1].statement.rate_based_statement.limit).toBe(500);
    expect(rules[2].statement.managed_rule_group_statement.rule_action_override).toEqual([{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }]);
    expect(rules[0].statement.managed_rule_group_statement.rule_action_override).toEqual([{ name: "AWSManagedIPDDoSList", action_to_use: { block: {} } }]);
  });

  test("GIVEN non-production WHEN synthesized THEN the logs keep the tier's 30 days", () => {
    expect(build({ production: false }).resources.aws_cloudwatch_log_group.web_acl_log_group.retention_in_days).toBe(30);
  });
});

describe("WebAcl validation", () => {
  test.each<[string, Partial<WebAclProps>, string]>([
    ["an unknown managed rule group", { ruleOverrides: { AWSManagedRulesCommonRuleSets: { NoUserAgent_HEADER: "count" } } }, 'WebAcl: ruleOverrides.AWSManagedRulesCommonRuleSets got "AWSManagedRulesCommonRuleSets" (did you mean "AWSManagedRulesCommonRuleSet"?); allowed: AWSManagedRulesAmazonIpReputationList, AWSManagedRulesCommonRuleSet'],
    ["a rule the group does not have", { ruleOverrides: { AWSManagedRulesSQLiRuleSet: { SQLi_BODYS: "count" } } }, 'WebAcl: ruleOverrides.AWSManagedRulesSQLiRuleSet.SQLi_BODYS got "SQLi_BODYS", which is not a rule of AWSManagedRulesSQLiRuleSet (did you mean "SQLi_BODY"?); allowed: SQLi_QUERYARGUMENTS'],
    ["an action that is not count or block", { ruleOverrides: { AWSManagedRulesSQLiRuleSet: { SQLi_BODY: "allow" as "count" } } }, 'WebAcl: ruleOverrides.AWSManagedRulesSQLiRuleSet.SQLi_BODY got "allow"; allowed: "count" or "block"'],
    ["a rate limit below WAF's minimum", { rateLimit: 5 }, "WebAcl: rateLimit got 5; allowed: an integer from 10 to 2000000000 (requests per client IP in 5 minutes)"],
    ["an allow list entry with host bits", { allowCidrs: ["203.0.113.7/24"] }, 'WebAcl: allowCidrs[0] got "203.0.113.7/24"; allowed: an IPv4 CIDR with zero host bits'],
    ["an allow list of everyone", { allowCidrs: ["0.0.0.0/0"] }, 'WebAcl: allowCidrs[0] got "0.0.0.0/0"; allowed: an IPv4 CIDR with zero host bits such as "203.0.113.0/24" or "198.51.100.7/32", not /0'],
    ["a mode that does not exist", { mode: "monitor" as "count" }, 'WebAcl: mode got "monitor"; allowed: "count" or "block"'],
    ["a retention CloudWatch Logs does not offer", { logRetentionDays: 10 }, "WebAcl: logRetentionDays got 10; allowed: one of 1, 3, 5, 7, 14, 30"],
  ])("GIVEN %s WHEN built THEN it is refused", (_name, props, message) => {
    expect(errorOf(props)).toContain(message);
  });
});

describe("the managed rule groups' facts (src/domain/waf.ts)", () => {
  test("their capacity with the rate rule stays within the web ACL's included 1500 WCU", () => {
    const total = MANAGED_RULE_GROUPS.reduce((sum, g) => sum + g.capacityWcu, 0) + RATE_RULE_CAPACITY_WCU;
    expect(total).toBe(1128);
    expect(total).toBeLessThanOrEqual(WEB_ACL_INCLUDED_CAPACITY_WCU);
  });

  test("rule names are unique within each group and look like AWS's (letters, digits, _)", () => {
    for (const group of MANAGED_RULE_GROUPS) {
      expect(new Set(group.ruleNames).size).toBe(group.ruleNames.length);
      for (const rule of group.ruleNames) expect(rule).toMatch(/^[A-Za-z0-9_]+$/);
    }
  });
});
