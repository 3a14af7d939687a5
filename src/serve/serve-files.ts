/**
 * The files `onecode serve` keeps beside the index while it holds it, so that analysts' commands
 * can read while it writes:
 *
 * - `<index>.snapshot`: a read-only copy of the index (see snapshot.ts), replaced atomically after
 *   every run and every push that changed something;
 * - `<index>.serve.json`: `{ pid, started_at, snapshot, snapshot_at }`, so a reader knows the
 *   holder is a live serve process and how old the snapshot is.
 *
 * Both are removed when serve stops cleanly. A stale state file (its pid is gone) is ignored.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** What `<index>.serve.json` holds. */
export interface ServeState {
  pid: number;
  /** ISO 8601, UTC. */
  started_at: string;
  /** Absolute path of the snapshot file (for people; readers use snapshotPathOf). */
  snapshot: string;
  /** When the current snapshot was written (ISO 8601, UTC); absent before the first one. */
  snapshot_at?: string;
}

/** `<index>.snapshot` */
export function snapshotPathOf(dbPath: string): string {
  return `${dbPath}.snapshot`;
}

/** `<index>.serve.json` */
export function serveStatePathOf(dbPath: string): string {
  return `${dbPath}.serve.json`;
}

/** Writes the state file atomically (temporary file, then rename). */
export async function writeServeState(dbPath: string, state: ServeState): Promise<void> {
  const file = serveStatePathOf(dbPath);
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  await rename(`${file}.tmp`, file);
}

/** The state of a live serve process holding `dbPath`, or undefined (no file, unreadable, or its process is gone). */
export async function readServeState(dbPath: string): Promise<ServeState | undefined> {
  let state: ServeState;
  try {
    state = JSON.parse(await readFile(serveStatePathOf(dbPath), 'utf8')) as ServeState;
  } catch {
    return undefined;
  }
  return typeof state.pid === 'number' && processAlive(state.pid) ? state : undefined;
}

/** Removes the state file and the snapshot (and leftovers of an interrupted snapshot). */
export async function removeServeFiles(dbPath: string): Promise<void> {
  const snapshot = snapshotPathOf(dbPath);
  for (const file of [serveStatePathOf(dbPath), `${serveStatePathOf(dbPath)}.tmp`, snapshot, `${snapshot}.wal`, `${snapshot}.tmp`, `${snapshot}.tmp.wal`]) {
    await rm(file, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
