import type { DuckDBConnection } from '@duckdb/node-api';
import type { ZodType } from 'zod';
import type { Logger } from '../src/logger.ts';
import type { Pipeline } from '../schemas/pipeline.ts';

/**
 * What a row's `line` counts, per source: the physical line of a file (`line`, 1-based, header
 * included), the row number of a worksheet (`sheet_row`, as the spreadsheet shows it), or the
 * ordinal of the row in one read of a database table, query or API (`ordinal`, 1-based; a
 * database row is found again by its source key, which the record keeps).
 */
export type PositionKind = 'line' | 'sheet_row' | 'ordinal';

/** One source row as extracted: every value is a string exactly as the source wrote it. */
export interface SourceRow {
  kind: 'row';
  /** 1-based position of the row in its source, counted as the source's {@link PositionKind} says. */
  line: number;
  /** Source column name → value (`null` for an empty CSV field, an empty cell, a JSON or SQL NULL). */
  fields: Record<string, string | null>;
  /**
   * Columns whose value is structured (a JSON object or array) and arrives in `fields` as its
   * JSON text: such a value goes into the payload but never into a canonical field
   * (`non_scalar_value`, src/index/plain-values.ts). Absent when there is none.
   */
  nonScalar?: string[];
}

/** Something the connector read but could not turn into a row; it goes to quarantine. */
export interface UnreadableRow {
  kind: 'unreadable';
  /** 1-based position, as {@link SourceRow.line}. */
  line: number;
  /** The raw text as read (decoded), so nothing is lost. */
  raw: string;
  reasons: { code: string; message: string; field?: string }[];
}

export type Extracted = SourceRow | UnreadableRow;

/** A source column as the source declares it: a CSV header cell, a sheet header, a database column. */
export interface SourceColumn {
  name: string;
  /** The source's own type name where it has types (`character varying(18)`, `bigint`, `DATETIME`); absent for files. */
  type?: string;
}

/**
 * The source of one read, for people and for tables (`runs.source`, `quarantine.source`, logs,
 * messages). Never holds a password or a token: a database URL loses its password, an API URL
 * its query string values.
 */
export interface SourceDescription {
  /** Where the rows come from: an absolute file path, or a URI (`postgres://user@host:5432/db?table=public.staff`). */
  uri: string;
  /** A short label for messages: the file name, `public.staff on host:5432/db`, `GET host/path`. */
  label: string;
  /** What a row's `line` counts. */
  positionKind: PositionKind;
}

/**
 * What a connector can do with its options; the runner, not the planner, turns this and the
 * pipeline's `mode` into the run's guard policy (src/run/read-policy.ts).
 */
export interface ConnectorCapabilities {
  /** A read returns the source's whole current set (a file, a table, a query): absent rows can mean deletions. */
  snapshot: boolean;
  /** It can read only the rows at or after a watermark of a column (`mode: cursor`), keeping the watermark in its state. */
  cursor: boolean;
  /**
   * Whether a column of this type (`SourceColumn.type`, undefined where the source has no types)
   * can be `cursor.column`; absent when any column can. The database connectors accept date and
   * time, integer and decimal types (connectors/sql/cursor-types.ts) and refuse others at open
   * (`cursor_type_unsupported`); `onecode discover` proposes a cursor only where this says yes.
   */
  cursorColumnType?: (type: string | undefined) => boolean;
  /** It can read only what is new since the last successful run (files of a glob not loaded yet). */
  newOnly: boolean;
}

/**
 * The state a connector's last successful run left: JSON that only the connector reads, with the
 * version of its layout (a connector that changes its state's layout bumps `version` and reads
 * older versions or ignores them). Stored by the runner in `source_state` in the same transaction
 * as the run's index changes, so a failed run never advances it.
 */
export interface SourceState {
  /** Layout version of `value`, the connector's own. */
  version: number;
  value: Record<string, unknown>;
}

/** A cursor read: the pipeline's `cursor` and the watermark of the last successful run. */
export interface CursorRead {
  column: string;
  /** Look-back window in seconds: rows at or after `watermark - lag_seconds` are read again. */
  lagSeconds: number;
}

