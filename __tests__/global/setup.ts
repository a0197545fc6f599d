import { isolateTempDir } from "./temp-dir";

/** Global setup of every Jest run: a temporary directory of its own (see temp-dir.ts). */
export default function setup(): void {
  isolateTempDir();
}
