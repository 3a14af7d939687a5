/**
 * Read-only snapshots of the index for analysts while `onecode serve` holds it for writing.
 *
 * The copy is made by DuckDB itself (`ATTACH` a new file, `COPY FROM DATABASE`), inside one read
 * transaction, so it is a consistent state of the index: tables, views, sequences. It is written to
 * a temporary file and renamed over the previous snapshot, so a reader sees either the old or the
 * new one, never a half-written file; a reader that has the old one open keeps reading it.
 *
 * Not a byte copy of the index file on purpose: opening and closing the index file from the process
 * that holds it would drop that process's POSIX (fcntl) lock on it, and with it DuckDB's guarantee
 * that no other process writes the file.
 *
 * The snapshot of an encrypted index is encrypted with the same key (DuckDB writes the new file
 * encrypted as it is attached with the key), so readers open it as they open the index.
 */
import { rename, rm, stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { attachNewFileSql } from '../index/index-file.ts';
import type { IndexKey } from '../index/index-key.ts';
import { quoteIdent } from '../index/sql-text.ts';
import { snapshotPathOf } from './serve-files.ts';

/** What {@link writeSnapshot} wrote. */
export interface SnapshotWritten {
  path: string;
  bytes: number;
  ms: number;
}

const ALIAS = 'onecode_snapshot';

/**
 * Writes a consistent read-only copy of the index open on `connection` (its default database,
 * `current_database()`) to `<dbPath>.snapshot`, encrypted with `key` when the index is (the key
 * the index was opened with, `OpenIndex.key`). The connection must not be inside a transaction
 * (serve runs this between jobs).
 * @throws the DuckDB error when the copy fails; the previous snapshot is then left as it was.
 */
export async function writeSnapshot(connection: DuckDBConnection, dbPath: string, key?: IndexKey): Promise<SnapshotWritten> {
  const started = Date.now();
  const target = snapshotPathOf(dbPath);
  const tmp = `${target}.tmp`;
  await rm(tmp, { force: true });
  await rm(`${tmp}.wal`, { force: true });
  const source = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
  try {
    await connection.run(attachNewFileSql(tmp, ALIAS, key));
  } catch (error) {
    // a snapshot error is logged: should DuckDB's message quote the statement, the key is taken out
    throw key === undefined ? error : new Error(key.redact((error as Error).message));
  }
  try {
    await connection.run(`COPY FROM DATABASE ${quoteIdent(source)} TO ${ALIAS}`);
  } finally {
    await connection.run(`DETACH ${ALIAS}`);
  }
  await rm(`${tmp}.wal`, { force: true }); // DETACH checkpoints; nothing should be left in it
  await rename(tmp, target);
  return { path: target, bytes: (await stat(target)).size, ms: Date.now() - started };
}
