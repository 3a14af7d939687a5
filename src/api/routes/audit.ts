/**
 * `GET /api/v1/audit?code=CODE` (right `audit`, stewards): who looked at one person or legal person
 * (access_log, src/access/access-log.ts accessesOf): every access that looked up the code or one
 * of the codes it is known by, or whose answer showed one of them in clear, oldest first, as
 * records of processing (GB/T 35273-2020 §11.3). The same answer as `onecode audit --code CODE
 * --json` (src/cli/audit-command.ts, whose resolution of the codes it uses). The audit itself is
 * recorded too (action `audit`), after the list is read; an input that is no valid code is
 * recorded `failed`, without the input.
 */
import type { FastifyInstance } from 'fastify';
import { accessesOf, recordAccess, type AccessRow } from '../../access/access-log.ts';
import { personalPolicyOf, ROLES } from '../../access/roles.ts';
import { auditCodes, type AuditAnswer } from '../../cli/audit-command.ts';
import { OnecodeError } from '../../errors.ts';
import { classify } from '../../identifiers/classify.ts';
import { resolveLookupCode } from '../../index/lookup.ts';
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

/** Registers the route. */
export function auditRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { code: string } }>('/api/v1/audit', {
    config: { access: 'audit' },
    schema: {
      tags: ['access'],
      summary: 'who looked at one code (or an alias of it), oldest first (access_log); the audit is recorded too',
      querystring: { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 64 } } },
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['code', 'codes', 'accesses'],
          properties: {
            code: { ...STRING, description: 'the one code audited' },
            codes: { type: 'array', items: STRING, description: 'every code the accesses were searched for: the one code, the codes it is known by, the input\'s own form' },
            accesses: { type: 'array', items: ACCESS_ROW },
          },
        },
        400: { ...ERROR_BODY, description: 'code_invalid, request_invalid' },
        ...authErrors(),
      },
    },
  }, async (request): Promise<AuditAnswer> => {
    const { name, role } = principalOf(request);
    const entry = { who: name, role, channel: channelOf(request), action: 'audit', policy: personalPolicyOf(role, context.env) } as const;
    return context.reads.withConnection(async (c) => {
      const resolved = await resolveLookupCode(c, request.query.code, todayInChina());
      if (resolved === null) {
        await recordAccess(c, { ...entry, rowCount: 0, outcome: 'failed' });
        const reasons = classify(request.query.code, { runDate: todayInChina() }).reasons.map((r) => r.code);
        throw new OnecodeError('code_invalid', `not a valid code (${[...new Set(reasons)].join(', ') || 'no identifier of a known kind'})`);
      }
      const codes = await auditCodes(c, resolved);
      const accesses: AccessRow[] = await accessesOf(c, codes);
      await recordAccess(c, { ...entry, code: resolved.oneCode, rowCount: accesses.length });
      return { code: resolved.oneCode, codes, accesses };
    });
  });
}
