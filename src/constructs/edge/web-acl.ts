import { Construct } from "constructs";
import { closest, distance } from "fastest-levenshtein";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { Wafv2IpSet } from "@cdktf/provider-aws/lib/wafv2-ip-set";
import { Wafv2WebAcl, Wafv2WebAclRule } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Naming } from "../../core/naming";
import { isValidIpv4Cidr } from "../../domain/cidr";
import { CLOUDWATCH_RETENTION_DAYS } from "../../domain/cloudwatch";
import { partitionOf } from "../../domain/partition";
import { AlarmSettingOverride, tierDefaults, WebAclAlarmSettings, WebAclMode } from "../../domain/tier-defaults";
import {
  MANAGED_RULE_GROUPS,
  ManagedRuleGroupFacts,
  WAF_LOG_GROUP_PREFIX,
  WAF_RATE_LIMIT_RANGE,
  WAF_RATE_WINDOW_SECONDS,
} from "../../domain/waf";
import { addMetricAlarm, checkAlarmSettings, during, MetricSpec, ThresholdRange, withOverrides } from "../observability";
import type { Alb } from "../alb";
import type { DashboardWidget } from "../observability";
import { PropChecks } from "../shared";

/** What a per-rule override makes a managed rule do. */
export type ManagedRuleAction = "count" | "block";

const MODES: readonly WebAclMode[] = ["count", "block"];
const RULE_ACTIONS: readonly ManagedRuleAction[] = ["count", "block"];
const RANGES: Readonly<Record<keyof WebAclAlarmSettings, ThresholdRange>> = {
  blockedRequests: { min: 1, max: 1_000_000_000, unit: "requests per period" },
};
/** An IP set holds at most 10,000 addresses (AWS WAF quotas); far fewer belong on an allow list. */
const MAX_ALLOW_CIDRS = 100;
/** The name of the rate-based rule (and the last part of its metric). */
export const RATE_RULE_NAME = "RateLimitPerClientIp";
/** The headers the logs never show: credentials and sessions. */
export const REDACTED_HEADERS: readonly string[] = ["authorization", "cookie"];

// ── props ──

/** Properties of {@link WebAcl}. */
export interface WebAclProps {
  /** Names the web ACL `<app>-<environment>-web-acl` and its log group `aws-waf-logs-<app>-<environment>`. */
  readonly naming: Naming;
  /** The load balancer the web ACL protects: every route, so every service behind it. */
  readonly loadBalancer: Alb;
  /** The region (a REGIONAL web ACL lives in the load balancer's region). */
  readonly region: string;
  /** The 12-digit account id: the log group's resource policy admits only log delivery for this account. */
  readonly accountId: string;
  /**
   * Production defaults (block mode, long log retention).
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * `count`: the rules only count what they would block (observe a rollout); `block`: they block.
   *
   * @default "block"
   */
  readonly mode?: WebAclMode;
  /**
   * Requests one client IP may send in 5 minutes; above it the rate rule blocks (counts, in count mode) that client
   * until it slows down. 10 to 2,000,000,000.
   *
   * @default 2000 (about 7 requests a second, sustained)
   */
  readonly rateLimit?: number;
  /**
   * IPv4 CIDRs the rate rule skips (monitoring, an office). They still pass the managed rules.
   *
   * @default none
   */
  readonly allowCidrs?: readonly string[];
  /**
   * Per-rule overrides against false positives: managed rule group name to rule name to `count` or `block`, for
   * example `{"AWSManagedRulesCommonRuleSet": {"SizeRestrictions_BODY": "count"}}`. Names are checked against the
   * groups' rules (src/domain/waf.ts).
   *
   * @default none
   */
  readonly ruleOverrides?: Readonly<Record<string, Readonly<Record<string, ManagedRuleAction>>>>;
  /**
   * Retention of the WAF log group, in days; a value CloudWatch Logs accepts.
   *
   * @default 365 in production, 30 elsewhere
   */
  readonly logRetentionDays?: number;
  /**
   * The SNS topic notified when the blocked-requests alarm fires and when it is OK again.
   *
   * @default none: the alarm notifies nobody (acknowledge the policy rule WHC.OPS1 on purpose)
   */
  readonly alarmTopicArn?: string;
  /**
   * Changes to the tier's alarm settings.
   *
   * @default the tier's (docs/operations.md, "Alarms")
   */
  readonly thresholds?: Readonly<Partial<Record<keyof WebAclAlarmSettings, AlarmSettingOverride>>>;
}

/**
 * An AWS WAF (v2) web ACL on the load balancer: the AWS managed rule groups Amazon IP reputation list, core rule
 * set, known bad inputs and SQL database, after a rate-based rule per client IP (an optional allow list skips it); in
 * count or block mode, with per-rule overrides checked against the groups' rule names. Every rule publishes
 * CloudWatch metrics and samples. Logs go to `aws-waf-logs-<app>-<environment>` with the `authorization` and `cookie`
 * headers redacted, and only blocked and counted requests are kept. An alarm watches for a spike of blocked (in count
 * mode: counted) requests.
 */
