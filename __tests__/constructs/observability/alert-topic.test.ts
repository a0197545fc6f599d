import { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { AlertTopic, AlertTopicProps } from "../../../src/constructs/observability/alert-topic";
import { PropError } from "../../../src/constructs/shared/validation";
import { findAcknowledgement } from "../../../src/core/acknowledge";
import { Naming } from "../../../src/core/naming";
import { KMS_KEY_ADMINISTRATION_ACTIONS } from "../../../src/domain/kms";
import { ReadableStack } from "../../../src/stacks/readable-stack";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
interface Statement {
  Sid: string;
  Effect: string;
  Principal: Record<string, string>;
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

const ACCOUNT = "210987654321";
const EXISTING = `arn:aws:sns:eu-west-1:${ACCOUNT}:ops-alerts`;

function build(props: Partial<AlertTopicProps> = {}, environment = "staging"): { stack: TerraformStack; topic: AlertTopic; synth: string; resources: Resources } {
  const stack = new ReadableStack(Testing.app(), "test");
  const topic = new AlertTopic(stack, "alerts", { naming: new Naming("whcsites", environment), accountId: ACCOUNT, region: "eu-west-1", ...props });
  const synth = Testing.synth(stack);
  return { stack, topic, synth, resources: (JSON.parse(synth) as { resource?: Resources }).resource ?? {} };
}

function errorOf(props: Partial<AlertTopicProps>, environment = "staging"): string {
  try {
    build(props, environment);
  } catch (error) {
    if (!(error instanceof PropError)) throw error;
    return error.message;
  }
  throw new Error("expected a PropError");
}

const resolve = (stack: TerraformStack, value: unknown): unknown =>
  Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });

