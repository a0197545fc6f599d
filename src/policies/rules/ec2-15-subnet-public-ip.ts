import { PolicyRule } from "../framework";
import { mustNotBeTrue } from "./common";

/** EC2.15: subnets do not give instances a public IP address automatically. */
export const ec2SubnetPublicIp: PolicyRule = {
  id: "EC2.15",
  title: "Subnets do not assign public IP addresses on launch",
  productionOnly: false,
  resourceTypes: ["aws_subnet"],
  check: (resource) =>
    mustNotBeTrue(
      resource.config.map_public_ip_on_launch,
      "map_public_ip_on_launch",
      "leave map_public_ip_on_launch unset or false; load balancers and NAT gateways get their public addresses without it",
    ),
};
