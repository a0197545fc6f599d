import { Token } from "cdktf";
import { describeFargateMemory, FARGATE_MEMORY_BY_CPU, isFargateSize } from "../domain/fargate";

/*
 * Prop checks shared by the constructs. Every message has one shape, `<Construct>: <prop> got <value>; allowed: ...`,
 * so that a refusal always names the prop, the value given and what would have been accepted.
 */

const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
/** `registry[:port]/path[/path...]` and a tag or a sha256 digest. */
const IMAGE_REFERENCE =
  /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/**
 * Throws unless `value` is an integer from `min` to `max`.
 *
 * @param construct the construct's name, which starts the message (`"Alb"`)
 * @param prop the prop's name as the caller writes it (`"healthCheck.intervalSeconds"`)
 * @param reason why the bounds are what they are, appended in parentheses when given
 */
export function requireInteger(construct: string, prop: string, value: number, min: number, max: number, reason?: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const why = reason === undefined ? "" : ` (${reason})`;
    throw new Error(`${construct}: ${prop} got ${JSON.stringify(value)}; allowed: an integer from ${min} to ${max}${why}`);
  }
}

/**
 * Throws unless `value` is one of `allowed`. Numbers are listed as `one of 1, 3, 5`, strings as `"a" or "b"`.
 */
export function requireOneOf<T extends string | number>(construct: string, prop: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new Error(`${construct}: ${prop} got ${JSON.stringify(value)}; allowed: ${describeChoices(allowed)}`);
  }
}

function describeChoices(allowed: readonly (string | number)[]): string {
  if (allowed.every((v) => typeof v === "number")) return `one of ${allowed.join(", ")}`;
  const quoted = allowed.map((v) => JSON.stringify(v));
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/** Throws unless `region` is an AWS region name such as `eu-west-1`. */
export function requireRegion(construct: string, region: string): void {
  if (!REGION.test(region)) {
    throw new Error(`${construct}: region got ${JSON.stringify(region)}; allowed: an AWS region name such as "eu-west-1"`);
  }
}

/** Throws unless `accountId`, when given, is a 12-digit AWS account id. */
export function requireAccountId(construct: string, accountId: string | undefined): void {
  if (accountId !== undefined && !ACCOUNT_ID.test(accountId)) {
    throw new Error(`${construct}: accountId got ${JSON.stringify(accountId)}; allowed: 12 digits`);
  }
}

/** Throws unless Fargate runs a task of `cpu` and `memoryMiB`; the message lists the allowed values. */
export function requireFargateSize(construct: string, cpu: number, memoryMiB: number): void {
  if (FARGATE_MEMORY_BY_CPU[cpu] === undefined) {
    throw new Error(`${construct}: cpu got ${JSON.stringify(cpu)}; allowed: ${Object.keys(FARGATE_MEMORY_BY_CPU).join(", ")}`);
  }
  if (!isFargateSize(cpu, memoryMiB)) {
    throw new Error(`${construct}: memoryMiB got ${JSON.stringify(memoryMiB)} for cpu ${cpu}; allowed for cpu ${cpu}: ${describeFargateMemory(cpu)}`);
  }
}

/** Throws unless `image` is a full image reference with a tag or digest (tokens are checked for blanks only). */
export function requireImageReference(construct: string, image: string): void {
  const valid = Token.isUnresolved(image) ? image.length > 0 && !/\s/.test(image) : IMAGE_REFERENCE.test(image);
  if (!valid) {
    throw new Error(
      `${construct}: image got ${JSON.stringify(image)}; allowed: a full image reference with a tag or digest, such as "ghcr.io/owner/whcsites:1.4.2"`,
    );
  }
}
