/**
 * A tiny AWS JSON-protocol endpoint on 127.0.0.1 (ECS, CloudWatch Logs), for tests that need the real SDK's HTTP
 * path or a process of their own: answers each operation (by X-Amz-Target) from a handler and records the calls.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";

/** One request the endpoint received. */
export interface FakeCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** Milliseconds since the endpoint started. */
  readonly at: number;
}

/** A raw answer, for what the protocol would not produce (an HTML error page). */
export interface RawAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A handler's answer: an output object (HTTP 200), an error (`__type`, HTTP 400) or a raw answer. */
export type FakeAnswer = object;

export type FakeHandler = (input: Record<string, unknown>, calls: readonly FakeCall[]) => FakeAnswer;

/** A started endpoint. */
export interface FakeAws {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint` or AWS_ENDPOINT_URL. */
  readonly url: string;
  /** Every call so far, in order. */
  readonly calls: FakeCall[];
  /** Resolves once a call satisfies `predicate` (rejects after `timeoutMs`). */
  waitFor(predicate: (call: FakeCall) => boolean, timeoutMs?: number): Promise<FakeCall>;
  close(): Promise<void>;
}

export function isRaw(answer: FakeAnswer): answer is RawAnswer {
  const a = answer as Partial<RawAnswer>;
  return typeof a.status === "number" && typeof a.body === "string" && typeof a.contentType === "string";
}

/** The HTML page moto's server (werkzeug) answers with when a handler crashes. */
export const HTML_500: RawAnswer = {
  status: 500,
  contentType: "text/html; charset=utf-8",
  body:
    '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n' +
    "<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n",
};

export async function startFakeAws(handlers: Record<string, FakeHandler>): Promise<FakeAws> {
  const calls: FakeCall[] = [];
  const started = Date.now();
  const waiters: Array<{ predicate: (call: FakeCall) => boolean; resolve: (call: FakeCall) => void }> = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const operation = String(request.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
      const raw = Buffer.concat(chunks).toString("utf8");
      const call: FakeCall = { operation, input: raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : {}, at: Date.now() - started };
      calls.push(call);
      const handler = handlers[operation];
      const answer: FakeAnswer = handler !== undefined ? handler(call.input, calls) : { __type: "InvalidParameterException", message: `unexpected ${operation}` };
      if (isRaw(answer)) {
        response.writeHead(answer.status, { "content-type": answer.contentType });
        response.end(answer.body);
      } else {
        response.writeHead("__type" in answer ? 400 : 200, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(answer));
      }
      for (const waiter of [...waiters]) {
        if (waiter.predicate(call)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(call);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    waitFor: (predicate, timeoutMs = 20_000) => {
      const seen = calls.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching call within ${timeoutMs} ms; calls: ${calls.map((c) => c.operation).join(", ")}`)), timeoutMs);
        waiters.push({ predicate, resolve: (call) => (clearTimeout(timer), resolve(call)) });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
