import { outboxInsertSql as envelopesInsertSql } from '../../outbox/event-format.ts';
import { deliveredCodes } from '../../catalogue/entry-codes.ts';
import type { PlanContext } from './plan-context.ts';

/** A query yielding no events, with the columns of one. */
export const NO_EVENTS = `SELECT NULL::VARCHAR AS entity, NULL::VARCHAR AS op, NULL::VARCHAR AS code, NULL::VARCHAR AS before, NULL::VARCHAR AS after, NULL::VARCHAR AS origin WHERE false`;

/**
 * The statement that appends this run's change events to the outbox (inside the run's
 * transaction), each as its envelope in the one event format (src/outbox/event-format.ts,
 * docs/feed-contract.md), stamped with this run as its source and the commit time, and stored with
 * the resource and provider code of the pipeline's catalogue entry when it has them (deliveredCodes).
 * @param events a query yielding `(entity, op, code, before, after)`, before/after JSON text or NULL.
 */
export function outboxInsertSql(ctx: PlanContext, events: string): string {
  return envelopesInsertSql({
    events,
    source: { pipeline: ctx.pipeline.name, system: ctx.pipeline.system, run_id: ctx.runId },
    tsMs: ctx.tsMs,
    createdAt: ctx.ts,
    catalogue: deliveredCodes(ctx.pipeline.catalogue),
  });
}
