import { checkEachContainer } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { asBool } from "../values";

/** ECS.4: no container runs privileged. */
export const ecsPrivileged: PolicyRule = {
  id: "ECS.4",
  title: "ECS containers do not run privileged",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    return checkEachContainer(resource.config, (container, name): Violation[] =>
      asBool(container.privileged) === undefined || asBool(container.privileged) === false
        ? []
        : [{ problem: `${name} sets privileged to ${String(container.privileged)}`, fix: "remove privileged (Fargate does not allow it either)" }],
    );
  },
};
