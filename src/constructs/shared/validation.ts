import { Token } from "cdktf";
import { describeFargateMemory, FARGATE_MEMORY_BY_CPU, isFargateSize } from "../../domain/fargate";

/*
 * Prop checks shared by the constructs. Every problem has one shape, `<Construct>: <prop> got <value>; allowed: ...`,
 * so that a refusal always names the prop, the value given and what would have been accepted. A construct collects
 * every problem of its props before it throws (one PropError listing them all), and the error keeps the prop names:
 * the environment file loader maps them to the file's field paths instead of checking the same rules again.
 */

// ── patterns ──

const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
/** `registry[:port]/path[/path...]` and a tag or a sha256 digest. */
const IMAGE_REFERENCE =
  /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

// ── errors ──

/** One refused prop: its name as the caller writes it (`healthCheck.intervalSeconds`) and `got ...; allowed: ...`. */
export interface PropProblem {
  /** The prop, in the caller's spelling; nested props are dotted. */
  readonly prop: string;
  /** What was given and what is allowed, starting with `got`. */
  readonly detail: string;
}

/** A construct refused its props. `message` has one line per problem; `problems` keeps the prop names. */
export class PropError extends Error {
  /**
   * @param construct the construct's class name, which starts each line (`"Alb"`)
   * @param problems every refused prop, at least one
   */
  public constructor(
    public readonly construct: string,
    public readonly problems: readonly PropProblem[],
  ) {
    super(problems.map((p) => `${construct}: ${p.prop} ${p.detail}`).join("\n"));
    this.name = "PropError";
  }
}

// ── checks ──

/**
 * Collects the problems of a construct's props; {@link PropChecks.throwIfAny} throws them together. Create one at the
 * top of a constructor, call the checks, then `throwIfAny()` before creating any resource.
 */
export class PropChecks {
  private readonly problems: PropProblem[] = [];

  /** @param construct the construct's class name, which starts each message */
  public constructor(public readonly construct: string) {}

  /** Records a problem: `detail` reads `got <value>; allowed: <what>`. */
  public add(prop: string, detail: string): void {
    this.problems.push({ prop, detail });
  }

  /** Records `got <value>; allowed: <allowed>` unless `ok`. Returns `ok`. */
  public expect(ok: boolean, prop: string, value: unknown, allowed: string): boolean {
    if (!ok) this.add(prop, `got ${describe(value)}; allowed: ${allowed}`);
    return ok;
  }

  /** An integer from `min` to `max`; `reason` says why the bounds are what they are. */
  public integer(prop: string, value: number, min: number, max: number, reason?: string): boolean {
    const why = reason === undefined ? "" : ` (${reason})`;
    return this.expect(Number.isInteger(value) && value >= min && value <= max, prop, value, `an integer from ${min} to ${max}${why}`);
  }

  /** One of `allowed`: numbers are listed as `one of 1, 3, 5`, strings as `"a" or "b"`. */
  public oneOf<T extends string | number>(prop: string, value: T, allowed: readonly T[]): boolean {
    return this.expect(allowed.includes(value), prop, value, describeChoices(allowed));
  }

  /** An AWS region name such as `eu-west-1`. */
  public region(prop: string, region: string): boolean {
    return this.expect(REGION.test(region), prop, region, 'an AWS region name such as "eu-west-1"');
  }

  /** A 12-digit AWS account id, when given. */
  public accountId(prop: string, accountId: string | undefined): boolean {
    return accountId === undefined || this.expect(ACCOUNT_ID.test(accountId), prop, accountId, "12 digits");
  }

  /** A task size Fargate runs: `cpu` one of the Fargate values, `memoryMiB` one Fargate allows for it. */
  public fargateSize(cpu: number, memoryMiB: number, props: { readonly cpu: string; readonly memoryMiB: string } = { cpu: "cpu", memoryMiB: "memoryMiB" }): boolean {
    if (FARGATE_MEMORY_BY_CPU[cpu] === undefined) {
      this.add(props.cpu, `got ${describe(cpu)}; allowed: ${Object.keys(FARGATE_MEMORY_BY_CPU).join(", ")}`);
      return false;
    }
    if (!isFargateSize(cpu, memoryMiB)) {
      this.add(props.memoryMiB, `got ${describe(memoryMiB)} for cpu ${cpu}; allowed for cpu ${cpu}: ${describeFargateMemory(cpu)}`);
      return false;
    }
    return true;
  }

  /** A full image reference with a tag or digest (a token is checked for blanks only). */
  public imageReference(prop: string, image: string): boolean {
    const valid = Token.isUnresolved(image) ? image.length > 0 && !/\s/.test(image) : IMAGE_REFERENCE.test(image);
    return this.expect(valid, prop, image, 'a full image reference with a tag or digest, such as "ghcr.io/owner/whcsites:1.4.2"');
  }

  /** Throws one {@link PropError} with every problem recorded; does nothing when there is none. */
  public throwIfAny(): void {
    if (this.problems.length > 0) throw new PropError(this.construct, [...this.problems]);
  }
}

// ── single checks ──

/** Throws unless `value` is an integer from `min` to `max` (for a single prop, such as an intent method's port). */
export function requireInteger(construct: string, prop: string, value: number, min: number, max: number, reason?: string): void {
  const checks = new PropChecks(construct);
  checks.integer(prop, value, min, max, reason);
  checks.throwIfAny();
}

/** Throws unless `value` is one of `allowed`. */
export function requireOneOf<T extends string | number>(construct: string, prop: string, value: T, allowed: readonly T[]): void {
  const checks = new PropChecks(construct);
  checks.oneOf(prop, value, allowed);
  checks.throwIfAny();
}

/** Throws unless `region` is an AWS region name such as `eu-west-1`. */
export function requireRegion(construct: string, region: string): void {
  const checks = new PropChecks(construct);
  checks.region("region", region);
  checks.throwIfAny();
}

/** Throws unless `accountId`, when given, is a 12-digit AWS account id. */
export function requireAccountId(construct: string, accountId: string | undefined): void {
  const checks = new PropChecks(construct);
  checks.accountId("accountId", accountId);
  checks.throwIfAny();
}

/** Throws unless Fargate runs a task of `cpu` and `memoryMiB`; the message lists the allowed values. */
export function requireFargateSize(construct: string, cpu: number, memoryMiB: number): void {
  const checks = new PropChecks(construct);
  checks.fargateSize(cpu, memoryMiB);
  checks.throwIfAny();
}

/** Throws unless `image` is a full image reference with a tag or digest (tokens are checked for blanks only). */
export function requireImageReference(construct: string, image: string): void {
  const checks = new PropChecks(construct);
  checks.imageReference("image", image);
  checks.throwIfAny();
}

// ── helpers ──

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function describeChoices(allowed: readonly (string | number)[]): string {
  if (allowed.every((v) => typeof v === "number")) return `one of ${allowed.join(", ")}`;
  const quoted = allowed.map((v) => JSON.stringify(v));
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}
