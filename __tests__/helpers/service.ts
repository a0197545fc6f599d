import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { Alb } from "../../src/constructs/alb";
import { EcsService, EcsServiceProps } from "../../src/constructs/ecs-service";
import { Network } from "../../src/constructs/network";
import { AppSecrets, AppSecretsProps } from "../../src/constructs/secrets";
import { Naming } from "../../src/core/naming";
import { testNetwork } from "./network";

/** What {@link testService} built. */
export interface TestService {
  readonly network: Network;
  readonly alb: Alb;
  readonly secrets: AppSecrets;
  readonly service: EcsService;
}

/**
 * The service as the environment stack builds it, on the test network: load balancer "alb", secrets "secrets",
 * service "api" running `ghcr.io/whc-example/whcsites:${var.image_tag}` (512 CPU, 1024 MiB). Production gets a domain
 * and 2 tasks.
 */
export function testService(
  scope: Construct,
  naming: Naming,
  options: { readonly production?: boolean; readonly secrets?: Partial<AppSecretsProps>; readonly service?: Partial<EcsServiceProps> } = {},
): TestService {
  const production = options.production ?? false;
  const imageTag = new TerraformVariable(scope, "image_tag", { type: "string", default: "1.4.2" });
  const network = testNetwork(scope, naming);
  const domain = production ? { domain: { name: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" } } : {};
  const alb = new Alb(scope, "alb", { naming, network, region: "eu-west-1", production, ...domain });
  const secrets = new AppSecrets(scope, "secrets", { naming, production, ...options.secrets });
  const service = new EcsService(scope, "api", {
    naming,
    network,
    region: "eu-west-1",
    image: `ghcr.io/whc-example/whcsites:${imageTag.stringValue}`,
    secrets,
    loadBalancer: alb,
    phxHost: production ? "api.example.org" : alb.dnsName,
    cpu: 512,
    memoryMiB: 1024,
    desiredCount: production ? 2 : 1,
    production,
    ...options.service,
  });
  return { network, alb, secrets, service };
}
