/**
 * One DuckDB transaction around `work` on a connection that is not inside one: committed when
 * `work` resolves, rolled back (and the error rethrown) when it throws.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Runs `work` between BEGIN TRANSACTION and COMMIT on `connection`; ROLLBACK on a throw. */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await work();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => {});
    throw error;
  }
}
