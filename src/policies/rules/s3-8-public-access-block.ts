import { PolicyRule } from "../framework";
import { asBool } from "../values";
import { bucketSettings } from "./s3-common";

const SETTINGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

/** S3.8: every bucket has a public access block with all four settings on. */
export const s3PublicAccessBlock: PolicyRule = {
  id: "S3.8",
  title: "S3 buckets block all public access (all four public access block settings true)",
  productionOnly: false,
  resourceTypes: ["aws_s3_bucket"],
  check(resource, context) {
    const fix = `add an aws_s3_bucket_public_access_block (bucket = ${resource.address}.id) with ${SETTINGS.join(", ")} all true`;
    const blocks = bucketSettings(resource, context, "aws_s3_bucket_public_access_block");
    if (blocks.length === 0) return [{ problem: "the bucket has no public access block", fix }];
    if (blocks.some((b) => SETTINGS.every((setting) => asBool(b.config[setting]) === true))) return [];
    const off = SETTINGS.filter((setting) => !blocks.some((b) => asBool(b.config[setting]) === true));
    return [{ problem: `the public access block leaves ${off.join(", ")} not true`, fix }];
  },
};
