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
 * Both are removed when serve stops cleanly. A stale state file (its pid is gone, or is no longer
 * `onecode serve`) is ignored. The CLI trusts the state file only when it is owner-only (a regular
 * file, not a symbolic link, owned by this user, mode 0600): it sends owner tokens, codes and SQL to
 * the origin the file names.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { OnecodeError } from '../errors.ts';
import { ownerOnlyProblem } from '../protect/owner-only-file.ts';

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
 * How the CLI reaches a serve's API: its origin and one token per role made when serve started
 * (random, 256 bits each, valid until it stops, stored nowhere else): the operator's for `run` and
 * `push`, the steward's for `lookup`, `query`, `audit` and `status` (the owner's tools, in clear),
 * the analyst's for `--role analyst`; all stand for `cli:<serve's OS user>`: whoever can read this
 * owner-only file is that user (or root), who could open the index itself were serve not holding it.
 */
export interface ServeStateHttp {
  /** `http://127.0.0.1:7373` */
  origin: string;
  owner_tokens: { operator: string; analyst: string; steward: string };
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

/**
 * Writes the state file atomically: a new temporary file of a random name, created exclusively
 * (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600: nothing planted at that name is followed or reused), then
 * renamed over `<index>.serve.json` (rename replaces a link there, never writes through it).
 */
export async function writeServeState(dbPath: string, state: ServeState): Promise<void> {
  const file = serveStatePathOf(dbPath);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(JSON.stringify(state, null, 2) + '\n');
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, file).catch(async (error: unknown) => {
    await rm(tmp, { force: true });
    throw error;
  });
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

/**
 * The state of a live serve process holding `dbPath`, or undefined: no file, or its process is gone
 * or is not `onecode serve` of this user (see {@link isOnecodeServe}) nor the process that
 * `options.holderPid` names (the holder of the index's lock, as DuckDB reports it).
 * @throws OnecodeError `serve_state_untrusted` (exit 2) when the file is there but not owner-only:
 *   a symbolic link or not a regular file, owned by another user, or open to group or others; the
 *   message names the file and why, and the file is not read.
 */
export async function readServeState(dbPath: string, options: { holderPid?: number } = {}): Promise<ServeState | undefined> {
  const file = serveStatePathOf(dbPath);
  const info = await lstat(file).catch(() => undefined);
  if (info === undefined) return undefined;
  const problem = ownerOnlyProblem(info);
  if (problem !== undefined) {
    throw new OnecodeError('serve_state_untrusted', `${file}: serve's state file is ${problem.text}, so it is not trusted (serve writes it owner-only, mode 600): remove it if no onecode serve of yours holds the index`, { exitCode: 2 });
  }
  let state: ServeState;
  try {
    // O_NOFOLLOW: the file checked above is the one read, even if it was swapped for a link since.
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      state = JSON.parse(await handle.readFile('utf8')) as ServeState;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  if (typeof state.pid !== 'number' || !Number.isInteger(state.pid) || state.pid <= 0) return undefined;
  // The process DuckDB names as holding the index's lock wrote the file if it started before the
  // file says serve started (a stale file of a pid used again by a later process is not its own).
  const heldByWriter = state.pid === options.holderPid && (await startedBefore(state.pid, state.started_at));
  return heldByWriter || (await isOnecodeServe(state.pid)) ? state : undefined;
}

/**
 * Whether process `pid` started no later than `instant` (ISO 8601), by /proc/<pid>/stat's start
 * time (clock ticks after boot, 100 a second on Linux) and /proc/stat's boot time; false where
 * either cannot be read.
 */
async function startedBefore(pid: number, instant: string): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1]);
    const startedMs = (boot + ticks / 100) * 1000;
    return Number.isFinite(startedMs) && startedMs <= Date.parse(instant) + 1000;
  } catch {
    return false;
  }
}

/**
 * Whether process `pid` is `onecode serve` run by this user: its /proc/<pid> is owned by our uid
 * and its command line (/proc/<pid>/cmdline, as scripts/lib/local-server.sh checks servers) names
 * onecode's entry (`onecode`, `onecode.js` or `cli.ts`) followed by `serve`. Mere liveness proves
 * nothing: pids are reused. Where there is no /proc, a process we may signal counts.
 */
export async function isOnecodeServe(pid: number): Promise<boolean> {
  const proc = await stat('/proc/self').then(() => true, () => false);
  if (!proc) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const info = await stat(`/proc/${pid}`);
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) return false;
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const entry = args.findIndex((a) => /^(onecode|onecode\.js|cli\.ts)$/.test(path.basename(a)));
    return entry >= 0 && args.slice(entry + 1).includes('serve');
  } catch {
    return false;
  }
}

/** Removes the state file and the snapshot (and leftovers of an interrupted snapshot). */
export async function removeServeFiles(dbPath: string): Promise<void> {
  const snapshot = snapshotPathOf(dbPath);
  for (const file of [serveStatePathOf(dbPath), `${serveStatePathOf(dbPath)}.tmp`, snapshot, `${snapshot}.wal`, `${snapshot}.tmp`, `${snapshot}.tmp.wal`]) {
    await rm(file, { force: true });
  }
}
