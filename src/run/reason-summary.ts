import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../index/sql-text.ts';

/** Lines named per reason code in a run's summary. */
export const SUMMARY_FIRST_LINES = 10;

/**
 * A run's reasons, as `run_log.reason_summary` keeps them (JSON): reason code → the number of
 * rows with that reason and the first lines they start at, in file order. Codes and line
 * numbers only, never a value of the source.
 * `{"csv_column_count": {"rows": 2, "first_lines": [4, 9]}, "undecodable_bytes": {...}}`
 */
export type ReasonSummary = Record<string, { rows: number; first_lines: number[] }>;

/** SQL of the summary (one JSON value, `{}` when there is no reason) over `source (line, code)`. */
function summarySql(source: string): string {
  return `
    SELECT coalesce(json_group_object(code, json_object('rows', n, 'first_lines', lines)), '{}')::VARCHAR
    FROM (
      SELECT code, count(DISTINCT line) AS n, list(DISTINCT line ORDER BY line)[1:${SUMMARY_FIRST_LINES}] AS lines
      FROM (${source}) GROUP BY code ORDER BY code
    )`;
}

/** The summary of a run that wrote its quarantine (read inside the run's transaction). */
export async function quarantinedReasonSummary(c: DuckDBConnection, runId: string): Promise<string> {
  return String((await c.runAndReadAll(summarySql(`SELECT line, unnest(reason_codes) AS code FROM quarantined_row WHERE run_id = ${quoteLiteral(runId)}`))).getRows()[0]![0]);
}

/**
 * The summary of a failed run: the reasons of the rows it read before it failed, from the
 * staging tables as far as they were built (`rejects`: unreadable rows; `candidates`: rows
 * judged by buildCandidates), or `{}` when none was.
 */
export async function stagedReasonSummary(c: DuckDBConnection, tables: { rejects: string; candidates: string }): Promise<string> {
  const present = new Set(
    (await c.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name IN (${quoteLiteral(tables.rejects)}, ${quoteLiteral(tables.candidates)})`))
      .getRows().map((r) => String(r[0])),
  );
  const parts: string[] = [];
  if (present.has(tables.rejects)) parts.push(`SELECT line, reason_code AS code FROM ${tables.rejects}`);
  if (present.has(tables.candidates)) {
    parts.push(`SELECT line, unnest(list_transform(reasons, r -> r.code)) FROM ${tables.candidates} WHERE disposition = 'quarantined'`);
    parts.push(`SELECT line, 'source_key_superseded' FROM ${tables.candidates} WHERE disposition = 'superseded'`);
  }
  if (parts.length === 0) return '{}';
  return String((await c.runAndReadAll(summarySql(parts.join(' UNION ALL ')))).getRows()[0]![0]);
}
