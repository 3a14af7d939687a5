/**
 * `GET /api/v1/materials/{holder}?needs=TYPE,TYPE…`: "already on file?" for a service counter
 * (src/access/protected-materials.ts materialsAs): for each licence type a service item needs,
 * whether the licence library holds one valid today in China for the holder, with its identifier
 * and validity, else why not. Guarded as a lookup: right `lookup`, the per-principal rate of
 * lookups, the access recorded in access_log (action `materials`), personal values as the role
 * allows.
 */
import type { FastifyInstance } from 'fastify';
import { materialsAs, MAX_NEEDS, parseNeeds } from '../../access/protected-materials.ts';
import { personalPolicyOf } from '../../access/roles.ts';
import { todayInChina } from '../../run/today-in-china.ts';
import { channelOf, principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, ERROR_BODY, INTEGER, STRING, type Schema } from '../schemas.ts';
import { LICENCE } from './lookup-schema.ts';
import { checkRateLimit, codeInvalid, RATE_LIMITED } from './lookup-query.ts';

/** The answer as the API sends it (src/access/protected-materials.ts MaterialsDocument). */
const MATERIALS_DOCUMENT: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['holder', 'identifier', 'date', 'needs'],
  properties: {
    holder: { type: 'string', description: 'the holder\'s one code (a person\'s protected as the role allows)' },
    identifier: { type: 'object', required: ['kind', 'status'], properties: { kind: STRING, status: { type: 'string', enum: ['valid', 'nonconforming', 'invalid'] } } },
    date: { type: 'string', description: 'the day validity is judged on: today in China, YYYY-MM-DD' },
    needs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['licence_type_code', 'on_file', 'why_not', 'held'],
        properties: {
          licence_type_code: STRING,
          on_file: { type: 'boolean', description: 'a licence of this type, valid today, is in the library: the holder need not submit it' },
          licence: { anyOf: [LICENCE, { type: 'null' }], description: 'the valid licence (the one valid longest); null when not on file' },
          why_not: { type: ['string', 'null'], enum: ['none', 'expired', 'revoked', 'not_yet_valid', null], description: 'none held, or the state of the newest one held' },
          held: { ...INTEGER, description: 'licences of this type the holder has, in any state' },
        },
      },
    },
  },
};

/** Registers the route. */
export function materialsRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { holder: string }; Querystring: { needs: string } }>('/api/v1/materials/:holder', {
    config: { access: 'lookup' },
    schema: {
      tags: ['index'],
      summary: 'already on file? For each licence type a service item needs, whether the licence library holds one valid today for the holder; recorded in access_log',
      params: { type: 'object', required: ['holder'], properties: { holder: { type: 'string', minLength: 1, maxLength: 128, description: 'the holder: a resident identity number, USCC, legacy code or licence identifier' } } },
      querystring: {
        type: 'object',
        required: ['needs'],
        additionalProperties: false,
        properties: { needs: { type: 'string', minLength: 1, maxLength: 4096, description: `licence type codes, comma-separated (at most ${MAX_NEEDS})` } },
      },
      response: {
        200: MATERIALS_DOCUMENT,
        400: { ...ERROR_BODY, description: 'code_invalid: the holder is no valid identifier (the reasons name rules, not the value); needs_invalid; request_invalid' },
        429: RATE_LIMITED,
        ...authErrors(),
      },
    },
  }, async (request) => {
    const needs = parseNeeds(request.query.needs);
    await checkRateLimit(context, request, 'lookup');
    const { name, role } = principalOf(request);
    const policy = personalPolicyOf(role, context.env);
    const runDate = todayInChina();
    const doc = await context.reads.withConnection((c) =>
      materialsAs(c, request.params.holder, needs, { name, role, channel: channelOf(request) }, { runDate, key: context.keyFor(policy), env: context.env }),
    );
    if (doc === null) throw codeInvalid(request.params.holder, runDate);
    return doc;
  });
}
