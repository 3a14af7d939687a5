import type { DuckDBConnection } from '@duckdb/node-api';
import type { ZodType } from 'zod';
import type { Logger } from '../src/logger.ts';
import type { Pipeline } from '../schemas/pipeline.ts';

/** One source row as extracted: every value is a string exactly as the source wrote it. */
export interface SourceRow {
  kind: 'row';
  /** 1-based physical line where the row starts in the source file. */
  line: number;
  /** Source column name → value (`null` for an empty CSV field or a JSON null). */
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
  line: number;
  /** The raw text as read (decoded), so nothing is lost. */
  raw: string;
  reasons: { code: string; message: string; field?: string }[];
}

export type Extracted = SourceRow | UnreadableRow;

/** What every connector call receives: one context object. */
export interface ConnectorContext {
  pipeline: Pipeline;
  logger: Logger;
  /** Absolute path of the source, resolved against the pipeline file. */
  sourcePath: string;
}

/** Options for the set-based bulk path. */
export interface StageContext extends ConnectorContext {
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

/**
 * A connector: a schema for its options and an async generator of rows. Connectors that can
 * load set-based (DuckDB reading the file itself) also implement `stage`; it must produce the
 * same rows as `extract` (the conformance suite checks this).
 */
export interface Connector<Options> {
  kind: string;
  options: ZodType<Options>;
  /** Reads the source; the caller owns counting, quarantine and checkpoints. */
  extract(ctx: ConnectorContext, options: Options): AsyncGenerator<Extracted>;
  /** Loads the source into `ctx.table` set-based; returns the column names of the source. */
  stage?(ctx: StageContext, options: Options): Promise<{ columns: string[] }>;
}
