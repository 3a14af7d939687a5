import { quoteLiteral } from '../sql-text.ts';
import type { PlanContext } from './plan-context.ts';

/**
 * Collects the run's quarantined rows into the temp table `quarantine_new`, shaped as
 * `quarantined_row`: staged rows with reasons (their payload as `raw`, secret columns already
 * dropped), rows superseded by a later row of the same source key (`source_key_superseded`,
 * naming the line of the row that replaced them), and unreadable rows (their raw text, or its
 * SM3 digest and byte length where src/run/withhold-raw.ts withheld it; one row per line with
 * every reason). In a cursor pipeline a row quarantined by an earlier run, still kept, is not
 * quarantined again (its look-back window reads it again).
 * @returns rows read again that were already quarantined (counted in the run's `quarantined`, not written).
 */
export async function planQuarantine(ctx: PlanContext): Promise<number> {
  const { P, R, S, ts, pipeline: p } = ctx;
  const source = quoteLiteral(ctx.source);
  await ctx.connection.run(`
    CREATE OR REPLACE TEMP TABLE quarantine_new AS
    SELECT ${R} AS run_id, ${P} AS pipeline, ${S} AS system, ${source} AS source, x.line, CAST(x.payload AS VARCHAR) AS raw, NULL::VARCHAR AS raw_sm3, NULL::BIGINT AS raw_bytes,
           list_transform(x.reasons, r -> r.code) AS reason_codes, to_json(x.reasons) AS reasons, ${ts} AS quarantined_at
    FROM (
      SELECT line, payload,
             CASE WHEN disposition = 'superseded'
                  THEN [{'code': 'source_key_superseded', 'field': ${quoteLiteral(p.source_key.join(', '))},
                         'message': 'a later row (line ' || winner_line || ') has the same source key with different values'}]
                  ELSE reasons END AS reasons
      FROM ${ctx.candidates} WHERE disposition IN ('quarantined', 'superseded')
    ) x
    UNION ALL
    SELECT ${R}, ${P}, ${S}, ${source}, line, first(raw), first(raw_sm3), first(raw_bytes), list(reason_code),
           to_json(list({'code': reason_code, 'field': '*', 'message': message})), ${ts}
    FROM ${ctx.rejectTable} GROUP BY line`);
  if (p.mode !== 'cursor') return 0;
  // A cursor read takes rows again within its look-back window: a row quarantined by an earlier
  // run (same text, same reasons, still kept) is counted but not quarantined a second time.
  const held = (await ctx.connection.runAndReadAll(`
    DELETE FROM quarantine_new q WHERE EXISTS (
      SELECT 1 FROM quarantined_row o WHERE o.pipeline = ${P} AND o.reason_codes = q.reason_codes
        -- a withheld text (a pipeline with a secret column) is known by its digest and length
        AND (o.raw = q.raw OR (q.raw IS NULL AND o.raw IS NULL AND o.raw_sm3 = q.raw_sm3 AND o.raw_bytes = q.raw_bytes)))
    RETURNING 1`)).getRows().length;
  return held;
}

/**
 * The statement that bounds the quarantine history (inside the run's transaction, after this
 * run's rows are written): the pipeline keeps the quarantined rows of this run and of its latest
 * `quarantine_keep_runs - 1` successful runs before it.
 */
export function quarantineRetentionSql(ctx: Pick<PlanContext, 'P' | 'R' | 'pipeline'>): string {
  return `
    DELETE FROM quarantined_row
    WHERE pipeline = ${ctx.P} AND run_id <> ${ctx.R}
      AND run_id NOT IN (SELECT run_id FROM run_log WHERE pipeline = ${ctx.P} AND status = 'succeeded'
                         ORDER BY run_no DESC LIMIT ${ctx.pipeline.quarantine_keep_runs - 1})`;
}
