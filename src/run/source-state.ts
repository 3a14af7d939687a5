import type { DuckDBConnection } from '@duckdb/node-api';
import type { SourceColumn, SourceState } from '../../connectors/types.ts';
import { quoteLiteral } from '../index/sql-text.ts';

/** What the last successful run of a pipeline left: its connector's state and the source's columns. */
export interface StoredSourceState {
  /** The connector's state, or null when there is none (first run, another connector kind, no state kept). */
  state: SourceState | null;
  /** The source's columns as that run saw them, or null on a first run. */
  columns: SourceColumn[] | null;
}

/**
 * Reads the state the last successful run of `pipeline` left (table `source_state`, one row per
 * successful run; the latest counts). A state saved by another connector kind is not handed over:
 * a pipeline moved from a file to a database starts afresh (its columns still count for drift).
 */
export async function loadSourceState(c: DuckDBConnection, pipeline: string, connector: string): Promise<StoredSourceState> {
  const rows = (await c.runAndReadAll(`
    SELECT connector, state_version, CAST(state AS VARCHAR), CAST(columns AS VARCHAR) FROM source_state
    WHERE pipeline = ${quoteLiteral(pipeline)} ORDER BY run_no DESC LIMIT 1`)).getRows();
  if (rows.length === 0) return { state: null, columns: null };
  const [kind, version, state, columns] = rows[0] as [string, number | null, string | null, string | null];
  return {
    state: kind === connector && version !== null && state !== null ? { version: Number(version), value: JSON.parse(state) as Record<string, unknown> } : null,
    columns: columns === null ? null : (JSON.parse(columns) as SourceColumn[]),
  };
}

/**
 * The statement that saves a run's source state, for the run's transaction: it lands with the
 * index changes or not at all, so a failed run never advances it.
 */
export function saveSourceStateSql(o: { pipeline: string; runId: string; runNo: number; connector: string; state: SourceState | null; columns: SourceColumn[] | null }): string {
  const json = (v: unknown) => (v === null ? 'NULL' : quoteLiteral(JSON.stringify(v)));
  return `
    INSERT INTO source_state (pipeline, run_id, run_no, connector, state_version, state, columns, saved_at)
    VALUES (${quoteLiteral(o.pipeline)}, ${quoteLiteral(o.runId)}, ${o.runNo}, ${quoteLiteral(o.connector)},
            ${o.state === null ? 'NULL' : o.state.version}, ${json(o.state?.value ?? null)}, ${json(o.columns)}, now())`;
}
