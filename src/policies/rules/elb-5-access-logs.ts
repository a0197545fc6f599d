import { PolicyRule } from "../framework";
import { isSet } from "../values";
import { LOAD_BALANCER_TYPES, mustBeTrue, nested } from "./common";

/** ELB.5 (production): load balancers write access logs. A bucket given by reference counts as set. */
export const elbAccessLogs: PolicyRule = {
  id: "ELB.5",
  title: "Load balancers write access logs to S3 (production)",
  productionOnly: true,
  resourceTypes: LOAD_BALANCER_TYPES,
  check(resource) {
    const fix = "set access_logs { bucket: <log bucket>, enabled: true } and make the load balancer depend on the bucket policy";
    const enabled = mustBeTrue(nested(resource.config, "access_logs", "enabled"), "access_logs.enabled", fix);
    if (enabled.length > 0) return enabled;
    return isSet(nested(resource.config, "access_logs", "bucket")) ? [] : [{ problem: "access_logs.bucket is not set", fix }];
  },
};
