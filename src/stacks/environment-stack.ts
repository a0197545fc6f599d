import { Construct } from "constructs";
import { S3Backend, TerraformOutput, TerraformVariable } from "cdktf";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { EnvironmentConfig } from "../config/environment";
import { StateConfig, stateAccessRoleArn, stateKey, stateKeyAliasArn } from "../config/state";
import { Naming } from "../core/naming";
import { Alb } from "../constructs/alb";
import { EcsService } from "../constructs/ecs-service";
import { MigrationTask } from "../constructs/migration-task";
import { DeployGate } from "../constructs/deploy-gate";
import { Network } from "../constructs/network";
import { POSTGRES_PORT, Rds } from "../constructs/rds";
import { AppSecrets } from "../constructs/secrets";
import { acknowledge, applyPolicies } from "../policies";
import { addAwsProvider } from "./aws-provider";
import { ReadableStack } from "./readable-stack";

/** The application name: the first part of every stack and physical name. */
export const APP_NAME = "whcsites";

/** The stack name of an environment: `whcsites-<environment>`. */
export function environmentStackName(environment: string): string {
  return `${APP_NAME}-${environment}`;
}

/** Props of {@link EnvironmentStack}. */
export interface EnvironmentStackProps {
  /** The validated environment file. */
  readonly config: EnvironmentConfig;
  /** Where the state lives (created by the `whcsites-state` stack). */
  readonly state: StateConfig;
}

/** One environment of the WHC Sites API: network, secrets, database, load balancer and the Fargate service. */
export class EnvironmentStack extends ReadableStack {
  /** The naming context every construct in this stack uses. */
  public readonly naming: Naming;
  /** The image tag to deploy: `--var image_tag=<tag>` overrides the environment file's tag. */
  public readonly imageTag: TerraformVariable;
  /** VPC with public, private and isolated database subnets. */
  public readonly network: Network;
  /** The internet-facing load balancer in front of the API. */
  public readonly loadBalancer: Alb;
  /** Generated secrets (secret key base, database credentials) in Secrets Manager. */
  public readonly secrets: AppSecrets;
  /** The PostgreSQL database in the isolated subnets. */
  public readonly database: Rds;
  /** The Phoenix API on Fargate behind the load balancer. */
  public readonly service: EcsService;
  /** The one-off migration task definition (same image and secrets as the service). */
  public readonly migration: MigrationTask;
  /** Runs the migration before the service rolls out, unless `migrations.runOnDeploy` is false. */
  public readonly deployGate?: DeployGate;

  public constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { config, state } = props;
    this.naming = new Naming(APP_NAME, config.name);

    new S3Backend(this, {
      bucket: state.bucketName,
      key: stateKey(config.name),
      region: state.region,
      encrypt: true,
      kmsKeyId: stateKeyAliasArn(state),
      dynamodbTable: state.lockTableName,
    });
    // Terraform >= 1.10 locks in S3 itself and deprecates the DynamoDB lock; both stay on until every operator runs
    // Terraform >= 1.10 (see README, "Dropping the DynamoDB lock").
    this.addOverride("terraform.backend.s3.use_lockfile", true);
    // The state account may differ from the environment's: deploys assume the role the state stack made for this
    // environment, which reaches this environment's state only. (cdktf 0.21 has only the deprecated flat role_arn.)
    this.addOverride("terraform.backend.s3.assume_role", { role_arn: stateAccessRoleArn(state, config.name) });

    addAwsProvider(this, { naming: this.naming, region: config.region, accountId: config.accountId });
    // Generates the secret key base and the database password (see src/constructs/secrets.ts).
    new RandomProvider(this, "random");

    this.imageTag = new TerraformVariable(this, "image_tag", {
      type: "string",
      default: config.image.tag,
      description: `Tag of ${config.image.repository} to run. CI ships a release with: cdktf deploy ${id} --var image_tag=<tag>`,
      validation: [
        {
          condition: '${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))}',
          errorMessage: "image_tag must be a container image tag: letters, digits, _ . -, at most 128 characters.",
        },
      ],
    });

    this.network = new Network(this, "network", {
      naming: this.naming,
      region: config.region,
      accountId: config.accountId,
      cidrBlock: config.network.vpcCidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.network.natGateways,
      flowLogs: config.network.flowLogs,
      flowLogRetentionDays: config.network.flowLogRetentionDays,
      vpcEndpoints: config.network.vpcEndpoints,
    });

    this.loadBalancer = new Alb(this, "api", {
      naming: this.naming,
      network: this.network,
      region: config.region,
      accountId: config.accountId,
      production: config.production,
      domain: config.domain,
      accessLogs: config.loadBalancer.accessLogs,
      accessLogRetentionDays: config.loadBalancer.accessLogRetentionDays,
      idleTimeoutSeconds: config.loadBalancer.idleTimeoutSeconds,
      deregistrationDelaySeconds: config.loadBalancer.deregistrationDelaySeconds,
      healthCheck: config.loadBalancer.healthCheck,
    });

