import { PolicyRule } from "../framework";
import { LOAD_BALANCER_TYPES, mustBeTrue } from "./common";

/** ELB.6 (production): load balancers have deletion protection. */
export const elbDeletionProtection: PolicyRule = {
  id: "ELB.6",
  title: "Load balancers have deletion protection enabled (production)",
  productionOnly: true,
  resourceTypes: LOAD_BALANCER_TYPES,
  check: (resource) =>
    mustBeTrue(resource.config.enable_deletion_protection, "enable_deletion_protection", "set enable_deletion_protection to true"),
};
