import { CHANGE_EVENT_SCHEMA } from '../../../schemas/change-event.ts';
import { quoteLiteral } from '../sql-text.ts';
import type { PlanContext } from './plan-context.ts';

/** A query yielding no events, with the columns of one. */
export const NO_EVENTS = `SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS op, NULL::VARCHAR AS code, NULL::VARCHAR AS before, NULL::VARCHAR AS after WHERE false`;

/**
 * The statement that appends this run's change events to the outbox (inside the run's
 * transaction), each as its envelope (schemas/change-event.ts, docs/feed-contract.md).
 * @param events a query yielding `(entity, op, code, before, after)`, before/after JSON text or NULL.
 *
 * The envelope is assembled as text: before/after are JSON already, and re-parsing a million of
 * them costs more than the rest. Key order follows schemas/change-event.ts; the contract test
 * parses every event with the zod schema. Inserted straight from the committed temp tables: a
 * million event texts materialised first cost more than the insert itself. `seq` comes from a
 * sequence, not from row_number(), which would make the whole insert single-threaded (measured
 * 2.7 s vs 1.2 s for 1M events); within a run the order of seq is arbitrary, across runs it
 * increases.
 */
export function outboxInsertSql(ctx: PlanContext, events: string): string {
  const source = quoteLiteral(JSON.stringify({ pipeline: ctx.pipeline.name, system: ctx.pipeline.system, run_id: ctx.runId }));
  return `
    INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at)
    SELECT seq, event_id, entity, op, code, ${ctx.R},
           '{"schema":"${CHANGE_EVENT_SCHEMA}","id":"' || event_id || '","seq":' || seq || ',"op":"' || op || '","entity":"' || entity
             || '","code":' || to_json(code) || ',"before":' || coalesce(before, 'null') || ',"after":' || coalesce(after, 'null')
             || ',"source":' || ${source} || ',"ts_ms":${ctx.tsMs}}',
           ${ctx.ts}
    FROM (
      SELECT nextval('outbox_seq') AS seq, CAST(uuid() AS VARCHAR) AS event_id, *
      FROM (${events})
    )`;
}
