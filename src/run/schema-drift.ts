/**
 * Schema drift: the source's columns (and database types) compared with the last successful
 * run's, before anything is loaded. Changes are recorded in `schema_change` (view
 * `schema_changes`) whatever the run then does; `on_schema_change` decides that:
 * - `fail`: any change fails the run before its rows are read into the index;
 * - `warn`: the run loads, the change is recorded and logged as a warning;
 * - `evolve`: the run loads, the change is recorded;
 * - not set: fail when a column the pipeline uses (mapping, source_key, cursor, deleted_when) is
 *   gone, warn otherwise. Unmapped columns matter too: every record's payload holds them.
 * A removed column and an added one whose values match row by row (by source key, against the
 * records the last runs stored) are marked a likely rename for a person to confirm.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Extracted, SourceColumn } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { GuardError } from '../errors.ts';
import { quoteLiteral } from '../index/sql-text.ts';
import type { Logger } from '../logger.ts';

/** One column that changed. */
export interface ColumnChange {
  column: string;
  change: 'added' | 'removed' | 'retyped';
  oldType?: string;
  newType?: string;
  /** An added column whose values a removed one held: a likely rename, for a person to confirm. */
  renamedFrom?: string;
}

/** The changes a run found and what it does about them. */
export interface Drift {
  changes: ColumnChange[];
  action: 'fail' | 'warn' | 'evolve';
}

/**
 * A column name as messages and `schema_change` show it: withheld when it holds six digits in a row,
 * as an ID number, a phone or a code would (a file that lost its header row has a row's values for
 * column names).
 */
export function shownColumn(name: string): string {
  return /\d{6}/.test(name) ? WITHHELD_COLUMN : name;
}

const WITHHELD_COLUMN = '(a name like a value: withheld; has the file lost its header row?)';

/**
 * The changes as they may be shown: when any added column's name looks like a value, the header is
 * likely a row of data, so every added name is withheld (a name or an address holds no digits).
 */
function shownChanges(changes: readonly ColumnChange[]): ColumnChange[] {
  const dataHeader = changes.some((c) => c.change === 'added' && shownColumn(c.column) !== c.column);
  return changes.map((c) => ({
    ...c,
    column: dataHeader && c.change === 'added' ? WITHHELD_COLUMN : shownColumn(c.column),
    ...(c.renamedFrom === undefined ? {} : { renamedFrom: shownColumn(c.renamedFrom) }),
  }));
}

/** Columns added, removed or retyped between two runs (compared by name; types where both have them). */
export function compareColumns(before: readonly SourceColumn[], now: readonly SourceColumn[]): ColumnChange[] {
  const old = new Map(before.map((c) => [c.name, c]));
  const cur = new Map(now.map((c) => [c.name, c]));
  const changes: ColumnChange[] = [];
  for (const c of now) {
    const o = old.get(c.name);
    if (!o) changes.push({ column: c.name, change: 'added', newType: c.type });
    else if (o.type !== undefined && c.type !== undefined && o.type !== c.type) changes.push({ column: c.name, change: 'retyped', oldType: o.type, newType: c.type });
  }
  for (const o of before) if (!cur.has(o.name)) changes.push({ column: o.name, change: 'removed', oldType: o.type });
  return changes;
}

/** The source columns a pipeline cannot run without. */
export function usedColumns(p: Pipeline): Set<string> {
  return new Set([...Object.values(p.mapping).filter((c): c is string => typeof c === 'string'), ...p.source_key, ...(p.cursor ? [p.cursor.column] : []), ...(p.deleted_when ? [p.deleted_when.column] : [])]);
}

/** What a run does about its changes (module doc). */
export function driftAction(p: Pipeline, changes: readonly ColumnChange[]): 'fail' | 'warn' | 'evolve' {
  if (p.on_schema_change) return p.on_schema_change;
  const used = usedColumns(p);
  return changes.some((c) => c.change === 'removed' && used.has(c.column)) ? 'fail' : 'warn';
}

