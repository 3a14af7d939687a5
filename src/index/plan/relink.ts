import { resolveWaitingSql } from '../linkage.ts';
import { scalar, type PlanContext } from './plan-context.ts';

/**
 * Resolves again every record of earlier runs that is linked or waiting (of any pipeline, but
 * not this pipeline's records that the run rewrites: their candidates were resolved by
 * link-waiting.ts), against the link targets as they will be after this run (linkage.ts: links
 * are not sticky). Creates the temp table `relink (pipeline, source_key, entity, old_code,
 * one_code, linked_via)` of those whose one code changes: linked now, moved to another code, or
 * back to waiting (`one_code` NULL).
 * @param legacyInIndex records linked or waiting in the index (link-waiting.ts); 0 skips the work.
 * @param rewrittenSql source keys of this pipeline's records the run replaces (record-changes.ts).
 * @returns how many records change their link (`relinked` in the run's counts).
 */
export async function planRelink(ctx: PlanContext, legacyInIndex: number, rewrittenSql: string): Promise<number> {
  const { connection: c, P } = ctx;
  if (legacyInIndex === 0) return 0;
  await c.run(`
    CREATE OR REPLACE TEMP TABLE legacy_record AS
    SELECT row_number() OVER () AS id, pipeline, source_key, entity, one_code, org_code, business_reg_no
    FROM source_record WHERE code_status IN ('linked', 'unlinked') AND NOT (pipeline = ${P} AND source_key IN (${rewrittenSql}))`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE relink AS
    SELECT s.pipeline, s.source_key, s.entity, s.one_code AS old_code, r.one_code, r.linked_via
    FROM legacy_record s LEFT JOIN (${resolveWaitingSql(`SELECT id, org_code, business_reg_no FROM legacy_record`)}) r ON r.id = s.id
    WHERE r.one_code IS DISTINCT FROM s.one_code`);
  return scalar(c, `SELECT count(*) FROM relink`);
}

/** The statement that writes the new links of `relink` into source_record (inside the run's transaction). */
export function relinkWriteSql(ctx: PlanContext): string {
  return `
    UPDATE source_record s SET one_code = r.one_code, linked_via = r.linked_via,
      code_status = CASE WHEN r.one_code IS NULL THEN 'unlinked' ELSE 'linked' END,
      changed_run_id = ${ctx.R}, changed_run_no = ${ctx.runNo}
    FROM relink r WHERE s.pipeline = r.pipeline AND s.source_key = r.source_key`;
}
