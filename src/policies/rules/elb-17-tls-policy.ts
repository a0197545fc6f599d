import { PolicyRule } from "../framework";
import { UNKNOWN, asString } from "../values";
import { LISTENER_TYPES, show } from "./common";

/** Listener security policies allowed by ELB.17: TLS 1.2 or later, forward secrecy, no weak ciphers. */
export const ALLOWED_SSL_POLICIES: readonly string[] = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  "ELBSecurityPolicy-FS-1-2-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/** ELB.17: HTTPS and TLS listeners use a TLS 1.2+ security policy from the allow-list. */
export const elbTlsPolicy: PolicyRule = {
  id: "ELB.17",
  title: "HTTPS listeners use a TLS 1.2 or TLS 1.3 security policy",
  productionOnly: false,
  resourceTypes: LISTENER_TYPES,
  check(resource) {
    const protocol = asString(resource.config.protocol);
    if (protocol !== "HTTPS" && protocol !== "TLS") return [];
    const policy = asString(resource.config.ssl_policy);
    if (policy !== undefined && policy !== UNKNOWN && ALLOWED_SSL_POLICIES.includes(policy)) return [];
    return [{
      problem:
        policy === undefined
          ? "ssl_policy is not set, so AWS uses ELBSecurityPolicy-2016-08, which accepts TLS 1.0"
          : `ssl_policy ${show(resource.config.ssl_policy)} is not an allowed TLS 1.2+ policy`,
      fix: "set ssl_policy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another policy in ALLOWED_SSL_POLICIES)",
    }];
  },
};
