import { PolicyRule } from "../framework";
import { deniesInsecureTransport, readPolicyDocument } from "../policy-document";
import { UNKNOWN } from "../values";
import { bucketSettings } from "./s3-common";

/** S3.5: every bucket's policy denies requests that do not use TLS. */
export const s3DenyInsecureTransport: PolicyRule = {
  id: "S3.5",
  title: "S3 bucket policies deny requests that do not use TLS (aws:SecureTransport false)",
  productionOnly: false,
  resourceTypes: ["aws_s3_bucket"],
  check(resource, context) {
    const fix = `attach an aws_s3_bucket_policy (bucket = ${resource.address}.id) with a Deny statement for s3:* on the bucket and its objects when Bool aws:SecureTransport is "false"`;
    const policies = bucketSettings(resource, context, "aws_s3_bucket_policy");
    if (policies.length === 0) return [{ problem: "the bucket has no bucket policy", fix }];
    const documents = policies.map((policy) => readPolicyDocument(policy.config.policy, context));
    if (documents.some((statements) => statements !== UNKNOWN && deniesInsecureTransport(statements))) return [];
    return documents.includes(UNKNOWN)
      ? [{ problem: "the bucket policy cannot be read before apply (not JSON nor an aws_iam_policy_document in this stack)", fix: "build the policy with JSON.stringify or an aws_iam_policy_document data source" }]
      : [{ problem: "the bucket policy does not deny requests without TLS", fix }];
  },
};
