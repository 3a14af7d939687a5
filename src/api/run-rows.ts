/**
 * Runs as the API shows them: the columns of the `runs` view the contract names, timestamps as
 * ISO 8601 in UTC, `reason_summary` as a JSON object (src/run/reason-summary.ts: reason codes and
 * line numbers, never a value).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { resultRows } from '../index/result-rows.ts';
import { quoteLiteral } from '../index/sql-text.ts';

/** A run of the API (schemas.ts RUN). */
export interface ApiRun {
  run_id: string;
  run_no: number;
  pipeline: string;
  status: string;
  trigger: string;
  started_at: string;
  ended_at: string | null;
  rows_read: number | null;
  loaded: number | null;
  duplicates: number | null;
  quarantined: number | null;
  created: number | null;
  updated: number | null;
  deleted: number | null;
  unchanged: number | null;
  events: number | null;
  error_code: string | null;
  reason_summary: Record<string, { rows: number; first_lines: number[] }> | null;
}

/** SQL of an instant as ISO 8601 in UTC with milliseconds (`2026-12-02T03:04:05.678Z`); NULL stays NULL. */
export function isoSql(expr: string): string {
  return `strftime(${expr} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')`;
}

/** The select list of an {@link ApiRun} over the `runs` view. */
export const RUN_COLUMNS = `run_id, run_no, pipeline, status, trigger, ${isoSql('started_at')} AS started_at, ${isoSql('ended_at')} AS ended_at,
  rows_read, loaded, duplicates, quarantined, created, updated, deleted, unchanged, events, error_code, reason_summary::VARCHAR AS reason_summary`;

/** Turns rows selected with {@link RUN_COLUMNS} into runs. */
export function apiRuns(rows: Record<string, unknown>[]): ApiRun[] {
  return rows.map((r) => ({ ...r, reason_summary: typeof r.reason_summary === 'string' ? JSON.parse(r.reason_summary) : null }) as ApiRun);
}

/** The latest `limit` runs of `pipeline`, newest first. */
export async function runsOf(connection: DuckDBConnection, pipeline: string, limit: number): Promise<ApiRun[]> {
  const reader = await connection.runAndReadAll(`SELECT ${RUN_COLUMNS} FROM runs WHERE pipeline = ${quoteLiteral(pipeline)} ORDER BY run_no DESC LIMIT ${Math.trunc(limit)}`);
  return apiRuns(resultRows(reader));
}
