import { Construct } from "constructs";
import { ref, TerraformElement, TerraformStack, Token } from "cdktf";
import { PropChecks } from "../shared";

// ── props ──

/**
 * Properties of {@link EphemeralPassword}: those of the AWS provider's ephemeral `aws_secretsmanager_random_password`
 * (Secrets Manager's GetRandomPassword) that this project uses.
 */
export interface EphemeralPasswordProps {
  /** Characters, 16 to 128 (`password_length`). */
  readonly length: number;
  /**
   * Letters and digits only (`exclude_punctuation`).
   *
   * @default false: punctuation too, except `excludeCharacters`
   */
  readonly excludePunctuation?: boolean;
  /**
   * Characters the password must not contain (`exclude_characters`).
   *
   * @default none
   */
  readonly excludeCharacters?: string;
  /**
   * At least one character of every included type: lower case, upper case, digit and, unless excluded, punctuation
   * (`require_each_included_type`).
   *
   * @default false
   */
  readonly requireEachIncludedType?: boolean;
}

/**
 * A password that Terraform generates for one run and never stores: an `ephemeral "aws_secretsmanager_random_password"`
 * block (AWS provider 5.83 or later; Secrets Manager's GetRandomPassword, which creates nothing), for write-only
 * arguments (`password_wo`, `secret_string_wo`). Its value is new at every plan and apply; a write-only argument
 * writes it only when its `*_wo_version` changes. Plans call GetRandomPassword, so a plan role needs
 * `secretsmanager:GetRandomPassword`.
 *
 * This is the ONE place that emits ephemeral blocks: cdktf 0.21 has no class for them, so this element renders the
 * block itself (the stack merges every element's JSON) and refers to it with `ref`. It is not a resource: the policy
 * guard does not check it, and nothing of it reaches the state. CDK Terrain (cdktn) or a later cdktf with ephemeral
 * classes replaces this file.
 */
export class EphemeralPassword extends TerraformElement {
  /** The Terraform type of the block. */
  public static readonly TYPE = "aws_secretsmanager_random_password";
  /** The password: only ever for a write-only argument (a non-write-only one would put it in the state). */
  public readonly result: string;
  private readonly props: EphemeralPasswordProps;

  public constructor(scope: Construct, id: string, props: EphemeralPasswordProps) {
    super(scope, id, `ephemeral.${EphemeralPassword.TYPE}`);
    // ── validation ──
    const checks = new PropChecks("EphemeralPassword");
    checks.integer("length", props.length, 16, 128);
    checks.throwIfAny();

    // ── result ──
    this.props = props;
    this.result = Token.asString(ref(`ephemeral.${EphemeralPassword.TYPE}.${this.friendlyUniqueId}.random_password`, TerraformStack.of(this)));
  }

  // ── rendering ──
  public toTerraform(): Record<string, unknown> {
    return { ephemeral: { [EphemeralPassword.TYPE]: { [this.friendlyUniqueId]: this.arguments() } } };
  }

  /**
   * The same block for cdktf's HCL rendering (the review copy, `npm run review`): each argument described as cdktf
   * describes a resource's. cdktf 0.21 renders no ephemeral block itself; scripts/lib/review/cdktf-fixes.ts does.
   */
  public toHclTerraform(): Record<string, unknown> {
    const described = Object.fromEntries(
      Object.entries(this.arguments()).map(([name, value]) => [
        name,
        { value, isBlock: false, type: "simple", storageClassType: typeof value === "string" ? "string" : typeof value },
      ]),
    );
    return { ephemeral: { [EphemeralPassword.TYPE]: { [this.friendlyUniqueId]: described } } };
  }

  private arguments(): Record<string, string | number | boolean> {
    return {
      password_length: this.props.length,
      ...(this.props.excludePunctuation === undefined ? {} : { exclude_punctuation: this.props.excludePunctuation }),
      ...(this.props.excludeCharacters === undefined ? {} : { exclude_characters: this.props.excludeCharacters }),
      ...(this.props.requireEachIncludedType === undefined ? {} : { require_each_included_type: this.props.requireEachIncludedType }),
    };
  }
}
