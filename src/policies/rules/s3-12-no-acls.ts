import { PolicyRule, Violation } from "../framework";
import { block, isSet } from "../values";
import { bucketSettings } from "./s3-common";

/** S3.12: buckets do not use ACLs: object ownership is BucketOwnerEnforced and no ACL is set. */
export const s3NoAcls: PolicyRule = {
  id: "S3.12",
  title: "S3 buckets disable ACLs (object ownership BucketOwnerEnforced, no ACL resources)",
  productionOnly: false,
  resourceTypes: ["aws_s3_bucket"],
  check(resource, context) {
    const violations: Violation[] = [];
    const controls = bucketSettings(resource, context, "aws_s3_bucket_ownership_controls");
    if (!controls.some((c) => block(c.config.rule)?.object_ownership === "BucketOwnerEnforced")) {
      violations.push({
        problem: "object ownership is not BucketOwnerEnforced, so ACLs stay in effect",
        fix: `add an aws_s3_bucket_ownership_controls (bucket = ${resource.address}.id) with rule { object_ownership: "BucketOwnerEnforced" }`,
      });
    }
    const acls = bucketSettings(resource, context, "aws_s3_bucket_acl");
    if (acls.length > 0 || isSet(resource.config.acl)) {
      violations.push({
        problem: `the bucket sets an ACL (${[...acls.map((a) => a.address), ...(isSet(resource.config.acl) ? ["acl argument"] : [])].join(", ")})`,
        fix: "remove the ACL and grant access with the bucket policy",
      });
    }
    return violations;
  },
};
