import { checkTempDirLeftovers } from "./temp-dir";

/** Global teardown of every Jest run: fails it when a test left a whcsites-* folder in the temporary directory. */
export default function teardown(): void {
  checkTempDirLeftovers();
}
