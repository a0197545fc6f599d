/**
 * The AWS partition of a region: `aws`, `aws-cn` or `aws-us-gov`, for building ARNs offline (the `aws_partition`
 * data source would need a provider round-trip at plan time).
 *
 * @param region an AWS region code such as `eu-west-1`
 */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
