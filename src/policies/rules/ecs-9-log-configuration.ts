import { containerName, readContainers, UNREADABLE_CONTAINERS } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { UNKNOWN, block } from "../values";

/** ECS.9: every container ships its logs (logConfiguration with a log driver). */
export const ecsLogConfiguration: PolicyRule = {
  id: "ECS.9",
  title: "ECS containers have a log configuration",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    const containers = readContainers(resource.config);
    if (containers === UNKNOWN) return [UNREADABLE_CONTAINERS];
    return containers.flatMap((container, index): Violation[] =>
      block(container.logConfiguration)?.logDriver !== undefined
        ? []
        : [{
            problem: `${containerName(container, index)} has no logConfiguration.logDriver`,
            fix: 'set logConfiguration { logDriver: "awslogs", options: { "awslogs-group", "awslogs-region", "awslogs-stream-prefix" } }',
          }],
    );
  },
};
