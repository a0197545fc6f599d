import { checkEachContainer } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { asBool } from "../values";

/** ECS.5 (production): containers mount their root filesystem read-only. */
export const ecsReadOnlyRoot: PolicyRule = {
  id: "ECS.5",
  title: "ECS containers have a read-only root filesystem (production)",
  productionOnly: true,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    return checkEachContainer(resource.config, (container, name): Violation[] =>
      asBool(container.readonlyRootFilesystem) === true
        ? []
        : [{
            problem: `${name} has a writable root filesystem (readonlyRootFilesystem is ${String(container.readonlyRootFilesystem ?? "not set")})`,
            fix: "set readonlyRootFilesystem: true and mount a volume (or tmpfs) where the application writes",
          }],
    );
  },
};
