/**
 * The routes that show personal values: `GET /api/v1/lookup/{code}` (the document of `onecode
 * lookup`) and `POST /api/v1/query` (read-only SQL). Both go through the access guard
 * (src/access/protected-lookup.ts lookupAs, protected-query.ts queryAs): the role's right is
 * checked, the access recorded in access_log (channel `api`, or `console` for the web console),
 * and personal values leave under the role's policy (steward clear, analyst mask or pseudonymise).
 * The auth hook has already refused tokens without the right (auth.ts), before anything is read.
 *
 * Every role but `steward` is held to a per-principal rate (src/access/rate-limit.ts): past it
 * the answer is 429 `rate_limited` with Retry-After, before anything is looked up; serve logs a
 * warning naming the principal (never the code or the SQL), and the refusal is recorded in
 * access_log (outcome `refused`, no code, no SQL text: what was asked is not kept, as for an
 * invalid input), so an audit of the principal's accesses shows the throttling.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAccess } from '../../access/access-log.ts';
import { lookupAs } from '../../access/protected-lookup.ts';
import { DEFAULT_MAX_ROWS, queryAs } from '../../access/protected-query.ts';
import { RateLimitedError, type LimitedAction } from '../../access/rate-limit.ts';
import { personalPolicyOf } from '../../access/roles.ts';
import { classify } from '../../identifiers/classify.ts';
import { OnecodeError } from '../../errors.ts';
import { todayInChina } from '../../run/run-pipeline.ts';
import { channelOf, principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, ERROR_BODY, INTEGER, STRING } from '../schemas.ts';
import { LOOKUP_DOCUMENT } from './lookup-schema.ts';

/** Longest query text accepted, in characters. */
export const QUERY_MAX_CHARS = 20_000;
/** Rows a query returns when the request names no `limit`, and the most it may name. */
export const QUERY_DEFAULT_ROWS = 1_000;
export const QUERY_MAX_ROWS = DEFAULT_MAX_ROWS;
/** How long a query may run before it is stopped, in milliseconds. */
export const QUERY_TIMEOUT_MS = 30_000;

/** The 429 answer of a request over its principal's limit. */
export const RATE_LIMITED = { ...ERROR_BODY, description: 'rate_limited: over the per-minute limit of the token (every role but steward; ONECODE_ANALYST_LOOKUPS_PER_MINUTE, ONECODE_ANALYST_QUERIES_PER_MINUTE); the Retry-After header says how many seconds to wait' };

/**
 * Takes one `action` from the limit of the request's principal (stewards are not limited).
 * @throws RateLimitedError (429) past the limit, after logging a warning and recording the refusal.
 */
export async function checkRateLimit(context: ApiContext, request: FastifyRequest, action: LimitedAction): Promise<void> {
  const { name, role } = principalOf(request);
  if (role === 'steward') return;
  const limiter = context.limits[action];
  const wait = limiter.take(name);
  if (wait === 0) return;
  context.logger.warn({ principal: name, role, action, perMinute: limiter.perMinute, retryAfterSeconds: wait }, `${action}s refused: ${name} is over the limit of ${limiter.perMinute} a minute`);
  await context.reads.withConnection((c) =>
    recordAccess(c, { who: name, role, channel: channelOf(request), action, rowCount: 0, policy: personalPolicyOf(role, context.env), outcome: 'refused' }),
  );
  throw new RateLimitedError(action, limiter.perMinute, wait);
}

/** The 400 `code_invalid` of an input that is no valid identifier: the codes of its reasons, never the value. */
export function codeInvalid(input: string, runDate: string): OnecodeError {
  const reasons = classify(input, { runDate }).reasons.map((r) => r.code);
  return new OnecodeError('code_invalid', `not a valid code (${[...new Set(reasons)].join(', ') || 'no identifier of a known kind'})`);
}

/** Registers the routes. */
export function lookupQueryRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { code: string } }>('/api/v1/lookup/:code', {
    config: { access: 'lookup' },
    schema: {
      tags: ['index'],
      summary: 'everything the index holds about one code (any form or alias), personal values as the role allows; recorded in access_log',
      params: { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 128, description: 'a resident identity number (18 or 15 digits), USCC, organisation code, business registration number or electronic licence identifier (its holder)' } } },
      response: {
        200: LOOKUP_DOCUMENT,
        400: { ...ERROR_BODY, description: 'code_invalid: no valid identifier (the reasons name rules, not the value)' },
        429: RATE_LIMITED,
        ...authErrors(),
      },
    },
  }, async (request) => {
    await checkRateLimit(context, request, 'lookup');
    const { name, role } = principalOf(request);
    const policy = personalPolicyOf(role, context.env);
    const doc = await context.reads.withConnection((c) =>
      lookupAs(c, request.params.code, { name, role, channel: channelOf(request) }, { runDate: todayInChina(), key: context.keyFor(policy), env: context.env }),
    );
    if (doc === null) throw codeInvalid(request.params.code, todayInChina());
    return doc;
  });

  app.post<{ Body: { sql: string; limit?: number } }>('/api/v1/query', {
    config: { access: 'query' },
    schema: {
      tags: ['index'],
      summary: 'one read-only SQL statement over the analyst views (a steward: every view and table), personal values as the role allows; recorded in access_log',
      body: {
        type: 'object',
        required: ['sql'],
        additionalProperties: false,
        properties: {
          sql: { type: 'string', minLength: 1, maxLength: QUERY_MAX_CHARS, description: 'one SELECT (or WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE)' },
          limit: { type: 'integer', minimum: 1, maximum: QUERY_MAX_ROWS, default: QUERY_DEFAULT_ROWS, description: 'rows returned at most' },
        },
      },
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['columns', 'rows', 'row_count', 'truncated'],
          properties: {
            columns: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['name', 'type'], properties: { name: STRING, type: { type: 'string', description: 'DuckDB type: VARCHAR, BIGINT, JSON, …' } } } },
            rows: { type: 'array', items: { type: 'array', description: 'one value per column: integers as numbers when exact (else text), decimals, dates and timestamps as text, JSON as JSON' } },
            row_count: INTEGER,
            truncated: { type: 'boolean', description: 'the query had more rows than `limit`' },
          },
        },
        400: { ...ERROR_BODY, description: 'query_invalid (syntax or run error, without values), query_refused (not one read-only statement over the views allowed), query_timeout, request_invalid' },
        413: { ...ERROR_BODY, description: 'payload_too_large: a body over 64 KiB' },
        415: { ...ERROR_BODY, description: 'unsupported_media_type: the body must be application/json' },
        429: RATE_LIMITED,
        ...authErrors(),
      },
    },
  }, async (request) => {
    await checkRateLimit(context, request, 'query');
    const { name, role } = principalOf(request);
    const policy = personalPolicyOf(role, context.env);
    const answer = await context.reads.withConnection((c) =>
      queryAs(c, request.body.sql, { name, role, channel: channelOf(request) }, { key: context.keyFor(policy), env: context.env, maxRows: request.body.limit ?? QUERY_DEFAULT_ROWS, timeoutMs: QUERY_TIMEOUT_MS }),
    );
    return { columns: answer.columns, rows: answer.rows, row_count: answer.rowCount, truncated: answer.truncated };
  });
}
