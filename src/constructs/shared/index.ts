export { PropChecks, PropError, requireAccountId, requireFargateSize, requireImageReference, requireInteger, requireOneOf, requireRegion } from "./validation";
export type { PropProblem } from "./validation";
export { addEgressTo, addIngressFrom } from "./security-group-peer";
export type { PeerRuleOptions, SecurityGroupPeer } from "./security-group-peer";
export { SecureBucket } from "./secure-bucket";
export type { BucketPolicyStatement, SecureBucketProps } from "./secure-bucket";
export { TerraformData } from "./terraform-data";
export type { TerraformDataProps } from "./terraform-data";
