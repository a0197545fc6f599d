import { Construct } from "constructs";
import { ITerraformDependable, S3Backend, TerraformLocal, TerraformOutput, TerraformVariable } from "cdktf";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { API_SERVICE, EnvironmentConfig, imageReference, JobConfig, RecoveryConfig, runnableImage, SECRET_KEY_BASE_SECRET, ServiceConfig } from "../config/environment";
import { StateConfig, stateAccessRoleArn, stateKey, stateKeyAliasArn } from "../config/state";
import { acknowledge } from "../core/acknowledge";
import { Naming } from "../core/naming";
import { tierDefaults } from "../domain/tier-defaults";
import { Alb } from "../constructs/alb";
import { Cluster, ContainerProfile, ectoDatabaseUrl, FargateService, phoenixRelease, plainContainer, ServiceConnectNamespace, withOwnVariables } from "../constructs/ecs-service";
import { ScheduledJob } from "../constructs/jobs";
import { DeployGate, DeployGateStep, MigrationTask, PostgresRoleBootstrap, TierGuard } from "../constructs/release";
import { Network } from "../constructs/network";
import { POSTGRES_PORT, Rds } from "../constructs/rds";
import { AppSecrets, DatabaseRoleSecret, ServiceSecret } from "../constructs/secrets";
// operations (alarms, their topic, the dashboard) and edge protection (the web ACL)
import { AlertTopic, Dashboard, DashboardSection, DatabaseAlarms, JobAlarms, LoadBalancerAlarms, ServiceAlarms } from "../constructs/observability";
import { WebAcl } from "../constructs/edge";
// disaster recovery: backups, their copy in a second region, restore tests and the drill's check
import { BackupPlan, BackupVault, ReplicatedBackups, RestoreCheckTask, RestoreTesting, VaultLock } from "../constructs/backup";
import { RESTORE_DRILL_OUTPUT } from "../domain/backup";
import { applyPolicies } from "../policies";
import { APP_NAME } from "../core/app-name";
import { addAwsProvider } from "./aws-provider";
import { FieldMap, fromFile } from "./config-fields";
import { addFirstWaveMoves } from "./first-wave-moves";
import { githubDeployRoleArnOf, workloadBoundaryArnOf } from "./github-stack";
import { ReadableStack } from "./readable-stack";

/** The stack name of an environment: `whcsites-<environment>`. */
export function environmentStackName(environment: string): string {
  return `${APP_NAME}-${environment}`;
}

/** The disaster recovery of an environment's database (see `EnvironmentStack.recovery`). */
export interface Recovery {
  /** The AWS provider of the DR region (alias `dr`). */
  readonly provider: AwsProvider;
  /** The vault the backups go into, in the environment's region. */
  readonly vault: BackupVault;
  /** The vault in the DR region the recovery points are copied to. */
  readonly drVault: BackupVault;
  /** The backup plan: daily and monthly rules, each copied to the DR vault. */
  readonly plan: BackupPlan;
  /** The database's automated backups replicated to the DR region, with `pointInTimeReplication`. */
  readonly replicated?: ReplicatedBackups;
  /** The one-off task that checks a restored copy, and the security group of restored copies. */
  readonly check: RestoreCheckTask;
  /** AWS Backup's monthly restore test, unless the file turns it off. */
  readonly restoreTesting?: RestoreTesting;
}

/** Props of {@link EnvironmentStack}. */
export interface EnvironmentStackProps {
  /** The validated environment file. */
  readonly config: EnvironmentConfig;
  /** Where the state lives (created by the `whcsites-state` stack). */
  readonly state: StateConfig;
}

/** The database role the services log in as: it reads and writes rows, and changes no schema. */
export const APP_DATABASE_ROLE = "app";
/** The database role migrations log in as: it owns the schema. */
export const MIGRATOR_DATABASE_ROLE = "migrator";

/** Where each construct's props come from in the environment file, where the names differ. */
const NETWORK_FIELDS: FieldMap = { cidrBlock: "vpcCidr", availabilityZones: "/availabilityZones", region: "/region", accountId: "/accountId" };
const ALB_FIELDS: FieldMap = { domain: "/domain", "network.publicSubnetIds": "/availabilityZones", accountId: "/accountId" };
const SECRETS_FIELDS: FieldMap = { accountId: "/accountId", region: "/region" };
const DATABASE_FIELDS: FieldMap = { accountId: "/accountId", finalSnapshot: "/disposable", retainAutomatedBackups: "/disposable" };
const TIER_GUARD_FIELDS: FieldMap = { tier: "/tier", acknowledgedChange: "/tierChange", disposable: "/disposable" };
const SERVICE_FIELDS: FieldMap = {
  "loadBalancer.healthCheck.path": "healthCheckPath",
  "loadBalancer.healthCheck": "/loadBalancer.healthCheck",
  "loadBalancer.deregistrationDelaySeconds": "/loadBalancer.deregistrationDelaySeconds",
  "loadBalancer.healthCheckGracePeriodSeconds": "healthCheckGracePeriodSeconds",
  "loadBalancer.targetRequestsPerTarget": "targetRequestsPerTarget",
  phxHost: "/domain.name",
  name: "(name)",
  accountId: "/accountId",
};
const MIGRATION_FIELDS: FieldMap = { cpu: "(cpu)", memoryMiB: "(memoryMiB)" };
const JOB_FIELDS: FieldMap = { name: "(name)", accountId: "/accountId" };
const SERVICE_CONNECT_FIELDS: FieldMap = { "serviceConnect.expose": "expose" };
// Operations and edge protection: the alarm constructs' thresholds are the file's alerts.thresholds
const ALERTS_FIELDS: FieldMap = { existingTopicArn: "topicArn", accountId: "/accountId", region: "/region" };
const SERVICE_ALARMS_FIELDS: FieldMap = { thresholds: "/alerts.thresholds.service", name: "(name)", errorLogPattern: "(errorLogPattern)", minimumRequests: "(minimumRequests)" };
const LOAD_BALANCER_ALARMS_FIELDS: FieldMap = { thresholds: "/alerts.thresholds.loadBalancer" };
const DATABASE_ALARMS_FIELDS: FieldMap = { thresholds: "/alerts.thresholds.database", "database.instanceClass": "instanceClass" };
const WEB_ACL_FIELDS: FieldMap = { thresholds: "/alerts.thresholds.webAcl", accountId: "/accountId", region: "/region" };

