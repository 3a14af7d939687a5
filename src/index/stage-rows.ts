import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { LIST, VARCHAR } from './duckdb-api.ts';
import type { Extracted, SourceRow, UnreadableRow } from '../../connectors/types.ts';
import { quoteIdent, quoteLiteral } from './sql-text.ts';

/** Counts from staging, reported while rows stream in. */
export interface StageProgress {
  rowsRead: number;
  unreadable: number;
}

/** A UTF-16 surrogate without its partner: no Unicode character, and DuckDB refuses it in JSON. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Stages rows from a connector's generator into `table` (`rn, line, nl, payload, nonscalar,
 * col_i…`) and unreadable rows into `rejectTable` (`line, raw, reason_code, message`), through
 * the DuckDB Appender in one pass: the path for connectors without a set-based `stage`.
 *
 * Columns named in `dropColumns` (classified `secret`) are removed from every row before anything
 * is appended, so they reach neither the payload nor a reject's raw text. `nonscalar` lists the
 * row's columns whose value was a JSON object or array (SourceRow.nonScalar; NULL when none).
 * A row whose keys or values hold a lone UTF-16 surrogate, which no connector should yield
 * (NDJSON quarantines such lines itself), is staged as unreadable (`lone_surrogate`) instead of
 * failing the run: its raw text is its remaining columns as JSON, surrogates escaped.
 * @param projectColumns source columns to project as `col_0…` (read from the payload JSON).
 * @param onProgress called every 10,000 rows.
 */
export async function stageRows(options: {
  connection: DuckDBConnection;
  rows: AsyncIterable<Extracted>;
  table: string;
  rejectTable: string;
  dropColumns: readonly string[];
  projectColumns: readonly string[];
  onProgress?: (progress: StageProgress) => void;
}): Promise<StageProgress> {
  const { connection, table, rejectTable } = options;
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table}_raw (rn BIGINT, line BIGINT, payload VARCHAR, nonscalar VARCHAR[])`);
  await createRejectTable(connection, rejectTable);
  const rowAppender = await connection.createAppender(`${table}_raw`, null, 'temp');
  const rejectAppender = await connection.createAppender(rejectTable, null, 'temp');
  const progress: StageProgress = { rowsRead: 0, unreadable: 0 };
  const drop = new Set(options.dropColumns);
  let rn = 0;
  try {
    for await (const item of options.rows) {
      progress.rowsRead++;
      const row = item.kind === 'row' ? withoutDropped(item, drop) : item;
      const broken = row.kind === 'row' ? brokenColumns(row.fields) : [];
      if (row.kind === 'unreadable' || broken.length > 0) {
        progress.unreadable++;
        const unreadable = row.kind === 'unreadable' ? row : {
          line: row.line,
          raw: JSON.stringify(row.fields),
          reasons: [{ code: 'lone_surrogate', message: `${broken.length} column(s) hold a lone UTF-16 surrogate, which is no Unicode character` }],
        };
        appendReject(rejectAppender, unreadable);
      } else {
        rowAppender.appendBigInt(BigInt(++rn));
        rowAppender.appendBigInt(BigInt(row.line));
        rowAppender.appendVarchar(JSON.stringify(row.fields));
        const nonScalar = row.nonScalar?.filter((k) => !drop.has(k)) ?? [];
        if (nonScalar.length === 0) rowAppender.appendNull();
        else rowAppender.appendList(nonScalar, LIST(VARCHAR));
        rowAppender.endRow();
      }
      if (options.onProgress && progress.rowsRead % 10_000 === 0) options.onProgress(progress);
    }
  } finally {
    rowAppender.closeSync();
    rejectAppender.closeSync();
  }
  const projections = options.projectColumns
    .map((c, i) => `json_extract_string(payload, ${quoteLiteral('$.' + JSON.stringify(c))}) AS col_${i}`)
    .join(', ');
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${table} AS
    SELECT rn, line, 0 AS nl, payload, nonscalar${projections ? ', ' + projections : ''} FROM ${table}_raw ORDER BY rn`);
  await connection.run(`DROP TABLE ${quoteIdent(table + '_raw')}`);
  return progress;
}

/** The row without the columns in `drop` (classified secret). */
function withoutDropped(row: SourceRow, drop: ReadonlySet<string>): SourceRow {
  if (drop.size === 0) return row;
  return { ...row, fields: Object.fromEntries(Object.entries(row.fields).filter(([k]) => !drop.has(k))) };
}

/** Columns of a row whose name or value holds a lone surrogate (counted, never named: a key may be data). */
function brokenColumns(fields: Record<string, string | null>): string[] {
  return Object.entries(fields).filter(([k, v]) => LONE_SURROGATE.test(k) || (v !== null && LONE_SURROGATE.test(v))).map(([k]) => k);
}

/** Creates the (temporary) reject table every staging path fills: `line, raw, reason_code, message`, one row per reason. */
export async function createRejectTable(connection: DuckDBConnection, table: string): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} (line BIGINT, raw VARCHAR, reason_code VARCHAR, message VARCHAR)`);
}

/** Appends an unreadable row to a reject table's appender: one row per reason. */
export function appendReject(appender: DuckDBAppender, row: Pick<UnreadableRow, 'line' | 'raw' | 'reasons'>): void {
  for (const reason of row.reasons) {
    appender.appendBigInt(BigInt(row.line));
    appender.appendVarchar(row.raw);
    appender.appendVarchar(reason.code);
    appender.appendVarchar(reason.message);
    appender.endRow();
  }
}
