import { Construct } from "constructs";
import { TerraformIterator } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { acknowledge } from "../../core/acknowledge";
import { Naming } from "../../core/naming";
import { accountAdministersKey, accountUsesThroughService, rolesAdministerKey } from "../../domain/kms";
import { partitionOf } from "../../domain/partition";
import { PropChecks } from "../shared";

/** An e-mail address as SNS takes it: no spaces, one `@`, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** An SNS topic ARN. */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):[0-9]{12}:[A-Za-z0-9_-]{1,256}$/;

// ── props ──

/** Properties of {@link AlertTopic}. */
export interface AlertTopicProps {
  /** Names the topic `<app>-<environment>-alerts`. */
  readonly naming: Naming;
  /** The 12-digit account id: the key and topic policies name it (no data source: plans run offline). */
  readonly accountId: string;
  /** The region of the topic, for its ARN and the alarms' source ARNs. */
  readonly region: string;
  /**
   * Roles that administer the key through its own policy, besides the account (the environment's deploy role, whose
   * IAM policies grant nothing on existing keys).
   *
   * @default none
   */
  readonly keyAdministratorArns?: readonly string[];
  /**
   * E-mail addresses subscribed to the topic. Each one gets a confirmation mail from AWS and receives nothing until
   * the link in it is followed.
   *
   * @default none
   */
  readonly emails?: readonly string[];
  /**
   * Publish to this existing SNS topic (in the same region) instead of creating one; `emails` must then be empty
   * (subscribe them to that topic where it is managed).
   *
   * @default none: the construct creates the topic and its KMS key
   */
  readonly existingTopicArn?: string;
  /**
   * Production: at least one e-mail address or an existing topic (alerts must reach someone), and `prevent_destroy` on
   * the KMS key.
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * EventBridge rules of this account whose names start with this prefix may publish too (a scheduled job's failure
   * rule, `<app>-<environment>-<job>-failed`): the topic's policy admits them by source ARN, and the key lets
   * EventBridge encrypt their messages. With `existingTopicArn`, that topic's policy must admit them where it is
   * managed.
   *
   * @default none: only CloudWatch alarms publish
   */
  readonly eventRuleNamePrefix?: string;
}

/**
 * Where an environment's alarms send their notifications: an SNS topic encrypted with its own KMS key, whose key
 * policy lets CloudWatch alarms publish (the AWS-managed `alias/aws/sns` key cannot be used: CloudWatch may not use
 * it, so alarm actions on such a topic fail), with e-mail subscriptions. Or an existing topic, by ARN.
 *
 * Wiring: pass {@link AlertTopic.topicArn} to the monitoring constructs (`alarmTopicArn`); they send both the alarm
 * and the OK notification.
 */
export class AlertTopic extends Construct {
  /** ARN of the topic alarms publish to. */
  public readonly topicArn: string;
  /** ARN of the topic's KMS key, when this construct created the topic. */
  public readonly kmsKeyArn?: string;
  /** The subscribed e-mail addresses. */
  public readonly emails: readonly string[];

  public constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const emails = [...(props.emails ?? [])];
    const production = props.production ?? false;

    // ── validation ──
    const checks = new PropChecks("AlertTopic");
    checks.accountId("accountId", props.accountId);
    checks.region("region", props.region);
    emails.forEach((email, i) => checks.expect(EMAIL.test(email), `emails[${i}]`, email, 'an e-mail address such as "ops@example.org"'));
    const duplicates = emails.filter((e, i) => emails.findIndex((other) => other.toLowerCase() === e.toLowerCase()) !== i);
    checks.expect(duplicates.length === 0, "emails", duplicates, "each address once");
    if (props.existingTopicArn !== undefined) {
      const match = TOPIC_ARN.exec(props.existingTopicArn);
      checks.expect(match !== null && match[1] === props.region, "existingTopicArn", props.existingTopicArn,
        `an SNS topic ARN in region ${props.region}, such as "arn:aws:sns:${props.region}:123456789012:ops-alerts" (alarms publish only to topics in their own region)`);
      checks.expect(emails.length === 0, "emails", emails, "none with existingTopicArn (subscribe them to that topic where it is managed)");
    }
    if (production) {
      checks.expect(emails.length > 0 || props.existingTopicArn !== undefined, "emails", emails,
        "at least one address (or existingTopicArn) in production: production alarms must reach someone");
    }
    checks.throwIfAny();
    this.emails = emails;

    if (props.existingTopicArn !== undefined) {
      this.topicArn = props.existingTopicArn;
      return;
    }