export class WebAcl extends Construct {
  /** ARN of the web ACL. */
  public readonly webAclArn: string;
  /** Name of the web ACL (CloudWatch's `WebACL` dimension). */
  public readonly webAclName: string;
  /** Name of the WAF log group. */
  public readonly logGroupName: string;
  /** Count or block. */
  public readonly mode: WebAclMode;
  /** Names of the alarms. */
  public readonly alarmNames: readonly string[];
  /** ARNs of the alarms. */
  public readonly alarmArns: readonly string[];
  /** The web ACL's dashboard graphs: allowed, blocked and counted requests, and blocks by rule. */
  public readonly widgets: readonly DashboardWidget[];

  public constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const { naming } = props;
    const production = props.production ?? false;
    const defaults = tierDefaults(production);
    const mode = props.mode ?? defaults.webAcl.mode;
    const rateLimit = props.rateLimit ?? defaults.webAcl.rateLimit;
    const allowCidrs = [...(props.allowCidrs ?? [])];
    const overrides = props.ruleOverrides ?? {};
    const logRetentionDays = props.logRetentionDays ?? defaults.logRetentionDays;
    const settings = withOverrides(defaults.alarms.webAcl, props.thresholds);

    // ── validation ──
    const checks = new PropChecks("WebAcl");
    checks.oneOf("mode", mode, MODES);
    checks.integer("rateLimit", rateLimit, WAF_RATE_LIMIT_RANGE.min, WAF_RATE_LIMIT_RANGE.max, "requests per client IP in 5 minutes");
    checks.expect(allowCidrs.length <= MAX_ALLOW_CIDRS, "allowCidrs", `${allowCidrs.length} entries`, `at most ${MAX_ALLOW_CIDRS}`);
    allowCidrs.forEach((cidr, i) => {
      checks.expect(isValidIpv4Cidr(cidr) && !cidr.endsWith("/0"), `allowCidrs[${i}]`, cidr,
        'an IPv4 CIDR with zero host bits such as "203.0.113.0/24" or "198.51.100.7/32", not /0 (that would exempt every client)');
    });
    checks.expect(new Set(allowCidrs).size === allowCidrs.length, "allowCidrs", allowCidrs, "each CIDR once");
    for (const [group, rules] of Object.entries(overrides)) {
      const facts = MANAGED_RULE_GROUPS.find((g) => g.name === group);
      if (facts === undefined) {
        checks.add(`ruleOverrides.${group}`, `got ${JSON.stringify(group)}${didYouMean(group, MANAGED_RULE_GROUPS.map((g) => g.name))}; allowed: ${MANAGED_RULE_GROUPS.map((g) => g.name).join(", ")}`);
        continue;
      }
      for (const [rule, action] of Object.entries(rules)) {
        if (!facts.ruleNames.includes(rule)) {
          checks.add(`ruleOverrides.${group}.${rule}`, `got ${JSON.stringify(rule)}, which is not a rule of ${group}${didYouMean(rule, facts.ruleNames)}; allowed: ${facts.ruleNames.join(", ")}`);
        }
        checks.oneOf(`ruleOverrides.${group}.${rule}`, action, RULE_ACTIONS);
      }
    }
    checks.oneOf("logRetentionDays", logRetentionDays, CLOUDWATCH_RETENTION_DAYS);
    checks.accountId("accountId", props.accountId);
    checks.region("region", props.region);
    checkAlarmSettings(checks, "thresholds", settings, RANGES, props.thresholds);
    checks.throwIfAny();
    this.mode = mode;

    const name = naming.name("web-acl", 128);
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const metricOf = (rule: string): string => `${naming.prefix}-${rule}`;

    // ── allow list ──
    // The rate rule's exceptions.
    let allowList: Wafv2IpSet | undefined;
    if (allowCidrs.length > 0) {
      allowList = new Wafv2IpSet(this, "rate_limit_allow_list", {
        name: naming.name("rate-limit-allow-list", 128),
        description: "Client addresses the rate-based rule skips (the managed rules still apply)",
        scope: "REGIONAL",
        ipAddressVersion: "IPV4",
        addresses: allowCidrs,
      });
    }

    // ── rules ──
    // IP reputation first (cheap), then the rate limit, then the inspection of the request.
    const [ipReputation, ...inspection] = MANAGED_RULE_GROUPS;
    const managedRule = (facts: ManagedRuleGroupFacts, priority: number): Wafv2WebAclRule => {
      const own = Object.entries(overrides[facts.name] ?? {});
      return {
        name: facts.name,
        priority,
        // In count mode the whole group only counts; in block mode each rule acts as the group (or its override) says.
        overrideAction: mode === "count" ? { count: {} } : { none: {} },
        // `statement` is an untyped block in the provider: its keys are Terraform's own.
        statement: {
          managed_rule_group_statement: {
            name: facts.name,
            vendor_name: facts.vendorName,
            ...(own.length === 0 ? {} : { rule_action_override: own.map(([rule, action]) => ({ name: rule, action_to_use: { [action]: {} } })) }),
          },
        },
        visibilityConfig: visibility(metricOf(facts.name)),
      };
    };
    const rateStatement = {
      limit: rateLimit,
      aggregate_key_type: "IP",
      evaluation_window_sec: WAF_RATE_WINDOW_SECONDS,
      ...(allowList === undefined
        ? {}
        : { scope_down_statement: { not_statement: { statement: { ip_set_reference_statement: { arn: allowList.arn } } } } }),
    };
    const rules: Wafv2WebAclRule[] = [
      managedRule(ipReputation, 10),
      {
        name: RATE_RULE_NAME,
        priority: 20,
        action: mode === "count" ? { count: {} } : { block: {} },
        statement: { rate_based_statement: rateStatement },
        visibilityConfig: visibility(metricOf(RATE_RULE_NAME)),
      },
      ...inspection.map((facts, i) => managedRule(facts, 30 + 10 * i)),
    ];

