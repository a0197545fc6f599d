import { InvalidArgumentError } from "commander";
import { parseDuration } from "./duration";
import { imageReferenceProblem, imageTagProblem } from "./image-reference";

// ── commander argument parsers the operator tools share ──

/** `--timeout 90s`: milliseconds, or commander's "invalid argument" with the reason. */
export function durationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `--image-tag <tag>`: the tag as given, or commander's "invalid argument" with the reason. */
export function tagOption(value: string): string {
  const problem = imageTagProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return value;
}

/** `--image-digest sha256:<64 hex>`: the digest as given, or commander's "invalid argument" with the reason. */
export function digestOption(value: string): string {
  if (/^sha256:[0-9a-f]{64}$/.test(value)) return value;
  throw new InvalidArgumentError("a digest is sha256: and 64 lower-case hex digits (docker buildx imagetools inspect <image> prints it)");
}

/** `--expected-image <image>`: the reference as given, or commander's "invalid argument" with the reason. */
export function imageOption(value: string): string {
  const problem = imageReferenceProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return value;
}
