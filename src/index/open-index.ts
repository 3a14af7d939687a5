import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DuckDBTimestampTZValue } from './duckdb-api.ts';
import { NORMALIZE_SQL_MACROS } from '../normalize/sql.ts';
import { OnecodeError } from '../errors.ts';
import { INDEX_DDL, INDEX_MIGRATIONS, INDEX_SCHEMA_VERSION } from './ddl.ts';
import { ENCRYPTED_INDEX_CATALOG, openIndexFile } from './index-file.ts';
import { quoteIdent } from './sql-text.ts';
import { readIndexKey, type IndexKey } from './index-key.ts';
import { VIEW_DDL } from './views.ts';

export { DEFAULT_DB_PATH, resolveDbPath } from './db-path.ts';

/** The zone in which the index shows its timestamps (each with its offset, `+08`). */
export const INDEX_TIME_ZONE = 'Asia/Shanghai';
/**
 * Its offset from UTC in minutes: China Standard Time, UTC+8, without daylight saving since 1991.
 * DuckDB renders TIMESTAMPTZ values in the session's TimeZone, but @duckdb/node-api converts them
 * to text in JavaScript with one fixed offset, the host's by default: it is set to this one, so
 * that query output, status and lookup show the instants as the session does, on a UTC server too.
 */
export const INDEX_UTC_OFFSET_MINUTES = 8 * 60;
DuckDBTimestampTZValue.timezoneOffsetInMinutes = INDEX_UTC_OFFSET_MINUTES;

const TEMP_NORMALIZE_MACROS = NORMALIZE_SQL_MACROS.replaceAll('CREATE OR REPLACE MACRO', 'CREATE OR REPLACE TEMP MACRO');
let tempIdentifierMacros: string | undefined;
/**
 * The identifier macros as temporary macros, made on first use: their module reads the GB/T 2260
 * table and writes 140 KB of SQL when it loads, which `onecode status` (no macros) need not pay.
 */
async function identifierMacros(): Promise<string> {
  tempIdentifierMacros ??= (await import('../identifiers/sql.ts')).IDENTIFIER_SQL_MACROS.replaceAll('CREATE OR REPLACE MACRO', 'CREATE OR REPLACE TEMP MACRO');
  return tempIdentifierMacros;
}

/**
 * Another connection to an open index, set up as {@link openIndex} sets up its own: the index as
 * its default database (an encrypted index is attached under {@link ENCRYPTED_INDEX_CATALOG}, and
 * a new connection starts in the instance's in-memory database: it is `USE`d), the session's time
 * zone ({@link INDEX_TIME_ZONE}), and the normalisation and identifier macros (temporary, per
 * connection). DuckDB's MVCC lets it read the last committed state while another connection of
 * the same instance holds a transaction open (serve's HTTP API reads this way while a run writes).
 * Setting it up takes about 30 ms (the identifier macros): keep it rather than make one per read.
 * Close it with `closeSync()`.
 */
export async function connectToIndex(index: Pick<OpenIndex, 'instance' | 'key'>): Promise<DuckDBConnection> {
  const connection = await index.instance.connect();
  try {
    if (index.key !== undefined) await connection.run(`USE ${quoteIdent(ENCRYPTED_INDEX_CATALOG)}`);
    await connection.run(`SET TimeZone = '${INDEX_TIME_ZONE}'`);
    await connection.run(TEMP_NORMALIZE_MACROS);
    await connection.run(await identifierMacros());
  } catch (error) {
    connection.closeSync();
    throw error;
  }
  return connection;
}

export interface OpenIndex {
  instance: DuckDBInstance;
  /** The connection whose default database is the index (`current_database()`). */
  connection: DuckDBConnection;
  /** The key the index is encrypted with (index-key.ts), undefined for a plain index. */
  key: IndexKey | undefined;
  close(): void;
}

/** `runs.error_code` of a run that was still `running` when its process stopped. */
export const ABANDONED_ERROR_CODE = 'run_abandoned';

