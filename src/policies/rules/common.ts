import { Violation } from "../framework";
import { Config, UNKNOWN, asBool, block } from "../values";

/** Terraform types of load balancers (`aws_alb` is the provider's alias of `aws_lb`). */
export const LOAD_BALANCER_TYPES = ["aws_lb", "aws_alb"] as const;
/** Terraform types of load balancer listeners. */
export const LISTENER_TYPES = ["aws_lb_listener", "aws_alb_listener"] as const;
/** Terraform types of load balancer listener rules. */
export const LISTENER_RULE_TYPES = ["aws_lb_listener_rule", "aws_alb_listener_rule"] as const;

/** True for an Application Load Balancer (the default type). */
export function isApplicationLoadBalancer(config: Config): boolean {
  return config.load_balancer_type === undefined || config.load_balancer_type === null || config.load_balancer_type === "application";
}

function shown(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

/**
 * A setting that must be the literal `true`. A token cannot be verified before apply, so it is a violation too:
 * the setting is a security switch and belongs in code, not in a value computed at apply.
 */
export function mustBeTrue(value: unknown, setting: string, fix: string): Violation[] {
  const parsed = asBool(value);
  if (parsed === true) return [];
  if (parsed === UNKNOWN) {
    return [{ problem: `${setting} is ${shown(value)}, which is known only at apply and cannot be verified`, fix: `set ${setting} to the literal true` }];
  }
  return [{ problem: `${setting} is ${parsed === undefined ? "not set (the default is false)" : "false"}`, fix }];
}

/** A setting that must not be `true`; unset is fine when the default is false. A token cannot be verified. */
export function mustNotBeTrue(value: unknown, setting: string, fix: string): Violation[] {
  const parsed = asBool(value);
  if (parsed === false || parsed === undefined) return [];
  if (parsed === UNKNOWN) {
    return [{ problem: `${setting} is ${shown(value)}, which is known only at apply and cannot be verified`, fix: `set ${setting} to the literal false` }];
  }
  return [{ problem: `${setting} is true`, fix }];
}

/** The value of `key` in a nested single block (`access_logs.enabled`), undefined when the block is absent. */
export function nested(config: Config, blockName: string, key: string): unknown {
  return block(config[blockName])?.[key];
}

/** Renders a value for a message. */
export function show(value: unknown): string {
  return shown(value);
}
