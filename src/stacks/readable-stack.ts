import { Construct, Node } from "constructs";
import { TerraformDataSource, TerraformElement, TerraformResource, TerraformStack } from "cdktf";

/** Child ids that stand for "the construct itself" and are left out of addresses, as in AWS CDK. */
const TRANSPARENT_IDS = new Set(["Resource", "Default"]);

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

/** The kind of block an element becomes: addresses must be unique per kind and type, not across them. */
function blockOf(element: TerraformElement): string {
  if (element instanceof TerraformDataSource) return `data.${element.terraformResourceType}`;
  if (element instanceof TerraformResource) return element.terraformResourceType;
  return element.constructor.name;
}

/**
 * A stack whose Terraform addresses read like hand-written Terraform (`aws_db_instance.database`,
 * `aws_subnet.network_private_a`) instead of cdktf's hashed ids (`aws_db_instance.database_Resource_1A2B3C4D`).
 *
 * Two elements of the same type that would get the same address fail synthesis here: cdktf would otherwise merge
 * them silently into one resource.
 */
export class ReadableStack extends TerraformStack {
  private readonly allocated = new Map<string, string>();

  public constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const stackIndex = node.scopes.indexOf(this);
    const path = node.scopes.slice(stackIndex + 1).map((c) => c.node.id);
    const id = readableLogicalId(path);
    if (id.length === 0) {
      throw new Error(`${this.node.id}: the construct path "${node.path}" gives an empty Terraform name; give it an id other than ${[...TRANSPARENT_IDS].join(" or ")}.`);
    }
    if (TerraformElement.isTerraformElement(element)) {
      const key = `${blockOf(element)}.${id}`;
      const owner = this.allocated.get(key);
      if (owner !== undefined && owner !== node.path) {
        throw new Error(
          `${this.node.id}: "${node.path}" and "${owner}" both become ${key}; cdktf would merge them into one resource. Rename one of the constructs.`,
        );
      }
      this.allocated.set(key, node.path);
    }
    return id;
  }
}
