/**
 * One log line per request, written when the answer is sent: method, the route's pattern
 * (`/api/v1/lookup/:code`, never the URL: it can hold a code), status, who (the token's name),
 * and the time taken. Fastify's own request logging is off (server.ts) because it logs URLs.
 * No header, query string or body is logged.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.ts';

/** The `onResponse` hook writing the line; `observe` also gets it (the HTTP metrics). */
export function requestLogHook(logger: Logger, observe?: (line: RequestLine) => void) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const line: RequestLine = {
      method: request.method,
      route: request.routeOptions.url ?? '(no route)',
      status: reply.statusCode,
      principal: request.principal?.name ?? null,
      role: request.principal?.role ?? null,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    observe?.(line);
    logger.info(line, 'http request');
  };
}

/** What is logged of a request. */
export interface RequestLine {
  method: string;
  /** The route pattern; `(no route)` for a path that matched none (404). */
  route: string;
  status: number;
  /** The token's name, null before or without authentication. */
  principal: string | null;
  role: string | null;
  /** From the request's arrival to the answer, in milliseconds. */
  ms: number;
}
