import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";

/**
 * Readable Terraform names from construct paths, shared by the stacks (every address) and the constructs that name a
 * resource after another construct (a grant, a security group rule).
 */

/** Child ids that stand for "the construct itself" and are left out of addresses, as in AWS CDK. */
export const TRANSPARENT_IDS = new Set(["Resource", "Default"]);

/**
 * The Terraform name for a construct path below a stack: ids in snake_case joined by `_`, with `Resource` and
 * `Default` left out. `network/private_a` gives `network_private_a`; `database/Resource` gives `database`.
 */
export function readableLogicalId(pathBelowStack: readonly string[]): string {
  const words = pathBelowStack
    .filter((id) => !TRANSPARENT_IDS.has(id))
    .map((id) =>
      id
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/[^A-Za-z0-9]+/g, "_")
        .replace(/^_+|_+$/g, "")
        .toLowerCase(),
    )
    .filter((word) => word.length > 0);
  const id = words.join("_");
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/**
 * The readable name of a construct below its stack (see {@link readableLogicalId}): `service/api` gives `service_api`.
 * For naming a resource after another construct, such as a grant or a security group rule for it.
 */
export function logicalIdOf(construct: IConstruct): string {
  const stack = TerraformStack.of(construct);
  const scopes = construct.node.scopes;
  return readableLogicalId(scopes.slice(scopes.indexOf(stack) + 1).map((c) => c.node.id));
}