    // ── encryption ──
    // The topic's own key.
    const partition = partitionOf(props.region);
    const topicName = props.naming.name("alerts", 256);
    // Built, not read from the topic: the topic's policy names it, and a resource cannot refer to its own attributes.
    const topicArn = `arn:${partition}:sns:${props.region}:${props.accountId}:${topicName}`;
    const rootArn = `arn:${partition}:iam::${props.accountId}:root`;
    const key = new KmsKey(this, "key", {
      description: `Alarm notifications of ${props.naming.prefix} (SNS topic ${topicName})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          // Administration by the account; use by its IAM policies (an operator's test publish) through SNS only.
          accountAdministersKey(rootArn),
          ...[rolesAdministerKey(props.keyAdministratorArns ?? [])].filter((x) => x !== undefined),
          accountUsesThroughService("AccountUsesThroughSnsOnly", rootArn, props.accountId, `sns.${props.region}.amazonaws.com`, ["kms:Decrypt", "kms:GenerateDataKey*"]),
          ...(props.eventRuleNamePrefix === undefined
            ? []
            : [
                {
                  // EventBridge encrypts what its rules send to an encrypted topic; as for the alarms, AWS documents the
                  // statement without conditions, and the topic's policy admits only this account's rules by name.
                  Sid: "EventBridgeRulesEncryptNotifications",
                  Effect: "Allow",
                  Principal: { Service: "events.amazonaws.com" },
                  Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                  Resource: "*",
                },
              ]),
          {
            // CloudWatch alarms encrypt the message they publish. AWS documents this statement without conditions
            // (the alarms' own source ARN is not passed to KMS); who may publish is limited by the topic's policy.
            Sid: "CloudWatchAlarmsEncryptNotifications",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
          },
        ],
      }),
      lifecycle: production ? { preventDestroy: true } : undefined,
    });
    acknowledge(
      key,
      "WHC.KMS1",
      props.eventRuleNamePrefix === undefined
        ? "CloudWatch alarms encrypt their notifications with this key: AWS documents that statement for the cloudwatch.amazonaws.com service principal without conditions, and the topic's policy admits only this account's alarms (aws:SourceAccount, aws:SourceArn); the account itself gets administration, and use through SNS only"
        : "CloudWatch alarms and EventBridge rules encrypt their notifications with this key: AWS documents those statements for the cloudwatch.amazonaws.com and events.amazonaws.com service principals without conditions, and the topic's policy admits only this account's alarms and its rules named " +
            `${props.eventRuleNamePrefix}* (aws:SourceAccount, aws:SourceArn); the account itself gets administration, and use through SNS only`,
    );
    this.kmsKeyArn = key.arn;

    // ── topic ──
    // Only this account and its CloudWatch alarms may publish.
    const topic = new SnsTopic(this, "topic", {
      name: topicName,
      displayName: `${props.naming.prefix} alarms`,
      kmsMasterKeyId: key.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountManagesTopic",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${props.accountId}:root` },
            Action: [
              "sns:GetTopicAttributes",
              "sns:SetTopicAttributes",
              "sns:AddPermission",
              "sns:RemovePermission",
              "sns:DeleteTopic",
              "sns:Subscribe",
              "sns:ListSubscriptionsByTopic",
              "sns:Publish",
            ],
            Resource: topicArn,
          },
          {
            Sid: "CloudWatchAlarmsOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: {
              ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${props.region}:${props.accountId}:alarm:*` },
              StringEquals: { "aws:SourceAccount": props.accountId },
            },
          },
          ...(props.eventRuleNamePrefix === undefined
            ? []
            : [
                {
                  Sid: "EventBridgeRulesOfThisAccountPublish",
                  Effect: "Allow",
                  Principal: { Service: "events.amazonaws.com" },
                  Action: "sns:Publish",
                  Resource: topicArn,
                  Condition: {
                    ArnLike: { "aws:SourceArn": `arn:${partition}:events:${props.region}:${props.accountId}:rule/${props.eventRuleNamePrefix}*` },
                    StringEquals: { "aws:SourceAccount": props.accountId },
                  },
                },
              ]),
        ],
      }),
    });
    this.topicArn = topic.arn;

    // ── subscriptions ──
    // One per address, addressed by the address itself (adding one never renames another).
    if (emails.length > 0) {
      const addresses = TerraformIterator.fromList(emails);
      new SnsTopicSubscription(this, "email", {
        forEach: addresses,
        topicArn: topic.arn,
        protocol: "email",
        endpoint: addresses.value,
      });
    }
  }
}
