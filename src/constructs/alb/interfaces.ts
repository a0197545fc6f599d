import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { SecurityGroupPeer } from "../shared";

// ── types ──

/** Health check of the target group. */
export interface AlbHealthCheck {
  /**
   * Path requested on each task.
   *
   * @default "/healthz"
   */
  readonly path?: string;
  /**
   * Seconds between two checks, 5 to 300.
   *
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Consecutive successes before a target is healthy, 2 to 10.
   *
   * @default 2
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures before a target is unhealthy, 2 to 10.
   *
   * @default 3
   */
  readonly unhealthyThreshold?: number;
  /**
   * Seconds without an answer that count as a failure, 2 to 120 and less than `intervalSeconds`.
   *
   * @default 5
   */
  readonly timeoutSeconds?: number;
}

/**
 * Which requests the load balancer sends to a target group: `"default"` (the listener's default action: every request
 * no rule matches) or a listener rule matching host names and/or path patterns.
 */
export type AlbRoute = "default" | AlbRuleRoute;

/** A listener rule's conditions and priority. At least one host or path; at most 5 values in all (an ALB limit). */
export interface AlbRuleRoute {
  /**
   * Host names the rule matches (`Host` header), for example `admin.example.org`; `*` and `?` wildcards allowed.
   *
   * @default any host
   */
  readonly hosts?: readonly string[];
  /**
   * Path patterns the rule matches, for example `/admin/*`; `*` and `?` wildcards allowed. Case-sensitive.
   *
   * @default any path
   */
  readonly paths?: readonly string[];
  /**
   * Rule priority, 1 to 50000, unique on the listener; lower numbers are evaluated first. Given explicitly so that
   * adding or removing a route never renumbers the others (a renumbered rule is replaced).
   */
  readonly priority: number;
}

/** What {@link ServiceLoadBalancer.addRoute} needs. */
export interface AlbRouteOptions {
  /** The requests to send. */
  readonly route: AlbRoute;
  /** ARN of the target group that receives them. */
  readonly targetGroupArn: string;
}

/**
 * What the ECS service module needs of the shared load balancer: the VPC its target group must be in, the ARN suffix
 * of its request metric, a route to its target group, and the security group rules both ways. `Alb` is one.
 */
export interface ServiceLoadBalancer extends SecurityGroupPeer {
  /** The id of the VPC the load balancer is in, where its targets' target groups must be. */
  readonly vpcId: string;
  /** ARN suffix of the load balancer, the first half of an `ALBRequestCountPerTarget` resource label. */
  readonly arnSuffix: string;
  /**
   * Sends the requests of `options.route` to a target group (see `Alb.addRoute`).
   *
   * @returns what the ECS service must wait for: registering targets in a target group that no listener or rule uses
   *   fails at apply
   */
  addRoute(scope: Construct, id: string, options: AlbRouteOptions): ITerraformDependable;
  /** Lets the load balancer reach `peer` on `port` (an egress rule on the load balancer's own security group). */
  allowTo(peer: SecurityGroupPeer, port: number): void;
}