// Disaster recovery: the vaults' lock is the file's dr.vaultLock; each vault's region is the file's region or dr.region.
const VAULT_FIELDS: FieldMap = { lock: "vaultLock", region: "/region", accountId: "/accountId" };
const DR_VAULT_FIELDS: FieldMap = { lock: "vaultLock", region: "region", accountId: "/accountId" };
const BACKUP_PLAN_FIELDS: FieldMap = { copyTo: "region", region: "/region", accountId: "/accountId" };
const REPLICATED_BACKUPS_FIELDS: FieldMap = { retentionDays: "/database.backupRetentionDays", vault: "region" };
const RESTORE_TESTING_FIELDS: FieldMap = { validationWindowHours: "restoreValidationHours", region: "/region", accountId: "/accountId" };

/**
 * The restore check of an application whose migration framework is unknown: the restored copy has tables (NULL, so a
 * failed check, when it has none).
 */
const ANY_TABLES_QUERY = "SELECT NULLIF(count(*), 0)::text || ' tables in schema public' FROM pg_tables WHERE schemaname = 'public'";

/** Why alarms without a notification are acceptable where the file says `"alerts": {"notify": false}`. */
const NO_NOTIFICATION_REASON =
  'non-production environment whose file sets "alerts": {"notify": false}: the alarms exist for the dashboard and notify nobody, by that explicit choice';

/**
 * One environment of the WHC Sites API: network, secrets, an optional database, a shared load balancer and ECS
 * cluster, and one Fargate service per entry of the file's `services` (the Phoenix API is `api`), with the migration
 * task and its deploy gate.
 */
export class EnvironmentStack extends ReadableStack {
  /** The naming context every construct in this stack uses. */
  public readonly naming: Naming;
  /**
   * The emergency override of the release image (`--var emergency_image=<repository>@sha256:<digest>`): empty, the
   * default, runs the environment file's image. Never part of an ordinary release (docs/operating.md, "Emergency image").
   */
  public readonly emergencyImage: TerraformVariable;
  /** The image every service without its own runs, and the migration: the file's, unless the emergency override is set. */
  public readonly releaseImage: string;
  /** VPC with public, private and isolated database subnets. */
  public readonly network: Network;
  /** The internet-facing load balancer all routed services share. */
  public readonly loadBalancer: Alb;
  /** The ECS cluster all services share. */
  public readonly cluster: Cluster;
  /** The environment's secrets in Secrets Manager. */
  public readonly secrets: AppSecrets;
  /** Fails a plan that changes the environment's tier, unless the file acknowledges the change. */
  public readonly tierGuard: TierGuard;
  /** The PostgreSQL database in the isolated subnets, when the file has one. */
  public readonly database?: Rds;
  /** The services, by name. */
  public readonly services: ReadonlyMap<string, FargateService>;
  /** The Cloud Map namespace of Service Connect, when a service exposes a name or calls one. */
  public readonly serviceConnectNamespace?: ServiceConnectNamespace;
  /** The scheduled jobs, by name. */
  public readonly jobs: ReadonlyMap<string, ScheduledJob>;
  /** The one-off migration task definition (the owning service's image and secrets), when migrations are on. */
  public readonly migration?: MigrationTask;
  /** Creates and updates the database's login roles (the only task with the master password). */
  public readonly databaseRoles?: PostgresRoleBootstrap;
  /**
   * Runs the role bootstrap and the migration (unless `migrations.runOnDeploy` is false) before the services that
   * use the database roll out.
   */
  public readonly deployGate?: DeployGate;
  // ── operations and edge protection ──
  /** The topic the alarms notify, unless the file names an existing topic or no notification. */
  public readonly alertTopic?: AlertTopic;
  /** The web application firewall on the load balancer, when it is on. */
  public readonly webAcl?: WebAcl;
  /** The environment's CloudWatch dashboard. */
  public readonly dashboard: Dashboard;
  // ── disaster recovery ──
  /** The database's backup plan, its vaults, restore tests and the restore check, when the file has `dr`. */
  public readonly recovery?: Recovery;

  private readonly profiles = new Map<string, ContainerProfile>();

  public constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { config, state } = props;
    const file = config.file;
    this.naming = new Naming(APP_NAME, config.name);

    // ── state and providers ──
    new S3Backend(this, {
      bucket: state.bucketName,
      key: stateKey(config.name),
      region: state.region,
      encrypt: true,
      kmsKeyId: stateKeyAliasArn(state),
      dynamodbTable: state.lockTableName,
    });
    // Terraform >= 1.10 locks in S3 itself and deprecates the DynamoDB lock; both stay on until every operator runs
    // Terraform >= 1.10 (see docs/operating.md, "Dropping the DynamoDB lock").
    this.addOverride("terraform.backend.s3.use_lockfile", true);
    // The state account may differ from the environment's: deploys assume the role the state stack made for this
    // environment, which reaches this environment's state only. (cdktf 0.21 has only the deprecated flat role_arn.)
    this.addOverride("terraform.backend.s3.assume_role", { role_arn: stateAccessRoleArn(state, config.name) });
    addAwsProvider(this, { naming: this.naming, region: config.region, accountId: config.accountId });

    // ── data protection: a change of tier fails in Terraform unless the file acknowledges it ──
    this.tierGuard = fromFile(file, "", TIER_GUARD_FIELDS, () =>
      new TierGuard(this, "tier_guard", { tier: config.tier, acknowledgedChange: config.tierChange, disposable: config.disposable }),
    );

    // ── release: the file's image, so that every deploy (a release or an infrastructure change) runs what the file says ──
    const release = releaseImage(this, config, id);
    this.emergencyImage = release.emergency;
    this.releaseImage = release.image;
    // With delivery, the GitHub deploy role may create and change roles only with the workload boundary: every role here has it.
    const permissionsBoundaryArn = workloadBoundaryArnOf(config);
    // With delivery, the deploy role administers the keys created here through their own policies (and no other key).
    const keyAdministratorArns = keyAdministratorsOf(config);

    // ── network ──
    this.network = fromFile(file, "network", NETWORK_FIELDS, () =>
      new Network(this, "network", {
        naming: this.naming,
        region: config.region,
        accountId: config.accountId,
        production: config.production,
        cidrBlock: config.network.vpcCidr,
        availabilityZones: config.availabilityZones,
        natGateways: config.network.natGateways,
        flowLogs: config.network.flowLogs,
        flowLogRetentionDays: config.network.flowLogRetentionDays,
        vpcEndpoints: config.network.vpcEndpoints,
        // Secrets of other accounts pass the Secrets Manager endpoint's policy, which allows this account's own.
        crossAccountSecretArns: secretArnsOutside(config),
        permissionsBoundaryArn,
      }),
    );