    const webAcl = new Wafv2WebAcl(this, "Resource", {
      name,
      description: `${naming.prefix}: AWS managed rules and a rate limit per client IP (${mode} mode)`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(name),
    });
    this.webAclArn = webAcl.arn;
    this.webAclName = webAcl.name;

    // ── logging ──
    // Blocked and counted requests only, credentials redacted.
    const logGroup = new CloudwatchLogGroup(this, "log_group", {
      name: `${WAF_LOG_GROUP_PREFIX}${naming.prefix}`,
      retentionInDays: logRetentionDays,
    });
    this.logGroupName = logGroup.name;
    const partition = partitionOf(props.region);
    // Our own resource policy for the group: otherwise WAF grows one shared account-wide policy (AWSWAF-LOGS) with
    // every web ACL until it hits the policy size limit (see the provider's aws_wafv2_web_acl_logging_configuration).
    const deliveryPolicy = new CloudwatchLogResourcePolicy(this, "log_delivery_policy", {
      policyName: naming.name("waf-log-delivery", 255),
      policyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WafLogDelivery",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [`${logGroup.arn}:*`],
            Condition: {
              ArnLike: { "aws:SourceArn": `arn:${partition}:logs:${props.region}:${props.accountId}:*` },
              StringEquals: { "aws:SourceAccount": props.accountId },
            },
          },
        ],
      }),
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: webAcl.arn,
      logDestinationConfigs: [logGroup.arn],
      redactedFields: REDACTED_HEADERS.map((header) => ({ singleHeader: { name: header } })),
      loggingFilter: {
        defaultBehavior: "DROP",
        filter: [
          {
            behavior: "KEEP",
            requirement: "MEETS_ANY",
            condition: [{ actionCondition: { action: "BLOCK" } }, { actionCondition: { action: "COUNT" } }],
          },
        ],
      },
      dependsOn: [deliveryPolicy],
    });

    // ── association ──
    // The load balancer: every route, so every service behind it.
    new Wafv2WebAclAssociation(this, "association", { resourceArn: props.loadBalancer.arn, webAclArn: webAcl.arn });

    // ── metrics and alarm ──
    const waf = (metricName: string, rule: string, label: string): MetricSpec => ({
      namespace: "AWS/WAFV2",
      metricName,
      dimensions: { WebACL: webAcl.name, Region: props.region, Rule: rule },
      statistic: "Sum",
      label,
    });
    const acted = mode === "count" ? "CountedRequests" : "BlockedRequests";
    const alarm = addMetricAlarm(this, "blocked_requests", {
      name: naming.name(["waf", "blocked-spike"], 255),
      description: `The web ACL ${mode === "count" ? "counted (would have blocked, count mode)" : "blocked"} ${settings.blockedRequests.threshold} or more requests ${during(settings.blockedRequests)}: ` +
        `an attack, a scanner, or a false positive after a release. First look: which rule and which clients, with the Logs Insights query of docs/operations.md, "Why was a request blocked?", on ${logGroup.name}; ` +
        "a legitimate client blocked by one rule gets a per-rule override (webAcl.ruleOverrides).",
      metric: waf(acted, "ALL", mode === "count" ? "counted" : "blocked"),
      setting: settings.blockedRequests,
      comparison: "GreaterThanOrEqualToThreshold",
      // WAF publishes the count only when it acts: no data is no blocked request.
      treatMissingData: "notBreaching",
    }, props.alarmTopicArn);
    this.alarmNames = [alarm.alarmName];
    this.alarmArns = [alarm.arn];
    this.widgets = [
      {
        kind: "metric",
        title: "web ACL: allowed / blocked / counted",
        metrics: [waf("AllowedRequests", "ALL", "allowed"), waf("BlockedRequests", "ALL", "blocked"), waf("CountedRequests", "ALL", "counted")],
        width: 12,
      },
      {
        kind: "metric",
        title: `web ACL: ${mode === "count" ? "counted" : "blocked"} by rule`,
        metrics: rules.map((r) => waf(acted, metricOf(r.name), r.name)),
        width: 12,
      },
    ];
  }
}

// ── helpers ──

function didYouMean(given: string, known: readonly string[]): string {
  const suggestion = closest(given, [...known]);
  return distance(given, suggestion) <= Math.max(3, Math.floor(suggestion.length / 4)) ? ` (did you mean ${JSON.stringify(suggestion)}?)` : "";
}
