/**
 * How long a rolling deployment spends at an ELB target group per batch: the timings that decide it and AWS's
 * defaults for them. The ECS service module sets its target group's timings; the load balancer only routes to it.
 */

/** The timings that decide how long one deployment batch takes to shift traffic. */
export interface TargetGroupTiming {
  /** Consecutive passing health checks before a new task receives traffic. */
  readonly healthyThreshold: number;
  /** Seconds between two health checks. */
  readonly intervalSeconds: number;
  /** Seconds a draining task keeps its in-flight requests before it is deregistered. */
  readonly deregistrationDelaySeconds: number;
}

/** AWS's target-group defaults (5 healthy checks, 30 s apart, 300 s draining), for comparison. */
export const AWS_DEFAULT_TARGET_GROUP_TIMING: TargetGroupTiming = Object.freeze({
  healthyThreshold: 5,
  intervalSeconds: 30,
  deregistrationDelaySeconds: 300,
});

/**
 * The modeled seconds one rolling-deployment batch spends at the load balancer: the new task must pass
 * `healthyThreshold` checks `intervalSeconds` apart, then the old one drains for `deregistrationDelaySeconds`.
 * AWS defaults give 5 × 30 + 300 = 450 s; the ECS service module's defaults (`FargateService`) give 2 × 10 + 30 = 50 s.
 */
export function modeledRolloutSecondsPerBatch(timing: TargetGroupTiming): number {
  return timing.healthyThreshold * timing.intervalSeconds + timing.deregistrationDelaySeconds;
}
