import { PolicyRule } from "../framework";
import { dynamodbPointInTimeRecovery } from "./dynamodb-2-point-in-time-recovery";
import { dynamodbDeletionProtection } from "./dynamodb-6-deletion-protection";
import { ec2DefaultSecurityGroup } from "./ec2-2-default-security-group";
import { ec2VpcFlowLogs } from "./ec2-6-vpc-flow-logs";
import { ec2SubnetPublicIp } from "./ec2-15-subnet-public-ip";
import { ec2HighRiskPorts, ec2UnrestrictedPorts } from "./ec2-18-19-open-ingress";
import { ecsNoPublicIp } from "./ecs-2-no-public-ip";
import { ecsPidMode } from "./ecs-3-pid-mode";
import { ecsPrivileged } from "./ecs-4-privileged";
import { ecsReadOnlyRoot } from "./ecs-5-read-only-root";
import { ecsNoSecretsInEnvironment } from "./ecs-8-no-secrets-in-environment";
import { ecsLogConfiguration } from "./ecs-9-log-configuration";
import { ecsPlatformVersion } from "./ecs-10-platform-version";
import { ecsContainerInsights } from "./ecs-12-container-insights";
import { elbHttpRedirect } from "./elb-1-http-redirect";
import { elbDropInvalidHeaders } from "./elb-4-drop-invalid-headers";
import { elbAccessLogs } from "./elb-5-access-logs";
import { elbDeletionProtection } from "./elb-6-deletion-protection";
import { elbDesyncMitigation } from "./elb-12-desync-mitigation";
import { elbMultipleSubnets } from "./elb-13-multiple-subnets";
import { elbTlsPolicy } from "./elb-17-tls-policy";
import { iamNoFullAdmin, iamNoServiceWildcards } from "./iam-1-21-wildcards";
import { kmsKeyRotation } from "./kms-4-key-rotation";
import { rdsNotPublic } from "./rds-2-not-public";
import { rdsStorageEncrypted } from "./rds-3-storage-encrypted";
import { rdsMultiAz } from "./rds-5-multi-az";
import { rdsDeletionProtection } from "./rds-8-deletion-protection";
import { rdsLogExports } from "./rds-9-log-exports";
import { rdsBackupRetention } from "./rds-11-backup-retention";
import { rdsMinorVersionUpgrade } from "./rds-13-minor-version-upgrade";
import { rdsCopyTagsToSnapshot } from "./rds-17-copy-tags";
import { rdsAdminUsername } from "./rds-25-admin-username";
import { rdsBackupPlan } from "./rds-26-backup-plan";
import { backupRecoveryPointEncryption } from "./backup-1-recovery-point-encryption";
import { s3DenyInsecureTransport } from "./s3-5-deny-insecure-transport";
import { s3PublicAccessBlock } from "./s3-8-public-access-block";
import { s3NoAcls } from "./s3-12-no-acls";
import { sqsEncryption } from "./sqs-1-encryption";
import { whcEcsCircuitBreaker } from "./whc-ecs1-circuit-breaker";
import { whcEcsDeploymentAlarms } from "./whc-ecs2-deployment-alarms";
import { whcServiceConnectLogs } from "./whc-ecs4-service-connect-logs";
import { whcScheduleDeadLetters } from "./whc-job1-schedule-dead-letters";
import { whcCommandTemplates } from "./whc-ecs3-command-templates";
import { whcServiceTrustSource } from "./whc-iam2-service-trust-source";
import { whcKeyUseConditions } from "./whc-kms1-key-use-conditions";
import { whcEndpointPolicy } from "./whc-net1-endpoint-policy";
import { whcDatabaseProtection } from "./whc-safe2-database-protection";
import { whcLogRetention } from "./whc-log1-log-retention";
import { whcPreventDestroy } from "./whc-safe1-prevent-destroy";
import { whcNoLiteralSecrets } from "./whc-sec1-no-literal-secrets";
import { whcAlarmActions } from "./whc-ops1-alarm-actions";
import { whcSnsTopicEncryption } from "./whc-sns1-topic-encryption";
import { whcProductionAlbWebAcl } from "./whc-waf1-production-alb-web-acl";
import { whcWebAclLogging } from "./whc-waf2-web-acl-logging";
import { whcWriteOnlySecrets } from "./whc-sec2-write-only-secrets";
import { whcMasterSecretUnread } from "./whc-sec3-master-secret";
import { whcVaultLock } from "./whc-bak1-vault-lock";

