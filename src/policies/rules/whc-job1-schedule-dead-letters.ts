import { PolicyRule, Violation } from "../framework";
import { asBool, asNumber, block, isSet, UNKNOWN } from "../values";

/**
 * WHC.JOB1 (ours): a schedule that starts ECS tasks keeps what it could not start (a dead-letter queue), retries a
 * bounded number of times, and starts its tasks without a public IP.
 */
export const whcScheduleDeadLetters: PolicyRule = {
  id: "WHC.JOB1",
  title: "Schedules that start ECS tasks have a dead-letter queue, bounded retries and no public IP",
  productionOnly: false,
  resourceTypes: ["aws_scheduler_schedule"],
  check(resource) {
    const target = block(resource.config.target);
    const ecs = block(target?.ecs_parameters);
    if (ecs === undefined) return [];
    const violations: Violation[] = [];
    if (!isSet(block(target?.dead_letter_config)?.arn)) {
      violations.push({
        problem: "target.dead_letter_config is not set: a run Scheduler cannot start (RunTask refused) is dropped without a trace",
        fix: "set target.dead_letter_config.arn to an encrypted SQS queue the scheduler role may send to",
      });
    }
    const retries = asNumber(block(target?.retry_policy)?.maximum_retry_attempts);
    if (retries === undefined || retries === UNKNOWN) {
      violations.push({
        problem: `target.retry_policy.maximum_retry_attempts is ${retries === undefined ? "not set (Scheduler's default is 185 retries over 24 hours)" : "known only at apply"}`,
        fix: "set target.retry_policy.maximum_retry_attempts to a small number (0 to 185) and maximum_event_age_in_seconds",
      });
    }
    if (asBool(block(ecs.network_configuration)?.assign_public_ip) !== false) {
      violations.push({
        problem: "target.ecs_parameters.network_configuration.assign_public_ip is not false",
        fix: "start the tasks in private subnets with assign_public_ip false; they reach the internet through the NAT gateway",
      });
    }
    return violations;
  },
};
