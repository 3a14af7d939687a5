/**
 * Opening the index file in DuckDB, plain or encrypted, and saying clearly why it cannot be opened.
 *
 * A plain index is DuckDB's database: `DuckDBInstance.create(file)`. An encrypted one (a key from
 * ONECODE_INDEX_KEY_FILE, index-key.ts) is attached to an in-memory DuckDB with its key, as DuckDB
 * encrypts attached databases only, under the catalog name {@link ENCRYPTED_INDEX_CATALOG}, and made
 * the connection's default (`USE`): every statement onecode runs reads and writes it unqualified,
 * as it does a plain index. DuckDB then encrypts the file's blocks, its write-ahead log and its
 * temporary files (`temp_file_encryption`, in `<index>.tmp/` as for a plain index).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from './duckdb-api.ts';
import { OnecodeError } from '../errors.ts';
import { loadHttpfs, offlineExtensionSettings } from './duckdb-extensions.ts';
import { INDEX_KEY_FILE_VARIABLE, type IndexKey } from './index-key.ts';
import { quoteIdent, quoteLiteral } from './sql-text.ts';

/** The catalog name of an encrypted index in its connection (`current_database()`). */
export const ENCRYPTED_INDEX_CATALOG = 'onecode';

/** An index file open in DuckDB: one instance, one connection whose default database is the index. */
export interface IndexFile {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

/**
 * Opens `dbPath` (created on a writable first open) with `key`, or plain when `key` is undefined.
 * @throws OnecodeError, each naming the file and never the key:
 *   `index_locked` another process holds the file;
 *   `index_missing` (exit 2) a read-only open of a file that does not exist;
 *   `index_key_needed` (exit 2) the file is encrypted and no key is set;
 *   `index_key_wrong` (exit 2) the key does not open it;
 *   `index_not_encrypted` (exit 2) a key is set and the file is plain;
 *   `duckdb_extension_missing`, `duckdb_extension_unloadable` (duckdb-extensions.ts);
 *   `index_unopenable` anything else, with DuckDB's first line.
 */
export async function openIndexFile(dbPath: string, options: { readOnly?: boolean; key?: IndexKey }): Promise<IndexFile> {
  const { key } = options;
  if (key === undefined || dbPath === ':memory:') {
    try {
      const instance = await DuckDBInstance.create(dbPath, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
      return { instance, connection: await instance.connect() };
    } catch (error) {
      throw openError(dbPath, (error as Error).message, options);
    }
  }
  const instance = await DuckDBInstance.create(':memory:', {
    ...offlineExtensionSettings(),
    temp_directory: `${dbPath}.tmp`,
    temp_file_encryption: 'true',
  });
  const connection = await instance.connect();
  try {
    await loadHttpfs(connection, dbPath);
    try {
      await connection.run(`ATTACH ${quoteLiteral(dbPath)} AS ${quoteIdent(ENCRYPTED_INDEX_CATALOG)} (${options.readOnly ? 'READ_ONLY, ' : ''}${key.attachOption()})`);
    } catch (error) {
      throw openError(dbPath, key.redact((error as Error).message), options);
    }
    await connection.run(`USE ${quoteIdent(ENCRYPTED_INDEX_CATALOG)}`);
    return { instance, connection };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
}

/**
 * The ATTACH statement that writes a new database file encrypted with the same key as the index
 * (serve's snapshot), or a plain one when `key` is undefined.
 */
export function attachNewFileSql(file: string, alias: string, key: IndexKey | undefined): string {
  return `ATTACH ${quoteLiteral(file)} AS ${quoteIdent(alias)}${key === undefined ? '' : ` (${key.attachOption()})`}`;
}

/** The OnecodeError for DuckDB's `message` (already free of the key) on opening `dbPath`. */
function openError(dbPath: string, message: string, options: { readOnly?: boolean; key?: IndexKey }): OnecodeError {
  const first = message.split('\n')[0]!;
  if (/encrypted database .* without a key/i.test(message)) {
    return new OnecodeError('index_key_needed', `${dbPath}: the index is encrypted: set ${INDEX_KEY_FILE_VARIABLE} to the file of its key`, { exitCode: 2 });
  }
  if (/wrong encryption key/i.test(message)) {
    return new OnecodeError('index_key_wrong', `${dbPath}: the key in ${options.key?.file ?? '?'} (${INDEX_KEY_FILE_VARIABLE}) does not open this index: it was encrypted with another key`, { exitCode: 2 });
  }
  if (/key is explicitly specified, but database .* is not encrypted/i.test(message)) {
    return new OnecodeError('index_not_encrypted', `${dbPath}: ${INDEX_KEY_FILE_VARIABLE} is set but this index is not encrypted: unset it, or encrypt the index first ('onecode encrypt-index', docs/security.md)`, { exitCode: 2 });
  }
  if (/lock/i.test(message)) {
    return new OnecodeError('index_locked', `${dbPath}: the index is in use by another onecode process (${first}); wait for it or use its server`);
  }
  if (/does not exist|No such file|Cannot open/i.test(message) && options.readOnly) {
    return new OnecodeError('index_missing', `${dbPath}: no index here yet; run 'onecode run --all' first (or pass --db)`, { exitCode: 2 });
  }
  return new OnecodeError('index_unopenable', `${dbPath}: cannot open the index: ${first}`);
}
