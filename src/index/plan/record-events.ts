import { recordStateSql } from '../../outbox/event-format.ts';
import type { PlanContext } from './plan-context.ts';

/**
 * Change events of a record pipeline's own records, from `sr_change` (record-changes.ts) and the
 * candidates: a query yielding `(entity, op, code, before, after)`. An update that leaves the
 * event's content as it was (a record rewritten after an upgrade of the normalisation rules) is
 * no change for consumers. A record waiting for linkage (no code) is not in the feed: it appears
 * (`c`) when it links and disappears (`d`) if it goes back to waiting.
 */
export function ownRecordEventsSql(ctx: PlanContext): string {
  const after = recordStateSql({ pipeline: ctx.P, system: ctx.S, sourceKey: 'x.source_key', code: 'x.one_code', payload: 'x.payload' });
  return `
    SELECT * FROM (
      SELECT 'record' AS entity,
             CASE WHEN ch.op = 'u' AND ch.old_code IS NULL THEN 'c' WHEN ch.op = 'u' AND ch.new_code IS NULL THEN 'd' ELSE ch.op END AS op,
             coalesce(ch.new_code, ch.old_code) AS code,
             CASE WHEN ch.old_code IS NOT NULL THEN ch.before END AS before,
             CASE WHEN ch.op <> 'd' AND ch.new_code IS NOT NULL THEN ${after} END AS after
      FROM sr_change ch
      LEFT JOIN (SELECT rn, source_key, payload, ${ctx.codeColumn} AS one_code FROM ${ctx.candidates}) x ON x.rn = ch.rn
      WHERE ch.op IN ('c', 'u', 'd')
    ) WHERE code IS NOT NULL AND (op <> 'u' OR before IS DISTINCT FROM after)`;
}

/**
 * Change events of business records of earlier runs (any pipeline) whose link this run changed
 * (`relink`, relink.ts): `c` when a waiting record links, `d` when it goes back to waiting, `u`
 * when it moves to another code. `origin` is the record's pipeline: the event is delivered with
 * that pipeline's catalogue codes (event-format.ts outboxInsertSql).
 */
export function relinkedRecordEventsSql(): string {
  const json = (code: string) => recordStateSql({ pipeline: 's.pipeline', system: 's.system', sourceKey: 's.source_key', code, payload: 's.payload' });
  return `
    SELECT 'record' AS entity, CASE WHEN r.old_code IS NULL THEN 'c' WHEN r.one_code IS NULL THEN 'd' ELSE 'u' END AS op,
           coalesce(r.one_code, r.old_code) AS code,
           CASE WHEN r.old_code IS NOT NULL THEN ${json('r.old_code')} END AS before,
           CASE WHEN r.one_code IS NOT NULL THEN ${json('r.one_code')} END AS after,
           s.pipeline AS origin
    FROM relink r JOIN source_record s ON s.pipeline = r.pipeline AND s.source_key = r.source_key
    WHERE r.entity = 'record'`;
}
