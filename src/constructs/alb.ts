import { Annotations, TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { elbLogDeliveryPrincipal } from "../domain/elb-log-delivery";
import { Naming } from "../core/naming";
import type { Network } from "./network";
import { SecureBucket } from "./secure-bucket";
import { addEgressTo, SecurityGroupPeer } from "./security-group-peer";
import { requireAccountId, requireInteger } from "./validation";
import { tierDefaults } from "../domain/tier-defaults";

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

/** The timings that decide how long one deployment batch takes to shift traffic. */
export interface TargetGroupTiming {
  /** Consecutive passing health checks before a new task receives traffic. */
  readonly healthyThreshold: number;
  /** Seconds between two health checks. */
  readonly intervalSeconds: number;
  /** Seconds a draining task keeps its in-flight requests before it is deregistered. */
  readonly deregistrationDelaySeconds: number;
}

/** AWS's target-group defaults (5 healthy checks, 30 s apart, 300 s draining), for comparison. */
export const AWS_DEFAULT_TARGET_GROUP_TIMING: TargetGroupTiming = Object.freeze({
  healthyThreshold: 5,
  intervalSeconds: 30,
  deregistrationDelaySeconds: 300,
});

/**
 * The modeled seconds one rolling-deployment batch spends at the load balancer: the new task must pass
 * `healthyThreshold` checks `intervalSeconds` apart, then the old one drains for `deregistrationDelaySeconds`.
 * AWS defaults give 5 × 30 + 300 = 450 s; this construct's defaults give 2 × 10 + 30 = 50 s.
 */
export function modeledRolloutSecondsPerBatch(timing: TargetGroupTiming): number {
  return timing.healthyThreshold * timing.intervalSeconds + timing.deregistrationDelaySeconds;
}

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

/** Health check of the target group. */
export interface AlbHealthCheck {
  /**
   * Path requested on each task.
   *
   * @default "/healthz"
   */
  readonly path?: string;
  /**
   * Seconds between two checks, 5 to 300.
   *
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Consecutive successes before a target is healthy, 2 to 10.
   *
   * @default 2
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures before a target is unhealthy, 2 to 10.
   *
   * @default 3
   */
  readonly unhealthyThreshold?: number;
  /**
   * Seconds without an answer that count as a failure, 2 to 120 and less than `intervalSeconds`.
   *
   * @default 5
   */
  readonly timeoutSeconds?: number;
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
  /**
   * Port the container listens on; the target group sends traffic and health checks there. 1 to 65535.
   *
   * @default 4000
   */
  readonly containerPort?: number;
  /**
   * Health check of the target group.
   *
   * @default GET /healthz expecting 200, every 10 s, healthy after 2, unhealthy after 3, 5 s timeout
   */
  readonly healthCheck?: AlbHealthCheck;
  /**
   * Seconds a deregistering task keeps serving in-flight requests, 0 to 3600.
   *
   * @default 30 (AWS's default of 300 slows every deploy)
   */
  readonly deregistrationDelaySeconds?: number;
}

/**
 * An internet-facing Application Load Balancer in front of the API: its own security group, HTTPS with an ACM
 * certificate and a Route53 alias when a domain is given (plain HTTP otherwise, outside production only), access logs
 * to a dedicated bucket, and an `ip` target group tuned for fast, safe rolling deployments.
 *
 * Wiring: `alb.allowTo(service, port)` opens the load balancer's egress to the service; the service admits the load
 * balancer on its side and must depend on {@link Alb.listener}.
 */
export class Alb extends Construct implements SecurityGroupPeer {
  /** DNS name AWS gives the load balancer. */
  public readonly dnsName: string;
  /** Route53 hosted zone id of the load balancer, for alias records. */
  public readonly zoneId: string;
  /** Base URL clients use: `https://<domain>` with a domain, `http://<load balancer DNS name>` without. */
  public readonly url: string;
  /** The listener that forwards to the target group (HTTPS with a domain, HTTP without): ECS services depend on it. */
  public readonly listener: LbListener;
  /** ARN of {@link Alb.listener}. */
  public readonly listenerArn: string;
  /** ARN of the target group the service registers its tasks in. */
  public readonly targetGroupArn: string;
  /** ARN suffix of the target group, the second half of an `ALBRequestCountPerTarget` resource label. */
  public readonly targetGroupArnSuffix: string;
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
  /** Modeled seconds per rolling-deployment batch with this target group's timings; see {@link modeledRolloutSecondsPerBatch}. */
  public readonly rolloutSecondsPerBatch: number;

  public constructor(scope: Construct, id: string, props: AlbProps) {
    super(scope, id);

    const production = props.production ?? false;
    const defaults = tierDefaults(production);
    const accessLogs = props.accessLogs ?? defaults.protective;
    const accessLogRetentionDays = props.accessLogRetentionDays ?? defaults.logRetentionDays;
    const idleTimeoutSeconds = props.idleTimeoutSeconds ?? 60;
    const containerPort = props.containerPort ?? 4000;
    const deregistrationDelaySeconds = props.deregistrationDelaySeconds ?? 30;
    const healthCheck = {
      path: props.healthCheck?.path ?? "/healthz",
      intervalSeconds: props.healthCheck?.intervalSeconds ?? 10,
      healthyThreshold: props.healthCheck?.healthyThreshold ?? 2,
      unhealthyThreshold: props.healthCheck?.unhealthyThreshold ?? 3,
      timeoutSeconds: props.healthCheck?.timeoutSeconds ?? 5,
    };
    const domain = props.domain;

    // Validation first: nothing is created from a bad configuration.
    if (production && domain === undefined) {
      throw new Error("Alb: domain is required in production, because production requires TLS (HTTPS with a certificate); got no domain");
    }
    if (production && props.accessLogs === false) {
      throw new Error("Alb: accessLogs must be true in production (AWS FSBP ELB.5); got false");
    }
    const publicSubnetCount = props.network.publicSubnetIds.length;
    if (publicSubnetCount < 2) {
      throw new Error(`Alb: network.publicSubnetIds must hold at least 2 subnets in different AZs (an ALB requires 2); got ${publicSubnetCount}`);
    }
    if (domain !== undefined) {
      if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain.name)) {
        throw new Error(`Alb: domain.name must be a lower-case fully qualified domain name such as "api.example.org"; got ${JSON.stringify(domain.name)}`);
      }
      if (!/^Z[A-Z0-9]{1,31}$/.test(domain.hostedZoneId)) {
        throw new Error(`Alb: domain.hostedZoneId must be a Route53 hosted zone id such as "Z0123456789ABCDEFGHIJ"; got ${JSON.stringify(domain.hostedZoneId)}`);
      }
      if (domain.certificateArn !== undefined) {
        const match = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate\/[A-Za-z0-9-]+$/.exec(domain.certificateArn);
        if (match === null || match[1] !== props.region) {
          throw new Error(`Alb: domain.certificateArn must be an ACM certificate ARN in the load balancer's region ${props.region} (arn:aws:acm:${props.region}:<account>:certificate/<id>); got ${JSON.stringify(domain.certificateArn)}`);
        }
      }
    }
    requireInteger("Alb", "accessLogRetentionDays", accessLogRetentionDays, 1, 3650);
    requireInteger("Alb", "idleTimeoutSeconds", idleTimeoutSeconds, 1, 4000);
    requireInteger("Alb", "containerPort", containerPort, 1, 65535);
    requireInteger("Alb", "deregistrationDelaySeconds", deregistrationDelaySeconds, 0, 3600);
    requireInteger("Alb", "healthCheck.intervalSeconds", healthCheck.intervalSeconds, 5, 300);
    requireInteger("Alb", "healthCheck.healthyThreshold", healthCheck.healthyThreshold, 2, 10);
    requireInteger("Alb", "healthCheck.unhealthyThreshold", healthCheck.unhealthyThreshold, 2, 10);
    requireInteger("Alb", "healthCheck.timeoutSeconds", healthCheck.timeoutSeconds, 2, 120);
    if (healthCheck.timeoutSeconds >= healthCheck.intervalSeconds) {
      throw new Error(`Alb: healthCheck.timeoutSeconds must be less than healthCheck.intervalSeconds (${healthCheck.intervalSeconds}); got ${healthCheck.timeoutSeconds}`);
    }
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(healthCheck.path) || healthCheck.path.length > 1024) {
      throw new Error(`Alb: healthCheck.path must start with "/" and hold only URL path characters (max 1024); got ${JSON.stringify(healthCheck.path)}`);
    }
    requireAccountId("Alb", props.accountId);
    // Also validates the region code before anything is created.
    const logWriter = elbLogDeliveryPrincipal(props.region);

    const { naming, network } = props;
    this.tlsEnabled = domain !== undefined;
    this.rolloutSecondsPerBatch = modeledRolloutSecondsPerBatch({
      healthyThreshold: healthCheck.healthyThreshold,
      intervalSeconds: healthCheck.intervalSeconds,
      deregistrationDelaySeconds,
    });

    // Security group. Name and description are fixed strings so the group is never replaced under the ALB. Rules are
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
            Principal: logWriter,
            Action: "s3:PutObject",
            Resource: `${bucketArn}/${logPrefix}/AWSLogs/${props.accountId ?? "*"}/*`,
          },
        ],
      });
      bucketPolicy = bucket.policy;
      accessLogsConfig = { bucket: bucket.bucketName, prefix: logPrefix, enabled: true };
      this.accessLogsBucketName = bucket.bucketName;
    }

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

    // Target group: `name_prefix` + create_before_destroy. Changes to port, protocol, target type or VPC replace a
    // target group, and the old one cannot be deleted while the listener uses it (ResourceInUse). With a prefix,
    // Terraform names the replacement uniquely, creates it, repoints the listener, then deletes the old one. The
    // prefix is limited to 6 characters, too short for the Naming helper; the construct id keeps it recognisable.
    const namePrefix = `${id.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 5) || "tg"}-`;
    const targetGroup = new LbTargetGroup(this, "target_group", {
      namePrefix,
      targetType: "ip",
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      port: containerPort,
      vpcId: network.vpcId,
      deregistrationDelay: String(deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        port: "traffic-port",
        path: healthCheck.path,
        matcher: "200",
        interval: healthCheck.intervalSeconds,
        timeout: healthCheck.timeoutSeconds,
        healthyThreshold: healthCheck.healthyThreshold,
        unhealthyThreshold: healthCheck.unhealthyThreshold,
      },
      lifecycle: { createBeforeDestroy: true },
    });
    this.targetGroupArn = targetGroup.arn;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;
    const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];

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
        defaultAction: forward,
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
        defaultAction: forward,
      });
      this.url = `http://${lb.dnsName}`;
    }
    this.listenerArn = this.listener.arn;
  }

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