    // ── edge: the shared load balancer ──
    this.loadBalancer = fromFile(file, "loadBalancer", ALB_FIELDS, () =>
      new Alb(this, "api", {
        naming: this.naming,
        network: this.network,
        region: config.region,
        accountId: config.accountId,
        production: config.production,
        domain: config.domain,
        accessLogs: config.loadBalancer.accessLogs,
        accessLogRetentionDays: config.loadBalancer.accessLogRetentionDays,
        idleTimeoutSeconds: config.loadBalancer.idleTimeoutSeconds,
      }),
    );

    // ── secrets and database ──
    this.secrets = fromFile(file, "secrets", SECRETS_FIELDS, () =>
      new AppSecrets(this, "secrets", {
        naming: this.naming,
        production: config.production,
        accountId: config.accountId,
        region: config.region,
        recoveryWindowDays: config.secrets.recoveryWindowDays,
        customerManagedKey: config.secrets.customerManagedKey,
        keyAdministratorArns,
        databaseCredentials: config.database !== undefined,
        // The application reads and writes rows as `app`; migrations own the schema as `migrator`; the master user
        // goes to the role bootstrap only.
        databaseRoles: config.database === undefined ? [] : [APP_DATABASE_ROLE, MIGRATOR_DATABASE_ROLE],
        versions: config.secrets.versions,
      }),
    );
    const secretByName = this.secretCatalogue(config);

    let connectionReady: ITerraformDependable[] = [];
    if (config.database !== undefined) {
      const settings = config.database;
      const secrets = this.secrets;
      const database = fromFile(file, "database", DATABASE_FIELDS, () =>
        new Rds(this, "database", {
          naming: this.naming,
          network: this.network,
          masterUsername: secrets.databaseUsername,
          masterPassword: secrets.databasePasswordValue as string,
          masterPasswordVersion: secrets.databasePasswordVersion,
          databaseName: secrets.databaseName,
          production: config.production,
          permissionsBoundaryArn,
          accountId: config.accountId,
          ...settings,
        }),
      );
      // The database tier's network ACL admits the private tier on the database's port only (and the answers back).
      this.network.allowDatabaseTierPort(POSTGRES_PORT);
      if (config.disposable) {
        acknowledge(database, "WHC.SAFE2", `${file} marks the environment "disposable": its data may be lost, so the database has no deletion protection, final snapshot or kept backups`);
      }
      // Ecto reads DATABASE_URL: the role connections keep a URL in its format when a Phoenix service uses them.
      const ecto = config.services.some((s) => s.database && s.profile === "phoenix");
      connectionReady = [
        database.instance,
        ...secrets.storeDatabaseConnection({ address: database.address, port: database.port, path: database.node.path }, ecto ? ectoDatabaseUrl : undefined),
      ];
      this.database = database;
    }

    // ── services: one cluster, one generic service each ──
    const executeCommand = (s: ServiceConfig): boolean => s.enableExecuteCommand ?? tierDefaults(config.production).enableExecuteCommand;
    // The cluster's id is `service`: its addresses and names are those of the first wave's single service's cluster.
    this.cluster = new Cluster(this, "service", {
      naming: this.naming,
      production: config.production,
      executeCommandLogging: config.services.some(executeCommand),
      // ECS Exec session logs take a customer-managed key when the secrets do.
      customerManagedKey: config.secrets.customerManagedKey,
      accountId: config.accountId,
      region: config.region,
      keyAdministratorArns,
    });
    const services = new Map<string, FargateService>();
    // ── internal services: one Service Connect namespace, when a service exposes a name or calls one ──
    const connected = config.services.some((s) => s.expose !== undefined || s.calls.length > 0);
    this.serviceConnectNamespace = connected ? new ServiceConnectNamespace(this, "service_connect", { naming: this.naming }) : undefined;
    for (const s of config.services) {
      const section = `services.${s.name}`;
      const service = fromFile(file, section, { ...SERVICE_FIELDS, ...SERVICE_CONNECT_FIELDS }, () => {
        const profile = this.profileOf(config, s, secretByName);
        const own = withOwnVariables(
          profile,
          { environment: s.environment, secrets: Object.fromEntries(Object.entries(s.secrets).map(([v, name]) => [v, secretByName(name)])) },
          s.profile === "phoenix" ? ["SECRET_KEY_BASE"] : [],
          `the ${s.profile} profile`,
        );
        return new FargateService(this.cluster, s.name, {
          naming: this.naming,
          name: s.awsName,
          cluster: this.cluster,
          network: this.network,
          image: s.image === undefined ? release.image : runnableImage(s.image),
          command: s.command,
          cpu: s.cpu,
          memoryMiB: s.memoryMiB,
          desiredCount: s.desiredCount,
          minCount: s.minCount,
          maxCount: s.maxCount,
          production: config.production,
          cpuArchitecture: s.cpuArchitecture,
          fargateSpot: s.fargateSpot,
          enableExecuteCommand: executeCommand(s),
          port: profile.port,
          environment: own.environment,
          secrets: own.secrets,
          secretsKmsKeyArn: this.secrets.kmsKeyArn,
          repositoryCredentialsArn: s.registryCredentials === undefined ? undefined : this.registryCredentials(s.registryCredentials),
          dockerLabels: this.secretVersionLabel(config, s),
          logRetentionDays: s.logRetentionDays,
          targetCpuPercent: s.targetCpuPercent,
          accountId: config.accountId,
          permissionsBoundaryArn,
          serviceConnect:
            this.serviceConnectNamespace === undefined || (s.expose === undefined && s.calls.length === 0)
              ? undefined
              : { namespace: this.serviceConnectNamespace, expose: s.expose },
          loadBalancer:
            s.route === undefined
              ? undefined
              : {
                  alb: this.loadBalancer,
                  route: s.route,
                  healthCheck: { ...config.loadBalancer.healthCheck, path: s.healthCheckPath },
                  deregistrationDelaySeconds: config.loadBalancer.deregistrationDelaySeconds,
                  healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
                  targetRequestsPerTarget: s.targetRequestsPerTarget,
                },
        });
      });
      // Tasks pull the image through the NAT routes; with the database they also need its rule, the instance and the
      // connection secret: on a first deploy these are all created in the same apply.
      service.addTaskPrerequisite(...this.network.privateEgress);
      if (s.database && this.database !== undefined) {
        service.allowTo(this.database, POSTGRES_PORT);
        service.addTaskPrerequisite(this.database.allowFrom(service), ...connectionReady);
      }
      services.set(s.name, service);
    }
    this.services = services;
    this.connectCalls(config);

