/**
 * `GET /api/v1/status`: the document of `onecode status --json` (src/cli/status.ts), read from the
 * live index; `GET /api/v1/whoami`: the caller's name, role and policy for personal values.
 */
import type { FastifyInstance } from 'fastify';
import { personalPolicyOf, ROLES } from '../../access/roles.ts';
import { readStatus } from '../../cli/status.ts';
import { EXIT_POLICIES } from '../../protect/policy.ts';
import { principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { authErrors, INTEGER, STRING } from '../schemas.ts';

const COUNT_ROW = (key: string) => ({ type: 'object', required: [key], additionalProperties: true, properties: { [key]: STRING } });

const STATUS = {
  type: 'object',
  additionalProperties: false,
  required: ['persons', 'legal_persons', 'records', 'linkage', 'quarantine', 'outbox', 'recent_runs'],
  properties: {
    persons: INTEGER,
    legal_persons: INTEGER,
    records: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['system', 'pipeline', 'records'], properties: { system: STRING, pipeline: STRING, records: INTEGER } } },
    linkage: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['pipeline', 'system', 'upgraded', 'linked', 'unlinked'], properties: { pipeline: STRING, system: STRING, upgraded: INTEGER, linked: INTEGER, unlinked: INTEGER } } },
    quarantine: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['reason_code', 'rows'], properties: { reason_code: STRING, rows: INTEGER } } },
    outbox: {
      type: 'object',
      additionalProperties: false,
      required: ['pending', 'published', 'parked', 'held', 'skipped', 'parked_events', 'skipped_events'],
      properties: {
        pending: INTEGER, published: INTEGER, parked: INTEGER, held: INTEGER, skipped: INTEGER,
        parked_events: { type: 'array', items: COUNT_ROW('reason') },
        skipped_events: { type: 'array', items: COUNT_ROW('reason') },
      },
    },
    sinks: {
      type: 'array',
      description: "each sink's position (last outbox seq its target confirmed), rows delivered, events parked and held for it, and outbox events after its position; Kafka's (kind kafka) first, read from the outbox's marks, once it has taken or refused an event",
      items: { type: 'object', additionalProperties: false, required: ['sink', 'kind', 'last_seq', 'delivered', 'parked', 'held', 'behind'],
        properties: { sink: STRING, kind: STRING, last_seq: INTEGER, delivered: INTEGER, parked: INTEGER, held: INTEGER, behind: INTEGER } },
    },
    recent_runs: { type: 'array', items: COUNT_ROW('run_id'), description: 'the last 10 runs, newest first (columns of the runs view, timestamps as the index shows them)' },
  },
};

/** Registers the routes. */
export function statusRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get('/api/v1/status', {
    config: { access: 'read_operations' },
    schema: { tags: ['index'], summary: 'what the index holds (the JSON of onecode status --json)', response: { 200: STATUS, ...authErrors() } },
  }, async () => context.reads.withConnection(readStatus));

  app.get('/api/v1/whoami', {
    config: { access: 'token' },
    schema: {
      tags: ['access'],
      summary: "the token's name, role and policy for personal values",
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role', 'policy'],
          properties: { name: STRING, role: { type: 'string', enum: [...ROLES] }, policy: { type: 'string', enum: [...EXIT_POLICIES] } },
        },
        ...authErrors(),
      },
    },
  }, async (request) => {
    const { name, role } = principalOf(request);
    return { name, role, policy: personalPolicyOf(role, context.env) };
  });
}
