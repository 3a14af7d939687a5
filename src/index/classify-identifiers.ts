import type { DuckDBConnection } from '@duckdb/node-api';
import { classify } from '../identifiers/classify.ts';
import type { IdentifierKind } from '../identifiers/types.ts';
import { quoteLiteral } from './sql-text.ts';

/** An identifier column, the column holding its fast-path result, and the kind it is classified as. */
export interface IdentifierColumn {
  column: string;
  fastColumn: string;
  kind: IdentifierKind;
}

/** SQL expression for the fast path: the value when it is already canonical and valid, else NULL. */
export function fastPathSql(kind: IdentifierKind, column: string, runDate: string): string {
  if (kind === 'resident_id') return `oc_resident_id_fast(${column}, DATE ${quoteLiteral(runDate)})`;
  if (kind === 'uscc') return `oc_uscc_fast(${column})`;
  return 'CAST(NULL AS VARCHAR)';
}

/**
 * Classifies, in JavaScript, the identifier values the SQL fast path did not accept (dirty,
 * legacy or invalid values: a small share of a real export), distinct per kind, and stores the
 * results in `targetTable (kind, raw, status, normalized, reasons)` where `reasons` is a list of
 * structs {code, field, message}. Values the fast path accepts never cross into JavaScript
 * (ARCHITECTURE.md, "Bulk work is set-based").
 * @returns how many distinct values were classified in JavaScript.
 */
export async function classifySlowPath(options: {
  connection: DuckDBConnection;
  /** FROM clause giving the raw columns and their fast-path results. */
  source: string;
  columns: readonly IdentifierColumn[];
  targetTable: string;
  runDate: string;
}): Promise<number> {
  const { connection, source, columns, targetTable, runDate } = options;
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${targetTable}_in (kind VARCHAR, raw VARCHAR, status VARCHAR, normalized VARCHAR, reasons VARCHAR)`);
  if (columns.length > 0) {
    const union = columns
      .map((c) => `SELECT ${quoteLiteral(c.kind)} AS kind, ${c.column} AS raw FROM ${source} WHERE ${c.column} IS NOT NULL AND ${c.fastColumn} IS NULL`)
      .join(' UNION ');
    const reader = await connection.runAndReadAll(`SELECT DISTINCT kind, raw FROM (${union})`);
    const rows = reader.getRows() as [string, string][];
    if (rows.length > 0) {
      const appender = await connection.createAppender(`${targetTable}_in`, null, 'temp');
      for (const [kind, raw] of rows) {
        const result = raw.trim() === '' ? null : classify(raw, { kind: kind as IdentifierKind, runDate });
        appender.appendVarchar(kind);
        appender.appendVarchar(raw);
        if (result === null) {
          appender.appendVarchar('missing');
          appender.appendNull();
          appender.appendVarchar('[]');
        } else {
          appender.appendVarchar(result.status);
          if (result.normalized === null) appender.appendNull();
          else appender.appendVarchar(result.normalized);
          appender.appendVarchar(JSON.stringify(result.reasons));
        }
        appender.endRow();
      }
      appender.closeSync();
    }
  }
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${targetTable} AS
    SELECT kind, raw, status, normalized,
           from_json(reasons, '[{"code":"VARCHAR","message":"VARCHAR"}]') AS reasons
    FROM ${targetTable}_in`);
  const count = await connection.runAndReadAll(`SELECT count(*) FROM ${targetTable}`);
  await connection.run(`DROP TABLE ${targetTable}_in`);
  return Number(count.getRows()[0]![0]);
}
