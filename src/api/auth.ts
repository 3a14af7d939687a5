/**
 * Who is asking, decided before anything else of a request (Fastify's `onRequest` hook: before the
 * body is read, the parameters validated or the index touched), so that neither a 401 nor a 403
 * can tell whether a code exists.
 *
 * A route names what it needs in its `config.access` (contract: /work/api-contract.md, roles.ts):
 * - `public`: nothing (health, the OpenAPI document, the console's files);
 * - `token`: any valid token (`whoami`);
 * - a {@link Right}: a valid token whose role holds it.
 *
 * `Authorization: Bearer <token>` (RFC 6750 §2.1). No header, another scheme, or an unknown token:
 * 401 `{"error":"unauthorized"}` with `WWW-Authenticate: Bearer`. A role without the right: 403
 * `{"error":"forbidden"}`. The body of each is always the same. The token itself is never logged.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessChannel } from '../access/access-log.ts';
import { hasRight, type Right } from '../access/roles.ts';
import type { Principal, TokenVerifier } from '../access/tokens.ts';
import { OnecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** What a route needs: see the file's comment. */
export type RouteAccess = 'public' | 'token' | Right;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs (auth.ts); a route without it is refused to everyone (500). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who the token stands for; set by the auth hook on every route but `public` ones. */
    principal?: Principal;
  }
}

/** The 401 body: one text for every reason (no header, bad scheme, unknown or revoked token). */
export const UNAUTHORIZED = { error: 'unauthorized', message: 'a valid token is required: Authorization: Bearer <token> (onecode token add NAME --role ROLE)' } as const;
/** The 403 body. */
export const FORBIDDEN = { error: 'forbidden', message: "the token's role does not have the right to this" } as const;

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The `onRequest` hook deciding a request's principal and right.
 * @param logger where a token file that became invalid is reported (by its error code).
 */
export function authHook(tokens: TokenVerifier, logger: Logger) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return undefined;
    if (access === undefined) {
      // Unmatched routes (404) carry no access; a route written without one is a programming error.
      if (request.routeOptions.url === undefined) return undefined;
      throw new OnecodeError('route_access_missing', `route ${request.routeOptions.url} declares no access`);
    }
    let principal: Principal | undefined;
    try {
      principal = await tokens.verify(bearerToken(request.headers.authorization), { remoteAddress: request.socket.remoteAddress, localAddress: request.socket.localAddress });
    } catch (error) {
      const code = error instanceof OnecodeError ? error.code : 'tokens_unreadable';
      logger.error({ errorCode: code }, 'the token file cannot be read: every request is refused until it is fixed');
      return reply.code(503).header('retry-after', '10').send({ error: 'tokens_unavailable', message: 'the token file cannot be read; the operator is told in the log' });
    }
    if (principal === undefined) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="onecode"').send(UNAUTHORIZED);
    }
    request.principal = principal;
    if (access !== 'token' && !hasRight(principal.role, access)) return reply.code(403).send(FORBIDDEN);
    return undefined;
  };
}

/** The principal of a request past the auth hook. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new OnecodeError('principal_missing', 'no principal on an authenticated route');
  return request.principal;
}

/**
 * Through what a request came, for access_log: `console` when it says it comes from the web console
 * (`X-Onecode-Channel: console`); `cli` when it says so and carries an owner token (its principal
 * is `cli:<user>`, a name no token file can hold); else `api`.
 */
export function channelOf(request: FastifyRequest): AccessChannel {
  const said = request.headers['x-onecode-channel'];
  if (said === 'console') return 'console';
  if (said === 'cli' && request.principal?.name.startsWith('cli:')) return 'cli';
  return 'api';
}
