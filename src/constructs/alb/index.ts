export { Alb, ALB_TLS_POLICY } from "./alb";
export type { AlbDomain, AlbProps } from "./alb";
export type { AlbHealthCheck, AlbRoute, AlbRouteOptions, AlbRuleRoute, ServiceLoadBalancer } from "./interfaces";
