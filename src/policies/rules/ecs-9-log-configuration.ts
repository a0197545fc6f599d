import { checkEachContainer } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { block } from "../values";

/** ECS.9: every container ships its logs (logConfiguration with a log driver). */
export const ecsLogConfiguration: PolicyRule = {
  id: "ECS.9",
  title: "ECS containers have a log configuration",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    return checkEachContainer(resource.config, (container, name): Violation[] =>
      block(container.logConfiguration)?.logDriver !== undefined
        ? []
        : [{
            problem: `${name} has no logConfiguration.logDriver`,
            fix: 'set logConfiguration { logDriver: "awslogs", options: { "awslogs-group", "awslogs-region", "awslogs-stream-prefix" } }',
          }],
    );
  },
};
