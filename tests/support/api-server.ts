import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the test server received. */
export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** performance.now() when the request arrived, in milliseconds. */
  atMs: number;
}

/** Answers the `n`-th request (1-based) the server received. */
export type Handler = (request: SeenRequest, response: ServerResponse, n: number) => void | Promise<void>;

export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request received, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts a JSON API on loopback at a random port for one test: a real node:http server whose
 * answers `handler` writes. Close it when done (closes open keep-alive connections too).
 */
export async function startApiServer(handler: Handler): Promise<ApiServer> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const request = { path: url.pathname, query: url.searchParams, headers: req.headers, atMs: performance.now() };
    seen.push(request);
    Promise.resolve(handler(request, res, seen.length)).catch((error: unknown) => {
      res.writeHead(599).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Writes a JSON answer: `body` as given (a string is sent verbatim, so tests can write exact number text). */
export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}
