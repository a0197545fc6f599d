import { ElementView, PolicyContext, refersTo } from "../framework";
import { isToken } from "../values";

/** The resources of `types` that configure `bucket`: their `bucket` is a reference to it or its literal name. */
export function bucketSettings(bucket: ElementView, context: PolicyContext, ...types: string[]): readonly ElementView[] {
  const name = bucket.config.bucket;
  return context
    .resourcesOfType(...types)
    .filter(
      (setting) =>
        refersTo(setting.config.bucket, bucket, ["id", "bucket"]) ||
        (typeof name === "string" && !isToken(name) && setting.config.bucket === name),
    );
}
