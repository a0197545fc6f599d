import { PolicyRule } from "../framework";
import { asBool, isSet } from "../values";

/** SQS.1: queues are encrypted at rest, with SSE-SQS or a KMS key. */
export const sqsEncryption: PolicyRule = {
  id: "SQS.1",
  title: "SQS queues are encrypted at rest (SSE-SQS or a KMS key)",
  productionOnly: false,
  resourceTypes: ["aws_sqs_queue"],
  check(resource) {
    if (isSet(resource.config.kms_master_key_id)) return [];
    // Explicit, not AWS's current default: a queue's encryption is a security switch and belongs in code.
    if (asBool(resource.config.sqs_managed_sse_enabled) === true) return [];
    return [{
      problem: `the queue is not encrypted by its configuration (sqs_managed_sse_enabled ${resource.config.sqs_managed_sse_enabled === undefined ? "not set" : "false"}, no kms_master_key_id)`,
      fix: "set sqs_managed_sse_enabled to true (SSE-SQS), or kms_master_key_id to a customer-managed key",
    }];
  },
};
