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

/** The variable that sets how much memory DuckDB may hold for an index file ({@link indexMemoryLimit}). */
export const MEMORY_LIMIT_VARIABLE = 'ONECODE_MEMORY_LIMIT';

/**
 * DuckDB's `memory_limit` for an index file, unless {@link MEMORY_LIMIT_VARIABLE} sets another
 * (DuckDB's size syntax: `512MB`, `2GB`). DuckDB's own default is 80% of the machine's memory,
 * which a bulk run filled in proportion to its input (2.5 GB per million persons, issue 11).
 * Under this limit DuckDB spills its temporary tables and sorts to the temporary folder beside
 * the index (`<index>.tmp/`, or the one openIndexFile sets for an encrypted index), so a run's
 * memory hardly grows with its input: at 384MB a run process peaked at 0.63 GiB for 250,000
 * persons, 0.70 GiB for 1,000,000 and 0.78 GiB for 2,000,000 (bench/memory.ts; the rest is
 * Node.js and DuckDB's memory outside its buffer pool), against 2.9 GiB for 1,000,000 without
 * it (at 512MB: 0.74 GiB for 1,000,000 but 1.07 GiB for 2,000,000). Spilling costs time: set
 * more on a machine with memory to spare. An in-memory index
 * (`:memory:`, the tests') keeps DuckDB's default: it has nowhere to spill to but the working
 * folder.
 */
export const DEFAULT_MEMORY_LIMIT = '384MB';

/** The instance settings of `dbPath` that bound its memory: `{ memory_limit }`, or none for `:memory:`. */
export function indexMemorySettings(dbPath: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (dbPath === ':memory:') return {};
  return { memory_limit: env[MEMORY_LIMIT_VARIABLE]?.trim() || DEFAULT_MEMORY_LIMIT };
}

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
      const instance = await DuckDBInstance.create(dbPath, { ...indexMemorySettings(dbPath), ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}) });
      return { instance, connection: await instance.connect() };
    } catch (error) {
      throw openError(dbPath, (error as Error).message, options);
    }
  }
  const instance = await DuckDBInstance.create(':memory:', {
    ...offlineExtensionSettings(),
    ...indexMemorySettings(dbPath),
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
