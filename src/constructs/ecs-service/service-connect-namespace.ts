import { Construct } from "constructs";
import { ServiceDiscoveryHttpNamespace } from "@cdktf/provider-aws/lib/service-discovery-http-namespace";
import { Naming } from "../../core/naming";

// ── props ──

/** Properties of {@link ServiceConnectNamespace}. */
export interface ServiceConnectNamespaceProps {
  /** Names the namespace `<app>-<environment>`. */
  readonly naming: Naming;
}

/**
 * The Cloud Map HTTP namespace of an environment, in which ECS Service Connect lets services call each other by name
 * (`http://pricing:4000`). An HTTP namespace has no DNS zone: names resolve only inside the tasks of services that
 * join it (their Service Connect proxy), never from the VPC or the internet.
 *
 * Services join it through `FargateService`'s `serviceConnect` prop.
 */
export class ServiceConnectNamespace extends Construct {
  /** Name of the namespace. */
  public readonly namespaceName: string;
  /** ARN of the namespace (what a service's Service Connect configuration names). */
  public readonly namespaceArn: string;

  public constructor(scope: Construct, id: string, props: ServiceConnectNamespaceProps) {
    super(scope, id);
    const namespace = new ServiceDiscoveryHttpNamespace(this, "Resource", {
      name: props.naming.prefix,
      description: `Service Connect names of ${props.naming.prefix}: services reach each other as http://<name>:<port>`,
    });
    this.namespaceName = namespace.name;
    this.namespaceArn = namespace.arn;
  }
}
