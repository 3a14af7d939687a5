/**
 * Opening the index from the CLI when `onecode serve` may hold it.
 *
 * DuckDB lets one process write a file and, while it does, no other process may open it at all.
 * serve therefore keeps a read-only snapshot beside the index (src/serve/snapshot.ts): `status`
 * opens the index itself when it can, and its snapshot when a live serve holds it, saying so on
 * stderr. Commands that write (`run`, `push`) cannot go through serve: they say which process
 * holds the index. `lookup`, `query` and `audit` write too: each access is recorded in
 * access_log (src/access), which a snapshot cannot take, so they are refused while serve holds
 * the index, naming its HTTP API (which records them) as the way.
 */
import { access } from 'node:fs/promises';
import { OnecodeError } from '../errors.ts';
import { openIndex, type OpenIndex } from '../index/open-index.ts';
import { readServeState, snapshotPathOf } from '../serve/serve-files.ts';

/** Error codes of a key that is missing, wrong or unusable: retrying does not help, so they are said as they are. */
const KEY_PROBLEMS = /^(index_key_|index_not_encrypted$|key_file_|duckdb_extension_)/;

/** What {@link openIndex} is asked besides read-only, e.g. `{ identifierMacros: false }`. */
export type ReadingOptions = Omit<NonNullable<Parameters<typeof openIndex>[1]>, 'readOnly'>;

/**
 * Opens `dbPath` read-only, or serve's snapshot of it when a live `onecode serve` holds it.
 * @param note where to say that the snapshot is read (default: stderr).
 * @throws OnecodeError `index_locked` when another process holds the index and there is no snapshot
 *   to read, or what {@link openIndex} throws.
 */
export async function openIndexForReading(dbPath: string, note: (line: string) => void = (line) => process.stderr.write(line), options: ReadingOptions = {}): Promise<OpenIndex> {
  try {
    return await openIndex(dbPath, { ...options, readOnly: true });
  } catch (error) {
    if (!(error instanceof OnecodeError) || error.code !== 'index_locked') throw error;
    const serve = await readServeState(dbPath);
    if (serve === undefined) throw error;
    if (serve.snapshot_at === undefined) {
      throw new OnecodeError('index_locked', `${dbPath}: onecode serve (pid ${serve.pid}) holds the index and has not written its snapshot yet; try again in a moment`);
    }
    const snapshotPath = snapshotPathOf(dbPath);
    // The snapshot is encrypted with the index's key when the index is: openIndex reads it with the
    // same key (ONECODE_INDEX_KEY_FILE), and a missing or wrong key is said as for the index itself.
    const snapshot = await openIndex(snapshotPath, { ...options, readOnly: true }).catch((cause: unknown) => {
      if (cause instanceof OnecodeError && KEY_PROBLEMS.test(cause.code)) throw cause;
      throw new OnecodeError('index_locked', `${dbPath}: onecode serve (pid ${serve.pid}) holds the index and its snapshot ${snapshotPath} cannot be opened (${(cause as Error).message}); try again`, { cause });
    });
    note(`onecode: ${dbPath} is held by onecode serve (pid ${serve.pid}); reading its snapshot of ${serve.snapshot_at}\n`);
    return snapshot;
  }
}

/**
 * Opens `dbPath` read-only when no other process holds it; undefined when one does (DuckDB's lock,
 * `index_locked`), so that the caller can turn to serve ({@link locallyOrThroughServe} in
 * serve-client.ts). Opening first and asking about serve only when that fails opens the file once
 * in the common case, where asking first opens it twice.
 * @throws what {@link openIndex} throws, but `index_locked`.
 */
export async function openIndexUnlessHeld(dbPath: string, options: ReadingOptions = {}): Promise<OpenIndex | undefined> {
  try {
    return await openIndex(dbPath, { ...options, readOnly: true });
  } catch (error) {
    if (error instanceof OnecodeError && error.code === 'index_locked') return undefined;
    throw error;
  }
}

/**
 * Opens `dbPath` for writing.
 * @throws OnecodeError `index_locked` naming `onecode serve` when a live serve holds the index, or
 *   what {@link openIndex} throws.
 */
export async function openIndexForWriting(dbPath: string): Promise<OpenIndex> {
  return openNamingServe(dbPath, (pid) => `it runs the scheduled pipelines and pushes the outbox itself; stop it (kill -TERM ${pid}) to run or push by hand`);
}

/**
 * Opens `dbPath` for writing; when a live serve holds it, the `index_locked` error names serve's pid
 * and says what to do (`what(pid)`), else the error is {@link openIndex}'s own.
 */
async function openNamingServe(dbPath: string, what: (pid: number) => string): Promise<OpenIndex> {
  try {
    return await openIndex(dbPath);
  } catch (error) {
    if (!(error instanceof OnecodeError) || error.code !== 'index_locked') throw error;
    const serve = await readServeState(dbPath);
    if (serve === undefined) throw error;
    throw new OnecodeError('index_locked', `${dbPath}: onecode serve (pid ${serve.pid}) holds the index: ${what(serve.pid)}`);
  }
}

/**
 * Opens `dbPath` for writing, to record accesses (`lookup`, `query`, `audit`): the file must
 * exist (an index is created by `run`, never by a lookup).
 * @throws OnecodeError `index_missing` (exit 2) when there is no index; `index_locked` naming
 *   `onecode serve --http` when a live serve holds it; what {@link openIndex} throws.
 */
export async function openIndexForRecording(dbPath: string): Promise<OpenIndex> {
  if (dbPath !== ':memory:' && !(await access(dbPath).then(() => true, () => false))) {
    throw new OnecodeError('index_missing', `${dbPath}: no index here yet; run 'onecode run --all' first (or pass --db)`, { exitCode: 2 });
  }
  return openNamingServe(dbPath, (pid) => `lookups, queries and audits are recorded in its access log, which only serve can write while it runs: ask serve through its HTTP API (onecode serve --http), or stop it (kill -TERM ${pid})`);
}
