import type { DuckDBConnection } from '@duckdb/node-api';
import { GOLDEN_TABLES, goldenJsonSql, goldenSql, type GoldenEntity } from '../golden.ts';
import { quoteLiteral } from '../sql-text.ts';
import { scalar, type PlanContext } from './plan-context.ts';
import type { RecordChanges } from './record-changes.ts';

/** The planned rebuild of golden records: statements for the write, and the change events. */
export interface GoldenChanges {
  /** Statements that write the golden tables (inside the run's transaction), in order. */
  writes: string[];
  /** Queries yielding `(entity, op, code, before, after)`, one per golden record created, changed or deleted. */
  events: string[];
}

/**
 * Plans the golden persons and legal persons this run changes: those of the codes its own
 * records gain or lose (person and legal-person pipelines), and those of the legal persons whose
 * records relink.ts moves. Each affected code's golden record is rebuilt by survivorship
 * (golden.ts) from its source records as they will be after the write.
 */
export async function planGoldenChanges(ctx: PlanContext, changes: RecordChanges, relinked: number): Promise<GoldenChanges> {
  const { connection: c, pipeline: p, P } = ctx;
  const result: GoldenChanges = { writes: [], events: [] };
  const relinkedLegalPersons = relinked === 0 ? 0 : await scalar(c, `SELECT count(*) FROM relink WHERE entity = 'legal_person'`);
  for (const entity of ['person', 'legal_person'] as const) {
    const own = p.entity === entity && changes.created + changes.updated + changes.deleted > 0;
    const relinks = entity === 'legal_person' && relinkedLegalPersons > 0;
    if (!own && !relinks) continue;
    const { stored } = GOLDEN_TABLES[entity];
    const columns = `one_code, ${stored.join(', ')}, updated_at, priority, changed_run_no, source_key`;
    const affected = [
      ...(own ? [`SELECT old_code AS code FROM sr_change WHERE op IN ('u', 'd')`, `SELECT new_code FROM sr_change WHERE op IN ('c', 'u')`] : []),
      ...(relinks ? [`SELECT one_code FROM relink WHERE entity = 'legal_person'`, `SELECT old_code FROM relink WHERE entity = 'legal_person'`] : []),
    ];
    // The affected codes' source records as they will be after the write: those that stay, those
    // relinked to the code, and this run's new and updated records.
    const after = [
      `SELECT ${columns}
       FROM source_record
       WHERE entity = '${entity}' AND one_code IN (SELECT code FROM affected_${entity})
         AND NOT (pipeline = ${P} AND source_key IN (${changes.rewrittenSql}))${relinks ? `
         AND NOT EXISTS (SELECT 1 FROM relink x WHERE x.pipeline = source_record.pipeline AND x.source_key = source_record.source_key)` : ''}`,
      ...(relinks ? [`SELECT r.one_code, ${stored.map((f) => `s.${f}`).join(', ')}, s.updated_at, s.priority, ${ctx.runNo} AS changed_run_no, s.source_key
       FROM source_record s JOIN relink r ON s.pipeline = r.pipeline AND s.source_key = r.source_key WHERE r.one_code IS NOT NULL AND r.entity = 'legal_person'`] : []),
      ...(own ? [`SELECT ${columns} FROM (${changes.newRecordsSql}) WHERE one_code IS NOT NULL`] : []),
    ].join('\n      UNION ALL\n      ');
    const plan = await planGolden(c, entity, affected, after, ctx.runId);
    result.writes.push(...plan.writes);
    result.events.push(plan.events);
  }
  return result;
}

/**
 * Plans the rebuild of the golden records of one entity for the codes `affected` (queries
 * yielding one column of codes, unioned) from `after` (the source records of those codes as they
 * will be after the write; see goldenSql for its columns), reading committed tables only.
 * @returns the statements that write the golden table, and a query of the change events
 *   (entity, op, code, before, after): one per golden record created, changed or deleted;
 *   none for a code whose golden record comes out the same.
 */
async function planGolden(
  c: DuckDBConnection,
  entity: GoldenEntity,
  affected: string[],
  after: string,
  runId: string,
): Promise<{ writes: string[]; events: string }> {
  const { table, key } = GOLDEN_TABLES[entity];
  const E = quoteLiteral(entity);
  await c.run(`CREATE OR REPLACE TEMP TABLE affected_${entity} AS SELECT DISTINCT code FROM (${affected.join(' UNION ALL ')}) a(code) WHERE code IS NOT NULL`);
  await c.run(`CREATE OR REPLACE TEMP TABLE golden_new_${entity} AS ${goldenSql(entity, after, runId)}`);
  const previous = await scalar(c, `SELECT count(*) FROM ${table} WHERE ${key} IN (SELECT code FROM affected_${entity})`);
  if (previous === 0) {
    // Only new codes (a first load): every golden row is a create.
    return {
      writes: [`INSERT INTO ${table} BY NAME SELECT * FROM golden_new_${entity}`],
      events: `SELECT ${E} AS entity, 'c' AS op, n.${key} AS code, NULL AS before, ${goldenJsonSql(entity, 'n')} AS after FROM golden_new_${entity} n`,
    };
  }
  await c.run(`
    CREATE OR REPLACE TEMP TABLE golden_diff_${entity} AS
    SELECT * FROM (
      SELECT CASE WHEN o.${key} IS NULL THEN 'c' WHEN n.${key} IS NULL THEN 'd' ELSE 'u' END AS op,
             coalesce(n.${key}, o.${key}) AS code,
             CASE WHEN o.${key} IS NOT NULL THEN ${goldenJsonSql(entity, 'o')} END AS before,
             CASE WHEN n.${key} IS NOT NULL THEN ${goldenJsonSql(entity, 'n')} END AS after
      FROM golden_new_${entity} n
      FULL OUTER JOIN (SELECT * FROM ${table} WHERE ${key} IN (SELECT code FROM affected_${entity})) o ON n.${key} = o.${key}
    ) WHERE before IS NULL OR after IS NULL OR before <> after`);
  return {
    writes: [
      `DELETE FROM ${table} WHERE ${key} IN (SELECT code FROM golden_diff_${entity} WHERE op IN ('u', 'd'))`,
      `INSERT INTO ${table} BY NAME SELECT * FROM golden_new_${entity} WHERE ${key} IN (SELECT code FROM golden_diff_${entity} WHERE op IN ('c', 'u'))`,
    ],
    events: `SELECT ${E} AS entity, op, code, before, after FROM golden_diff_${entity}`,
  };
}
