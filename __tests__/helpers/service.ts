import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { Alb } from "../../src/constructs/alb/alb";
import type { AlbRoute } from "../../src/constructs/alb/interfaces";
import { Cluster, ClusterProps } from "../../src/constructs/ecs-service/cluster";
import { FargateService, FargateServiceProps, ServiceLoadBalancing } from "../../src/constructs/ecs-service/fargate-service";
import { Network } from "../../src/constructs/network/network";
import { phoenixRelease, PhoenixReleaseOptions } from "../../src/constructs/ecs-service/profiles/phoenix";
import { ContainerProfile } from "../../src/constructs/ecs-service/profiles/profile";
import { AppSecrets, AppSecretsProps } from "../../src/constructs/secrets/secrets";
import { Naming } from "../../src/core/naming";
import { testNetwork } from "./network";

/** The release image as the environment stack builds it: the tag comes from the `image_tag` variable. */
export const TEST_IMAGE = "ghcr.io/whc-example/whcsites:${var.image_tag}";

/** What {@link testEnvironment} built. */
export interface TestEnvironment {
  readonly naming: Naming;
  readonly production: boolean;
  readonly network: Network;
  /** The shared load balancer, construct id "api" as in the environment stack. */
  readonly alb: Alb;
  /** The environment's secrets, construct id "secrets". */
  readonly secrets: AppSecrets;
  /** The shared cluster, construct id "service": services are its children. */
  readonly cluster: Cluster;
  /** `ghcr.io/whc-example/whcsites:${var.image_tag}` as a token string. */
  readonly image: string;
}

/** Options of {@link testEnvironment}. */
export interface TestEnvironmentOptions {
  /** Production: a domain on the load balancer, production defaults everywhere. @default false */
  readonly production?: boolean;
  readonly secrets?: Partial<Omit<AppSecretsProps, "naming">>;
  /** @default executeCommandLogging outside production (the stack turns it on when a service uses ECS Exec) */
  readonly cluster?: Partial<Omit<ClusterProps, "naming">>;
}

/**
 * The shared parts of an environment as src/stacks/environment-stack.ts builds them, on the test network: variable
 * `image_tag`, network "network", load balancer "api" (with api.example.org in production), secrets "secrets" and
 * the cluster "service" (exec logging on outside production, where services default to ECS Exec).
 */
export function testEnvironment(scope: Construct, naming: Naming, options: TestEnvironmentOptions = {}): TestEnvironment {
  const production = options.production ?? false;
  const imageTag = new TerraformVariable(scope, "image_tag", { type: "string", default: "1.4.2" });
  const network = testNetwork(scope, naming);
  const domain = production ? { domain: { name: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" } } : {};
  const alb = new Alb(scope, "api", { naming, network, region: "eu-west-1", production, ...domain });
  const secrets = new AppSecrets(scope, "secrets", { naming, production, ...options.secrets });
  const cluster = new Cluster(scope, "service", { naming, production, executeCommandLogging: !production, ...options.cluster });
  return { naming, production, network, alb, secrets, cluster, image: `ghcr.io/whc-example/whcsites:${imageTag.stringValue}` };
}

/** What {@link testService} built. */
export interface TestService extends TestEnvironment {
  /** The Phoenix profile the service runs with. */
  readonly profile: ContainerProfile;
  readonly service: FargateService;
}

/** Options of {@link testService}. */
export interface TestServiceOptions extends TestEnvironmentOptions {
  /** Construct id of the service under the cluster. @default "api" */
  readonly id?: string;
  /** The route of the service on the load balancer; `null` for a worker (no load balancer). @default "default" */
  readonly route?: AlbRoute | null;
  /** Overrides of the service's `loadBalancer` (route and alb set from the environment). */
  readonly loadBalancer?: Partial<Omit<ServiceLoadBalancing, "alb" | "route">>;
  /** Overrides of the Phoenix profile's options. */
  readonly phoenix?: Partial<PhoenixReleaseOptions>;
  /** Whether the service gets the database connection (DATABASE_URL). @default true */
  readonly database?: boolean;
  /** Overrides of the service's props, applied last. */
  readonly service?: Partial<FargateServiceProps>;
}

/**
 * The Phoenix API as the environment stack builds it: {@link testEnvironment}, then the generic FargateService
 * `service/api` configured by {@link phoenixRelease} (PHX_HOST the domain in production, the load balancer's DNS name
 * elsewhere; SECRET_KEY_BASE generated; DATABASE_URL from the connection secret, or, when the secrets have the database
 * roles `app` and `migrator`, from `app`'s and for one-off tasks from `migrator`'s), 512 CPU, 1024 MiB, on the default
 * route. Production runs 2 tasks.
 */
export function testService(scope: Construct, naming: Naming, options: TestServiceOptions = {}): TestService {
  const environment = testEnvironment(scope, naming, options);
  const { production, network, alb, secrets, cluster, image } = environment;
  const route = options.route === undefined ? "default" : options.route;
  // As the environment stack: with database roles, the service logs in as `app` and one-off tasks as `migrator`.
  const app = secrets.databaseRoles.get("app");
  const migrator = secrets.databaseRoles.get("migrator");
  const connection = app?.connection ?? secrets.databaseConnection;
  const withDatabase = options.database ?? true;
  const profile = phoenixRelease({
    phxHost: production ? "api.example.org" : alb.dnsName,
    serveHttp: route !== null,
    secretKeyBase: secrets.generated("secret-key-base", "Phoenix SECRET_KEY_BASE"),
    database: withDatabase && connection !== undefined ? { connection } : undefined,
    oneOffDatabase: withDatabase && migrator !== undefined ? { connection: migrator.connection } : undefined,
    ...options.phoenix,
  });
  const service = new FargateService(cluster, options.id ?? "api", {
    naming,
    cluster,
    network,
    image,
    cpu: 512,
    memoryMiB: 1024,
    desiredCount: production ? 2 : 1,
    production,
    port: profile.port,
    environment: profile.environment,
    secrets: profile.secrets,
    secretsKmsKeyArn: secrets.kmsKeyArn,
    loadBalancer: route === null ? undefined : { alb, route, ...options.loadBalancer },
    ...options.service,
  });
  return { ...environment, profile, service };
}