/** What a connector's `open` receives. */
export interface OpenContext {
  pipeline: Pipeline;
  logger: Logger;
  /** The state the last successful run of this pipeline left, or null on a first run (or after its layout changed). */
  state: SourceState | null;
  /** Set for `mode: cursor` pipelines (the connector must declare the `cursor` capability). */
  cursor?: CursorRead;
  /** Environment for secrets (`url_env`, `headers_from_env`): never written anywhere. Default process.env. */
  env: NodeJS.ProcessEnv;
}

/** Options for the set-based bulk path. */
export interface StageTarget {
  connection: DuckDBConnection;
  /** Name of the table to create: columns `rn BIGINT, line BIGINT, payload VARCHAR (JSON object)`. */
  table: string;
  /** Name of the table to create for unreadable rows: `line BIGINT, raw VARCHAR, reason_code VARCHAR, message VARCHAR`. */
  rejectTable: string;
  /** Source columns to drop before anything is stored (classified secret). */
  dropColumns: readonly string[];
  /** Source columns to project as their own VARCHAR columns named `col_<i>` in mapping order. */
  projectColumns: readonly string[];
}

/** What a finished read leaves: the state to keep if the run commits. */
export interface ReadEnd {
  /** The new state, or null to keep none. */
  state: SourceState | null;
  /** Columns of the rows read, where the source declares none up front (NDJSON, JSON APIs): every key seen, in order of first sight. */
  columnsSeen?: SourceColumn[];
}

/**
 * One read of a source, opened by {@link Connector.open}: rows come from `extract` (or `stage`),
 * then `end` gives the state, then `close` (always called, also after a failure) lets go of
 * connections and files.
 */
export interface SourceRead {
  source: SourceDescription;
  /**
   * The columns the source declares before its rows are read (a CSV header, a sheet header, a
   * table's columns), compared with the last successful run's before anything is read (schema
   * drift); undefined where only the rows tell (NDJSON, APIs: see {@link ReadEnd.columnsSeen}).
   */
  columns?: SourceColumn[];
  /** Nothing to read this time (no new file of a glob): a run with no changes, not an upstream fault. */
  nothingNew?: boolean;
  /**
   * The real path of the one file this read takes (file connectors), so that the runner can
   * tell an unchanged file by its content digest (src/run/source-fingerprint.ts); absent for
   * other sources and when nothing is new.
   */
  contentFile?: string;
  /** Files of a glob still waiting after this read (`files: every_new`): the CLI runs the pipeline again for each. */
  moreWaiting?: number;
  /** Reads the rows; the caller owns counting, quarantine and checkpoints. */
  extract(): AsyncGenerator<Extracted>;
  /**
   * Loads the rows into `target.table` set-based (DuckDB reading the file itself); must produce
   * the same rows as `extract` (the conformance suite checks this). Returns how it staged (a
   * connector may fall back to its rows and say `rows`).
   */
  stage?(target: StageTarget): Promise<{ via?: string }>;
  /** After the rows are read: the state to keep. */
  end(): Promise<ReadEnd>;
  close(): Promise<void>;
}

/**
 * A connector: a schema for its options, what it can do, and `open`, which resolves the source
 * (checks a path's confinement, picks the file of a glob, connects) for one read.
 * Adding a source (Oracle, DM, ...) is one file implementing this, one line in connectors/index.ts
 * and its options in schemas/pipeline.ts (docs/connectors.md).
 */
export interface Connector<Options> {
  kind: string;
  options: ZodType<Options>;
  capabilities(options: Options): ConnectorCapabilities;
  /** The source as the pipeline declares it, without opening anything (for the run row written before the read). */
  describe(pipeline: Pipeline, options: Options): SourceDescription;
  /**
   * Opens one read.
   * @throws ConfigError / ExtractError with a stable code (`source_missing`, `source_path_refused`,
   *   `source_unreachable`, ...) naming the source by its label, never a secret.
   */
  open(ctx: OpenContext, options: Options): Promise<SourceRead>;
}

/** What a file connector's readers receive: the pipeline, a logger, and the real path of the file to read. */
export interface FileReadContext {
  pipeline: Pipeline;
  logger: Logger;
  /** Real path of the file (confined, symbolic links resolved: connectors/file-source.ts). */
  sourcePath: string;
}

/** A file read staged set-based: the file and the staging target. */
export interface FileStageContext extends FileReadContext, StageTarget {}