/**
 * Compares and acts (module doc). A run that fails on its drift records its changes at once
 * (outside any transaction, so the failed run still shows why); a run that goes on records them
 * with its index changes (schemaChangeInsertSql, in the run's transaction), so a run failing later
 * leaves none and the next run finds them again.
 * @param before the last successful run's columns, or null on a first run (nothing to compare).
 * @param sample rows of this read, sampled when the run is about to fail, to find likely renames.
 * @returns the changes (empty when none or on a first run) and the action.
 * @throws GuardError `schema_changed` naming the pipeline file, the changed columns, likely renames
 *   and the ways out (map the new name, remove a dropped column, or `on_schema_change: warn`), never a value.
 */
export async function checkSchemaDrift(o: {
  connection: DuckDBConnection; pipeline: Pipeline; runId: string; source: string; logger: Logger;
  before: readonly SourceColumn[] | null; now: readonly SourceColumn[];
  sample?: () => AsyncIterable<Extracted>;
}): Promise<Drift> {
  if (o.before === null) return { changes: [], action: 'evolve' };
  const changes = compareColumns(o.before, o.now);
  if (changes.length === 0) return { changes, action: 'evolve' };
  const action = driftAction(o.pipeline, changes);
  const shown = shownChanges(changes);
  const described = shown.map((c) => `${c.change} '${c.column}'${c.change === 'retyped' ? ` (${c.oldType} → ${c.newType})` : ''}`).join(', ');
  if (action === 'fail') {
    const used = usedColumns(o.pipeline);
    const gone = changes.filter((c) => c.change === 'removed' && used.has(c.column)).map((c) => `'${shownColumn(c.column)}'`);
    const added = shown.filter((c) => c.change === 'added').map((c) => `'${c.column}'`);
    const renames = o.sample ? await sampledRenames(o.connection, o.pipeline, changes, o.sample) : [];
    await o.connection.run(schemaChangeInsertSql(o.pipeline, o.runId, { changes, action }));
    const after = shownChanges(changes);
    const renamed = renames.map((r) => {
      const to = after[changes.findIndex((c) => c.change === 'added' && c.column === r.to)]!.column;
      return `'${shownColumn(r.from)}' → '${to}' (the same values in ${r.same} of ${r.compared} sampled rows)`;
    });
    throw new GuardError(
      'schema_changed',
      `${o.source}: the source's columns changed since the last successful run (${described})${gone.length > 0 ? `: ${gone.join(', ')} used by ${o.pipeline.file} ${gone.length > 1 ? 'are' : 'is'} gone` : ''}; nothing was loaded.` +
        (renamed.length > 0 ? ` Likely renamed: ${renamed.join(', ')}: if so, map the new name.` : added.length > 0 ? ` If a column was renamed to ${added.join(' or ')}, map the new name; if it was dropped, remove it from the mapping.` : gone.length > 0 ? ' If it was dropped, remove it from the mapping.' : '') +
        ` Or set on_schema_change: warn to load anyway: records then lose the values of the columns gone, with an update event each (onecode check shows how many) (view schema_changes)`,
    );
  }
  if (action === 'warn') o.logger.warn({ runId: o.runId, changes: shownChanges(changes).map((c) => ({ column: c.column, change: c.change })) }, 'source columns changed');
  return { changes, action };
}

/** The statement recording a run's changes in `schema_change`. */
export function schemaChangeInsertSql(p: Pipeline, runId: string, drift: Drift): string {
  const text = (v: string | undefined) => (v === undefined ? 'NULL' : quoteLiteral(v));
  const rows = shownChanges(drift.changes).map((ch) => `(${quoteLiteral(p.name)}, ${quoteLiteral(runId)}, ${quoteLiteral(ch.column)}, ${quoteLiteral(ch.change)},
    ${text(ch.oldType)}, ${text(ch.newType)}, ${text(ch.renamedFrom)}, ${quoteLiteral(drift.action)}, now())`);
  return `INSERT INTO schema_change (pipeline, run_id, column_name, change, old_type, new_type, renamed_from, action, noticed_at) VALUES ${rows.join(', ')}`;
}