    // ── the deploy gate: database roles, then migrations, before any service that uses the database rolls out ──
    const steps: DeployGateStep[] = [];
    const gatePrerequisites: ITerraformDependable[] = [];
    if (this.database !== undefined) {
      const owner = this.secrets.databaseRoles.get(MIGRATOR_DATABASE_ROLE) as DatabaseRoleSecret;
      const app = this.secrets.databaseRoles.get(APP_DATABASE_ROLE) as DatabaseRoleSecret;
      const bootstrap = new PostgresRoleBootstrap(this, "database_roles", {
        naming: this.naming,
        cluster: this.cluster,
        network: this.network,
        masterConnection: this.secrets.databaseConnection as ServiceSecret,
        roles: [
          { kind: "owner", username: owner.username, secret: owner.connection, version: owner.version },
          { kind: "readwrite", username: app.username, secret: app.connection, version: app.version },
        ],
        secretsKmsKeyArn: this.secrets.kmsKeyArn,
        production: config.production,
        accountId: config.accountId,
        permissionsBoundaryArn,
        // The gate's one timeout applies to every step: the bootstrap's container limit follows the migration's.
        timeoutMinutes: config.migrations?.timeoutMinutes,
        // Only with migrations: their table is what a release can be older than.
        migrationVersionCheck:
          config.release.schemaVersion === undefined || config.migrations === undefined
            ? undefined
            : {
                releaseVersion: config.release.schemaVersion,
                acceptNewer: config.release.acceptNewerSchema !== undefined,
                // The file's name, not its path: the task definition must not change with where it was synthesized from.
                howToAccept: `set release.acceptNewerSchema in ${config.name}.json to why it does (docs/operating.md, "Roll back")`,
              },
      });
      bootstrap.allowTo(this.database, POSTGRES_PORT);
      bootstrap.addTaskPrerequisite(this.database.allowFrom(bootstrap), ...connectionReady, ...this.network.privateEgress);
      this.databaseRoles = bootstrap;
      steps.push(bootstrap.deployStep("database_roles"));
      gatePrerequisites.push(...bootstrap.taskPrerequisites);
    }
    const migrations = config.migrations;
    if (migrations !== undefined) {
      const owner = services.get(migrations.service) as FargateService;
      const ownerConfig = config.services.find((s) => s.name === migrations.service) as ServiceConfig;
      const profile = this.profiles.get(migrations.service) as ContainerProfile;
      const ownSecrets = Object.fromEntries(Object.entries(ownerConfig.secrets).map(([v, name]) => [v, secretByName(name)]));
      this.migration = fromFile(file, "migrations", MIGRATION_FIELDS, () =>
        new MigrationTask(this, "migrations", {
          naming: this.naming,
          service: owner,
          command: migrations.command,
          // The profile's one-off variables (no server), the service's own, and the schema owner's connection.
          environment: { ...profile.oneOffEnvironment, ...ownerConfig.environment },
          secrets: { ...profile.oneOffSecrets, ...ownSecrets },
          secretsKmsKeyArn: this.secrets.kmsKeyArn,
          accountId: config.accountId,
          permissionsBoundaryArn,
          // The runner's timeout, and the container's own limit a little after it.
          timeoutMinutes: migrations.timeoutMinutes,
          containerTimeLimit: migrations.containerTimeLimit,
        }),
      );
      if (migrations.runOnDeploy) {
        // With the container's time limit, so the gate's runner stops a migration before the container does.
        steps.push(this.migration.deployStep("migration"));
        gatePrerequisites.push(...owner.taskPrerequisites, ...this.migration.taskPrerequisites);
      }
    }
    if (steps.length > 0) {
      const timeoutMinutes = migrations?.timeoutMinutes;
      this.deployGate = fromFile(file, "migrations", {}, () =>
        new DeployGate(this, "deploy_gate", {
          steps,
          dependsOn: [...new Set(gatePrerequisites)],
          timeoutMinutes,
          // An emergency image shows in the gate's output of every deploy that runs it.
          notice: `\${var.emergency_image == "" ? "" : "EMERGENCY IMAGE: running \${var.emergency_image} instead of the environment file's ${imageReference(config.image)} (emergency_image is set)"}`,
        }),
      );
      // A failed step stops the deploy here: the old tasks keep serving, and no service of the new release starts
      // without its database role or on the old schema.
      for (const s of config.services.filter((x) => x.database)) services.get(s.name)?.addDependency(this.deployGate.resource);
    }

    // ── scheduled jobs: the same task pieces as a service, started by EventBridge Scheduler ──
    this.jobs = this.addJobs(config, release.image, secretByName, connectionReady);

    // ── operations and edge protection: alarms, their topic, rollback on alarms, WAF, dashboard ──
    const operations = this.addOperations(config);
    this.alertTopic = operations.alertTopic;
    this.webAcl = operations.webAcl;
    this.dashboard = operations.dashboard;

    // ── disaster recovery: the database's backups, their copy in the DR region, restore tests, the drill's check ──
    if (config.dr !== undefined && this.database !== undefined) {
      this.recovery = this.addRecovery(config, config.dr, this.database, permissionsBoundaryArn);
    }

    this.addOutputs(config);
    // The api service's resources keep their state under the addresses of the single-service environments.
    if (services.has(API_SERVICE)) addFirstWaveMoves(this);

