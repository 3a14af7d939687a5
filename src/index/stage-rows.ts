import type { DuckDBConnection } from '@duckdb/node-api';
import type { Extracted } from '../../connectors/types.ts';
import { quoteIdent, quoteLiteral } from './sql-text.ts';

/** Counts from staging, reported while rows stream in. */
export interface StageProgress {
  rowsRead: number;
  unreadable: number;
}

/**
 * Stages rows from a connector's generator into `table` (`rn, line, payload, col_i…`) and
 * unreadable rows into `rejectTable` (`line, raw, reason_code, message`), through the DuckDB
 * Appender in one pass: the path for connectors without a set-based `stage`.
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
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table}_raw (rn BIGINT, line BIGINT, payload VARCHAR)`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${rejectTable} (line BIGINT, raw VARCHAR, reason_code VARCHAR, message VARCHAR)`);
  const rowAppender = await connection.createAppender(`${table}_raw`, null, 'temp');
  const rejectAppender = await connection.createAppender(rejectTable, null, 'temp');
  const progress: StageProgress = { rowsRead: 0, unreadable: 0 };
  const drop = new Set(options.dropColumns);
  let rn = 0;
  try {
    for await (const item of options.rows) {
      progress.rowsRead++;
      if (item.kind === 'unreadable') {
        progress.unreadable++;
        for (const reason of item.reasons) {
          rejectAppender.appendBigInt(BigInt(item.line));
          rejectAppender.appendVarchar(item.raw);
          rejectAppender.appendVarchar(reason.code);
          rejectAppender.appendVarchar(reason.message);
          rejectAppender.endRow();
        }
      } else {
        const fields = drop.size === 0 ? item.fields : Object.fromEntries(Object.entries(item.fields).filter(([k]) => !drop.has(k)));
        rowAppender.appendBigInt(BigInt(++rn));
        rowAppender.appendBigInt(BigInt(item.line));
        rowAppender.appendVarchar(JSON.stringify(fields));
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
    SELECT rn, line, 0 AS nl, payload${projections ? ', ' + projections : ''} FROM ${table}_raw ORDER BY rn`);
  await connection.run(`DROP TABLE ${quoteIdent(table + '_raw')}`);
  return progress;
}
