/**
 * `GET /api/v1/audit?code=CODE` (right `audit`, stewards): who looked at one person or legal person
 * (access_log, src/access/access-log.ts accessesOf): every access that looked up the code or one
 * of its aliases, or whose answer showed one of them in clear, oldest first, as records of
 * processing (GB/T 35273-2020 §11.3). The audit itself is recorded too (action `audit`), after the
 * list is read, so the list is what was there before it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import { accessesOf, recordAccess, type AccessRow } from '../../access/access-log.ts';
import { personalPolicyOf, ROLES } from '../../access/roles.ts';
import { OnecodeError } from '../../errors.ts';
import { classify } from '../../identifiers/classify.ts';
import { resolveLookupCode } from '../../index/lookup.ts';
import { quoteLiteral } from '../../index/sql-text.ts';
import { EXIT_POLICIES } from '../../protect/policy.ts';
import { todayInChina } from '../../run/run-pipeline.ts';
import { channelOf, principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, ERROR_BODY, INTEGER, nullable, STRING } from '../schemas.ts';

const ACCESS_ROW = {
  type: 'object',
  additionalProperties: false,
  required: ['access_no', 'accessed_at', 'who', 'role', 'channel', 'action', 'code', 'query', 'row_count', 'policy', 'outcome', 'matched'],
  properties: {
    access_no: INTEGER,
    accessed_at: { type: 'string', description: 'when, as the index shows instants (China Standard Time, with its offset)' },
    who: { type: 'string', description: "a token's name, or cli:<OS user>" },
    role: { type: 'string', enum: [...ROLES] },
    channel: { type: 'string', enum: ['api', 'console', 'cli'] },
    action: { type: 'string', enum: ['lookup', 'query', 'export', 'audit'] },
    code: nullable(STRING),
    query: { ...nullable(STRING), description: 'the SQL text of a query' },
    row_count: INTEGER,
    policy: { type: 'string', enum: [...EXIT_POLICIES] },
    outcome: STRING,
    matched: { type: 'string', enum: ['looked_up', 'shown'] },
  },
};

/** The one code `input` stands for and every code the index knows it by (its aliases). */
async function codesOf(connection: DuckDBConnection, input: string): Promise<{ code: string; codes: string[] } | undefined> {
  const resolved = await resolveLookupCode(connection, input, todayInChina());
  if (resolved === null) return undefined;
  const aliases = (await connection.runAndReadAll(`SELECT DISTINCT alias FROM code_alias WHERE one_code = ${quoteLiteral(resolved.oneCode)} ORDER BY alias`)).getRows().map((r) => String(r[0]));
  return { code: resolved.oneCode, codes: [resolved.oneCode, ...aliases] };
}

/** Registers the route. */
export function auditRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { code: string } }>('/api/v1/audit', {
    config: { access: 'audit' },
    schema: {
      tags: ['access'],
      summary: 'who looked at one code (or an alias of it), oldest first (access_log); the audit is recorded too',
      querystring: { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 64 } } },
      response: {
        200: { type: 'object', additionalProperties: false, required: ['code', 'accesses'], properties: { code: STRING, accesses: { type: 'array', items: ACCESS_ROW } } },
        400: { ...ERROR_BODY, description: 'code_invalid, request_invalid' },
        ...authErrors(),
      },
    },
  }, async (request) => {
    const { name, role } = principalOf(request);
    return context.reads.withConnection(async (c) => {
      const found = await codesOf(c, request.query.code);
      if (found === undefined) {
        const reasons = classify(request.query.code, { runDate: todayInChina() }).reasons.map((r) => r.code);
        throw new OnecodeError('code_invalid', `not a valid code (${[...new Set(reasons)].join(', ') || 'no identifier of a known kind'})`);
      }
      const accesses: AccessRow[] = await accessesOf(c, found.codes);
      await recordAccess(c, { who: name, role, channel: channelOf(request), action: 'audit', code: found.code, rowCount: accesses.length, policy: personalPolicyOf(role, context.env) });
      return { code: found.code, accesses };
    });
  });
}
