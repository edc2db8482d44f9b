// A scriptable HTTP server on 127.0.0.1 (port 0) for the gates' integration tests:
// each route answers from a function of its hit count, and the server records hits,
// request headers and the most requests it saw in flight at once.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RouteReply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

export type Route = (hit: number, headers: IncomingHttpHeaders) => RouteReply;

export interface LoopbackServer {
  readonly url: string;
  /** Requests per path. */
  readonly hits: Map<string, number>;
  readonly requestHeaders: IncomingHttpHeaders[];
  readonly maxInFlight: number;
  close(): Promise<void>;
}

export async function startLoopbackServer(routes: Record<string, Route>): Promise<LoopbackServer> {
  const hits = new Map<string, number>();
  const requestHeaders: IncomingHttpHeaders[] = [];
  const open = new Set<ServerResponse>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    requestHeaders.push(request.headers);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    open.add(response);
    response.on('close', () => {
      inFlight--;
      open.delete(response);
    });
    const route = routes[path];
    const reply = route ? route(hit, request.headers) : { status: 404, body: 'not found' };
    if (reply.hang) return;
    setTimeout(() => {
      response.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', ...reply.headers });
      response.end(reply.body ?? '');
    }, reply.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    requestHeaders,
    get maxInFlight() {
      return maxInFlight;
    },
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
