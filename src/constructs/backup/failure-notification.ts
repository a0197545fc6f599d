import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { Naming } from "../../core/naming";
import { partitionOf } from "../../domain/partition";
import type { AlertTopic } from "../observability";
import { PropChecks } from "../shared";

// ── props ──

/** Properties of {@link FailureNotification}. */
export interface FailureNotificationProps {
  /** Names the rule `<app>-<environment>-<name>`. */
  readonly naming: Naming;
  /** The rule's name part, for example `backup-failed`. */
  readonly name: string;
  /** What the rule catches, in its description and the message. */
  readonly description: string;
  /** The rule's region (the default event bus of the stack's region). */
  readonly region: string;
  /** The 12-digit account id (the rule's ARN, which the topic's policy names, is built from it). */
  readonly accountId: string;
  /** The topic the matched events are sent to; it is told to accept them. */
  readonly alerts: AlertTopic;
  /** The EventBridge event pattern. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  /** JSON path of the event's state or status, for the message (AWS Backup uses `state` or `status` by event type). */
  readonly statePath: string;
}

/**
 * An EventBridge rule on the default bus that sends matching events to the alert topic as one readable line (what
 * happened, its state and message, the region, the time), with the topic told to accept it.
 */
export class FailureNotification extends Construct {
  /** The rule's name. */
  public readonly ruleName: string;
  /** The rule's ARN. */
  public readonly ruleArn: string;

  public constructor(scope: Construct, id: string, props: FailureNotificationProps) {
    super(scope, id);
    // ── validation ──
    const checks = new PropChecks("FailureNotification");
    checks.region("region", props.region);
    checks.accountId("accountId", props.accountId);
    checks.expect(/^\$\.[A-Za-z0-9.-]+$/.test(props.statePath), "statePath", props.statePath, 'a JSON path such as "$.detail.state"');
    checks.throwIfAny();

    const name = props.naming.name(props.name, 64);
    // Built, not read from the rule: the topic's policy names it, and the target refers to the topic.
    this.ruleArn = `arn:${partitionOf(props.region)}:events:${props.region}:${props.accountId}:rule/${name}`;
    this.ruleName = name;

    // ── rule ──
    const rule = new CloudwatchEventRule(this, "rule", {
      name,
      description: props.description,
      eventPattern: JSON.stringify(props.eventPattern),
    });
    props.alerts.acceptEventsFrom(this.ruleArn);
    new CloudwatchEventTarget(this, "target", {
      rule: rule.name,
      targetId: "alerts",
      arn: props.alerts.topicArn,
      // One line an on-call person can read in a mail, instead of the event's JSON.
      inputTransformer: {
        inputPaths: {
          type: "$.detail-type",
          state: props.statePath,
          message: "$.detail.statusMessage",
          region: "$.region",
          time: "$.time",
        },
        inputTemplate: `"${props.description.replace(/["\\<>]/g, "")}: <type> <state> in <region> at <time>: <message>"`,
      },
    });
  }
}
