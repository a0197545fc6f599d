import { Construct } from "constructs";
import { hashMapperHcl, stringToHclTerraform, TerraformMetaArguments, TerraformResource } from "cdktf";

// ── props ──

/** Props of {@link TerraformData}. */
export interface TerraformDataProps extends TerraformMetaArguments {
  /** Values whose change replaces the resource (`triggers_replace`). */
  readonly triggersReplace: Readonly<Record<string, string>>;
}

// ── resource ──

/**
 * Terraform's built-in `terraform_data` resource, with only `triggers_replace`.
 *
 * cdktf's own `DataResource` adds a validation that runs `terraform version` at every synthesis: it made synthesis
 * need a Terraform binary and cost about 35 ms per stack. Terraform >= 1.10 is a documented deploy prerequisite anyway
 * (`terraform_data` needs >= 1.4).
 */
export class TerraformData extends TerraformResource {
  private readonly triggersReplace: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, config: TerraformDataProps) {
    super(scope, id, { ...config, terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
    this.triggersReplace = config.triggersReplace;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: this.triggersReplace };
  }

  // The HCL review copy (`npm run review`) renders from this: a map of strings.
  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: { value: hashMapperHcl(stringToHclTerraform)(this.triggersReplace), isBlock: false, type: "map", storageClassType: "stringMap" } };
  }
}
