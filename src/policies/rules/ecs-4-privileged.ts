import { containerName, readContainers, UNREADABLE_CONTAINERS } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { UNKNOWN, asBool } from "../values";

/** ECS.4: no container runs privileged. */
export const ecsPrivileged: PolicyRule = {
  id: "ECS.4",
  title: "ECS containers do not run privileged",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    const containers = readContainers(resource.config);
    if (containers === UNKNOWN) return [UNREADABLE_CONTAINERS];
    return containers.flatMap((container, index): Violation[] =>
      asBool(container.privileged) === undefined || asBool(container.privileged) === false
        ? []
        : [{ problem: `${containerName(container, index)} sets privileged to ${String(container.privileged)}`, fix: "remove privileged (Fargate does not allow it either)" }],
    );
  },
};
