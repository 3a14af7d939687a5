import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './sql-text.ts';

/** Names of the connection's temporary tables (DuckDB's `temp` catalog). */
export async function tempTableNames(connection: DuckDBConnection): Promise<Set<string>> {
  const rows = (await connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE temporary`)).getRows();
  return new Set(rows.map((r) => String(r[0])));
}

/**
 * Drops the connection's temporary tables that are not in `kept` (those that existed before a run
 * began): a run's staging and planning tables hold a copy of every row it read, and a serve that
 * keeps its connection would otherwise keep them, in memory or spilled, until its next run.
 */
export async function dropTempTablesExcept(connection: DuckDBConnection, kept: ReadonlySet<string>): Promise<void> {
  for (const name of await tempTableNames(connection)) {
    if (!kept.has(name)) await connection.run(`DROP TABLE IF EXISTS temp.main.${quoteIdent(name)}`);
  }
}
