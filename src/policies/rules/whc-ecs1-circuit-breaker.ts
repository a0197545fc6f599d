import { PolicyRule } from "../framework";
import { asBool, asString } from "../values";
import { nested } from "./common";

/** WHC.ECS1 (ours): a failed ECS deployment stops and rolls back by itself. */
export const whcEcsCircuitBreaker: PolicyRule = {
  id: "WHC.ECS1",
  title: "ECS services have a deployment circuit breaker with rollback",
  productionOnly: false,
  resourceTypes: ["aws_ecs_service"],
  check(resource) {
    const controller = asString(nested(resource.config, "deployment_controller", "type"));
    if (controller === "CODE_DEPLOY" || controller === "EXTERNAL") return []; // the circuit breaker is ECS-controller only
    const enable = asBool(nested(resource.config, "deployment_circuit_breaker", "enable"));
    const rollback = asBool(nested(resource.config, "deployment_circuit_breaker", "rollback"));
    if (enable === true && rollback === true) return [];
    return [{
      problem: `deployment_circuit_breaker is ${enable === true ? "enabled without rollback" : "not enabled"}`,
      fix: "set deploymentCircuitBreaker: { enable: true, rollback: true }",
    }];
  },
};
