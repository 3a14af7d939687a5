import type { DuckDBConnection } from '@duckdb/node-api';
import { classify } from '../identifiers/classify.ts';
import type { IdentifierKind } from '../identifiers/types.ts';
import { quoteLiteral } from './sql-text.ts';

/**
 * Classifies in JavaScript the distinct `(kind, raw)` identifier values that `inputSql` selects
 * (the values the SQL fast path did not accept: dirty, legacy or invalid ones, a small share of a
 * real export), and stores the results in `targetTable (kind, raw, status, normalized, reasons, alias)`
 * where `reasons` is a list of structs {code, message} and `alias` the legacy form a value was
 * upgraded from (a 15-digit resident identity number), else NULL. Values the fast path accepts never cross
 * into JavaScript (ARCHITECTURE.md, "Bulk work is set-based").
 * @returns how many distinct values were classified in JavaScript.
 */
export async function classifySlowPath(options: {
  connection: DuckDBConnection;
  /** A query yielding columns `kind, raw` (raw non-null); duplicates are removed here. */
  inputSql: string;
  targetTable: string;
  runDate: string;
  /** USCCs come from an authoritative registry (see PipelineConfig.authoritative). */
  authoritative?: boolean;
}): Promise<number> {
  const { connection, inputSql, targetTable, runDate, authoritative = false } = options;
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${targetTable}_in (kind VARCHAR, raw VARCHAR, status VARCHAR, normalized VARCHAR, reasons VARCHAR, alias VARCHAR)`);
  const rows = (await connection.runAndReadAll(`SELECT DISTINCT kind, raw FROM (${inputSql})`)).getRows() as [string, string][];
  if (rows.length > 0) {
    const appender = await connection.createAppender(`${targetTable}_in`, null, 'temp');
    for (const [kind, raw] of rows) {
      const result = raw.trim() === '' ? null : classify(raw, { kind: kind as IdentifierKind, runDate, authoritative });
      appender.appendVarchar(kind);
      appender.appendVarchar(raw);
      if (result === null) {
        appender.appendVarchar('missing');
        appender.appendNull();
        appender.appendVarchar('[]');
        appender.appendNull();
      } else {
        appender.appendVarchar(result.status);
        if (result.normalized === null) appender.appendNull();
        else appender.appendVarchar(result.normalized);
        appender.appendVarchar(JSON.stringify(result.reasons));
        if (result.alias === undefined || result.normalized === null) appender.appendNull();
        else appender.appendVarchar(result.alias);
      }
      appender.endRow();
    }
    appender.closeSync();
  }
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE ${targetTable} AS
    SELECT kind, raw, status, normalized,
           from_json(reasons, '[{"code":"VARCHAR","message":"VARCHAR"}]') AS reasons, alias
    FROM ${targetTable}_in`);
  await connection.run(`DROP TABLE ${targetTable}_in`);
  return rows.length;
}

/** SQL expression for the fast path: the value when it is already canonical and valid, else NULL. */
export function fastPathSql(kind: IdentifierKind, column: string, runDate: string): string {
  if (kind === 'resident_id') return `oc_resident_id_fast(${column}, DATE ${quoteLiteral(runDate)})`;
  if (kind === 'uscc') return `oc_uscc_fast(${column})`;
  return 'CAST(NULL AS VARCHAR)';
}