    this.secrets = new AppSecrets(this, "secrets", {
      naming: this.naming,
      production: config.production,
      accountId: config.accountId,
      region: config.region,
      recoveryWindowDays: config.secrets.recoveryWindowDays,
      customerManagedKey: config.secrets.customerManagedKey,
      registryCredentials: config.service.registryCredentials,
    });

    // The database stores its own connection (host, port, url) into the secrets it is given.
    this.database = new Rds(this, "database", {
      naming: this.naming,
      network: this.network,
      secrets: this.secrets,
      production: config.production,
      engineVersion: config.database.engineVersion,
      instanceClass: config.database.instanceClass,
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      backupRetentionDays: config.database.backupRetentionDays,
      multiAz: config.database.multiAz,
      deletionProtection: config.database.deletionProtection,
      performanceInsights: config.database.performanceInsights,
      monitoringIntervalSeconds: config.database.monitoringIntervalSeconds,
      logRetentionDays: config.database.logRetentionDays,
    });

    this.service = new EcsService(this, "service", {
      naming: this.naming,
      network: this.network,
      region: config.region,
      accountId: config.accountId,
      image: `${config.image.repository}:${this.imageTag.stringValue}`,
      secrets: this.secrets,
      loadBalancer: this.loadBalancer,
      phxHost: config.domain?.name ?? this.loadBalancer.dnsName,
      production: config.production,
      cpu: config.service.cpu,
      memoryMiB: config.service.memoryMiB,
      cpuArchitecture: config.service.cpuArchitecture,
      desiredCount: config.service.desiredCount,
      minCount: config.service.minCount,
      maxCount: config.service.maxCount,
      fargateSpot: config.service.fargateSpot,
      enableExecuteCommand: config.service.enableExecuteCommand,
      poolSize: config.service.poolSize,
      logRetentionDays: config.service.logRetentionDays,
      healthCheckGracePeriodSeconds: config.service.healthCheckGracePeriodSeconds,
      targetCpuPercent: config.service.targetCpuPercent,
      targetRequestsPerTarget: config.service.targetRequestsPerTarget,
    });
    // Traffic: ALB -> service on the container port (the service admits the ALB itself); service -> database on 5432.
    this.loadBalancer.allowTo(this.service, this.service.containerPort);
    this.service.allowTo(this.database, POSTGRES_PORT);
    // Tasks (the service's and the migration's) start only once they can pull the image, reach the database and read
    // its connection secret: on a first deploy these are created in the same apply.
    this.service.addTaskPrerequisite(
      this.database.allowFrom(this.service),
      this.database.instance,
      this.database.connectionSecretValue,
      ...this.network.privateEgress,
    );

    this.migration = new MigrationTask(this, "migrations", {
      naming: this.naming,
      service: this.service,
      command: config.migrations.command,
    });
    if (config.migrations.runOnDeploy) {
      this.deployGate = new DeployGate(this, "deploy_gate", {
        migration: this.migration,
        dependsOn: this.service.taskPrerequisites,
        timeoutMinutes: config.migrations.timeoutMinutes,
      });
      // A failed migration stops the deploy here: the old tasks keep serving.
      this.service.addDependency(this.deployGate.resource);
    }

    this.addOutputs();

    if (!this.loadBalancer.tlsEnabled) {
      // The config loader refuses production without a domain, so this exception exists outside production only.
      acknowledge(
        this.loadBalancer.listener,
        "ELB.1",
        "non-production environment without a domain: no certificate can be issued, so the ALB serves plain HTTP on its AWS DNS name",
      );
    }
    // Last: aspects added after this would run after the checks.
    applyPolicies(this, { production: config.production, resolvedAtPreparation: () => this.takeResolvedAtPreparation() });
  }

  /** What operators and CI need after a deploy. Never a secret: the database password stays in Secrets Manager. */
  private addOutputs(): void {
    const outputs: Record<string, { value: unknown; description: string }> = {
      api_url: { value: this.loadBalancer.url, description: "Base URL of the API" },
      cluster_name: { value: this.service.clusterName, description: "ECS cluster" },
      service_name: { value: this.service.serviceName, description: "ECS service" },
      task_definition_family: { value: this.service.taskDefinitionFamily, description: "Task definition family of the API" },
      log_group_name: { value: this.service.logGroupName, description: "CloudWatch log group of the API containers" },
      ...(this.service.execLogGroupName === undefined
        ? {}
        : { exec_log_group_name: { value: this.service.execLogGroupName, description: "CloudWatch log group of ECS Exec sessions (commands and output)" } }),
      database_endpoint: { value: `${this.database.address}:${this.database.port}`, description: "PostgreSQL endpoint (host:port); credentials are in Secrets Manager" },
      database_secret_arn: { value: this.secrets.databaseConnectionArn, description: "Secrets Manager ARN of the database connection (read it with the AWS CLI; never printed)" },
      migration: { value: this.migration.runTarget, description: "Target of `npm run migrate -- --stack <stack>`" },
    };
    for (const [id, output] of Object.entries(outputs)) new TerraformOutput(this, id, output);
  }
}
