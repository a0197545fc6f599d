import { Testing } from "cdktf";
import { TierGuard, TierGuardProps } from "../../../src/constructs/release/tier-guard";
import { PropError } from "../../../src/constructs/shared/validation";
import { ReadableStack } from "../../../src/stacks/readable-stack";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function build(props: TierGuardProps): { guard: TierGuard; resource: Record<string, unknown> } {
  const stack = new ReadableStack(Testing.app(), "test");
  const guard = new TierGuard(stack, "tier_guard", props);
  const resources = JSON.parse(Testing.synth(stack)).resource as Resources;
  expect(Object.keys(resources)).toEqual(["terraform_data"]);
  return { guard, resource: resources.terraform_data.tier_guard };
}

describe("TierGuard", () => {
  test("GIVEN a tier WHEN synthesized THEN a terraform_data holds it as its replace trigger, with prevent_destroy", () => {
    // GIVEN / WHEN
    const { guard, resource } = build({ tier: "production" });
    // THEN a new tier replaces it, which prevent_destroy refuses (real Terraform: __tests__/terraform/guards.test.ts)
    expect(resource).toMatchObject({ triggers_replace: { tier: "production" }, lifecycle: { prevent_destroy: true } });
    expect(guard.guarded).toBe(true);
  });

  test("GIVEN an acknowledged change WHEN synthesized THEN the guard lets the replacement through", () => {
    // GIVEN / WHEN
    const { guard, resource } = build({ tier: "production", acknowledgedChange: { from: "non-production", reason: "staging becomes the first production" } });
    // THEN
    expect(resource.triggers_replace).toEqual({ tier: "production" });
    expect(resource.lifecycle).toBeUndefined();
    expect(guard.guarded).toBe(false);
  });

  test("GIVEN a disposable environment WHEN synthesized THEN nothing is guarded (it may be destroyed)", () => {
    const { guard, resource } = build({ tier: "non-production", disposable: true });
    expect(resource.lifecycle).toBeUndefined();
    expect(guard.guarded).toBe(false);
  });

  test("GIVEN an acknowledgement of the tier it already has WHEN constructed THEN it is refused: it could only be a leftover", () => {
    // GIVEN an acknowledgement left in after the change, and the tier changed back
    let error: unknown;
    try {
      build({ tier: "non-production", acknowledgedChange: { from: "non-production", reason: "x" } });
    } catch (e) {
      error = e;
    }
    // THEN both problems, one line each
    expect(error).toBeInstanceOf(PropError);
    expect((error as Error).message.split("\n")).toEqual([
      'TierGuard: acknowledgedChange.from got "non-production"; allowed: the tier the environment had before, not its tier now ("non-production"); once the change is deployed, remove the acknowledgement',
      'TierGuard: acknowledgedChange.reason got "x"; allowed: why the tier changes, in at least 10 characters',
    ]);
  });
});
