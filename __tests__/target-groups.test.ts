import { AWS_DEFAULT_TARGET_GROUP_TIMING, modeledRolloutSecondsPerBatch } from "../src/domain/target-groups";

describe("modeledRolloutSecondsPerBatch", () => {
  test("GIVEN AWS defaults WHEN modeled THEN one batch takes 450 s", () => {
    expect(modeledRolloutSecondsPerBatch(AWS_DEFAULT_TARGET_GROUP_TIMING)).toBe(450);
  });

  test("GIVEN the ECS service module's defaults WHEN modeled THEN one batch takes 50 s, at most 60 s", () => {
    const seconds = modeledRolloutSecondsPerBatch({ healthyThreshold: 2, intervalSeconds: 10, deregistrationDelaySeconds: 30 });
    expect(seconds).toBe(50);
    expect(seconds).toBeLessThanOrEqual(60);
  });
});
