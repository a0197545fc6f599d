import { PolicyRule } from "../framework";
import { asString } from "../values";
import { mustBeTrue } from "./common";

/** KMS.4: symmetric KMS keys rotate (asymmetric and HMAC keys cannot, so they are not checked). */
export const kmsKeyRotation: PolicyRule = {
  id: "KMS.4",
  title: "KMS keys have automatic rotation enabled",
  productionOnly: false,
  resourceTypes: ["aws_kms_key"],
  check(resource) {
    const spec = asString(resource.config.customer_master_key_spec);
    if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") return [];
    return mustBeTrue(resource.config.enable_key_rotation, "enable_key_rotation", "set enable_key_rotation to true");
  },
};
