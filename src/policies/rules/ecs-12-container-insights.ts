import { PolicyRule } from "../framework";
import { UNKNOWN, block, list } from "../values";

/** ECS.12 (production): clusters have Container Insights. */
export const ecsContainerInsights: PolicyRule = {
  id: "ECS.12",
  title: "ECS clusters have Container Insights enabled (production)",
  productionOnly: true,
  resourceTypes: ["aws_ecs_cluster"],
  check(resource) {
    const settings = list(resource.config.setting);
    const enabled =
      settings !== UNKNOWN &&
      settings.map(block).some((s) => s?.name === "containerInsights" && (s.value === "enabled" || s.value === "enhanced"));
    return enabled
      ? []
      : [{ problem: "Container Insights is not enabled", fix: 'add setting { name: "containerInsights", value: "enabled" }' }];
  },
};
