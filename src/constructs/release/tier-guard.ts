import { Construct } from "constructs";
import { TerraformResource } from "cdktf";
import { PropChecks, TerraformData } from "../shared";

// ── props ──

/** An acknowledged change of tier: the tier the deployed environment has now, and why it changes. */
export interface TierChange {
  /** The tier the environment had when it was last deployed (not the new one). */
  readonly from: string;
  /** Why the tier changes (at least 10 characters): it goes into the review, next to the change. */
  readonly reason: string;
}

/** Props of {@link TierGuard}. */
export interface TierGuardProps {
  /** The environment's tier, for example `production` or `non-production`. */
  readonly tier: string;
  /**
   * Lets a plan change the tier, from `from` to `tier` (the guard has no `prevent_destroy` then). Remove it once the
   * change is deployed: while it is there the guard does not stop a destroy of the environment either. Left in, it
   * cannot let a later change through: that change's `from` would be this `tier`, which is refused.
   *
   * @default none: a plan that changes the tier of a deployed environment fails
   */
  readonly acknowledgedChange?: TierChange;
  /**
   * The environment is disposable: nothing guards it (its tier may change, and it may be destroyed).
   *
   * @default false
   */
  readonly disposable?: boolean;
}

/**
 * Makes a change of an environment's tier fail in Terraform itself, against the deployed state, unless it is
 * acknowledged: a `terraform_data` resource whose `triggers_replace` holds the tier, with `prevent_destroy`. A new
 * tier replaces it, and `prevent_destroy` stops that plan ("Instance cannot be destroyed"). The tier decides many
 * defaults at once (Multi-AZ, retention, NAT gateways, `prevent_destroy` on stateful resources), so a one-word edit
 * must not switch them quietly.
 *
 * It also stops a plan that destroys the whole environment, on purpose: mark the environment disposable first.
 * It guards from its first deploy on: a tier changed in the same deploy that adds it is not seen.
 */
export class TierGuard extends Construct {
  /** The `terraform_data` resource. */
  public readonly resource: TerraformResource;
  /** Whether a plan that replaces (or destroys) the guard fails: not acknowledged and not disposable. */
  public readonly guarded: boolean;

  public constructor(scope: Construct, id: string, props: TierGuardProps) {
    super(scope, id);
    // ── validation ──
    const checks = new PropChecks("TierGuard");
    checks.expect(/^[a-z][a-z0-9-]*$/.test(props.tier), "tier", props.tier, "a tier name such as \"production\"");
    const change = props.acknowledgedChange;
    if (change !== undefined) {
      checks.expect(change.from !== props.tier, "acknowledgedChange.from", change.from,
        `the tier the environment had before, not its tier now (${JSON.stringify(props.tier)}); once the change is deployed, remove the acknowledgement`);
      checks.expect(change.reason.trim().length >= 10, "acknowledgedChange.reason", change.reason, "why the tier changes, in at least 10 characters");
    }
    checks.throwIfAny();

    // ── guard ──
    this.guarded = change === undefined && props.disposable !== true;
    this.resource = new TerraformData(this, "Resource", {
      triggersReplace: { tier: props.tier },
      lifecycle: this.guarded ? { preventDestroy: true } : undefined,
    });
  }
}
