import { Annotations, ITerraformDependable, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener, LbListenerDefaultAction } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { elbLogDeliveryPrincipal } from "../../domain/elb-log-delivery";
import { Naming } from "../../core/naming";
import type { Network } from "../network";
import type { AlbRouteOptions, ServiceLoadBalancer } from "./interfaces";
import { addEgressTo, PropChecks, requireInteger, SecureBucket, SecurityGroupPeer } from "../shared";
import { tierDefaults } from "../../domain/tier-defaults";

/** A host header value: DNS labels, `*` and `?` wildcards, at most 128 characters. */
const ROUTE_HOST = /^(?=.{1,128}$)[A-Za-z0-9*?]([A-Za-z0-9*?-]*[A-Za-z0-9*?])?(\.[A-Za-z0-9*?]([A-Za-z0-9*?-]*[A-Za-z0-9*?])?)*$/;
/** A path pattern: starts with `/`, URL path characters and `*`, `?` wildcards, at most 128 characters. */
const ROUTE_PATH = /^(?=.{1,128}$)\/[A-Za-z0-9_\-.$/~"'@:+*?&=]*$/;

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

// ── props ──

/** The domain the load balancer serves over TLS. */
export interface AlbDomain {
  /** Fully qualified domain name, for example `api.example.org`. */
  readonly name: string;
  /** Id of the Route53 public hosted zone that holds `name` (from the environment file; never looked up). */
  readonly hostedZoneId: string;
  /**
   * ARN of an existing ACM certificate for `name` in the load balancer's region.
   *
   * @default none: the construct requests an ACM certificate and validates it through DNS records in `hostedZoneId`
   */
  readonly certificateArn?: string;
}

/** Properties of {@link Alb}. */
export interface AlbProps {
  /** Naming context of the deployment. */
  readonly naming: Naming;
  /** The network whose public subnets (at least 2 AZs) hold the load balancer. */
  readonly network: Network;
  /** AWS region of the stack, for example `eu-west-1`: picks the principal that may write access logs. */
  readonly region: string;
  /**
   * Production mode: deletion protection on, TLS required, access logs required.
   *
   * @default false
   */
  readonly production?: boolean;
  /**
   * Domain served over HTTPS, with an HTTP listener that redirects to it.
   *
   * @default none: a plain HTTP listener on the load balancer's DNS name, allowed outside production only, with a
   *   synthesis warning
   */
  readonly domain?: AlbDomain;
  /**
   * Write access logs to a dedicated S3 bucket. Cannot be turned off in production.
   *
   * @default the value of `production`
   */
  readonly accessLogs?: boolean;
  /**
   * Days before access log objects expire, 1 to 3650.
   *
   * @default 365 in production, 30 elsewhere
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Own AWS account id (12 digits): narrows the log bucket policy to `AWSLogs/<accountId>/`.
   *
   * @default none: log delivery may write under any `AWSLogs/` account folder of the (dedicated) bucket
   */
  readonly accountId?: string;
  /**
   * Seconds a connection may stay idle, 1 to 4000.
   *
   * @default 60
   */
  readonly idleTimeoutSeconds?: number;
}

/**
 * An internet-facing Application Load Balancer that services share: its own security group, HTTPS with an ACM
 * certificate and a Route53 alias when a domain is given (plain HTTP otherwise, outside production only), and access
 * logs to a dedicated bucket. Requests that no route claims get a fixed 404 from the load balancer itself.
 *
 * Wiring: each service brings its own target group and calls {@link Alb.addRoute} (the listener's default route, or
 * a listener rule by host and/or path); `alb.allowTo(service, port)` opens the load balancer's egress to it, and the
 * service admits the load balancer on its side and waits for the route it gets back.
 */
export class Alb extends Construct implements ServiceLoadBalancer {
  /** DNS name AWS gives the load balancer. */
  public readonly dnsName: string;
  /** Route53 hosted zone id of the load balancer, for alias records. */
  public readonly zoneId: string;
  /** Base URL clients use: `https://<domain>` with a domain, `http://<load balancer DNS name>` without. */
  public readonly url: string;
  /** The listener that routes to the services (HTTPS with a domain, HTTP without). */
  public readonly listener: LbListener;
  /** ARN of {@link Alb.listener}. */
  public readonly listenerArn: string;
  /** ARN of the load balancer. */
  public readonly arn: string;
  /** ARN suffix of the load balancer, the first half of an `ALBRequestCountPerTarget` resource label. */
  public readonly arnSuffix: string;
  /** Id of the load balancer's security group. */
  public readonly securityGroupId: string;
  /** Whether clients reach the load balancer over HTTPS. */
  public readonly tlsEnabled: boolean;
  /** Name of the access log bucket, or undefined when access logs are off. */
  public readonly accessLogsBucketName?: string;
  /** The id of the VPC the load balancer is in, where its targets' target groups must be. */
  public readonly vpcId: string;

  private readonly routes = new Map<string, { readonly path: string; readonly dependable: ITerraformDependable }>();

  public constructor(scope: Construct, id: string, props: AlbProps) {
    super(scope, id);

    const production = props.production ?? false;
    const defaults = tierDefaults(production);
    const accessLogs = props.accessLogs ?? defaults.protective;
    const accessLogRetentionDays = props.accessLogRetentionDays ?? defaults.logRetentionDays;
    const idleTimeoutSeconds = props.idleTimeoutSeconds ?? 60;
    const domain = props.domain;

    // ── validation ──
    const checks = new PropChecks("Alb");
    if (production) {
      checks.expect(domain !== undefined, "domain", domain, "a domain in production, which serves HTTPS only (a certificate needs one)");
      checks.expect(props.accessLogs !== false, "accessLogs", props.accessLogs, "true in production (AWS FSBP ELB.5)");
    }
    const publicSubnetCount = props.network.publicSubnetIds.length;
    checks.expect(publicSubnetCount >= 2, "network.publicSubnetIds", `${publicSubnetCount} subnet(s)`, "at least 2 subnets in different AZs (an ALB requires 2)");
    if (domain !== undefined) {
      checks.expect(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain.name), "domain.name", domain.name, 'a lower-case fully qualified domain name such as "api.example.org"');
      checks.expect(/^Z[A-Z0-9]{1,31}$/.test(domain.hostedZoneId), "domain.hostedZoneId", domain.hostedZoneId, 'a Route53 hosted zone id such as "Z0123456789ABCDEFGHIJ"');
      if (domain.certificateArn !== undefined) {
        const match = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate\/[A-Za-z0-9-]+$/.exec(domain.certificateArn);
        checks.expect(match !== null && match[1] === props.region, "domain.certificateArn", domain.certificateArn,
          `an ACM certificate ARN in the load balancer's region ${props.region} (arn:aws:acm:${props.region}:<account>:certificate/<id>)`);
      }
    }
    checks.integer("accessLogRetentionDays", accessLogRetentionDays, 1, 3650);
    checks.integer("idleTimeoutSeconds", idleTimeoutSeconds, 1, 4000);
    checks.accountId("accountId", props.accountId);
    let logWriter: ReturnType<typeof elbLogDeliveryPrincipal> | undefined;
    try {
      // The region decides who may write access logs; an unknown region is refused before anything is created.
      logWriter = elbLogDeliveryPrincipal(props.region);
    } catch (error) {
      checks.add("region", `got ${JSON.stringify(props.region)}; allowed: an AWS region code such as "eu-west-1" (${(error as Error).message})`);
    }
    checks.throwIfAny();

    const { naming, network } = props;
    this.tlsEnabled = domain !== undefined;
    this.vpcId = network.vpcId;

    // ── network ──
    // Name and description are fixed strings so the group is never replaced under the ALB. Rules are
    // separate resources (one per port) so other constructs' intent methods can add theirs without conflicts.
    const securityGroup = new SecurityGroup(this, "security_group", {
      name: naming.name([id, "alb"]),
      description: "Load balancer: HTTP(S) from the internet, egress only to its targets",
      vpcId: network.vpcId,
    });
    this.securityGroupId = securityGroup.id;
    const ingressPorts: Array<[string, number]> = this.tlsEnabled ? [["http", 80], ["https", 443]] : [["http", 80]];
    for (const [name, port] of ingressPorts) {
      new VpcSecurityGroupIngressRule(this, `ingress_${name}`, {
        securityGroupId: securityGroup.id,
        description: `${name.toUpperCase()} from the internet (IPv4)`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
      });
    }

    // ── logging ──
    // Access logs. Bucket names are global: `bucket_prefix` lets Terraform append a unique suffix, so no account id
    // (which an offline plan cannot look up) is needed to avoid collisions across accounts.
    let accessLogsConfig: { bucket: string; prefix: string; enabled: boolean } | undefined;
    let bucketPolicy: S3BucketPolicy | undefined;
    const logPrefix = id.toLowerCase().replace(/[^a-z0-9-]/g, "-");
    if (accessLogs) {
      const bucket = new SecureBucket(this, "access_logs", {
        bucketPrefix: `${naming.name([id, "alb-logs"], 36)}-`,
        // Production logs are audit records: `terraform destroy` must neither empty nor delete the bucket.
        forceDestroy: !production,
        preventDestroy: production,
        lifecycleRules: [
          {
            id: "expire-access-logs",
            status: "Enabled",
            expiration: [{ days: accessLogRetentionDays }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          },
        ],
        extraPolicyStatements: (bucketArn) => [
          {
            Sid: "AllowElbLogDelivery",
            Effect: "Allow",
            Principal: logWriter as ReturnType<typeof elbLogDeliveryPrincipal>,
            Action: "s3:PutObject",
            Resource: `${bucketArn}/${logPrefix}/AWSLogs/${props.accountId ?? "*"}/*`,
          },
        ],
      });
      bucketPolicy = bucket.policy;
      accessLogsConfig = { bucket: bucket.bucketName, prefix: logPrefix, enabled: true };
      this.accessLogsBucketName = bucket.bucketName;
    }

    // ── load balancer ──
    const lb = new Lb(this, "Resource", {
      name: naming.name(id, 32),
      internal: false,
      loadBalancerType: "application",
      ipAddressType: "ipv4",
      securityGroups: [securityGroup.id],
      subnets: network.publicSubnetIds,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "defensive",
      idleTimeout: idleTimeoutSeconds,
      enableDeletionProtection: production,
      accessLogs: accessLogsConfig,
      // AWS checks that it may write a test object when logging is turned on; without the policy in place first,
      // creation fails at apply, which a plan cannot show.
      dependsOn: bucketPolicy === undefined ? undefined : [bucketPolicy],
    });
    this.arn = lb.arn;
    this.arnSuffix = lb.arnSuffix;
    this.dnsName = lb.dnsName;
    this.zoneId = lb.zoneId;

    // ── listeners ──
    // Requests no route claims are answered by the load balancer itself, so they never reach a service.
    const notFound: LbListenerDefaultAction[] = [
      { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not Found" } },
    ];

    if (domain !== undefined) {
      let certificateArn: string;
      if (domain.certificateArn !== undefined) {
        certificateArn = domain.certificateArn;
      } else {
        const certificate = new AcmCertificate(this, "certificate", {
          domainName: domain.name,
          validationMethod: "DNS",
          keyAlgorithm: "RSA_2048",
          // The listener holds the certificate: a replacement must exist before the old one can go.
          lifecycle: { createBeforeDestroy: true },
        });
        const options = TerraformIterator.fromComplexList(certificate.domainValidationOptions, "domain_name");
        const validationRecords = new Route53Record(this, "certificate_validation_record", {
          forEach: options,
          zoneId: domain.hostedZoneId,
          name: options.getString("resource_record_name"),
          type: options.getString("resource_record_type"),
          records: [options.getString("resource_record_value")],
          ttl: 60,
          // The record is deterministic per domain; a previous certificate may have created it already.
          allowOverwrite: true,
        });
        const validation = new AcmCertificateValidation(this, "certificate_validation", {
          certificateArn: certificate.arn,
          validationRecordFqdns: Token.asList(TerraformIterator.fromResources(validationRecords).pluckProperty("fqdn")),
        });
        // The validated ARN makes the HTTPS listener wait until the certificate is issued.
        certificateArn = validation.certificateArn;
      }

      this.listener = new LbListener(this, "https", {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: ALB_TLS_POLICY,
        certificateArn,
        defaultAction: notFound,
      });
      new LbListener(this, "http", {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      });
      new Route53Record(this, "alias", {
        zoneId: domain.hostedZoneId,
        name: domain.name,
        type: "A",
        alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
      });
      this.url = `https://${domain.name}`;
    } else {
      Annotations.of(this).addWarning(
        `Alb ${this.node.path}: no domain configured, so the load balancer serves plain HTTP on its AWS DNS name (no TLS). ` +
          "This is allowed outside production only; set domain to serve HTTPS.",
      );
      this.listener = new LbListener(this, "http", {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: notFound,
      });
      this.url = `http://${lb.dnsName}`;
    }
    this.listenerArn = this.listener.arn;
  }

  // ── routes ──
  /**
   * Sends the requests of `options.route` to a target group: with `"default"`, the listener's default action forwards
   * every request no rule matches; otherwise a listener rule (created under `scope`, id `id`) matches the hosts and/or
   * paths at the given priority.
   *
   * @returns what the ECS service must wait for: registering targets in a target group that no listener or rule uses
   *   fails at apply, which a plan cannot show
   * @throws PropError when a second default route is added, the priority is taken or out of range, or the conditions
   *   are empty, malformed or more than 5 values
   */
  public addRoute(scope: Construct, id: string, options: AlbRouteOptions): ITerraformDependable {
    const { route } = options;
    const checks = new PropChecks("Alb");
    const claim = route === "default" ? "default" : `priority ${route.priority}`;
    const owner = this.routes.get(claim);
    if (route === "default") {
      checks.expect(owner === undefined, "route", route, `one default route per load balancer (${owner?.path} has it)`);
    } else {
      const hosts = route.hosts ?? [];
      const paths = route.paths ?? [];
      checks.integer("route.priority", route.priority, 1, 50000);
      checks.expect(owner === undefined, "route.priority", route.priority, `a priority no other route uses (${owner?.path} has ${route.priority})`);
      checks.expect(hosts.length + paths.length >= 1, "route", route, 'at least one host or path (or "default")');
      checks.expect(hosts.length + paths.length <= 5, "route", route, "at most 5 hosts and paths in all (an ALB rule limit)");
      hosts.forEach((host, i) => checks.expect(ROUTE_HOST.test(host), `route.hosts[${i}]`, host, 'a host name such as "admin.example.org", * and ? allowed'));
      paths.forEach((path, i) => checks.expect(ROUTE_PATH.test(path), `route.paths[${i}]`, path, 'a path pattern starting with "/" such as "/admin/*", at most 128 characters'));
    }
    checks.throwIfAny();

    const forward: LbListenerDefaultAction[] = [{ type: "forward", targetGroupArn: options.targetGroupArn }];
    let dependable: ITerraformDependable;
    if (route === "default") {
      this.listener.putDefaultAction(forward);
      dependable = this.listener;
    } else {
      dependable = new LbListenerRule(scope, id, {
        listenerArn: this.listener.arn,
        priority: route.priority,
        action: forward,
        condition: [
          ...(route.hosts?.length ? [{ hostHeader: { values: [...route.hosts] } }] : []),
          ...(route.paths?.length ? [{ pathPattern: { values: [...route.paths] } }] : []),
        ],
      });
    }
    this.routes.set(claim, { path: scope.node.path, dependable });
    return dependable;
  }

  // ── intent methods ──
  /**
   * Lets the load balancer reach `peer` on `port` (an egress rule on the load balancer's own security group). The
   * peer admits the load balancer on its side (`service.allowFrom(alb)`).
   *
   * @param peer the construct that receives traffic, usually the ECS service
   * @param port the port the peer listens on, 1 to 65535 (the container port)
   */
  public allowTo(peer: SecurityGroupPeer, port: number): void {
    requireInteger("Alb", "allowTo port", port, 1, 65535);
    addEgressTo(this, this.securityGroupId, peer, port);
  }
}
