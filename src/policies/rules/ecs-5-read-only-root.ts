import { containerName, readContainers, UNREADABLE_CONTAINERS } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { UNKNOWN, asBool } from "../values";

/** ECS.5 (production): containers mount their root filesystem read-only. */
export const ecsReadOnlyRoot: PolicyRule = {
  id: "ECS.5",
  title: "ECS containers have a read-only root filesystem (production)",
  productionOnly: true,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    const containers = readContainers(resource.config);
    if (containers === UNKNOWN) return [UNREADABLE_CONTAINERS];
    return containers.flatMap((container, index): Violation[] =>
      asBool(container.readonlyRootFilesystem) === true
        ? []
        : [{
            problem: `${containerName(container, index)} has a writable root filesystem (readonlyRootFilesystem is ${String(container.readonlyRootFilesystem ?? "not set")})`,
            fix: "set readonlyRootFilesystem: true and mount a volume (or tmpfs) where the application writes",
          }],
    );
  },
};
