import { IDENTIFIER_FIELDS, STORED_FIELDS } from '../../../schemas/canonical.ts';
import { quoteLiteral } from '../sql-text.ts';
import { assertDeletesWithinShare } from './guards.ts';
import type { PlanContext } from './plan-context.ts';
import { recordStateSql } from '../../outbox/event-format.ts';

/** What the extract does to the pipeline's source records. */
export interface RecordChanges {
  created: number;
  updated: number;
  /** Records absent from a snapshot extract, or marked deleted by a row (`deleted_when`). */
  deleted: number;
  /** Loaded rows marking the delete of a record held (`deleted_when`; counted in `deleted`). */
  markedDeletes: number;
  /** Records left as they were: loaded rows identical to their record, rows marking the delete of a record not held, and for an incremental pipeline the records its extract did not hold. */
  unchanged: number;
  /** Loaded rows that leave the index as it was: identical to their record, or marking the delete of a record not held (part of `unchanged`). */
  loadedUnchanged: number;
  /** Records of the pipeline before the run. */
  existing: number;
  /** SQL yielding the rows to insert, shaped as `source_record` (created and updated records). */
  newRecordsSql: string;
  /** SQL yielding the source keys of the pipeline's records this run replaces or deletes. */
  rewrittenSql: string;
}

/**
 * Compares the loaded candidates with the pipeline's source records by source key, into the temp
 * table `sr_change (source_key, rn, op, old_code, new_code, old_first_run_id[, before])`, op one
 * of `c` (new key), `u` (payload or one code changed), `d` (absent from a snapshot when
 * `absentDeletes`, or marked deleted by a row), `x` (a row marks a delete of a record not held),
 * `=`; for
 * record pipelines `before` holds the record's state in change events (record-events.ts).
 * @throws GuardError `delete_guard` (guards.ts) when a snapshot would delete too much.
 */
export async function planRecordChanges(ctx: PlanContext): Promise<RecordChanges> {
  const { connection: c, pipeline: p, P, R, S, candidates: cand, codeColumn } = ctx;
  const isRecord = p.entity === 'record';
  const before = isRecord
    ? `, CASE WHEN o.source_key IS NOT NULL THEN ${recordStateSql({ pipeline: P, system: S, sourceKey: 'o.source_key', code: 'o.one_code', payload: 'o.payload' })} END AS before`
    : '';
  await c.run(`
    CREATE OR REPLACE TEMP TABLE sr_change AS
    SELECT coalesce(n.source_key, o.source_key) AS source_key, n.rn,
      CASE WHEN n.delete_mark THEN CASE WHEN o.source_key IS NULL THEN 'x' ELSE 'd' END
           WHEN o.source_key IS NULL THEN 'c'
           WHEN n.source_key IS NULL THEN ${ctx.policy.absentDeletes ? `'d'` : `'='`}
           WHEN n.payload_hash <> o.payload_hash OR n.one_code IS DISTINCT FROM o.one_code THEN 'u'
           ELSE '=' END AS op,
      o.one_code AS old_code, n.one_code AS new_code, o.first_run_id AS old_first_run_id${before}
    FROM (SELECT rn, source_key, payload_hash, CASE WHEN disposition = 'loaded' THEN ${codeColumn} END AS one_code, disposition = 'delete' AS delete_mark FROM ${cand} WHERE disposition IN ('loaded', 'delete')) n
    FULL OUTER JOIN (SELECT source_key, payload_hash, one_code, first_run_id${isRecord ? ', payload' : ''} FROM source_record WHERE pipeline = ${P}) o
      ON n.source_key = o.source_key`);
  const counts = new Map<string, number>();
  for (const [op, n] of (await c.runAndReadAll(`SELECT op || CASE WHEN rn IS NULL THEN '' ELSE '+' END, count(*) FROM sr_change GROUP BY ALL`)).getRows() as [string, bigint][]) {
    counts.set(op, Number(n));
  }
  const created = counts.get('c+') ?? 0;
  const updated = counts.get('u+') ?? 0;
  const deleted = (counts.get('d') ?? 0) + (counts.get('d+') ?? 0);
  const markedDeletes = counts.get('d+') ?? 0;
  // A row marking the delete of a record the index does not hold leaves the index as it was.
  const markedAbsent = counts.get('x+') ?? 0;
  const loadedUnchanged = (counts.get('=+') ?? 0) + markedAbsent;
  const unchanged = loadedUnchanged + (counts.get('=') ?? 0);
  const existing = updated + deleted + unchanged - markedAbsent;
  // The guard bounds what absence deletes; a row marking a delete says so explicitly.
  assertDeletesWithinShare({
    source: ctx.source, pipeline: p.name, deleted: counts.get('d') ?? 0, existing, maxDeleteShare: p.max_delete_share, allowDeletes: ctx.allowDeletes,
  });
  // On a first load every loaded row is new: no join with sr_change (unless rows mark deletes).
  const firstLoad = existing === 0 && markedDeletes === 0;
  const newRecordsSql = `
    SELECT ${P} AS pipeline, ${S} AS system, ${quoteLiteral(p.entity)} AS entity, i.source_key, i.${codeColumn} AS one_code,
           ${quoteLiteral(IDENTIFIER_FIELDS[codeColumn]!)} AS code_kind, i.code_status, i.linked_via, ${STORED_FIELDS.map((f) => `i.${f}`).join(', ')},
           i.payload, i.payload_hash, CASE WHEN coalesce(len(i.flags), 0) > 0 THEN to_json(i.flags) END AS flags, i.line, ${p.priority} AS priority,
           ${firstLoad ? R : `coalesce(ch.old_first_run_id, ${R})`} AS first_run_id, ${R} AS changed_run_id, ${ctx.runNo} AS changed_run_no
    FROM ${cand} i ${firstLoad ? `WHERE i.disposition = 'loaded'` : `JOIN sr_change ch ON ch.rn = i.rn WHERE ch.op IN ('c', 'u')`}`;
  return {
    created, updated, deleted, markedDeletes, unchanged, loadedUnchanged, existing, newRecordsSql,
    rewrittenSql: `SELECT source_key FROM sr_change WHERE op IN ('u', 'd')`,
  };
}