describe("AlertTopic with e-mail addresses", () => {
  // GIVEN two addresses WHEN synthesized
  const { stack, topic, synth, resources } = build({ emails: ["ops@example.org", "oncall@example.org"] });

  test("THEN the topic is encrypted with its own rotated KMS key", () => {
    expect(synth).toHaveResourceWithProperties(SnsTopic, { name: "whcsites-staging-alerts", kms_master_key_id: "${aws_kms_key.alerts_key.arn}" });
    expect(synth).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resources.aws_kms_key.alerts_key.lifecycle).toBeUndefined();
  });

  test("THEN the key policy lets the account administer the key and use it through SNS only, and CloudWatch encrypt (Decrypt, GenerateDataKey*), nothing more", () => {
    const statements = JSON.parse(resources.aws_kms_key.alerts_key.policy as string).Statement as Statement[];
    expect(statements).toEqual([
      { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: [...KMS_KEY_ADMINISTRATION_ACTIONS], Resource: "*" },
      {
        Sid: "AccountUsesThroughSnsOnly",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com", "kms:CallerAccount": ACCOUNT } },
      },
      { Sid: "CloudWatchAlarmsEncryptNotifications", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
    ]);
    // The account's administration statement gives no use of the key (WHC.KMS1's point, acknowledged on this key
    // only for the CloudWatch statement).
    expect(KMS_KEY_ADMINISTRATION_ACTIONS.some((a) => /^kms:(\*|Decrypt|Encrypt|GenerateDataKey|ReEncrypt|CreateGrant)/.test(a))).toBe(false);
  });

  test("THEN WHC.KMS1 is acknowledged on the key, with the reason: the unconditioned CloudWatch statement AWS documents", () => {
    const key = topic.node.children.find((c) => c.node.id === "key") as IConstruct;
    expect(findAcknowledgement(key, "WHC.KMS1")?.reason).toMatch(/^CloudWatch alarms \(and the EventBridge rules the topic accepts, if any\) encrypt their notifications with this key: AWS documents these statements/);
  });

  test("THEN only this account's CloudWatch alarms (and the account) may publish to the topic", () => {
    const statements = JSON.parse(resources.aws_sns_topic.alerts_topic.policy as string).Statement as Statement[];
    const arn = `arn:aws:sns:eu-west-1:${ACCOUNT}:whcsites-staging-alerts`;
    expect(statements.map((s) => s.Resource)).toEqual([arn, arn]);
    expect(statements[1]).toEqual({
      Sid: "CloudWatchAlarmsOfThisAccountPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: arn,
      Condition: { ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    expect(statements[0].Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
  });

  test("THEN each address is an e-mail subscription, keyed by the address (adding one never renames another)", () => {
    expect(synth).toHaveResourceWithProperties(SnsTopicSubscription, {
      for_each: '${toset(["ops@example.org", "oncall@example.org"])}',
      topic_arn: "${aws_sns_topic.alerts_topic.arn}",
      protocol: "email",
      endpoint: "${each.value}",
    });
    expect(Object.keys(resources.aws_sns_topic_subscription)).toEqual(["alerts_email"]);
  });

  test("THEN it exposes the topic's and the key's ARN and the addresses", () => {
    expect(resolve(stack, [topic.topicArn, topic.kmsKeyArn])).toEqual(["${aws_sns_topic.alerts_topic.arn}", "${aws_kms_key.alerts_key.arn}"]);
    expect(topic.emails).toEqual(["ops@example.org", "oncall@example.org"]);
  });
});

describe("AlertTopic variants", () => {
  test("GIVEN no address outside production WHEN synthesized THEN the topic and key exist, without subscriptions", () => {
    const { resources } = build();
    expect(Object.keys(resources).sort()).toEqual(["aws_kms_key", "aws_sns_topic"]);
  });

  test("GIVEN production WHEN synthesized THEN the key cannot be destroyed by a plan", () => {
    const { resources } = build({ production: true, emails: ["oncall@example.org"] }, "production");
    expect(resources.aws_kms_key.alerts_key.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("GIVEN an existing topic WHEN synthesized THEN nothing is created and alarms publish to it", () => {
    const { topic, resources } = build({ existingTopicArn: EXISTING, production: true }, "production");
    expect(resources).toEqual({});
    expect(topic.topicArn).toBe(EXISTING);
    expect(topic.kmsKeyArn).toBeUndefined();
  });
});

describe("AlertTopic validation", () => {
  test.each<[string, Partial<AlertTopicProps>, string, string]>([
    ["an address without a domain", { emails: ["ops"] }, 'AlertTopic: emails[0] got "ops"; allowed: an e-mail address such as "ops@example.org"', "staging"],
    ["the same address twice (any case)", { emails: ["ops@example.org", "OPS@example.org"] }, 'AlertTopic: emails got ["OPS@example.org"]; allowed: each address once', "staging"],
    ["a topic in another region", { existingTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:ops` }, 'AlertTopic: existingTopicArn got "arn:aws:sns:us-east-1:210987654321:ops"; allowed: an SNS topic ARN in region eu-west-1', "staging"],
    ["an existing topic and addresses", { existingTopicArn: EXISTING, emails: ["ops@example.org"] }, 'AlertTopic: emails got ["ops@example.org"]; allowed: none with existingTopicArn', "staging"],
    ["production without anyone to notify", { production: true }, "AlertTopic: emails got []; allowed: at least one address (or existingTopicArn) in production", "production"],
    ["a malformed account id", { accountId: "1234", emails: ["ops@example.org"] }, 'AlertTopic: accountId got "1234"; allowed: 12 digits', "staging"],
  ])("GIVEN %s WHEN built THEN it is refused", (_name, props, message, environment) => {
    expect(errorOf(props, environment)).toContain(message);
  });
});

describe("AlertTopic accepting EventBridge rules", () => {
  const RULE = `arn:aws:events:eu-west-1:${ACCOUNT}:rule/whcsites-staging-backup-failed`;

  test("GIVEN a rule accepted WHEN synthesized THEN only that rule may publish, and EventBridge may encrypt with the key", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    const topic = new AlertTopic(stack, "alerts", { naming: new Naming("whcsites", "staging"), accountId: ACCOUNT, region: "eu-west-1", emails: ["ops@example.org"] });
    topic.acceptEventsFrom(RULE);
    topic.acceptEventsFrom(RULE);
    const resources = (JSON.parse(Testing.synth(stack)) as { resource: Resources }).resource;
    const topicStatements = JSON.parse(resources.aws_sns_topic.alerts_topic.policy as string).Statement as Statement[];
    expect(topicStatements.find((s) => s.Sid === "EventRulesOfThisStackPublish")).toEqual({
      Sid: "EventRulesOfThisStackPublish",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: `arn:aws:sns:eu-west-1:${ACCOUNT}:whcsites-staging-alerts`,
      Condition: { ArnEquals: { "aws:SourceArn": [RULE] } },
    });
    const keyStatements = JSON.parse(resources.aws_kms_key.alerts_key.policy as string).Statement as Statement[];
    expect(keyStatements.map((s) => s.Sid)).toEqual(["AccountAdministersKey", "AccountUsesThroughSnsOnly", "CloudWatchAlarmsEncryptNotifications", "EventBridgeEncryptsNotifications"]);
    expect(topic.owned).toBe(true);
  });

  test("GIVEN no rule THEN neither policy names EventBridge", () => {
    const { resources } = build({ emails: ["ops@example.org"] });
    expect(JSON.stringify(resources.aws_sns_topic.alerts_topic.policy)).not.toContain("events.amazonaws.com");
    expect(JSON.stringify(resources.aws_kms_key.alerts_key.policy)).not.toContain("events.amazonaws.com");
  });

  test("GIVEN an existing topic THEN accepting a rule changes nothing here (its policy is managed where it is)", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    const topic = new AlertTopic(stack, "alerts", { naming: new Naming("whcsites", "staging"), accountId: ACCOUNT, region: "eu-west-1", existingTopicArn: EXISTING });
    topic.acceptEventsFrom(RULE);
    expect(topic.owned).toBe(false);
    expect(JSON.parse(Testing.synth(stack)).resource).toBeUndefined();
  });
});
