import { AnnotationMetadataEntryType, Testing } from "cdktf";
import { Construct } from "constructs";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Alb, ALB_TLS_POLICY, AlbProps } from "../../../src/constructs/alb/alb";
import type { AlbRoute } from "../../../src/constructs/alb/interfaces";
import { Network } from "../../../src/constructs/network/network";
import { SecurityGroupPeer } from "../../../src/constructs/shared/security-group-peer";
import { PropError } from "../../../src/constructs/shared/validation";
import { ELB_LOG_DELIVERY_SERVICE_PRINCIPAL } from "../../../src/domain/elb-log-delivery";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
type AlbOverrides = Partial<Omit<AlbProps, "naming" | "network">>;

const DOMAIN = { name: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" };
const OWN_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
const NOT_FOUND = [{ type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "404", message_body: "Not Found" } }];
/** A target group ARN of a service; the Alb only forwards to it. */
const tg = (name: string): string => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef`;

interface Built {
  readonly alb: Alb;
  readonly synth: string;
  readonly resources: Resources;
}

/** A stack with a real two-AZ network and an ALB with construct id "api", as the service stack will build it. */
function build(overrides: AlbOverrides = {}, extra?: (scope: Construct, alb: Alb) => void): Built {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", overrides.production ? "production" : "staging");
  const network = testNetwork(stack, naming, { vpcEndpoints: false });
  const alb = new Alb(stack, "api", { naming, network, region: "eu-west-1", ...overrides });
  extra?.(stack, alb);
  const synth = Testing.synth(stack);
  return { alb, synth, resources: JSON.parse(synth).resource as Resources };
}

/** A network stand-in, for shapes the real Network refuses to build (fewer than 2 public subnets). */
function fakeNetwork(publicSubnetIds: string[]): Network {
  return {
    vpcId: "vpc-0123",
    cidrBlock: "10.0.0.0/16",
    availabilityZones: ["eu-west-1a"],
    publicSubnetIds,
    privateSubnetIds: [],
    databaseSubnetIds: [],
  } as unknown as Network;
}

function newAlb(overrides: AlbOverrides = {}, network?: Network): Alb {
  const stack = new ReadableStack(Testing.app(), "test");
  const naming = new Naming("whcsites", "staging");
  const net = network ?? testNetwork(stack, naming, { vpcEndpoints: false });
  return new Alb(stack, "api", { naming, network: net, region: "eu-west-1", ...overrides });
}

function warningsOf(alb: Alb): string[] {
  return alb.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
}

function policyOf(resources: Resources): { Statement: Array<Record<string, unknown>> } {
  return JSON.parse(resources.aws_s3_bucket_policy.api_access_logs_policy.policy as string);
}

describe("Alb, production with a domain (the production plan)", () => {
  // GIVEN production with a domain and a hosted zone, no own certificate
  // WHEN synthesized
  const { alb, synth, resources } = build({ production: true, domain: DOMAIN });

  test("THEN the ALB is internet-facing in both public subnets, drops invalid headers, is defensive and protected", () => {
    expect(synth).toHaveResourceWithProperties(Lb, {
      internal: false,
      load_balancer_type: "application",
      drop_invalid_header_fields: true,
      desync_mitigation_mode: "defensive",
      enable_deletion_protection: true,
      idle_timeout: 60,
      name: "whcsites-production-api",
    });
    const lb = resources.aws_lb.api;
    expect(lb.subnets).toEqual(["${aws_subnet.network_public_a.id}", "${aws_subnet.network_public_b.id}"]);
    expect(lb.security_groups).toEqual(["${aws_security_group.api_security_group.id}"]);
  });

  test("THEN the HTTPS listener uses the TLS 1.3 policy and the validated certificate, and answers 404 while no route exists", () => {
    expect(synth).toHaveResourceWithProperties(LbListener, {
      port: 443,
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      certificate_arn: "${aws_acm_certificate_validation.api_certificate_validation.certificate_arn}",
      default_action: NOT_FOUND,
    });
    expect(resources.aws_lb_target_group).toBeUndefined();
    expect(resources.aws_lb_listener_rule).toBeUndefined();
    expect(ALB_TLS_POLICY).toBe("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    expect(resources.aws_lb_listener.api_https.load_balancer_arn).toBe("${aws_lb.api.arn}");
  });

  test("THEN the HTTP listener redirects to HTTPS with a 301 and forwards nothing", () => {
    const http = resources.aws_lb_listener.api_http;
    expect(http.port).toBe(80);
    expect(http.protocol).toBe("HTTP");
    expect(http.default_action).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
  });

  test("THEN an ACM certificate is requested with DNS validation, records per domain_name, and a validation waits on them", () => {
    expect(synth).toHaveResourceWithProperties(AcmCertificate, {
      domain_name: "api.example.org",
      validation_method: "DNS",
      lifecycle: { create_before_destroy: true },
    });
    const record = resources.aws_route53_record.api_certificate_validation_record;
    expect(record.zone_id).toBe(DOMAIN.hostedZoneId);
    expect(record.for_each).toContain("aws_acm_certificate.api_certificate.domain_validation_options");
    expect(record.for_each).toContain("domain_name");
    expect(record.name).toBe("${each.value.resource_record_name}");
    expect(record.type).toBe("${each.value.resource_record_type}");
    expect(record.records).toEqual(["${each.value.resource_record_value}"]);
    expect(synth).toHaveResourceWithProperties(AcmCertificateValidation, {
      certificate_arn: "${aws_acm_certificate.api_certificate.arn}",
    });
    const validation = resources.aws_acm_certificate_validation.api_certificate_validation;
    expect(validation.validation_record_fqdns).toContain("aws_route53_record.api_certificate_validation_record");
    expect(validation.validation_record_fqdns).toContain("fqdn");
  });

  test("THEN a Route53 alias A record points the domain at the ALB", () => {
    expect(synth).toHaveResourceWithProperties(Route53Record, {
      name: "api.example.org",
      type: "A",
      zone_id: DOMAIN.hostedZoneId,
      alias: { name: "${aws_lb.api.dns_name}", zone_id: "${aws_lb.api.zone_id}", evaluate_target_health: true },
    });
  });

  test("THEN access logs go to a dedicated SSE-S3, private, owner-enforced bucket with expiration, and the ALB depends on its policy", () => {
    expect(resources.aws_lb.api.access_logs).toEqual({
      bucket: "${aws_s3_bucket.api_access_logs.bucket}",
      enabled: true,
      prefix: "api",
    });
    expect(resources.aws_lb.api.depends_on).toEqual(["aws_s3_bucket_policy.api_access_logs_policy"]);
    const bucket = resources.aws_s3_bucket.api_access_logs;
    expect(bucket.bucket_prefix).toBe("whcsites-production-api-alb-logs-");
    expect((bucket.bucket_prefix as string).length).toBeLessThanOrEqual(37);
    expect(bucket.force_destroy).toBe(false);
    expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
    expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    const lifecycle = resources.aws_s3_bucket_lifecycle_configuration.api_access_logs_lifecycle;
    const rules = lifecycle.rule as Array<Record<string, unknown>>;
    expect(rules).toHaveLength(1);
    expect(rules[0].status).toBe("Enabled");
    expect(rules[0].expiration).toEqual([{ days: 365 }]); // the production tier's log retention
    // An empty filter must survive synthesis: the provider refuses a rule without one at apply.
    expect(rules[0].filter).toEqual([{}]);
    expect(synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, { bucket: "${aws_s3_bucket.api_access_logs.id}" });
  });

  test("THEN the bucket policy lets the eu-west-1 ELB account write under the prefix and denies non-TLS access", () => {
    const policy = policyOf(resources);
    const allow = policy.Statement.find((s) => s.Effect === "Allow");
    expect(allow).toEqual({
      Sid: "AllowElbLogDelivery",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::156460612806:root" },
      Action: "s3:PutObject",
      Resource: "${aws_s3_bucket.api_access_logs.arn}/api/AWSLogs/*/*",
    });
    const deny = policy.Statement.find((s) => s.Effect === "Deny");
    expect(deny).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["${aws_s3_bucket.api_access_logs.arn}", "${aws_s3_bucket.api_access_logs.arn}/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(resources.aws_s3_bucket_policy.api_access_logs_policy.depends_on).toEqual([
      "aws_s3_bucket_public_access_block.api_access_logs_public_access_block",
    ]);
  });

  test("THEN the security group admits 80 and 443 from anywhere, with descriptions, and nothing else", () => {
    const ingress = Object.values(resources.aws_vpc_security_group_ingress_rule);
    expect(ingress.map((r) => [r.from_port, r.to_port, r.cidr_ipv4, r.ip_protocol])).toEqual([
      [80, 80, "0.0.0.0/0", "tcp"],
      [443, 443, "0.0.0.0/0", "tcp"],
    ]);
    for (const rule of ingress) {
      expect(rule.description).toMatch(/HTTP/);
      expect(rule.security_group_id).toBe("${aws_security_group.api_security_group.id}");
    }
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" });
    expect(synth).not.toHaveResource(VpcSecurityGroupEgressRule);
    expect(resources.aws_vpc_security_group_egress_rule).toBeUndefined();
    expect(resources.aws_security_group.api_security_group.egress).toBeUndefined();
    expect(synth).toHaveResourceWithProperties(SecurityGroup, { vpc_id: "${aws_vpc.network.id}" });
  });

  test("THEN the attributes expose the HTTPS listener, the domain URL and the resource attributes", () => {
    expect(alb.tlsEnabled).toBe(true);
    expect(alb.url).toBe("https://api.example.org");
    expect(alb.listener.protocolInput).toBe("HTTPS");
    expect(alb.listener.portInput).toBe(443);
    expect(alb.accessLogsBucketName).toBeDefined();
    expect(warningsOf(alb)).toEqual([]);
  });
});

describe("Alb, staging without a domain (the staging plan)", () => {
  // GIVEN non-production with no domain and no accessLogs setting
  // WHEN synthesized
  const { alb, synth, resources } = build();

  test("THEN a single plain HTTP listener answers every request with a fixed 404 while no route exists", () => {
    const listeners = Object.entries(resources.aws_lb_listener);
    expect(listeners.map(([name]) => name)).toEqual(["api_http"]);
    expect(synth).toHaveResourceWithProperties(LbListener, {
      port: 80,
      protocol: "HTTP",
      default_action: NOT_FOUND,
    });
    expect(resources.aws_lb_target_group).toBeUndefined();
    expect(alb.listener.protocolInput).toBe("HTTP");
    expect(alb.tlsEnabled).toBe(false);
  });

  test("THEN no certificate, validation or DNS record is created", () => {
    expect(resources.aws_acm_certificate).toBeUndefined();
    expect(resources.aws_acm_certificate_validation).toBeUndefined();
    expect(resources.aws_route53_record).toBeUndefined();
  });

  test("THEN only port 80 is open", () => {
    const ingress = Object.values(resources.aws_vpc_security_group_ingress_rule);
    expect(ingress.map((r) => r.from_port)).toEqual([80]);
  });

  test("THEN access logs are off by default outside production, with no bucket", () => {
    expect(resources.aws_s3_bucket).toBeUndefined();
    expect(resources.aws_s3_bucket_policy).toBeUndefined();
    expect(resources.aws_lb.api.access_logs).toBeUndefined();
    expect(resources.aws_lb.api.depends_on).toBeUndefined();
    expect(alb.accessLogsBucketName).toBeUndefined();
  });

  test("THEN deletion protection is off, invalid headers are still dropped and desync mitigation is defensive", () => {
    expect(synth).toHaveResourceWithProperties(Lb, {
      enable_deletion_protection: false,
      drop_invalid_header_fields: true,
      desync_mitigation_mode: "defensive",
    });
  });

  test("THEN the URL is the ALB DNS name over HTTP and synthesis warns about plain HTTP", () => {
    expect(alb.url).toMatch(/^http:\/\/\$\{TfToken\[/);
    const warnings = warningsOf(alb);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/plain HTTP/);
    expect(warnings[0]).toMatch(/no domain/);
  });
});

describe("Alb, staging with a domain and its own certificate", () => {
  // GIVEN a domain with an existing certificate ARN
  // WHEN synthesized
  const { alb, synth, resources } = build({ domain: { ...DOMAIN, certificateArn: OWN_CERT } });

  test("THEN the HTTPS listener uses that certificate and no ACM certificate or validation is created", () => {
    expect(synth).toHaveResourceWithProperties(LbListener, { port: 443, certificate_arn: OWN_CERT, ssl_policy: ALB_TLS_POLICY });
    expect(resources.aws_acm_certificate).toBeUndefined();
    expect(resources.aws_acm_certificate_validation).toBeUndefined();
  });

  test("THEN only the alias record is created, no validation records", () => {
    expect(Object.keys(resources.aws_route53_record)).toEqual(["api_alias"]);
    expect(resources.aws_route53_record.api_alias.type).toBe("A");
  });

  test("THEN HTTP redirects, no warning is printed and the URL is the domain", () => {
    expect(resources.aws_lb_listener.api_http.default_action).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
    expect(warningsOf(alb)).toEqual([]);
    expect(alb.url).toBe("https://api.example.org");
  });
});

describe("Alb, access logs and tuning outside production", () => {
  test("GIVEN accessLogs true in staging WHEN synthesized THEN the bucket can be destroyed and logs are on", () => {
    const { resources } = build({ accessLogs: true, accessLogRetentionDays: 30 });
    expect(resources.aws_s3_bucket.api_access_logs.bucket_prefix).toBe("whcsites-staging-api-alb-logs-");
    expect(resources.aws_s3_bucket.api_access_logs.force_destroy).toBe(true);
    expect(resources.aws_lb.api.access_logs).toEqual(expect.objectContaining({ enabled: true }));
    expect(resources.aws_lb.api.depends_on).toEqual(["aws_s3_bucket_policy.api_access_logs_policy"]);
    const rules = resources.aws_s3_bucket_lifecycle_configuration.api_access_logs_lifecycle.rule as Array<Record<string, unknown>>;
    expect(rules[0].expiration).toEqual([{ days: 30 }]);
  });

  test("GIVEN an accountId WHEN synthesized THEN log delivery may write only under that account's folder", () => {
    const { resources } = build({ accessLogs: true, accountId: "123456789012" });
    const allow = policyOf(resources).Statement.find((s) => s.Effect === "Allow");
    expect(allow?.Resource).toBe("${aws_s3_bucket.api_access_logs.arn}/api/AWSLogs/123456789012/*");
  });

  test("GIVEN a region launched after August 2022 WHEN synthesized THEN the log-delivery service principal writes", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    const naming = new Naming("whcsites", "staging");
    new Alb(stack, "api", {
      naming,
      network: fakeNetwork(["subnet-a", "subnet-b"]),
      region: "eu-central-2",
      accessLogs: true,
    });
    const resources = JSON.parse(Testing.synth(stack)).resource as Resources;
    const allow = policyOf(resources).Statement.find((s) => s.Effect === "Allow");
    expect(allow?.Principal).toEqual({ Service: ELB_LOG_DELIVERY_SERVICE_PRINCIPAL });
  });

  test("GIVEN a custom idle timeout WHEN synthesized THEN the ALB uses it", () => {
    const synth = Testing.synthScope((scope) => {
      const naming = new Naming("whcsites", "staging");
      new Alb(scope, "api", { naming, network: fakeNetwork(["subnet-a", "subnet-b"]), region: "eu-west-1", idleTimeoutSeconds: 120 });
    });
    expect(synth).toHaveResourceWithProperties(Lb, { idle_timeout: 120 });
  });
});

describe("Alb.allowTo", () => {
  test("GIVEN a service peer WHEN allowTo(service, 4000) THEN one egress rule on the ALB group references the peer's group", () => {
    const { resources } = build({}, (scope, alb) => {
      class FakeService extends Construct implements SecurityGroupPeer {
        public readonly securityGroupId = "sg-0service";
      }
      alb.allowTo(new FakeService(scope, "service"), 4000);
    });
    expect(resources.aws_vpc_security_group_egress_rule).toEqual({
      api_to_service_4000: expect.objectContaining({
        security_group_id: "${aws_security_group.api_security_group.id}",
        referenced_security_group_id: "sg-0service",
        ip_protocol: "tcp",
        from_port: 4000,
        to_port: 4000,
        description: expect.stringMatching(/service/),
      }),
    });
    expect(resources.aws_vpc_security_group_egress_rule.api_to_service_4000.cidr_ipv4).toBeUndefined();
  });

  test("GIVEN a bad port WHEN allowTo THEN it throws naming the port and range", () => {
    const alb = newAlb();
    const peer = { securityGroupId: "sg-1", node: alb.node } as unknown as SecurityGroupPeer;
    expect(() => alb.allowTo(peer, 0)).toThrow(/Alb: allowTo port got 0; allowed: an integer from 1 to 65535/);
  });

  test("GIVEN the Alb WHEN used as a peer THEN it exposes its own security group id", () => {
    const { alb } = build();
    const peer: SecurityGroupPeer = alb;
    expect(peer.securityGroupId).toBe(alb.securityGroupId);
    expect(alb.securityGroupId).toMatch(/TfToken/);
  });
});

describe("Alb attributes", () => {
  test("GIVEN an Alb WHEN its attributes are synthesized in a resource THEN they are the lb's, the listener's and the VPC's", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    const naming = new Naming("whcsites", "staging");
    const alb = new Alb(stack, "api", { naming, network: fakeNetwork(["subnet-a", "subnet-b"]), region: "eu-west-1" });
    // Resolve the tokens through a resource attribute so the test sees the Terraform expressions.
    new S3Bucket(stack, "probe", { bucket: `${alb.arnSuffix}|${alb.listenerArn}|${alb.arn}|${alb.dnsName}|${alb.zoneId}|${alb.vpcId}` });
    const resources = JSON.parse(Testing.synth(stack)).resource as Resources;
    expect(resources.aws_s3_bucket.probe.bucket).toBe(
      "${aws_lb.api.arn_suffix}|${aws_lb_listener.api_http.arn}|${aws_lb.api.arn}|${aws_lb.api.dns_name}|${aws_lb.api.zone_id}|vpc-0123",
    );
  });
});

/** Adds `route` to the Alb from a service stand-in `<id>` (the scope its listener rule is created in). */
function addRoute(scope: Construct, alb: Alb, id: string, route: AlbRoute) {
  return alb.addRoute(new Construct(scope, id), "route", { route, targetGroupArn: tg(id) });
}

/** The error a route addition throws (or fails). */
function routeError(first: Array<[string, AlbRoute]>, id: string, route: AlbRoute): PropError {
  const stack = new ReadableStack(Testing.app(), "test");
  const alb = new Alb(stack, "api", { naming: new Naming("whcsites", "staging"), network: fakeNetwork(["subnet-a", "subnet-b"]), region: "eu-west-1" });
  for (const [firstId, firstRoute] of first) addRoute(stack, alb, firstId, firstRoute);
  try {
    addRoute(stack, alb, id, route);
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected addRoute to throw");
}

describe("Alb.addRoute", () => {
  test("GIVEN the default route WHEN added THEN the listener forwards every request to the target group instead of the 404", () => {
    // GIVEN / WHEN
    let ready: unknown;
    const { alb, resources } = build({}, (scope, alb) => {
      ready = addRoute(scope, alb, "web", "default");
    });
    // THEN
    expect(resources.aws_lb_listener.api_http.default_action).toEqual([{ type: "forward", target_group_arn: tg("web") }]);
    expect(resources.aws_lb_listener_rule).toBeUndefined();
    // What the service waits for: the listener that now forwards to it.
    expect(ready).toBe(alb.listener);
  });

  test("GIVEN a domain WHEN the default route is added THEN HTTPS forwards and HTTP keeps redirecting", () => {
    // GIVEN / WHEN
    const { resources } = build({ domain: { ...DOMAIN, certificateArn: OWN_CERT } }, (scope, alb) => addRoute(scope, alb, "web", "default"));
    // THEN
    expect(resources.aws_lb_listener.api_https.default_action).toEqual([{ type: "forward", target_group_arn: tg("web") }]);
    expect(resources.aws_lb_listener.api_http.default_action).toEqual([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }]);
  });

  test("GIVEN a route by host and path WHEN added THEN a listener rule in the caller's scope matches both at its priority, and the 404 stays", () => {
    // GIVEN / WHEN
    let ready: unknown;
    const { synth, resources } = build({}, (scope, alb) => {
      ready = addRoute(scope, alb, "admin", { hosts: ["admin.example.org", "*.admin.example.org"], paths: ["/admin/*"], priority: 100 });
    });
    // THEN
    expect(synth).toHaveResourceWithProperties(LbListenerRule, {
      listener_arn: "${aws_lb_listener.api_http.arn}",
      priority: 100,
      action: [{ type: "forward", target_group_arn: tg("admin") }],
      condition: [{ host_header: { values: ["admin.example.org", "*.admin.example.org"] } }, { path_pattern: { values: ["/admin/*"] } }],
    });
    expect(Object.keys(resources.aws_lb_listener_rule)).toEqual(["admin_route"]);
    expect(ready).toBeInstanceOf(LbListenerRule);
    expect(resources.aws_lb_listener.api_http.default_action).toEqual(NOT_FOUND);
  });

  test("GIVEN a route by host only WHEN added THEN the rule has a host condition only", () => {
    // GIVEN / WHEN
    const { resources } = build({}, (scope, alb) => addRoute(scope, alb, "admin", { hosts: ["admin.example.org"], priority: 1 }));
    // THEN
    expect(resources.aws_lb_listener_rule.admin_route.condition).toEqual([{ host_header: { values: ["admin.example.org"] } }]);
  });

  test("GIVEN the default route and two rules WHEN added THEN each keeps its own priority and target group", () => {
    // GIVEN / WHEN
    const { resources } = build({}, (scope, alb) => {
      addRoute(scope, alb, "web", "default");
      addRoute(scope, alb, "admin", { paths: ["/admin/*"], priority: 10 });
      addRoute(scope, alb, "docs", { paths: ["/docs", "/docs/*"], priority: 20 });
    });
    // THEN
    const rules = resources.aws_lb_listener_rule;
    expect(Object.keys(rules).sort()).toEqual(["admin_route", "docs_route"]);
    expect([rules.admin_route.priority, rules.docs_route.priority]).toEqual([10, 20]);
    expect((rules.docs_route.action as Array<Record<string, unknown>>)[0].target_group_arn).toBe(tg("docs"));
  });

  test("GIVEN a default route WHEN a second one is added THEN it is refused naming the owner", () => {
    const error = routeError([["web", "default"]], "other", "default");
    expect(error.message).toBe('Alb: route got "default"; allowed: one default route per load balancer (test/web has it)');
  });

  test("GIVEN a rule at priority 10 WHEN another route asks for 10 THEN it is refused naming the owner's path", () => {
    const error = routeError([["admin", { paths: ["/admin/*"], priority: 10 }]], "docs", { paths: ["/docs/*"], priority: 10 });
    expect(error.message).toBe("Alb: route.priority got 10; allowed: a priority no other route uses (test/admin has 10)");
    expect(error.problems.map((p) => p.prop)).toEqual(["route.priority"]);
  });

  test.each<[string, AlbRoute, string]>([
    ["no condition", { priority: 10 }, 'Alb: route got {"priority":10}; allowed: at least one host or path (or "default")'],
    ["empty lists", { hosts: [], paths: [], priority: 10 }, 'Alb: route got {"hosts":[],"paths":[],"priority":10}; allowed: at least one host or path (or "default")'],
    [
      "six values",
      { hosts: ["a.example.org", "b.example.org", "c.example.org"], paths: ["/a", "/b", "/c"], priority: 10 },
      'Alb: route got {"hosts":["a.example.org","b.example.org","c.example.org"],"paths":["/a","/b","/c"],"priority":10}; allowed: at most 5 hosts and paths in all (an ALB rule limit)',
    ],
    ["priority 0", { paths: ["/a"], priority: 0 }, "Alb: route.priority got 0; allowed: an integer from 1 to 50000"],
    ["priority 50001", { paths: ["/a"], priority: 50001 }, "Alb: route.priority got 50001; allowed: an integer from 1 to 50000"],
    ["fractional priority", { paths: ["/a"], priority: 1.5 }, "Alb: route.priority got 1.5; allowed: an integer from 1 to 50000"],
    ["host with a space", { hosts: ["admin example.org"], priority: 10 }, 'Alb: route.hosts[0] got "admin example.org"; allowed: a host name such as "admin.example.org", * and ? allowed'],
    ["host with a scheme", { hosts: ["ok.example.org", "https://admin.example.org"], priority: 10 }, 'Alb: route.hosts[1] got "https://admin.example.org"; allowed: a host name'],
    ["path without slash", { paths: ["admin/*"], priority: 10 }, 'Alb: route.paths[0] got "admin/*"; allowed: a path pattern starting with "/" such as "/admin/*", at most 128 characters'],
    ["path too long", { paths: [`/${"a".repeat(128)}`], priority: 10 }, "Alb: route.paths[0] got"],
  ])("GIVEN a rule with %s WHEN added THEN it is refused with one line", (_name, route, message) => {
    const error = routeError([], "admin", route);
    expect(error.message.split("\n")).toHaveLength(1);
    expect(error.message.startsWith(message)).toBe(true);
  });

  test("GIVEN a bad host and a bad path WHEN added THEN one PropError lists both, no rule is created and the priority stays free", () => {
    // GIVEN / WHEN
    const stack = new ReadableStack(Testing.app(), "test");
    const alb = new Alb(stack, "api", { naming: new Naming("whcsites", "staging"), network: fakeNetwork(["subnet-a", "subnet-b"]), region: "eu-west-1" });
    let error: unknown;
    try {
      addRoute(stack, alb, "admin", { hosts: ["bad host"], paths: ["admin"], priority: 10 });
    } catch (e) {
      error = e;
    }
    // THEN
    expect((error as PropError).problems.map((p) => p.prop)).toEqual(["route.hosts[0]", "route.paths[0]"]);
    expect((error as Error).message.split("\n")).toHaveLength(2);
    expect(JSON.parse(Testing.synth(stack)).resource.aws_lb_listener_rule).toBeUndefined();
    // and the refused route claimed nothing: another route may take priority 10
    expect(() => addRoute(stack, alb, "docs", { paths: ["/docs/*"], priority: 10 })).not.toThrow();
  });

  test("GIVEN the boundary priorities and 5 values WHEN added THEN they are accepted", () => {
    expect(() =>
      build({}, (scope, alb) => {
        addRoute(scope, alb, "low", { paths: ["/a", "/b", "/c", "/d", "/e"], priority: 1 });
        addRoute(scope, alb, "high", { hosts: ["x?.example.org"], priority: 50000 });
      }),
    ).not.toThrow();
  });
});

describe("Alb validation", () => {
  test("GIVEN production without a domain WHEN constructed THEN it throws naming domain and TLS", () => {
    expect(() => newAlb({ production: true })).toThrow(
      /^Alb: domain got nothing; allowed: a domain in production, which serves HTTPS only \(a certificate needs one\)$/,
    );
  });

  test("GIVEN production with access logs off WHEN constructed THEN it throws naming accessLogs", () => {
    expect(() => newAlb({ production: true, domain: DOMAIN, accessLogs: false })).toThrow(/^Alb: accessLogs got false; allowed: true in production \(AWS FSBP ELB\.5\)$/);
  });

  test("GIVEN production without a domain and with access logs off WHEN constructed THEN one PropError lists both", () => {
    let error: unknown;
    try {
      newAlb({ production: true, accessLogs: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PropError);
    expect((error as PropError).problems.map((p) => p.prop)).toEqual(["domain", "accessLogs"]);
    expect((error as Error).message.split("\n")).toHaveLength(2);
  });

  test.each([[[]], [["subnet-a"]]])("GIVEN public subnets %j WHEN constructed THEN it throws asking for at least 2", (subnets) => {
    expect(() => newAlb({}, fakeNetwork(subnets))).toThrow(
      `Alb: network.publicSubnetIds got "${subnets.length} subnet(s)"; allowed: at least 2 subnets in different AZs (an ALB requires 2)`,
    );
  });

  test.each<[string, AlbOverrides, RegExp]>([
    ["idle timeout zero", { idleTimeoutSeconds: 0 }, /^Alb: idleTimeoutSeconds got 0; allowed: an integer from 1 to 4000$/],
    ["idle timeout too long", { idleTimeoutSeconds: 4001 }, /^Alb: idleTimeoutSeconds got 4001; allowed: an integer from 1 to 4000$/],
    ["retention zero", { accessLogs: true, accessLogRetentionDays: 0 }, /^Alb: accessLogRetentionDays got 0; allowed: an integer from 1 to 3650$/],
    ["bad account id", { accountId: "12345" }, /^Alb: accountId got "12345"; allowed: 12 digits$/],
    ["bad region", { region: "eu-west" }, /region must be an AWS region code.*got "eu-west"/],
    ["bad domain name", { domain: { ...DOMAIN, name: "Not A Domain" } }, /^Alb: domain\.name got "Not A Domain"; allowed: a lower-case fully qualified domain name such as "api\.example\.org"$/],
    ["bad hosted zone id", { domain: { ...DOMAIN, hostedZoneId: "example.org" } }, /^Alb: domain\.hostedZoneId got "example\.org"; allowed: a Route53 hosted zone id/],
    [
      "certificate not an ACM ARN",
      { domain: { ...DOMAIN, certificateArn: "my-cert" } },
      /^Alb: domain\.certificateArn got "my-cert"; allowed: an ACM certificate ARN in the load balancer's region eu-west-1 \(arn:aws:acm:eu-west-1:<account>:certificate\/<id>\)$/,
    ],
    ["certificate in another region", { domain: { ...DOMAIN, certificateArn: OWN_CERT.replace("eu-west-1", "us-east-1") } }, /^Alb: domain\.certificateArn got "arn:aws:acm:us-east-1:.*allowed: an ACM certificate ARN in the load balancer's region eu-west-1/],
  ])("GIVEN %s WHEN constructed THEN it throws naming the prop, the value and the range", (_name, overrides, message) => {
    expect(() => newAlb(overrides)).toThrow(message);
  });

  test("GIVEN boundary values WHEN constructed THEN they are accepted", () => {
    expect(() => newAlb({ idleTimeoutSeconds: 4000, accessLogs: true, accessLogRetentionDays: 3650 })).not.toThrow();
    expect(() => newAlb({ idleTimeoutSeconds: 1, accessLogs: true, accessLogRetentionDays: 1 })).not.toThrow();
  });
});
