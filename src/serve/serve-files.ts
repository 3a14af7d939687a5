/**
 * The files `onecode serve` keeps beside the index while it holds it, so that the CLI can read
 * (and, through the HTTP API, write) while it does:
 *
 * - `<index>.serve.json`: `{ pid, started_at, … }`, so a reader knows the holder is a live serve
 *   process. Written owner-only (0600): with `--http` it holds serve's address and the owner tokens
 *   the CLI uses to reach the API (see {@link ServeStateHttp});
 * - without `--http` only, `<index>.snapshot`: a read-only copy of the index (see snapshot.ts),
 *   replaced atomically after every run and every push that changed something, and the state file
 *   says where and how old it is. With `--http` there is no snapshot: the CLI reads the live index
 *   through the API.
 *
 * Both are removed when serve stops cleanly. A stale state file (its pid is gone) is ignored.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** What `<index>.serve.json` holds. */
export interface ServeState {
  pid: number;
  /** ISO 8601, UTC. */
  started_at: string;
  /** Absolute path of the snapshot file (for people; readers use snapshotPathOf); absent with `--http`. */
  snapshot?: string;
  /** When the current snapshot was written (ISO 8601, UTC); absent before the first one. */
  snapshot_at?: string;
  /** With `--http`, once serve listens. */
  http?: ServeStateHttp;
}

/**
 * How the CLI reaches a serve's API: its origin and two tokens made when serve started (random,
 * 256 bits each, valid until it stops, stored nowhere else), one with the operator's rights (run,
 * push) and one with the steward's (lookup, query in clear), both standing for `cli:<serve's OS
 * user>`: whoever can read this owner-only file is that user (or root), who could open the index
 * itself were serve not holding it.
 */
export interface ServeStateHttp {
  /** `http://127.0.0.1:7373` */
  origin: string;
  owner_tokens: { operator: string; steward: string };
  /** The principal's name: `cli:<OS user>`. */
  principal: string;
}

/** `<index>.snapshot` */
export function snapshotPathOf(dbPath: string): string {
  return `${dbPath}.snapshot`;
}

/** `<index>.serve.json` */
export function serveStatePathOf(dbPath: string): string {
  return `${dbPath}.serve.json`;
}

/** Writes the state file atomically (a temporary file of mode 0600, then rename). */
export async function writeServeState(dbPath: string, state: ServeState): Promise<void> {
  const file = serveStatePathOf(dbPath);
  const tmp = `${file}.tmp`;
  await rm(tmp, { force: true }); // a leftover would keep its own mode
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

/** The state file of one serve, updated in place. */
export interface ServeStateFile {
  /** Merges `patch` into the state and writes the file; writes happen one after another. */
  update(patch: Partial<ServeState>): Promise<void>;
}

/** The state file of this process for `dbPath`; nothing is written before the first update. */
export function createServeStateFile(dbPath: string): ServeStateFile {
  const state: ServeState = { pid: process.pid, started_at: new Date().toISOString() };
  let writing: Promise<void> = Promise.resolve();
  return {
    update(patch) {
      Object.assign(state, patch);
      const snapshot = { ...state };
      const next = writing.then(() => writeServeState(dbPath, snapshot));
      writing = next.catch(() => undefined);
      return next;
    },
  };
}

/** A new owner token: `oc_` + 43 characters of base64url (32 random bytes), like the API's tokens. */
export function newOwnerToken(): string {
  return `oc_${randomBytes(32).toString('base64url')}`;
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
