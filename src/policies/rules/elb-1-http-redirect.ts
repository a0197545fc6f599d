import { ElementView, PolicyRule, Violation, refersTo } from "../framework";
import { Config, UNKNOWN, Unknown, asString, block, list } from "../values";
import { LISTENER_RULE_TYPES, LISTENER_TYPES, show } from "./common";

/** The listener's protocol; an ALB listener without one listens on HTTP. */
function protocolOf(listener: Config): string | Unknown {
  const protocol = asString(listener.protocol);
  return protocol === undefined ? "HTTP" : protocol === UNKNOWN ? UNKNOWN : protocol.toUpperCase();
}

function redirectsToHttps(actions: readonly unknown[]): boolean {
  const parsed = actions.map(block);
  return (
    parsed.some((a) => a?.type === "redirect" && String(block(a.redirect)?.protocol ?? "").toUpperCase() === "HTTPS") &&
    !parsed.some((a) => a?.type === "forward")
  );
}

function checkListener(listener: ElementView): Violation[] {
  const protocol = protocolOf(listener.config);
  if (protocol === UNKNOWN) {
    return [{ problem: `protocol is ${show(listener.config.protocol)}, which is known only at apply`, fix: "set protocol to the literal HTTP or HTTPS" }];
  }
  if (protocol !== "HTTP") return [];
  const actions = list(listener.config.default_action);
  if (actions !== UNKNOWN && redirectsToHttps(actions)) return [];
  return [{
    problem: `the HTTP listener on port ${show(listener.config.port)} serves plain HTTP instead of redirecting to HTTPS`,
    fix: 'make the default action { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }, or acknowledge ELB.1 where there is no domain (non-production)',
  }];
}

/** ELB.1: HTTP listeners redirect to HTTPS (no listener rule forwards plain HTTP either). */
export const elbHttpRedirect: PolicyRule = {
  id: "ELB.1",
  title: "HTTP listeners redirect every request to HTTPS",
  productionOnly: false,
  resourceTypes: [...LISTENER_TYPES, ...LISTENER_RULE_TYPES],
  check(resource, context) {
    if ((LISTENER_TYPES as readonly string[]).includes(resource.type)) return checkListener(resource);
    const listener = context
      .resourcesOfType(...LISTENER_TYPES)
      .find((candidate) => refersTo(resource.config.listener_arn, candidate, ["arn", "id"]));
    if (listener === undefined || protocolOf(listener.config) !== "HTTP") return [];
    const actions = list(resource.config.action);
    if (actions !== UNKNOWN && !actions.some((a) => block(a)?.type === "forward")) return [];
    return [{
      problem: `the rule forwards plain HTTP from ${listener.address} to a target group`,
      fix: "attach the rule to the HTTPS listener, or make its action a redirect to HTTPS",
    }];
  },
};
