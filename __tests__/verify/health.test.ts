import * as http from "node:http";
import { AddressInfo } from "node:net";
import { checkHealth, summarizeOutcomes } from "../../src/verify/health";
import { startHealthServer } from "./health-server";

/** A clock that only moves when the check sleeps, so the backoff schedule is exact. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe("checkHealth", () => {
  it("retries with a doubling delay, capped, until the time is up", async () => {
    // GIVEN an endpoint that keeps answering 503
    const server = await startHealthServer([503]);
    const time = fakeTime();

    try {
      // WHEN
      const result = await checkHealth(server.url, { timeoutMs: 30_000, initialDelayMs: 1_000, maxDelayMs: 8_000, now: time.now, sleep: time.sleep });

      // THEN 1 + 2 + 4 + 8 + 8 = 23 s of waiting; the next 8 s would pass the 30 s deadline
      expect(time.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
      expect(result).toMatchObject({ ok: false, attempts: 6 });
      expect(server.hits).toHaveLength(6);
      expect(summarizeOutcomes(result.outcomes)).toBe("HTTP 503 Service Unavailable (6 times)");
    } finally {
      await server.close();
    }
  });

  it("stops at the first 200", async () => {
    // GIVEN
    const server = await startHealthServer([502, 200]);
    const time = fakeTime();

    try {
      // WHEN
      const result = await checkHealth(server.url, { now: time.now, sleep: time.sleep });

      // THEN
      expect(result).toMatchObject({ ok: true, attempts: 2, outcomes: ["HTTP 502 Bad Gateway", "HTTP 200"] });
      expect(time.sleeps).toEqual([1_000]);
    } finally {
      await server.close();
    }
  });

  it("does not follow a redirect: it is not a 200, and it says where it points", async () => {
    // GIVEN
    const server = await startHealthServer([301], { location: "https://api.example.org/healthz" });

    try {
      // WHEN
      const result = await checkHealth(server.url, { timeoutMs: 1, initialDelayMs: 10 });

      // THEN
      expect(result.outcomes).toEqual(["HTTP 301 Moved Permanently (Location: https://api.example.org/healthz)"]);
    } finally {
      await server.close();
    }
  });

  it("gives up on a request that does not answer within the request timeout", async () => {
    // GIVEN an endpoint that accepts the connection and never answers
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/healthz`;

    try {
      // WHEN
      const result = await checkHealth(url, { timeoutMs: 1, requestTimeoutMs: 100 });

      // THEN
      expect(result).toMatchObject({ ok: false, outcomes: ["no answer within 100 ms"] });
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it("names a refused connection", async () => {
    // GIVEN a port nobody listens on
    const server = await startHealthServer([200]);
    const url = server.url;
    await server.close();

    // WHEN
    const result = await checkHealth(url, { timeoutMs: 1 });

    // THEN
    expect(result).toMatchObject({ ok: false, outcomes: ["ECONNREFUSED"] });
  });
});
