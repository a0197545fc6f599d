import { PolicyRule } from "../framework";
import { asString } from "../values";
import { LOAD_BALANCER_TYPES, isApplicationLoadBalancer, show } from "./common";

/** Desync mitigation modes that pass ELB.12 (unset means AWS's default, `defensive`). */
export const SAFE_DESYNC_MODES: readonly string[] = ["defensive", "strictest"];

/** ELB.12: Application Load Balancers use the defensive or strictest desync mitigation mode. */
export const elbDesyncMitigation: PolicyRule = {
  id: "ELB.12",
  title: "Application Load Balancers use desync mitigation mode defensive or strictest",
  productionOnly: false,
  resourceTypes: LOAD_BALANCER_TYPES,
  check(resource) {
    if (!isApplicationLoadBalancer(resource.config)) return [];
    const mode = asString(resource.config.desync_mitigation_mode);
    if (mode === undefined || (typeof mode === "string" && SAFE_DESYNC_MODES.includes(mode))) return [];
    return [{
      problem: `desync_mitigation_mode is ${show(resource.config.desync_mitigation_mode)}`,
      fix: `set desync_mitigation_mode to one of ${SAFE_DESYNC_MODES.join(", ")} (or leave it unset for defensive)`,
    }];
  },
};
