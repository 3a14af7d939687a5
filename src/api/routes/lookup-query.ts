/**
 * The routes that show personal values: `GET /api/v1/lookup/{code}` (the document of `onecode
 * lookup`) and `POST /api/v1/query` (read-only SQL). Both go through the access guard
 * (src/access/protected-lookup.ts lookupAs, protected-query.ts queryAs): the role's right is
 * checked, the access recorded in access_log (channel `api`, or `console` for the web console),
 * and personal values leave under the role's policy (steward clear, analyst mask or pseudonymise).
 * The auth hook has already refused tokens without the right (auth.ts), before anything is read.
 */
import type { FastifyInstance } from 'fastify';
import { lookupAs } from '../../access/protected-lookup.ts';
import { DEFAULT_MAX_ROWS, queryAs } from '../../access/protected-query.ts';
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

/** Registers the routes. */
export function lookupQueryRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { code: string } }>('/api/v1/lookup/:code', {
    config: { access: 'lookup' },
    schema: {
      tags: ['index'],
      summary: 'everything the index holds about one code (any form or alias), personal values as the role allows; recorded in access_log',
      params: { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 64, description: 'a resident identity number (18 or 15 digits), USCC, organisation code or business registration number' } } },
      response: {
        200: LOOKUP_DOCUMENT,
        400: { ...ERROR_BODY, description: 'code_invalid: no valid identifier (the reasons name rules, not the value)' },
        ...authErrors(),
      },
    },
  }, async (request) => {
    const { name, role } = principalOf(request);
    const policy = personalPolicyOf(role, context.env);
    const doc = await context.reads.withConnection((c) =>
      lookupAs(c, request.params.code, { name, role, channel: channelOf(request) }, { runDate: todayInChina(), key: context.keyFor(policy), env: context.env }),
    );
    if (doc === null) {
      const reasons = classify(request.params.code, { runDate: todayInChina() }).reasons.map((r) => r.code);
      throw new OnecodeError('code_invalid', `not a valid code (${[...new Set(reasons)].join(', ') || 'no identifier of a known kind'})`);
    }
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
        ...authErrors(),
      },
    },
  }, async (request) => {
    const { name, role } = principalOf(request);
    const policy = personalPolicyOf(role, context.env);
    const answer = await context.reads.withConnection((c) =>
      queryAs(c, request.body.sql, { name, role, channel: channelOf(request) }, { key: context.keyFor(policy), env: context.env, maxRows: request.body.limit ?? QUERY_DEFAULT_ROWS, timeoutMs: QUERY_TIMEOUT_MS }),
    );
    return { columns: answer.columns, rows: answer.rows, row_count: answer.rowCount, truncated: answer.truncated };
  });
}