/**
 * Marks every run still `running` as `abandoned`, with `ended_at` (the time it is found, UTC like
 * `started_at`), `error_code` {@link ABANDONED_ERROR_CODE} and a message. Called when the index is
 * opened for writing: DuckDB lets one process at a time write a file, so a run `running` then
 * belongs to a process that was killed or crashed (or a serve stopped by a second signal). Its
 * changes were never committed: a run writes the index in one transaction.
 * @returns how many runs were marked.
 */
export async function markAbandonedRuns(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(`
    UPDATE run_log SET status = 'abandoned', ended_at = now()::TIMESTAMP, error_code = '${ABANDONED_ERROR_CODE}',
      error = 'the process running it stopped before the run ended (killed or crashed); nothing of the run was committed'
    WHERE status = 'running'`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/**
 * Opens (and on first use creates) the index in a DuckDB file, encrypted with the key named by
 * ONECODE_INDEX_KEY_FILE when it is set (index-key.ts, index-file.ts). Opened for writing, it marks
 * runs left `running` by a process that stopped as `abandoned` ({@link markAbandonedRuns}).
 * @param options.readOnly open without write access (analysts' commands); the file must exist.
 * @param options.key the index key; default: read from ONECODE_INDEX_KEY_FILE; `null`: plain.
 * @param options.identifierMacros register the identifier SQL macros on the connection (default
 *   true); a command that only reads the views (`onecode status`) skips them, about 40 ms.
 * @throws OnecodeError `index_locked` when another process holds the file for writing,
 *   `index_missing` for a read-only open of a file that does not exist, `index_key_needed`,
 *   `index_key_wrong`, `index_not_encrypted` and the rest of what index-file.ts throws; ConfigError
 *   `key_file_*` for an unusable key file.
 */
export async function openIndex(dbPath: string, options: { readOnly?: boolean; key?: IndexKey | null; identifierMacros?: boolean } = {}): Promise<OpenIndex> {
  if (!options.readOnly && dbPath !== ':memory:') await mkdir(path.dirname(path.resolve(dbPath)), { recursive: true });
  // An in-memory index has nothing at rest to encrypt.
  const key = dbPath === ':memory:' ? undefined : options.key === undefined ? await readIndexKey() : (options.key ?? undefined);
  const { instance, connection } = await openIndexFile(dbPath, { readOnly: options.readOnly, key });
  // Timestamps are instants (TIMESTAMPTZ); they are shown in China Standard Time, with the offset.
  await connection.run(`SET TimeZone = '${INDEX_TIME_ZONE}'`);
  // The normalisation macros back the views (conflicts): stored in a writable index so that any
  // DuckDB client can query the views, and registered per connection for read-only opens too.
  if (!options.readOnly) await connection.run(NORMALIZE_SQL_MACROS);
  await connection.run(TEMP_NORMALIZE_MACROS);
  if (!options.readOnly) {
    await connection.run(INDEX_DDL);
    const stored = Number((await connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows()[0]?.[0] ?? INDEX_SCHEMA_VERSION);
    if (stored < INDEX_SCHEMA_VERSION) {
      // The migrations and the new version land together or not at all.
      await connection.run('BEGIN TRANSACTION');
      try {
        for (let version = stored + 1; version <= INDEX_SCHEMA_VERSION; version++) {
          const migration = INDEX_MIGRATIONS[version];
          if (typeof migration === 'string') await connection.run(migration);
          else if (migration) await migration(connection);
        }
        await connection.run(`INSERT OR REPLACE INTO onecode_meta VALUES ('schema_version', '${INDEX_SCHEMA_VERSION}')`);
        await connection.run('COMMIT');
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw new OnecodeError('index_migration_failed', `${dbPath}: cannot upgrade the index from version ${stored} to ${INDEX_SCHEMA_VERSION} (${(error as Error).message.split('\n')[0]}); it is unchanged`);
      }
    }
    await connection.run(VIEW_DDL);
    await connection.run(`INSERT OR REPLACE INTO onecode_meta VALUES ('schema_version', '${INDEX_SCHEMA_VERSION}')`);
    await markAbandonedRuns(connection);
  }
  if (options.identifierMacros !== false) await connection.run(await identifierMacros());
  return {
    instance,
    connection,
    key,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