    if (!this.loadBalancer.tlsEnabled) {
      // Production requires a domain (the Alb refuses it otherwise), so this exception exists outside production only.
      acknowledge(
        this.loadBalancer.listener,
        "ELB.1",
        "non-production environment without a domain: no certificate can be issued, so the ALB serves plain HTTP on its AWS DNS name",
      );
      // Listener rules forward plain HTTP too: only when the file says why (the loader refuses them otherwise).
      const plainHttpRoutes = config.loadBalancer.plainHttpRoutes;
      if (plainHttpRoutes !== undefined) {
        for (const s of config.services.filter((x) => x.route !== undefined && x.route !== "default")) {
          acknowledge(services.get(s.name) as FargateService, "ELB.1", `${file} sets loadBalancer.plainHttpRoutes: ${plainHttpRoutes.reason}`);
        }
      }
    }
    // Last: aspects added after this would run after the checks.
    applyPolicies(this, { production: config.production, resolvedAtPreparation: () => this.takeResolvedAtPreparation() });
  }

  // ── internal services ──

  /**
   * The security group rules of the declared calls, and only those: each caller may reach each service it calls on
   * that service's container port (where its Service Connect proxy listens), and that service admits it there.
   */
  private connectCalls(config: EnvironmentConfig): void {
    for (const caller of config.services) {
      for (const name of caller.calls) {
        const serverConfig = config.services.find((s) => s.expose?.name === name) as ServiceConfig;
        const server = this.services.get(serverConfig.name) as FargateService;
        const client = this.services.get(caller.name) as FargateService;
        const port = server.port as number;
        client.allowTo(server, port);
        server.allowFrom(client, port);
      }
    }
  }

  // ── scheduled jobs ──

  /**
   * One ScheduledJob per entry of the file's `jobs`: the job's profile and variables as a service gets them, the
   * database when it asks (as the app role), and, when the environment migrates, a schedule that waits for the deploy
   * gate: a job of a new release runs only on the migrated schema.
   */
  private addJobs(
    config: EnvironmentConfig,
    releaseImage: string,
    secretByName: (name: string) => ServiceSecret,
    connectionReady: readonly ITerraformDependable[],
  ): ReadonlyMap<string, ScheduledJob> {
    const jobs = new Map<string, ScheduledJob>();
    if (config.jobs.length === 0) return jobs;
    const scope = new Construct(this, "job");
    const permissionsBoundaryArn = workloadBoundaryArnOf(config);
    for (const j of config.jobs) {
      const job = fromFile(config.file, `jobs.${j.name}`, JOB_FIELDS, () => {
        const profile = this.profileOf(config, j, secretByName);
        const own = withOwnVariables(
          profile,
          { environment: j.environment, secrets: Object.fromEntries(Object.entries(j.secrets).map(([v, name]) => [v, secretByName(name)])) },
          j.profile === "phoenix" ? ["SECRET_KEY_BASE"] : [],
          `the ${j.profile} profile`,
        );
        return new ScheduledJob(scope, j.name, {
          naming: this.naming,
          cluster: this.cluster,
          network: this.network,
          schedule: j.schedule,
          timezone: j.timezone,
          image: j.image === undefined ? releaseImage : runnableImage(j.image),
          command: j.command,
          timeoutMinutes: j.timeoutMinutes,
          retries: j.retries,
          paused: j.paused,
          cpu: j.cpu,
          memoryMiB: j.memoryMiB,
          cpuArchitecture: j.cpuArchitecture,
          environment: own.environment,
          secrets: own.secrets,
          secretsKmsKeyArn: this.secrets.kmsKeyArn,
          repositoryCredentialsArn: j.registryCredentials === undefined ? undefined : this.registryCredentials(j.registryCredentials),
          dockerLabels: this.secretVersionLabel(config, j),
          logRetentionDays: j.logRetentionDays,
          production: config.production,
          accountId: config.accountId,
          permissionsBoundaryArn,
        });
      });
      job.addTaskPrerequisite(...this.network.privateEgress);
      if (j.database && this.database !== undefined) {
        job.allowTo(this.database, POSTGRES_PORT);
        job.addTaskPrerequisite(this.database.allowFrom(job), ...connectionReady);
      }
      if (this.deployGate !== undefined && (j.database || j.image === undefined)) job.addDependency(this.deployGate.resource);
      jobs.set(j.name, job);
    }
    return jobs;
  }

  // ── operations and edge protection ──

  /**
   * The alert topic (or the file's existing topic, or none), the alarms of every service, of the load balancer and of
   * the database, the deployment rollback of every routed service on its 5xx-rate and unhealthy-hosts alarms, the web
   * ACL when it is on, and the dashboard over all of them.
   */
  private addOperations(config: EnvironmentConfig): { alertTopic?: AlertTopic; webAcl?: WebAcl; dashboard: Dashboard } {
    const file = config.file;
    const notify = config.alerts.notify;
    const thresholds = config.alerts.thresholds;
    let alertTopic: AlertTopic | undefined;
    if (notify.kind !== "none") {
      alertTopic = fromFile(file, "alerts", ALERTS_FIELDS, () =>
        new AlertTopic(this, "alerts", {
          naming: this.naming,
          accountId: config.accountId,
          region: config.region,
          keyAdministratorArns: keyAdministratorsOf(config),
          production: config.production,
          emails: notify.kind === "emails" ? notify.emails : undefined,
          existingTopicArn: notify.kind === "topic" ? notify.topicArn : undefined,
        }),
      );
    }
    const alarmTopicArn = alertTopic?.topicArn;
    const silenced: Construct[] = [];
    const sections: DashboardSection[] = [];
    const alarmArns: string[] = [];

    const loadBalancerAlarms = fromFile(file, "loadBalancer", LOAD_BALANCER_ALARMS_FIELDS, () =>
      new LoadBalancerAlarms(this, "load_balancer_alarms", {
        naming: this.naming,
        alb: this.loadBalancer,
        production: config.production,
        alarmTopicArn,
        thresholds: thresholds.loadBalancer,
      }),
    );
    silenced.push(loadBalancerAlarms);
    alarmArns.push(...loadBalancerAlarms.alarmArns);
    sections.push({ title: "Load balancer", widgets: loadBalancerAlarms.widgets });

    let webAcl: WebAcl | undefined;
    if (config.webAcl.enabled) {
      const settings = config.webAcl;
      webAcl = fromFile(file, "webAcl", WEB_ACL_FIELDS, () =>
        new WebAcl(this, "web_acl", {
          naming: this.naming,
          loadBalancer: this.loadBalancer,
          region: config.region,
          accountId: config.accountId,
          production: config.production,
          mode: settings.mode,
          rateLimit: settings.rateLimit,
          allowCidrs: settings.allowCidrs,
          ruleOverrides: settings.ruleOverrides,
          logRetentionDays: settings.logRetentionDays,
          alarmTopicArn,
          thresholds: thresholds.webAcl,
        }),
      );
      silenced.push(webAcl);
      alarmArns.push(...webAcl.alarmArns);
      sections.push({ title: `Web ACL (${webAcl.mode} mode)`, widgets: webAcl.widgets });
    }

    for (const s of config.services) {
      const service = this.services.get(s.name) as FargateService;
      const alarms = fromFile(file, `services.${s.name}`, SERVICE_ALARMS_FIELDS, () =>
        new ServiceAlarms(service, "alarms", {
          naming: this.naming,
          service,
          name: s.name,
          production: config.production,
          alarmTopicArn,
          thresholds: thresholds.service,
          errorLogPattern: this.profiles.get(s.name)?.errorLogPattern,
        }),
      );
      // A release that serves errors or fails its health checks rolls back by itself (docs/operating.md, "Releases that roll back on alarms").
      if (alarms.deploymentAlarmNames.length > 0) service.rollBackOnAlarms(...alarms.deploymentAlarmNames);
      silenced.push(alarms);
      alarmArns.push(...alarms.alarmArns);
      const kind = s.expose !== undefined ? ` (internal: http://${s.expose.name}:${s.expose.port})` : s.route === undefined ? " (no route)" : "";
      sections.push({ title: `Service ${s.name}${kind}`, widgets: alarms.widgets });
    }

    for (const job of this.jobs.values()) {
      if (alertTopic !== undefined) {
        // The job's failure rule publishes its failed runs to the topic, which admits the rule by its ARN.
        alertTopic.acceptEventsFrom(job.failureRuleArn);
        job.notifyFailures(alertTopic.topicArn);
      }
      const alarms = new JobAlarms(job, "alarms", { naming: this.naming, job, alarmTopicArn });
      silenced.push(alarms);
      alarmArns.push(...alarms.alarmArns);
      sections.push({ title: `Job ${job.name} (${job.schedule}${job.timezone === "UTC" ? "" : ` ${job.timezone}`})`, widgets: alarms.widgets });
    }

    if (this.database !== undefined) {
      const database = this.database;
      const alarms = fromFile(file, "database", DATABASE_ALARMS_FIELDS, () =>
        new DatabaseAlarms(this, "database_alarms", {
          naming: this.naming,
          database,
          production: config.production,
          alarmTopicArn,
          thresholds: thresholds.database,
        }),
      );
      silenced.push(alarms);
      alarmArns.push(...alarms.alarmArns);
      sections.push({ title: "Database", widgets: alarms.widgets });
    }

    if (notify.kind === "none") for (const construct of silenced) acknowledge(construct, "WHC.OPS1", NO_NOTIFICATION_REASON);

    // The alarm tiles first: an alarm status widget shows at most 100 alarms.
    const alarmWidgets = [];
    for (let i = 0; i < alarmArns.length; i += 100) alarmWidgets.push({ kind: "alarms" as const, title: "Alarms", alarmArns: alarmArns.slice(i, i + 100) });
    const dashboard = new Dashboard(this, "dashboard", { naming: this.naming, region: config.region, sections: [{ title: "Alarms", widgets: alarmWidgets }, ...sections] });
    return { alertTopic, webAcl, dashboard };
  }

  // ── disaster recovery ──

  /**
   * The database's disaster recovery: a vault with its own key and lock here and in the DR region (its own AWS
   * provider alias), the backup plan with its copies, the replicated automated backups (point-in-time restore in the
   * DR region), the restore check task with the security group of restored copies, AWS Backup's monthly restore test,
   * failures to the alert topic, and the output the restore drill reads.
   */
  private addRecovery(config: EnvironmentConfig, dr: RecoveryConfig, database: Rds, permissionsBoundaryArn: string | undefined): Recovery {
    const file = config.file;
    const naming = this.naming;
    const production = config.production;
    const provider = addAwsProvider(this, { naming, region: dr.region, accountId: config.accountId, alias: "dr" });
    const settings = dr.vaultLock;
    const lock: VaultLock =
      settings.mode === "compliance"
        ? { mode: "compliance", minRetentionDays: settings.minRetentionDays, maxRetentionDays: settings.maxRetentionDays, changeableForDays: settings.changeableForDays }
        : { mode: "governance", minRetentionDays: settings.minRetentionDays, maxRetentionDays: settings.maxRetentionDays };
    const vault = fromFile(file, "dr", VAULT_FIELDS, () =>
      new BackupVault(this, "backup_vault", { naming, name: "backups", region: config.region, accountId: config.accountId, lock, keyAdministratorArns: keyAdministratorsOf(config), production }),
    );
    // RDS encrypts the copies (and the replicated backups) in the DR region with the DR vault's key.
    const drVault = fromFile(file, "dr", DR_VAULT_FIELDS, () =>
      new BackupVault(this, "dr_backup_vault", {
        naming,
        name: "backups-dr",
        region: dr.region,
        accountId: config.accountId,
        lock,
        keyServices: ["rds"],
        keyAdministratorArns: keyAdministratorsOf(config),
        provider,
        production,
      }),
    );
    const plan = fromFile(file, "dr", BACKUP_PLAN_FIELDS, () =>
      new BackupPlan(this, "backup_plan", {
        naming,
        vault,
        copyTo: drVault,
        dailyRetentionDays: dr.dailyRetentionDays,
        monthlyRetentionDays: dr.monthlyRetentionDays,
        accountId: config.accountId,
        region: config.region,
        permissionsBoundaryArn,
      }),
    );
    plan.protect(database);
    const replicated = dr.pointInTimeReplication
      ? fromFile(file, "dr", REPLICATED_BACKUPS_FIELDS, () =>
          new ReplicatedBackups(this, "replicated_backups", { database, vault: drVault, retentionDays: config.database?.backupRetentionDays ?? 7 }),
        )
      : undefined;

    // The check logs in as the application's role, which may only read and write rows; the query only reads.
    const owner = config.migrations?.service ?? config.services.find((s) => s.database)?.name;
    const check = new RestoreCheckTask(this, "restore_check", {
      naming,
      cluster: this.cluster,
      network: this.network,
      connection: (this.secrets.databaseRoles.get(APP_DATABASE_ROLE) as DatabaseRoleSecret).connection,
      checkSql: (owner === undefined ? undefined : this.profiles.get(owner)?.schemaVersionQuery) ?? ANY_TABLES_QUERY,
      secretsKmsKeyArn: this.secrets.kmsKeyArn,
      production,
      accountId: config.accountId,
      permissionsBoundaryArn,
    });
    const restoreTesting = dr.restoreTesting
      ? fromFile(file, "dr", RESTORE_TESTING_FIELDS, () =>
          new RestoreTesting(this, "restore_testing", {
            naming,
            plan,
            database,
            securityGroupIds: [check.restoredDatabaseSecurityGroupId],
            validationWindowHours: dr.restoreValidationHours,
            region: config.region,
            accountId: config.accountId,
          }),
        )
      : undefined;
    if (this.alertTopic !== undefined) {
      plan.notifyFailuresTo(this.alertTopic);
      restoreTesting?.notifyFailuresTo(this.alertTopic);
    }

    new TerraformOutput(this, RESTORE_DRILL_OUTPUT, {
      description: "Target of `npm run restore-drill -- --stack <stack>`: the database to restore, where its copy goes, the check task, the recovery targets",
      value: {
        sourceInstanceIdentifier: database.instanceIdentifier,
        sourceInstanceArn: database.arn,
        region: config.region,
        instanceClass: database.instanceClass,
        subnetGroupName: database.subnetGroupName,
        parameterGroupName: database.parameterGroupName,
        securityGroupIds: [check.restoredDatabaseSecurityGroupId],
        vaultName: vault.vaultName,
        drRegion: dr.region,
        drVaultName: drVault.vaultName,
        rpoHours: dr.rpoHours,
        rtoHours: dr.rtoHours,
        check: check.runTarget,
      },
    });
    return { provider, vault, drVault, plan, replicated, check, restoreTesting };
  }

  /** The secrets services may name: declared ones are created now, the built-in secret key base when first named. */
  private secretCatalogue(config: EnvironmentConfig): (name: string) => ServiceSecret {
    const generated = (name: string): ServiceSecret =>
      this.secrets.generated(name, name === SECRET_KEY_BASE_SECRET ? "Phoenix SECRET_KEY_BASE" : `Generated secret ${name} (64 letters and digits)`);
    const managed = (name: string): ServiceSecret =>
      this.secrets.managed(name, `${name}: value set by the operator (aws secretsmanager put-secret-value --secret-id ${this.secrets.secretName(name)})`);
    for (const name of config.secrets.generated.filter((n) => n !== SECRET_KEY_BASE_SECRET)) generated(name);
    for (const name of config.secrets.managed) managed(name);
    return (name) => {
      const existing = config.secrets.existing[name];
      if (existing !== undefined) return { arn: existing };
      return config.secrets.managed.includes(name) ? managed(name) : generated(name);
    };
  }

  /**
   * `whcsites.secret-versions`: the versions of the generated secrets a service reads (`database-app=1,...`). Raising
   * one changes the task definition, so the service rolls out and its new tasks read the new value.
   */
  private secretVersionLabel(config: EnvironmentConfig, s: ServiceConfig | JobConfig): Record<string, string> {
    const names = new Set(Object.values(s.secrets));
    if (s.profile === "phoenix") names.add(s.secrets.SECRET_KEY_BASE ?? SECRET_KEY_BASE_SECRET);
    if (s.database && config.database !== undefined) names.add(`database-${APP_DATABASE_ROLE}`);
    const generated = [...names].filter((n) => config.secrets.generated.includes(n) || n.startsWith("database-")).sort();
    if (generated.length === 0) return {};
    return { "whcsites.secret-versions": generated.map((n) => `${n}=${this.secrets.versionOf(n)}`).join(",") };
  }

  /** The pull credentials of a private image: the environment's one operator-filled secret, or an existing one. */
  private registryCredentials(credentials: NonNullable<ServiceConfig["registryCredentials"]>): string {
    if (credentials.mode === "existing") return credentials.secretArn;
    return this.secrets.managed("registry-credentials", "ghcr.io pull credentials {username, password}; value set by the operator").arn;
  }

  /** How a service's container is run: its application profile with the environment's values. */
  private profileOf(config: EnvironmentConfig, s: ServiceConfig | JobConfig, secretByName: (name: string) => ServiceSecret): ContainerProfile {
    const route = "route" in s ? s.route : undefined;
    const serves = "route" in s && (s.route !== undefined || s.expose !== undefined);
    const port = "port" in s ? s.port : undefined;
    // Services log in as the app role; their one-off tasks (migrations) as the schema owner.
    const app = this.secrets.databaseRoles.get(APP_DATABASE_ROLE);
    const migrator = this.secrets.databaseRoles.get(MIGRATOR_DATABASE_ROLE);
    const database = s.database && app !== undefined ? { connection: app.connection } : undefined;
    const oneOffDatabase = s.database && migrator !== undefined ? { connection: migrator.connection } : undefined;
    let profile: ContainerProfile;
    if (s.profile === "phoenix") {
      const routeHost = route !== undefined && route !== "default" ? route.hosts?.find((h) => !/[*?]/.test(h)) : undefined;
      profile = phoenixRelease({
        phxHost: routeHost ?? config.domain?.name ?? this.loadBalancer.dnsName,
        // A routed or exposed service serves HTTP; a worker and a job do not.
        serveHttp: serves,
        port,
        poolSize: s.poolSize,
        secretKeyBase: secretByName(s.secrets.SECRET_KEY_BASE ?? SECRET_KEY_BASE_SECRET),
        database,
        oneOffDatabase,
      });
    } else {
      profile = plainContainer({ port, database, oneOffDatabase });
    }
    this.profiles.set(s.name, profile);
    return profile;
  }

  /** What operators and CI need after a deploy. Never a secret: the database password stays in Secrets Manager. */
  private addOutputs(config: EnvironmentConfig): void {
    const alb = this.loadBalancer;
    const serviceOutputs = Object.fromEntries(
      config.services.map((s) => {
        const service = this.services.get(s.name) as FargateService;
        const urls = serviceUrls(s, alb.url, alb.tlsEnabled, service.healthCheckPath);
        return [
          s.name,
          {
            service_name: service.serviceName,
            cluster: service.clusterName,
            task_definition_family: service.taskDefinitionFamily,
            log_group_name: service.logGroupName,
            image: service.image,
            // Keys without a value are left out (cdktf outputs cannot hold null): a worker has no target group or URL.
            ...(service.targetGroupArn === undefined ? {} : { target_group_arn: service.targetGroupArn }),
            ...(urls.url === undefined ? {} : { url: urls.url }),
            ...(urls.healthCheckUrl === undefined ? {} : { health_check_url: urls.healthCheckUrl }),
            // Reached by name from its callers only (Service Connect).
            ...(s.expose === undefined ? {} : { internal_url: `http://${s.expose.name}:${s.expose.port}` }),
          },
        ];
      }),
    );
    const outputs: Record<string, { value: unknown; description: string }> = {
      api_url: { value: alb.url, description: "Base URL of the load balancer" },
      cluster_name: { value: this.cluster.clusterName, description: "ECS cluster of every service" },
      services: { value: serviceOutputs, description: "Each service: ECS service, cluster, task family, log group, image, target group, URL and health check URL (npm run verify reads it)" },
      ...(this.cluster.executeCommandLogGroupName === undefined
        ? {}
        : { exec_log_group_name: { value: this.cluster.executeCommandLogGroupName, description: "CloudWatch log group of ECS Exec sessions (commands and output)" } }),
      ...(this.database === undefined || this.secrets.databaseConnection === undefined
        ? {}
        : {
            database_endpoint: { value: `${this.database.address}:${this.database.port}`, description: "PostgreSQL endpoint (host:port); credentials are in Secrets Manager" },
            database_secret_arn: { value: this.secrets.databaseConnection.arn, description: "Secrets Manager ARN of the database connection (read it with the AWS CLI; never printed)" },
          }),
      ...(this.migration === undefined ? {} : { migration: { value: this.migration.runTarget, description: "Target of `npm run migrate -- --stack <stack>`" } }),
      ...(this.jobs.size === 0
        ? {}
        : {
            jobs: {
              value: Object.fromEntries(
                [...this.jobs.values()].map((job) => [
                  job.name,
                  {
                    schedule: job.schedule,
                    timezone: job.timezone,
                    schedule_name: job.scheduleName,
                    schedule_group: job.scheduleGroupName,
                    cluster: job.clusterName,
                    task_definition_family: job.family,
                    log_group_name: job.logGroupName,
                    dead_letter_queue_url: job.deadLetterQueueUrl,
                    timeout_minutes: job.timeoutMinutes,
                  },
                ]),
              ),
              description: "Each scheduled job: schedule, its schedule and group, cluster, task family, log group, dead-letter queue and time limit (npm run verify reads it)",
            },
          }),
      ...(this.serviceConnectNamespace === undefined
        ? {}
        : { service_connect_namespace: { value: this.serviceConnectNamespace.namespaceName, description: "Cloud Map namespace in which internal services are reached by name (http://<expose.name>:<port>)" } }),
    };
    for (const [name, output] of Object.entries(outputs)) new TerraformOutput(this, name, output);
  }
}

