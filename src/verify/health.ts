/**
 * `GET <health_check_url>` until it answers 200, with a timeout per request and backoff between attempts.
 */
import { formatDuration } from "../operator/duration";

/** Options of {@link checkHealth}. */
export interface HealthCheckOptions {
  /** Give up when no attempt answered 200 after this long (no attempt starts after it). @default 60000 */
  readonly timeoutMs?: number;
  /** Abort one request after this long. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Delay before the second attempt; it doubles after each attempt. @default 1000 */
  readonly initialDelayMs?: number;
  /** Longest delay between two attempts. @default 10000 */
  readonly maxDelayMs?: number;
  /** The HTTP client. @default the global fetch (Node's undici) */
  readonly fetch?: typeof fetch;
  /** Waits between attempts. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** What the health check saw. */
export interface HealthCheckResult {
  /** An attempt answered 200. */
  readonly ok: boolean;
  /** Attempts made. */
  readonly attempts: number;
  /** From the first request to the end. */
  readonly elapsedMs: number;
  /** What each attempt got, in order: `HTTP 200`, `HTTP 503 Service Unavailable`, `no answer within 5s`, `ECONNREFUSED`. */
  readonly outcomes: readonly string[];
  /** How long the answering request took, when one answered 200. */
  readonly responseMs?: number;
}

/** One attempt: `undefined` when it answered 200, else what it got. */
async function attempt(url: string, fetchFn: typeof fetch, requestTimeoutMs: number): Promise<string | undefined> {
  try {
    // No redirects: a health check that answers 301 (HTTP to HTTPS) does not answer 200, and says where it points.
    const response = await fetchFn(url, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(requestTimeoutMs) });
    // Let the connection go without reading a body that nobody looks at.
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 200) return undefined;
    const location = response.headers.get("location");
    return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${location ? ` (Location: ${location})` : ""}`;
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") {
      return `no answer within ${requestTimeoutMs >= 1_000 ? formatDuration(requestTimeoutMs) : `${requestTimeoutMs} ms`}`;
    }
    // fetch fails with "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND, a certificate error) in `cause`.
    return e.cause?.code ?? e.cause?.message ?? e.message;
  }
}

/**
 * Requests `url` until it answers 200 or the time is up, doubling the delay between attempts.
 *
 * @returns what it saw; never throws
 */
export async function checkHealth(url: string, options: HealthCheckOptions = {}): Promise<HealthCheckResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const started = now();
  const deadline = started + timeoutMs;
  const outcomes: string[] = [];
  let delay = options.initialDelayMs ?? 1_000;
  for (;;) {
    const requestStarted = now();
    const outcome = await attempt(url, fetchFn, requestTimeoutMs);
    outcomes.push(outcome ?? "HTTP 200");
    if (outcome === undefined) {
      return { ok: true, attempts: outcomes.length, elapsedMs: now() - started, outcomes, responseMs: now() - requestStarted };
    }
    if (now() + delay >= deadline) return { ok: false, attempts: outcomes.length, elapsedMs: now() - started, outcomes };
    await sleep(delay);
    delay = Math.min(delay * 2, maxDelayMs);
  }
}

/** `HTTP 502 (2 times), HTTP 503 (4 times)`: the outcomes of the attempts, counted, in order of first appearance. */
export function summarizeOutcomes(outcomes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([o, n]) => (n > 1 ? `${o} (${n} times)` : o)).join(", ");
}
