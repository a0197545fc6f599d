export { Alb, ALB_TLS_POLICY, AWS_DEFAULT_TARGET_GROUP_TIMING, modeledRolloutSecondsPerBatch } from "./alb";
export type { AlbDomain, AlbHealthCheck, AlbProps, AlbRoute, AlbRouteOptions, AlbRuleRoute, TargetGroupTiming } from "./alb";
