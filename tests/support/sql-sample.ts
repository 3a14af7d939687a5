import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** An in-memory DuckDB with SQL macros and a table `sample (i INTEGER, v VARCHAR)` of values, a NULL last. */
export interface SqlSample {
  connection: DuckDBConnection;
  /** Rows of a query as objects. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/**
 * Opens a DuckDB in memory, creates `macros` (SQL text of CREATE MACRO statements) and loads
 * `values` into `sample` with their index `i`, followed by one NULL (i = values.length): the
 * fixture of the differential tests of SQL macros against their JS rules.
 */
export async function openSqlSample(macros: string, values: readonly string[]): Promise<SqlSample> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run(macros);
  await connection.run('CREATE TABLE sample (i INTEGER, v VARCHAR)');
  const appender = await connection.createAppender('sample');
  values.forEach((value, i) => {
    appender.appendInteger(i);
    appender.appendVarchar(value);
    appender.endRow();
  });
  appender.appendInteger(values.length);
  appender.appendNull();
  appender.endRow();
  appender.closeSync();
  return {
    connection,
    rows: async (sql) => (await connection.runAndReadAll(sql)).getRowObjects(),
    close() {
      connection.closeSync();
      db.closeSync();
    },
  };
}
