/**
 * Who writes Elastic Load Balancing access logs into an S3 bucket, per region.
 *
 * Regions launched before August 2022 deliver logs from a regional ELB-owned AWS account; regions launched since then
 * use the `logdelivery.elasticloadbalancing.amazonaws.com` service principal. This is a fact table (from the AWS guide
 * "Enable access logs for your Application Load Balancer") so that synthesis and `plan` stay offline: the
 * `aws_elb_service_account` data source would be the alternative, and it knows nothing about the newer regions.
 */

import { partitionOf } from "./partition";

/** The service principal that delivers ELB access logs in regions launched in or after August 2022. */
export const ELB_LOG_DELIVERY_SERVICE_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com";

/** The ELB account of each region that predates the log-delivery service principal. */
export const ELB_ACCOUNT_IDS: Readonly<Partial<Record<string, string>>> = Object.freeze({
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-gov-west-1": "048591011584",
  "us-gov-east-1": "190560391635",
  "cn-north-1": "638102146993",
  "cn-northwest-1": "037604701340",
});

/** An IAM policy principal block: `{ "AWS": "arn:...:root" }` or `{ "Service": "..." }`. */
export type ElbLogDeliveryPrincipal = { readonly AWS: string } | { readonly Service: string };

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$/;

/**
 * The principal to allow `s3:PutObject` for ALB access logs in `region`.
 *
 * @param region an AWS region code such as `eu-west-1`; a malformed code throws rather than silently falling back to
 *   the service principal, which would only fail at apply time
 */
export function elbLogDeliveryPrincipal(region: string): ElbLogDeliveryPrincipal {
  if (!REGION_PATTERN.test(region)) {
    throw new Error(`elbLogDeliveryPrincipal: region must be an AWS region code such as "eu-west-1"; got ${JSON.stringify(region)}`);
  }
  const accountId = ELB_ACCOUNT_IDS[region];
  if (accountId !== undefined) {
    return { AWS: `arn:${partitionOf(region)}:iam::${accountId}:root` };
  }
  return { Service: ELB_LOG_DELIVERY_SERVICE_PRINCIPAL };
}
