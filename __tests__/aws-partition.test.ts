import { partitionOf } from "../src/domain/partition";

describe("partitionOf", () => {
  test.each([
    ["eu-west-1", "aws"],
    ["us-east-1", "aws"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-gov-east-1", "aws-us-gov"],
  ])("GIVEN the region %s WHEN asked THEN the partition is %s", (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});
