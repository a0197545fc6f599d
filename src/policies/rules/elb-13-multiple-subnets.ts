import { PolicyRule } from "../framework";
import { UNKNOWN, block, list } from "../values";
import { LOAD_BALANCER_TYPES } from "./common";

/** ELB.13: load balancers span at least two subnets (two Availability Zones). */
export const elbMultipleSubnets: PolicyRule = {
  id: "ELB.13",
  title: "Load balancers span at least two subnets in different Availability Zones",
  productionOnly: false,
  resourceTypes: LOAD_BALANCER_TYPES,
  check(resource) {
    const subnets = list(resource.config.subnets);
    const mappings = list(resource.config.subnet_mapping);
    if (subnets === UNKNOWN || mappings === UNKNOWN) {
      return [{
        problem: "the subnets are one expression known only at apply, so their number cannot be verified",
        fix: "pass subnets as a list of subnet ids, one entry per subnet",
      }];
    }
    const distinct = new Set([...subnets.map((s) => JSON.stringify(s)), ...mappings.map((m) => JSON.stringify(block(m)?.subnet_id))]);
    return distinct.size >= 2
      ? []
      : [{ problem: `the load balancer spans ${distinct.size} subnet(s)`, fix: "give it one public subnet in each of at least two Availability Zones" }];
  },
};