/** The existing secrets (and registry credentials) of the file that belong to another account than the environment's. */
function secretArnsOutside(config: EnvironmentConfig): string[] {
  const arns = [
    ...Object.values(config.secrets.existing),
    ...[...config.services, ...config.jobs].flatMap((s) => (s.registryCredentials?.mode === "existing" ? [s.registryCredentials.secretArn] : [])),
  ];
  return [...new Set(arns.filter((arn) => arn.split(":")[4] !== config.accountId))].sort();
}

/** What `emergency_image` may hold, in words (the variable's validation says the same in Terraform). */
const EMERGENCY_IMAGE_RULE = "empty (the environment file's image), or the release image's repository pinned by digest: <repository>@sha256:<64 lower-case hex digits>";

/**
 * The release image: the environment file's image as a literal (`<repository>@<digest>`, or `<repository>:<tag>`
 * where a non-production file has no digest), behind the variable `emergency_image` (default empty), in the local
 * `release_image`. A local, so that the container definitions (JSON in a string, where a conditional's quotes would
 * not survive) only say `${local.release_image}`. There is no other deploy-time input: a deploy of an
 * infrastructure change runs exactly the release the file names.
 */
function releaseImage(stack: EnvironmentStack, config: EnvironmentConfig, stackName: string): { emergency: TerraformVariable; image: string } {
  const { repository } = config.image;
  // The repository is the file's, checked by the schema (no quote, no `${`).
  const prefix = `${repository}@sha256:`;
  const emergency = new TerraformVariable(stack, "emergency_image", {
    type: "string",
    description:
      `EMERGENCY ONLY: run this image instead of the environment file's ${imageReference(config.image)} (${repository}@sha256:<digest>). ` +
      `Empty (the default) runs the file's image. An ordinary release changes the file instead (docs/operating.md, "Ship a release"); ` +
      `an override shows in the plan and in the deploy gate's output, and the next deploy without it goes back to the file: cdktf deploy ${stackName} --var emergency_image=${repository}@sha256:<digest>`,
    validation: [
      {
        // startswith/trimprefix instead of a regex of the repository: no escaping of its dots.
        condition: `\${var.emergency_image == "" || (startswith(var.emergency_image, "${prefix}") && can(regex("^[a-f0-9]{64}$", trimprefix(var.emergency_image, "${prefix}"))))}`,
        errorMessage: `emergency_image must be ${EMERGENCY_IMAGE_RULE.replace("<repository>", repository)}.`,
      },
    ],
  });
  // A default through an override: cdktf's HCL rendering (the review copy) drops a falsy default such as "", which
  // would read as a required variable there.
  emergency.addOverride("default", "");
  const image = new TerraformLocal(stack, "release_image", `\${var.emergency_image != "" ? var.emergency_image : "${runnableImage(config.image)}"}`);
  return { emergency, image: image.asString };
}

