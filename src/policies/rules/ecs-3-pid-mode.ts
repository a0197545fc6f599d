import { PolicyRule } from "../framework";
import { UNKNOWN, asString } from "../values";
import { show } from "./common";

/** ECS.3: task definitions do not share the host's process namespace. */
export const ecsPidMode: PolicyRule = {
  id: "ECS.3",
  title: "ECS task definitions do not use pid_mode host",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    const mode = asString(resource.config.pid_mode);
    if (mode === undefined || (mode !== UNKNOWN && mode !== "host")) return [];
    return [{ problem: `pid_mode is ${show(resource.config.pid_mode)}`, fix: 'remove pid_mode (or use "task")' }];
  },
};
