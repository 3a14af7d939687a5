/**
 * `onecode encrypt-index`: turns a plain index into an encrypted one, in place, keeping everything
 * it holds (tables, views, macros, sequences at their current values: DuckDB's `COPY FROM DATABASE`).
 */
import { rename, rm, stat } from 'node:fs/promises';
import { OnecodeError } from '../errors.ts';
import { removeServeFiles } from '../serve/serve-files.ts';
import { duckdbExtensionDirectory, loadHttpfs } from './duckdb-extensions.ts';
import { attachNewFileSql } from './index-file.ts';
import { INDEX_KEY_FILE_VARIABLE, type IndexKey } from './index-key.ts';
import { openIndex } from './open-index.ts';
import { quoteIdent, quoteLiteral } from './sql-text.ts';

const ALIAS = 'onecode_encrypting';

/**
 * Encrypts the plain index `dbPath` with `key`: copies it into `<dbPath>.encrypting` attached with
 * the key, while holding the index for writing (nobody changes it meanwhile), then renames the copy
 * over the index. Stop `onecode serve` first. The plain file's blocks are unlinked, not wiped: on a
 * disk that held it, only disk encryption or wiping the free space removes them (docs/security.md).
 * What else beside the index held its plain contents is removed once it is encrypted: a stopped
 * serve's snapshot (`<dbPath>.snapshot`, its `.tmp` and WALs) and state file, and DuckDB's
 * temporary folder `<dbPath>.tmp/`. None can belong to a live process: this one held the index for
 * writing, which no serve could while it did.
 * @returns the size of the encrypted index in bytes.
 * @throws OnecodeError `index_already_encrypted` (exit 2), what openIndex throws (`index_locked`,
 *   `index_missing` when there is no index), or the DuckDB error of the copy (the index is then
 *   unchanged and the partial copy removed).
 */
export async function encryptIndex(dbPath: string, key: IndexKey): Promise<{ bytes: number }> {
  await stat(dbPath).catch(() => {
    throw new OnecodeError('index_missing', `${dbPath}: no index here to encrypt`, { exitCode: 2 });
  });
  const index = await openIndex(dbPath, { key: null }).catch((error: unknown) => {
    if (error instanceof OnecodeError && error.code === 'index_key_needed') {
      throw new OnecodeError('index_already_encrypted', `${dbPath}: the index is already encrypted (open it with ${INDEX_KEY_FILE_VARIABLE})`, { exitCode: 2 });
    }
    throw error;
  });
  const copy = `${dbPath}.encrypting`;
  try {
    await rm(copy, { force: true });
    await rm(`${copy}.wal`, { force: true });
    // onecode's extension folder, and no install from the network (as offlineExtensionSettings)
    await index.connection.run(`SET autoinstall_known_extensions = false; SET extension_directory = ${quoteLiteral(duckdbExtensionDirectory())}`);
    await loadHttpfs(index.connection, dbPath);
    const source = String((await index.connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
    await index.connection.run('CHECKPOINT');
    try {
      await index.connection.run(attachNewFileSql(copy, ALIAS, key));
    } catch (error) {
      throw new Error(key.redact((error as Error).message));
    }
    try {
      await index.connection.run(`COPY FROM DATABASE ${quoteIdent(source)} TO ${ALIAS}`);
    } finally {
      await index.connection.run(`DETACH ${ALIAS}`);
    }
    // Renamed while this process still holds the plain index: no writer can slip in between.
    await rename(copy, dbPath);
    // Plain copies of the index beside it: a stale snapshot of serve's and spilled temporary files.
    await removeServeFiles(dbPath);
    await rm(`${dbPath}.tmp`, { recursive: true, force: true });
  } catch (error) {
    await rm(copy, { force: true });
    throw error;
  } finally {
    index.close();
    await rm(`${copy}.wal`, { force: true });
  }
  return { bytes: (await stat(dbPath)).size };
}
