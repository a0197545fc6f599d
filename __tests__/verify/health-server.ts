/** A health check endpoint on 127.0.0.1 that answers the given statuses in order (the last repeats). */
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface HealthServer {
  /** `http://127.0.0.1:<port>/healthz` */
  readonly url: string;
  /** Requests received: method and path. */
  readonly hits: string[];
  close(): Promise<void>;
}

export async function startHealthServer(statuses: readonly number[], headers: Record<string, string> = {}): Promise<HealthServer> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    const status = statuses[Math.min(hits.length - 1, statuses.length - 1)];
    response.writeHead(status, { "content-type": "text/plain", ...headers });
    response.end(status === 200 ? "ok" : "not ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/healthz`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
