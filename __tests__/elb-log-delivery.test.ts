import {
  ELB_ACCOUNT_IDS,
  ELB_LOG_DELIVERY_SERVICE_PRINCIPAL,
  elbLogDeliveryPrincipal,
} from "../src/domain/elb-log-delivery";

describe("elbLogDeliveryPrincipal", () => {
  test.each([
    ["us-east-1", "127311923021"],
    ["us-east-2", "033677994240"],
    ["us-west-1", "027434742980"],
    ["us-west-2", "797873946194"],
    ["eu-west-1", "156460612806"],
    ["eu-west-2", "652711504416"],
    ["eu-west-3", "009996457667"],
    ["eu-central-1", "054676820928"],
    ["eu-north-1", "897822967062"],
    ["eu-south-1", "635631232127"],
    ["ap-northeast-1", "582318560864"],
    ["ap-northeast-2", "600734575887"],
    ["ap-northeast-3", "383597477331"],
    ["ap-southeast-1", "114774131450"],
    ["ap-southeast-2", "783225319266"],
    ["ap-southeast-3", "589379963580"],
    ["ap-south-1", "718504428378"],
    ["ap-east-1", "754344448648"],
    ["ca-central-1", "985666609251"],
    ["sa-east-1", "507241528517"],
    ["me-south-1", "076674570225"],
    ["af-south-1", "098369216593"],
  ])("GIVEN the pre-August-2022 region %s WHEN asked THEN it is the regional ELB account %s", (region, accountId) => {
    expect(elbLogDeliveryPrincipal(region)).toEqual({ AWS: `arn:aws:iam::${accountId}:root` });
  });

  test.each(["eu-central-2", "eu-south-2", "ap-south-2", "ap-southeast-4", "me-central-1", "il-central-1", "ca-west-1", "mx-central-1"])(
    "GIVEN the newer region %s WHEN asked THEN it is the log-delivery service principal",
    (region) => {
      expect(elbLogDeliveryPrincipal(region)).toEqual({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
      expect(ELB_LOG_DELIVERY_SERVICE_PRINCIPAL).toBe("logdelivery.elasticloadbalancing.amazonaws.com");
    },
  );

  test("GIVEN China and GovCloud regions WHEN asked THEN the ARN uses their partition", () => {
    expect(elbLogDeliveryPrincipal("cn-north-1")).toEqual({ AWS: "arn:aws-cn:iam::638102146993:root" });
    expect(elbLogDeliveryPrincipal("us-gov-west-1")).toEqual({ AWS: "arn:aws-us-gov:iam::048591011584:root" });
  });

  test("GIVEN the table WHEN inspected THEN every account id has 12 digits", () => {
    for (const id of Object.values(ELB_ACCOUNT_IDS)) expect(id).toMatch(/^[0-9]{12}$/);
  });

  test.each(["", "eu-west", "EU-WEST-1", "euwest1", "eu-west-1a"])("GIVEN the malformed region %j WHEN asked THEN it throws", (region) => {
    expect(() => elbLogDeliveryPrincipal(region)).toThrow(/region must be an AWS region code such as "eu-west-1"; got/);
  });
});