/**
 * Marks likely renames among a run's changes (in `changes`, before they are recorded): a removed
 * column whose values, in the records the pipeline holds, equal an added column's values in this
 * read for at least 95% of the source keys both hold (and at least one). Values are compared in
 * SQL, never read out.
 * @param candidates the run's candidates table (`source_key`, `payload`).
 */
export async function markLikelyRenames(c: DuckDBConnection, p: Pipeline, changes: ColumnChange[], candidates: string): Promise<void> {
  const removed = changes.filter((ch) => ch.change === 'removed');
  for (const a of changes.filter((ch) => ch.change === 'added')) for (const r of removed) {
    const path = (col: string) => quoteLiteral('$.' + JSON.stringify(col));
    const [joined, same] = (await c.runAndReadAll(`
      SELECT count(*), count(*) FILTER (WHERE json_extract_string(n.payload, ${path(a.column)}) IS NOT DISTINCT FROM json_extract_string(o.payload, ${path(r.column)}))
      FROM ${candidates} n JOIN source_record o ON o.pipeline = ${quoteLiteral(p.name)} AND o.source_key = n.source_key`)).getRows()[0]!.map(Number) as [number, number];
    if (joined > 0 && same >= 0.95 * joined) a.renamedFrom = r.column;
  }
}

/** Rows read to look for likely renames when a run fails on its drift. */
export const RENAME_SAMPLE_ROWS = 1000;

/**
 * Likely renames found in a sample of this read (up to RENAME_SAMPLE_ROWS rows): a removed column
 * whose values in the pipeline's stored records equal an added column's values in the sampled rows
 * of the same source key, for at least 95% of the keys both hold. Marks them in `schema_change`.
 * Values are compared in SQL and never leave it.
 */
async function sampledRenames(c: DuckDBConnection, p: Pipeline, changes: ColumnChange[], sample: () => AsyncIterable<Extracted>): Promise<{ from: string; to: string; same: number; compared: number }[]> {
  const removed = changes.filter((ch) => ch.change === 'removed').map((ch) => ch.column);
  const added = changes.filter((ch) => ch.change === 'added').map((ch) => ch.column);
  if (removed.length === 0 || added.length === 0) return [];
  const rows: string[] = [];
  let n = 0;
  for await (const item of sample()) {
    if (++n > RENAME_SAMPLE_ROWS) break;
    if (item.kind !== 'row') continue;
    const keyParts = p.source_key.map((k) => item.fields[k]?.trim() ?? '');
    if (keyParts.some((part) => part === '')) continue;
    const key = keyParts.join(String.fromCharCode(31));
    for (const a of added) rows.push(`(${quoteLiteral(key)}, ${quoteLiteral(a)}, ${item.fields[a] === null || item.fields[a] === undefined ? 'NULL' : quoteLiteral(item.fields[a]!)})`);
  }
  if (rows.length === 0) return [];
  await c.run(`CREATE OR REPLACE TEMP TABLE drift_sample AS SELECT * FROM (VALUES ${rows.join(', ')}) v(source_key, col, val)`);
  const found: { from: string; to: string; same: number; compared: number }[] = [];
  for (const a of added) for (const r of removed) {
    const path = quoteLiteral('$.' + JSON.stringify(r));
    const [compared, same] = (await c.runAndReadAll(`
      SELECT count(*), count(*) FILTER (WHERE s.val IS NOT DISTINCT FROM json_extract_string(o.payload, ${path}))
      FROM drift_sample s JOIN source_record o ON o.pipeline = ${quoteLiteral(p.name)} AND o.source_key = s.source_key
      WHERE s.col = ${quoteLiteral(a)}`)).getRows()[0]!.map(Number) as [number, number];
    if (compared > 0 && same >= 0.95 * compared) {
      found.push({ from: r, to: a, same, compared });
      changes.find((ch) => ch.change === 'added' && ch.column === a)!.renamedFrom = r;
    }
  }
  await c.run('DROP TABLE drift_sample');
  return found;
}
