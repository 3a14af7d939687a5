/**
 * `GET /api/v1/audit?code=CODE` (right `audit`, stewards): who looked at one person or legal person
 * (access_log, src/access/access-log.ts accessesOf): every access that looked up the code or one
 * of the codes it is known by, or whose answer showed one of them in clear, oldest first, as
 * records of processing (GB/T 35273-2020 §11.3). The same answer as `onecode audit --code CODE
 * --json`: both run src/access/audit-as.ts auditAs. The audit itself is recorded too (action
 * `audit`), after the list is read; an input that is no valid code is recorded `failed`, without
 * the input. An access that kept only part of its codes says so (`codes_capped`).
 */
import type { FastifyInstance } from 'fastify';
import { auditAs, type AuditAnswer } from '../../access/audit-as.ts';
import { ROLES } from '../../access/roles.ts';
import { EXIT_POLICIES } from '../../protect/policy.ts';
import { todayInChina } from '../../run/run-pipeline.ts';
import { channelOf, principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, ERROR_BODY, INTEGER, nullable, STRING } from '../schemas.ts';

const ACCESS_ROW = {
  type: 'object',
  additionalProperties: false,
  required: ['access_no', 'accessed_at', 'who', 'role', 'channel', 'action', 'code', 'query', 'row_count', 'policy', 'outcome', 'matched', 'codes_capped'],
  properties: {
    access_no: INTEGER,
    accessed_at: { type: 'string', description: 'when, as the index shows instants (China Standard Time, with its offset)' },
    who: { type: 'string', description: "a token's name, or cli:<OS user>" },
    role: { type: 'string', enum: [...ROLES] },
    channel: { type: 'string', enum: ['api', 'console', 'cli'] },
    action: { type: 'string', enum: ['lookup', 'query', 'export', 'audit', 'materials'] },
    code: nullable(STRING),
    query: { ...nullable(STRING), description: 'the SQL text of a query' },
    row_count: INTEGER,
    policy: { type: 'string', enum: [...EXIT_POLICIES] },
    outcome: STRING,
    matched: { type: 'string', enum: ['looked_up', 'shown', 'maybe_shown'], description: 'maybe_shown: the access kept only part of its codes, none of those kept is this one' },
    codes_capped: { ...INTEGER, description: 'codes the access showed but did not keep (at most 1,000 are kept); 0 when it kept all' },
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
          required: ['code', 'codes', 'accesses', 'codes_capped'],
          properties: {
            code: { ...STRING, description: 'the one code audited' },
            codes: { type: 'array', items: STRING, description: 'every code the accesses were searched for: the one code, the codes it is known by, the input\'s own form' },
            accesses: { type: 'array', items: ACCESS_ROW },
            codes_capped: { ...INTEGER, description: 'how many of the accesses kept only part of their codes' },
          },
        },
        400: { ...ERROR_BODY, description: 'code_invalid, request_invalid' },
        ...authErrors(),
      },
    },
  }, async (request): Promise<AuditAnswer> => {
    const { name, role } = principalOf(request);
    return context.reads.withConnection((c) =>
      auditAs(c, request.query.code, { name, role, channel: channelOf(request) }, { runDate: todayInChina(), env: context.env }),
    );
  });
}
