import { PolicyRule } from "../framework";
import { asString } from "../values";

/** The AWS-managed SNS key: its policy cannot be changed, and it does not let CloudWatch alarms encrypt messages. */
const AWS_MANAGED_SNS_KEY = /^(alias\/aws\/sns|arn:aws[a-z-]*:kms:[^:]+:\d{12}:alias\/aws\/sns)$/;

/**
 * WHC.SNS1 (ours; Security Hub has SNS.1 for encryption at rest): SNS topics are encrypted with a customer-managed
 * KMS key. The AWS-managed `alias/aws/sns` is refused too: alarm notifications to a topic under it fail.
 */
export const whcSnsTopicEncryption: PolicyRule = {
  id: "WHC.SNS1",
  title: "SNS topics are encrypted with a customer-managed KMS key",
  productionOnly: false,
  resourceTypes: ["aws_sns_topic"],
  check(resource) {
    const key = resource.config.kms_master_key_id;
    const literal = asString(key);
    const fix = "set kms_master_key_id to a customer-managed KMS key whose policy lets cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (AlertTopic creates one)";
    if (literal === undefined || literal === "") return [{ problem: "kms_master_key_id is not set, so messages are stored unencrypted", fix }];
    if (typeof literal === "string" && AWS_MANAGED_SNS_KEY.test(literal)) {
      return [{ problem: `kms_master_key_id is the AWS-managed key ${literal}, which CloudWatch alarms may not use: their notifications fail`, fix }];
    }
    return [];
  },
};