/**
 * Every rule of the policy pack, in report order: AWS Foundational Security Best Practices controls by service,
 * then our own `WHC.*` rules.
 */
export const ALL_POLICY_RULES: readonly PolicyRule[] = [
  ec2DefaultSecurityGroup,
  ec2VpcFlowLogs,
  ec2SubnetPublicIp,
  ec2UnrestrictedPorts,
  ec2HighRiskPorts,
  elbHttpRedirect,
  elbDropInvalidHeaders,
  elbAccessLogs,
  elbDeletionProtection,
  elbDesyncMitigation,
  elbMultipleSubnets,
  elbTlsPolicy,
  ecsNoPublicIp,
  ecsPidMode,
  ecsPrivileged,
  ecsReadOnlyRoot,
  ecsNoSecretsInEnvironment,
  ecsLogConfiguration,
  ecsPlatformVersion,
  ecsContainerInsights,
  rdsNotPublic,
  rdsStorageEncrypted,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsLogExports,
  rdsBackupRetention,
  rdsMinorVersionUpgrade,
  rdsCopyTagsToSnapshot,
  rdsAdminUsername,
  rdsBackupPlan,
  s3DenyInsecureTransport,
  s3PublicAccessBlock,
  s3NoAcls,
  sqsEncryption,
  dynamodbPointInTimeRecovery,
  dynamodbDeletionProtection,
  iamNoFullAdmin,
  iamNoServiceWildcards,
  kmsKeyRotation,
  backupRecoveryPointEncryption,
  whcLogRetention,
  whcNoLiteralSecrets,
  whcWriteOnlySecrets,
  whcMasterSecretUnread,
  whcPreventDestroy,
  whcDatabaseProtection,
  whcEcsCircuitBreaker,
  whcEcsDeploymentAlarms,
  whcCommandTemplates,
  whcServiceConnectLogs,
  whcScheduleDeadLetters,
  whcServiceTrustSource,
  whcEndpointPolicy,
  whcKeyUseConditions,
  whcAlarmActions,
  whcSnsTopicEncryption,
  whcProductionAlbWebAcl,
  whcWebAclLogging,
  whcVaultLock,
];

export {
  backupRecoveryPointEncryption,
  dynamodbDeletionProtection,
  dynamodbPointInTimeRecovery,
  ec2DefaultSecurityGroup,
  ec2HighRiskPorts,
  ec2SubnetPublicIp,
  ec2UnrestrictedPorts,
  ec2VpcFlowLogs,
  ecsContainerInsights,
  ecsLogConfiguration,
  ecsNoPublicIp,
  ecsNoSecretsInEnvironment,
  ecsPidMode,
  ecsPlatformVersion,
  ecsPrivileged,
  ecsReadOnlyRoot,
  elbAccessLogs,
  elbDeletionProtection,
  elbDesyncMitigation,
  elbDropInvalidHeaders,
  elbHttpRedirect,
  elbMultipleSubnets,
  elbTlsPolicy,
  iamNoFullAdmin,
  iamNoServiceWildcards,
  kmsKeyRotation,
  rdsAdminUsername,
  rdsBackupPlan,
  rdsBackupRetention,
  rdsCopyTagsToSnapshot,
  rdsDeletionProtection,
  rdsLogExports,
  rdsMinorVersionUpgrade,
  rdsMultiAz,
  rdsNotPublic,
  rdsStorageEncrypted,
  s3DenyInsecureTransport,
  s3NoAcls,
  s3PublicAccessBlock,
  sqsEncryption,
  whcAlarmActions,
  whcCommandTemplates,
  whcDatabaseProtection,
  whcEcsCircuitBreaker,
  whcEcsDeploymentAlarms,
  whcEndpointPolicy,
  whcKeyUseConditions,
  whcLogRetention,
  whcNoLiteralSecrets,
  whcMasterSecretUnread,
  whcPreventDestroy,
  whcProductionAlbWebAcl,
  whcScheduleDeadLetters,
  whcServiceConnectLogs,
  whcServiceTrustSource,
  whcSnsTopicEncryption,
  whcVaultLock,
  whcWebAclLogging,
  whcWriteOnlySecrets,
};
