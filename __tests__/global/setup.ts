import { isolateTempDir } from "./temp-dir";

/** Global setup of every Jest run: a temporary directory of its own (see temp-dir.ts), and no AWS SDK Node notice. */
export default function setup(): void {
  isolateTempDir();
  // The AWS SDK's notice that its releases after January 2027 need Node 22 (the tests run on 20 and 22): once per
  // worker, nine lines each, about the SDK and not the code under test. Operators' commands still print it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}
