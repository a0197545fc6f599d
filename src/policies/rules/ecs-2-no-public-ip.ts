import { PolicyRule } from "../framework";
import { mustNotBeTrue, nested } from "./common";

/** ECS.2: ECS services do not get public IP addresses. */
export const ecsNoPublicIp: PolicyRule = {
  id: "ECS.2",
  title: "ECS services do not assign public IP addresses",
  productionOnly: false,
  resourceTypes: ["aws_ecs_service"],
  check: (resource) =>
    mustNotBeTrue(
      nested(resource.config, "network_configuration", "assign_public_ip"),
      "network_configuration.assign_public_ip",
      "run the tasks in private subnets with assign_public_ip false; they reach the internet through the NAT gateway",
    ),
};
