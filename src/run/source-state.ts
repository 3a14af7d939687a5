import type { DuckDBConnection } from '@duckdb/node-api';
import type { SourceColumn, SourceState } from '../../connectors/types.ts';
import { quoteLiteral } from '../index/sql-text.ts';

/** What the last successful run of a pipeline left: its connector's state and the source's columns. */
export interface StoredSourceState {
  /** The run that left it, or null on a first run. */
  runId: string | null;
  /**
   * Digests of what that run read (src/run/source-fingerprint.ts): the file's bytes and the
   * pipeline's effective definition, both SHA-256 hex; null where the run read no file (another
   * source kind, nothing new) or ran before they were kept.
   */
  fingerprint: SourceFingerprint | null;
  /** The connector's state, or null when there is none (first run, another connector kind, no state kept). */
  state: SourceState | null;
  /** The source's columns as that run saw them, or null on a first run. */
  columns: SourceColumn[] | null;
}

/** The two digests of a run of a file source (src/run/source-fingerprint.ts), SHA-256 hex. */
export interface SourceFingerprint {
  /** Of the file's bytes. */
  source: string;
  /** Of the pipeline's effective definition (definitionSha256). */
  definition: string;
}

/**
 * Reads the state the last successful run of `pipeline` left (table `source_state`, one row per
 * successful run; the latest counts). A state saved by another connector kind is not handed over:
 * a pipeline moved from a file to a database starts afresh (its columns still count for drift).
 */
export async function loadSourceState(c: DuckDBConnection, pipeline: string, connector: string): Promise<StoredSourceState> {
  const rows = (await c.runAndReadAll(`
    SELECT connector, state_version, CAST(state AS VARCHAR), CAST(columns AS VARCHAR), run_id, source_sha256, definition_sha256 FROM source_state
    WHERE pipeline = ${quoteLiteral(pipeline)} ORDER BY run_no DESC LIMIT 1`)).getRows();
  if (rows.length === 0) return { runId: null, fingerprint: null, state: null, columns: null };
  const [kind, version, state, columns, runId, source, definition] = rows[0] as [string, number | null, string | null, string | null, string, string | null, string | null];
  return {
    runId,
    fingerprint: source !== null && definition !== null ? { source, definition } : null,
    state: kind === connector && version !== null && state !== null ? { version: Number(version), value: JSON.parse(state) as Record<string, unknown> } : null,
    columns: columns === null ? null : (JSON.parse(columns) as SourceColumn[]),
  };
}

/**
 * The statement that saves a run's source state, for the run's transaction: it lands with the
 * index changes or not at all, so a failed run never advances it.
 */
export function saveSourceStateSql(o: { pipeline: string; runId: string; runNo: number; connector: string; state: SourceState | null; columns: SourceColumn[] | null; fingerprint?: SourceFingerprint | null }): string {
  const json = (v: unknown) => (v === null ? 'NULL' : quoteLiteral(JSON.stringify(v)));
  const text = (v: string | undefined) => (v === undefined ? 'NULL' : quoteLiteral(v));
  return `
    INSERT INTO source_state (pipeline, run_id, run_no, connector, state_version, state, columns, saved_at, source_sha256, definition_sha256)
    VALUES (${quoteLiteral(o.pipeline)}, ${quoteLiteral(o.runId)}, ${o.runNo}, ${quoteLiteral(o.connector)},
            ${o.state === null ? 'NULL' : o.state.version}, ${json(o.state?.value ?? null)}, ${json(o.columns)}, now(),
            ${text(o.fingerprint?.source)}, ${text(o.fingerprint?.definition)})`;
}