/**
 * A service's URL through the load balancer, and the URL of its health check when its route lets the check through:
 * the default route takes any path; a host route is reached at its first literal host; a path route only when the
 * health check path matches one of its patterns.
 */
function serviceUrls(s: ServiceConfig, albUrl: string, tls: boolean, healthCheckPath: string | undefined): { url?: string; healthCheckUrl?: string } {
  if (s.route === undefined || healthCheckPath === undefined) return {};
  if (s.route === "default") return { url: albUrl, healthCheckUrl: `${albUrl}${healthCheckPath}` };
  const host = s.route.hosts?.find((h) => !/[*?]/.test(h));
  if (s.route.hosts !== undefined && host === undefined) return {};
  const base = host === undefined ? albUrl : `${tls ? "https" : "http"}://${host}`;
  const paths = s.route.paths;
  const reachable = paths === undefined || paths.some((pattern) => globMatches(pattern, healthCheckPath));
  return reachable ? { url: base, healthCheckUrl: `${base}${healthCheckPath}` } : { url: base };
}

/** ALB path pattern matching: `*` any characters, `?` one character, case-sensitive. */
function globMatches(pattern: string, path: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(path);
}

/** The roles that administer the environment's KMS keys through the keys' own policies: its deploy role, with delivery. */
function keyAdministratorsOf(config: EnvironmentConfig): string[] {
  const deployRole = githubDeployRoleArnOf(config);
  return deployRole === undefined ? [] : [deployRole];
}
