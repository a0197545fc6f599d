import { PolicyRule } from "../framework";
import { asString } from "../values";
import { show } from "./common";

/** ECS.10: Fargate services run on the latest platform version (LATEST, or unset which means LATEST). */
export const ecsPlatformVersion: PolicyRule = {
  id: "ECS.10",
  title: "ECS Fargate services run on the LATEST platform version",
  productionOnly: false,
  resourceTypes: ["aws_ecs_service"],
  check(resource) {
    const version = asString(resource.config.platform_version);
    if (version === undefined || version === "LATEST") return [];
    return [{
      problem: `platform_version is pinned to ${show(resource.config.platform_version)}`,
      fix: 'remove platform_version or set it to "LATEST" so tasks get platform security patches',
    }];
  },
};
