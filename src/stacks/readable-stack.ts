import { Construct, Node } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformDataSource, TerraformElement, TerraformResource, TerraformStack, Tokenization } from "cdktf";

import { readableLogicalId, TRANSPARENT_IDS } from "../core/logical-id";

const RESOLVER = new DefaultTokenResolver(new StringConcat());

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
  private prepared: Map<TerraformElement, unknown> | undefined;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /**
   * Always false, so that cdktf does not add its check of the local Terraform version for `moved` blocks: it runs
   * `terraform version` at every synthesis of a stack with moves (60-80 ms each), and fails synthesis, with a stack
   * trace, where no Terraform is installed (a reviewer running `npm run synth`, `npm run diagram`). Terraform itself
   * knows moved blocks since 1.1, and the stacks need 1.11 anyway (write-only arguments, ephemeral blocks: an older
   * one refuses them at plan). The moved blocks are unaffected.
   */
  public hasResourceMove(): boolean {
    return false;
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

  /**
   * cdktf's preparation (a resolve of every element, which registers cross-stack references), keeping each element's
   * resolved `toTerraform()` so that the policy guard can read it instead of resolving every resource a second time.
   */
  public prepareStack(): void {
    this.ensureBackendExists();
    const prepared = new Map<TerraformElement, unknown>();
    for (const element of elementsOf(this)) {
      prepared.set(element, Tokenization.resolve(element.toTerraform(), { scope: this, preparing: true, resolver: RESOLVER }));
    }
    this.prepared = prepared;
  }

  /**
   * Hands over, once, each element's `toTerraform()` as resolved by the preparation of the synthesis under way;
   * undefined when the stack was not prepared since the last hand-over (`Testing.fullSynth` does not prepare).
   * Aspects run after the preparation: a caller must not use the values when an aspect may change elements.
   */
  public takeResolvedAtPreparation(): ReadonlyMap<TerraformElement, unknown> | undefined {
    const prepared = this.prepared;
    this.prepared = undefined;
    return prepared;
  }
}

/** The Terraform elements of a stack, in construct order, without those of nested stacks (as cdktf collects them). */
function elementsOf(scope: Construct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(scope)) into.push(scope);
  for (const child of scope.node.children) {
    if (!TerraformStack.isStack(child)) elementsOf(child, into);
  }
  return into;
}
