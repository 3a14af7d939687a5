/**
 * The outbox: `GET /api/v1/outbox` (events by state, and how far the push lags) and
 * `POST /api/v1/push` (push now: serve's relay pushes in its turn on the job queue).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import { OnecodeError } from '../../errors.ts';
import { resultRows } from '../../index/result-rows.ts';
import { parkedSql, pendingSql, publishedSql } from '../../outbox/outbox-states.ts';
import type { ApiContext } from '../context.ts';
import { isoSql } from '../run-rows.ts';
import { authErrors, DATE_TIME, ERROR_BODY, INTEGER, nullable } from '../schemas.ts';

/** What `GET /api/v1/outbox` answers. */
export interface OutboxState {
  pending: number;
  parked: number;
  published: number;
  /** When the oldest pending event was written (ISO 8601, UTC); null when none is pending. */
  oldest_pending_at: string | null;
  /** Its age in seconds at the time of the request: how far the feed lags behind the index; null when none is pending. */
  push_lag_seconds: number | null;
}

/** Reads the outbox's state (src/outbox/outbox-states.ts). */
export async function readOutboxState(c: DuckDBConnection): Promise<OutboxState> {
  const [row] = resultRows(await c.runAndReadAll(`
    SELECT count(*) FILTER (WHERE ${pendingSql()}) AS pending, count(*) FILTER (WHERE ${parkedSql()}) AS parked,
           count(*) FILTER (WHERE ${publishedSql()}) AS published,
           ${isoSql(`min(created_at) FILTER (WHERE ${pendingSql()})`)} AS oldest_pending_at,
           epoch(now() - min(created_at) FILTER (WHERE ${pendingSql()})) AS push_lag_seconds
    FROM outbox`));
  return {
    pending: Number(row!.pending),
    parked: Number(row!.parked),
    published: Number(row!.published),
    oldest_pending_at: (row!.oldest_pending_at as string | null) ?? null,
    push_lag_seconds: row!.push_lag_seconds === null ? null : Math.max(0, Number(row!.push_lag_seconds)),
  };
}

const OUTBOX = {
  type: 'object',
  additionalProperties: false,
  required: ['pending', 'parked', 'published', 'oldest_pending_at', 'push_lag_seconds'],
  properties: {
    pending: INTEGER,
    parked: INTEGER,
    published: INTEGER,
    oldest_pending_at: nullable(DATE_TIME),
    push_lag_seconds: { ...nullable({ type: 'number', minimum: 0 }), description: 'age of the oldest pending event, in seconds' },
  },
};

/** Registers the routes. */
export function outboxRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get('/api/v1/outbox', {
    config: { access: 'read_operations' },
    schema: { tags: ['outbox'], summary: 'outbox events by state, and the push lag', response: { 200: OUTBOX, ...authErrors() } },
  }, async () => context.reads.withConnection(readOutboxState));

  app.post('/api/v1/push', {
    config: { access: 'operate' },
    schema: {
      tags: ['outbox'],
      summary: "push the pending events now (serve's relay, in its turn on the index)",
      response: {
        202: { type: 'object', additionalProperties: false, required: ['queued'], properties: { queued: { type: 'boolean', const: true } } },
        409: { ...ERROR_BODY, description: 'push_unconfigured: serve was started without KAFKA_BROKERS' },
        ...authErrors(),
      },
    },
  }, async (_request, reply) => {
    const push = context.operations.push;
    if (push === undefined) throw new OnecodeError('push_unconfigured', 'serve has no broker to push to: start it with KAFKA_BROKERS set');
    push();
    return reply.code(202).send({ queued: true });
  });
}
