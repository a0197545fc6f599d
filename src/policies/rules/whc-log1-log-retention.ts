import { PolicyRule } from "../framework";
import { UNKNOWN, asNumber } from "../values";
import { show } from "./common";

/** WHC.LOG1 (ours): every log group expires its events, so logs neither pile up cost nor keep data forever. */
export const whcLogRetention: PolicyRule = {
  id: "WHC.LOG1",
  title: "CloudWatch log groups have a retention period",
  productionOnly: false,
  resourceTypes: ["aws_cloudwatch_log_group"],
  check(resource) {
    const days = asNumber(resource.config.retention_in_days);
    if (typeof days === "number" && days > 0) return [];
    return [{
      problem:
        days === undefined || days === 0
          ? "retention_in_days is not set, so events are kept forever"
          : days === UNKNOWN
            ? `retention_in_days is ${show(resource.config.retention_in_days)}, known only at apply`
            : `retention_in_days is ${days}`,
      fix: "set retention_in_days (for example 30, or 365 in production)",
    }];
  },
};
