import { PolicyRule } from "../framework";
import { asBool, block, isSet } from "../values";

/**
 * WHC.ECS4 (ours): a service in ECS Service Connect logs its proxy (the requests between services), as ECS.9 asks of
 * every container.
 */
export const whcServiceConnectLogs: PolicyRule = {
  id: "WHC.ECS4",
  title: "ECS services in Service Connect log their proxy (service_connect_configuration.log_configuration)",
  productionOnly: false,
  resourceTypes: ["aws_ecs_service"],
  check(resource) {
    const connect = block(resource.config.service_connect_configuration);
    if (connect === undefined || asBool(connect.enabled) === false) return [];
    if (isSet(block(connect.log_configuration)?.log_driver)) return [];
    return [{
      problem: "service_connect_configuration has no log_configuration.log_driver: the Service Connect proxy's logs are lost",
      fix: 'set service_connect_configuration.log_configuration { log_driver: "awslogs", options: the service\'s log group, region and a stream prefix }',
    }];
  },
};
