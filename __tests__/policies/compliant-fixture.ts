import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { TerraformVariable } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";

const keep = { preventDestroy: true };

/** Bare resources of every type the policy pack checks, configured to pass every rule in production. */
export function buildCompliantResources(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  const vpc = new Vpc(scope, "vpc", { cidrBlock: "10.0.0.0/16" });
  new DefaultSecurityGroup(scope, "vpc_default", { vpcId: vpc.id });
  new VpcEndpoint(scope, "s3_endpoint", {
    vpcId: vpc.id,
    serviceName: "com.amazonaws.eu-west-1.s3",
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceAccount": "123456789012" } } }],
    }),
  });
  const flowLogs = new CloudwatchLogGroup(scope, "flow_logs", { name: "flow", retentionInDays: 30 });
  new FlowLog(scope, "vpc_flow", { vpcId: vpc.id, trafficType: "REJECT", logDestination: flowLogs.arn, iamRoleArn: "arn:aws:iam::123456789012:role/flow" });
  const a = new Subnet(scope, "public_a", { vpcId: vpc.id, cidrBlock: "10.0.0.0/24", availabilityZone: "eu-west-1a" });
  const b = new Subnet(scope, "public_b", { vpcId: vpc.id, cidrBlock: "10.0.1.0/24", availabilityZone: "eu-west-1b" });
  const albSg = new SecurityGroup(scope, "alb_sg", {
    vpcId: vpc.id,
    ingress: [
      { fromPort: 443, toPort: 443, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
      { fromPort: 80, toPort: 80, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] },
      { fromPort: 4000, toPort: 4000, protocol: "tcp", cidrBlocks: [vpc.cidrBlock] },
    ],
  });

  const logs = new S3Bucket(scope, "logs", { bucket: "whc-logs", lifecycle: keep });
  new S3BucketPublicAccessBlock(scope, "logs_pab", {
    bucket: logs.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, "logs_ownership", { bucket: logs.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
  const tls = new DataAwsIamPolicyDocument(scope, "logs_policy_document", {
    statement: [
      {
        effect: "Deny",
        actions: ["s3:*"],
        resources: [logs.arn, `${logs.arn}/*`],
        principals: [{ type: "*", identifiers: ["*"] }],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ],
  });
  new S3BucketPolicy(scope, "logs_policy", { bucket: logs.id, policy: tls.json });

  const lb = new Lb(scope, "alb", {
    subnets: [a.id, b.id],
    securityGroups: [albSg.id],
    dropInvalidHeaderFields: true,
    enableDeletionProtection: true,
    desyncMitigationMode: "strictest",
    accessLogs: { bucket: logs.bucket, enabled: true },
  });
  new LbListener(scope, "http", {
    loadBalancerArn: lb.arn,
    port: 80,
    protocol: "HTTP",
    defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
  });
  new LbListener(scope, "https", {
    loadBalancerArn: lb.arn,
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
    defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }],
  });
  const webAcl = new Wafv2WebAcl(scope, "web_acl", {
    name: "whc",
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "whc", sampledRequestsEnabled: true },
  });
  new Wafv2WebAclAssociation(scope, "web_acl_association", { resourceArn: lb.arn, webAclArn: webAcl.arn });
  const wafLogs = new CloudwatchLogGroup(scope, "waf_logs", { name: "aws-waf-logs-whc", retentionInDays: 365 });
  new Wafv2WebAclLoggingConfiguration(scope, "web_acl_logging", {
    resourceArn: webAcl.arn,
    logDestinationConfigs: [wafLogs.arn],
    redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
  });

  const root = { AWS: "arn:aws:iam::123456789012:root" };
  const key = new KmsKey(scope, "key", {
    enableKeyRotation: true,
    lifecycle: keep,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "Administer", Effect: "Allow", Principal: root, Action: ["kms:Describe*", "kms:PutKeyPolicy"], Resource: "*" },
        { Sid: "Use", Effect: "Allow", Principal: root, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*", Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } },
      ],
    }),
  });
  const alerts = new SnsTopic(scope, "alerts", { name: "alerts", kmsMasterKeyId: key.arn });
  new CloudwatchMetricAlarm(scope, "alarm", {
    alarmName: "whc-5xx-rate",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    evaluationPeriods: 3,
    namespace: "AWS/ApplicationELB",
    metricName: "HTTPCode_Target_5XX_Count",
    period: 60,
    statistic: "Sum",
    threshold: 10,
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });
  const appLogs = new CloudwatchLogGroup(scope, "app_logs", { name: "app", retentionInDays: 365, kmsKeyId: key.arn });
  const secret = new SecretsmanagerSecret(scope, "app_secret", { name: "app", kmsKeyId: key.arn, lifecycle: keep });
  // Stands in for a generated password: a value known only at apply.
  const generated = new TerraformVariable(stack, "generated_password", { type: "string", sensitive: true });
  new SecretsmanagerSecretVersion(scope, "app_secret_value", {
    secretId: secret.id,
    secretStringWo: JSON.stringify({ username: "whcsites_admin", password: generated.stringValue }),
    secretStringWoVersion: 1,
  });

  const cluster = new EcsCluster(scope, "cluster", { name: "whc", setting: [{ name: "containerInsights", value: "enabled" }] });
  const task = new EcsTaskDefinition(scope, "task", {
    family: "whc",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    containerDefinitions: JSON.stringify([
      {
        name: "app",
        image: "ghcr.io/example/whcsites:1.0.0",
        readonlyRootFilesystem: true,
        environment: [{ name: "PHX_HOST", value: "api.example.org" }, { name: "PORT", value: "4000" }],
        secrets: [{ name: "DATABASE_URL", valueFrom: `${secret.arn}:DATABASE_URL::` }],
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": appLogs.name, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app" } },
      },
    ]),
  });
  new EcsService(scope, "service", {
    name: "whc",
    cluster: cluster.arn,
    taskDefinition: task.arn,
    launchType: "FARGATE",
    networkConfiguration: { subnets: [a.id, b.id], assignPublicIp: false },
    deploymentCircuitBreaker: { enable: true, rollback: true },
    loadBalancer: [{ targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/whc/abc", containerName: "app", containerPort: 4000 }],
    alarms: { alarmNames: ["whc-5xx-rate"], enable: true, rollback: true },
    serviceConnectConfiguration: {
      enabled: true,
      namespace: "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-whc",
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": appLogs.name, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "service-connect" } },
    },
  });
  // A scheduled job's schedule and its dead-letter queue.
  const deadLetters = new SqsQueue(scope, "dead_letters", { name: "whc-job-dead-letters", sqsManagedSseEnabled: true });
  new SchedulerSchedule(scope, "job_schedule", {
    scheduleExpression: "cron(0 2 * * ? *)",
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: cluster.arn,
      roleArn: "arn:aws:iam::123456789012:role/whc-job-scheduler",
      ecsParameters: { taskDefinitionArn: task.arn, launchType: "FARGATE", networkConfiguration: { subnets: [a.id, b.id], assignPublicIp: false } },
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: deadLetters.arn },
    },
  });

  const role = new IamRole(scope, "task_role", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*" } },
      }],
    }),
  });
  new IamRolePolicy(scope, "task_role_policy", {
    role: role.id,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secret.arn] },
        {
          Effect: "Allow",
          Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
          Resource: "*",
        },
      ],
    }),
  });

  const database = new DbInstance(scope, "database", {
    engine: "postgres",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    username: "whcsites_admin",
    passwordWo: generated.stringValue,
    passwordWoVersion: 1,
    storageEncrypted: true,
    multiAz: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "whc-final",
    deleteAutomatedBackups: false,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    backupRetentionPeriod: 7,
    copyTagsToSnapshot: true,
    publiclyAccessible: false,
    lifecycle: keep,
  });
  // Backed up (RDS.26) into a vault with its own key (Backup.1), locked (WHC.BAK1).
  const vault = new BackupVault(scope, "vault", { name: "whc-backups", kmsKeyArn: key.arn, lifecycle: keep });
  new BackupVaultLockConfiguration(scope, "vault_lock", { backupVaultName: vault.name, minRetentionDays: 7 });
  const plan = new BackupPlan(scope, "backup_plan", {
    name: "whc-backups",
    rule: [{ ruleName: "daily", targetVaultName: vault.name, schedule: "cron(0 5 ? * * *)", lifecycle: { deleteAfter: 35 } }],
  });
  new BackupSelection(scope, "backup_selection", { name: "whc-database", planId: plan.id, iamRoleArn: "arn:aws:iam::123456789012:role/backup", resources: [database.arn] });

  new DynamodbTable(scope, "locks", {
    name: "locks",
    hashKey: "LockID",
    attribute: [{ name: "LockID", type: "S" }],
    billingMode: "PAY_PER_REQUEST",
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    lifecycle: keep,
  });
}
