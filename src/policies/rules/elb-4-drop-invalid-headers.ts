import { PolicyRule } from "../framework";
import { LOAD_BALANCER_TYPES, isApplicationLoadBalancer, mustBeTrue } from "./common";

/** ELB.4: Application Load Balancers drop HTTP headers with invalid names. */
export const elbDropInvalidHeaders: PolicyRule = {
  id: "ELB.4",
  title: "Application Load Balancers drop invalid HTTP header fields",
  productionOnly: false,
  resourceTypes: LOAD_BALANCER_TYPES,
  check: (resource) =>
    isApplicationLoadBalancer(resource.config)
      ? mustBeTrue(resource.config.drop_invalid_header_fields, "drop_invalid_header_fields", "set drop_invalid_header_fields to true")
      : [],
};
