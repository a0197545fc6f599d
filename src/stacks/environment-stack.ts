import { Construct } from "constructs";
import { S3Backend, TerraformVariable } from "cdktf";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { EnvironmentConfig } from "../config/environment";
import { StateConfig } from "../config/state";
import { Naming } from "../naming";
import { Alb } from "../constructs/alb";
import { Network } from "../constructs/network";
import { Rds } from "../constructs/rds";
import { AppSecrets } from "../constructs/secrets";
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

  public constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { config, state } = props;
    this.naming = new Naming(APP_NAME, config.name);

    new S3Backend(this, {
      bucket: state.bucketName,
      key: `${APP_NAME}/${config.name}/terraform.tfstate`,
      region: state.region,
      encrypt: true,
      dynamodbTable: state.lockTableName,
    });
    // Terraform >= 1.10 locks in S3 itself and deprecates the DynamoDB lock; both stay on until every operator runs
    // Terraform >= 1.10 (see README, "Dropping the DynamoDB lock").
    this.addOverride("terraform.backend.s3.use_lockfile", true);

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
  }
}
