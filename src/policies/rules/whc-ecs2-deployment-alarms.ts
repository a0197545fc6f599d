import { PolicyRule } from "../framework";
import { UNKNOWN, asBool, asString, block, list } from "../values";
import { nested, show } from "./common";

/**
 * WHC.ECS2 (ours): an ECS service behind a load balancer rolls a deployment back on alarms (the `alarms` block with
 * enable and rollback, and at least one alarm name), so that a release that starts but answers with errors goes back.
 */
export const whcEcsDeploymentAlarms: PolicyRule = {
  id: "WHC.ECS2",
  title: "ECS services behind a load balancer roll deployments back on alarms (alarms: enable and rollback)",
  productionOnly: false,
  resourceTypes: ["aws_ecs_service"],
  check(resource) {
    const controller = asString(nested(resource.config, "deployment_controller", "type"));
    if (controller === "CODE_DEPLOY" || controller === "EXTERNAL") return []; // deployment alarms are ECS-controller only
    const balancers = list(resource.config.load_balancer);
    if (balancers !== UNKNOWN && balancers.length === 0) return []; // no load balancer: a worker
    const fix = "call service.rollBackOnAlarms(...) with the names of its target 5xx-rate and unhealthy-hosts alarms (alarms { alarm_names, enable = true, rollback = true })";
    const alarms = block(resource.config.alarms);
    if (alarms === undefined) return [{ problem: "the service is behind a load balancer but has no deployment alarms, so a release that answers 5xx stays", fix }];
    const problems: string[] = [];
    if (asBool(alarms.enable) !== true) problems.push(`alarms.enable is ${show(alarms.enable ?? "not set")}`);
    if (asBool(alarms.rollback) !== true) problems.push(`alarms.rollback is ${show(alarms.rollback ?? "not set")}`);
    const names = list(alarms.alarm_names);
    if (names !== UNKNOWN && names.length === 0) problems.push("alarms.alarm_names is empty");
    return problems.map((problem) => ({ problem, fix }));
  },
};
