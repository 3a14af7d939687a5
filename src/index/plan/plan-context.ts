import type { DuckDBConnection } from '@duckdb/node-api';
import type { Pipeline } from '../../../schemas/pipeline.ts';
import { oneCodeField } from '../candidates.ts';
import { quoteLiteral, sqlInstant } from '../sql-text.ts';

/**
 * The guard policy of one run, chosen by the runner from the pipeline's mode and the connector's
 * capabilities (src/run/read-policy.ts).
 */
export interface ReadPolicy {
  /** `fault`: a read with no loadable row fails the run (a snapshot's upstream fault); `no_changes`: it is a run with no changes. */
  emptyRead: 'fault' | 'no_changes';
  /** Records absent from the read are deleted (a snapshot), bounded by max_delete_share. */
  absentDeletes: boolean;
}

/** What planRun is given: one staged, classified extract and where it goes. */
export interface PlanRunOptions {
  connection: DuckDBConnection;
  pipeline: Pipeline;
  runId: string;
  runNo: number;
  /** Where the extract came from (SourceDescription.uri: a file path or a URI without secrets), for messages and quarantine rows. */
  source: string;
  /** What an empty read and absent rows mean, as the runner decided (src/run/read-policy.ts). */
  policy: ReadPolicy;
  /** Output of buildCandidates (candidates.ts): one row per staged row with its disposition. */
  candidates: string;
  /** Unreadable rows: `line, raw, reason_code, message` (one row per reason). */
  rejectTable: string;
  /** Let a snapshot delete more than `max_delete_share` of the pipeline's records. */
  allowDeletes: boolean;
  /** Commit time, ms since the epoch (UTC): the events' ts_ms and the rows' timestamps. */
  tsMs: number;
}

/**
 * What every planning step reads: the options, and the SQL literals and names the steps share.
 * Steps create temporary tables (named in each step's doc) and read committed tables only.
 */
export interface PlanContext extends PlanRunOptions {
  /** SQL literal of the pipeline name. */
  P: string;
  /** SQL literal of the run id. */
  R: string;
  /** SQL literal of the source system's name. */
  S: string;
  /** SQL expression of the commit time as a TIMESTAMPTZ. */
  ts: string;
  /** The candidates' column holding the one code (candidates.ts oneCodeField). */
  codeColumn: 'id_number' | 'uscc';
}

/** The context the steps share. */
export function planContext(o: PlanRunOptions): PlanContext {
  return {
    ...o,
    P: quoteLiteral(o.pipeline.name),
    R: quoteLiteral(o.runId),
    S: quoteLiteral(o.pipeline.system),
    ts: sqlInstant(o.tsMs),
    codeColumn: oneCodeField(o.pipeline),
  };
}

/** The first column of the first row of `sql`, as a number (0 for NULL). */
export async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  return Number((await connection.runAndReadAll(sql)).getRows()[0]![0] ?? 0);
}
