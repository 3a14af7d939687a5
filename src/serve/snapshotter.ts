/**
 * Keeps the analysts' snapshot and the serve state file current: a snapshot is requested after
 * every job that wrote to the index, requests that arrive while one is waiting are merged, and
 * snapshots are at least `minIntervalMs` apart (a copy costs about 1 s per 100 MB of index).
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../logger.ts';
import { JobCancelledError, type JobQueue } from './job-queue.ts';
import { createServeStateFile, snapshotPathOf, type ServeStateFile } from './serve-files.ts';
import { writeSnapshot } from './snapshot.ts';

/** See {@link createSnapshotter}. */
export interface Snapshotter {
  /** Queues a snapshot unless one is already waiting; resolves when it is written (or failed, logged). */
  request(): Promise<void>;
}

/** Options of {@link createSnapshotter}. */
export interface SnapshotterOptions {
  /** The serve job queue: snapshots take their turn with runs and pushes. */
  queue: JobQueue;
  connection: DuckDBConnection;
  /** The index file; the snapshot and the state file go beside it (serve-files.ts). */
  dbPath: string;
  logger: Logger;
  /** Least time from the start of one snapshot to the start of the next, in ms. Default 0. */
  minIntervalMs?: number;
  /** The state file told where the snapshot is and when it was written. Default: a new one for `dbPath`. */
  stateFile?: ServeStateFile;
}

/** A {@link Snapshotter}; nothing is written until the first `request()`. */
export function createSnapshotter(options: SnapshotterOptions): Snapshotter {
  const logger = options.logger.child({ component: 'snapshot' });
  const stateFile = options.stateFile ?? createServeStateFile(options.dbPath);
  const snapshot = path.resolve(snapshotPathOf(options.dbPath));
  /** The latest requested snapshot; requests merge into it until it starts. */
  let latest: { started: boolean; done: Promise<void> } | undefined;
  let lastStart = -Infinity;

  const take = async (): Promise<void> => {
    lastStart = Date.now();
    try {
      const written = await writeSnapshot(options.connection, options.dbPath);
      await stateFile.update({ snapshot, snapshot_at: new Date().toISOString() });
      logger.debug({ bytes: written.bytes, ms: written.ms }, 'snapshot written');
    } catch (error) {
      logger.error({ err: error }, 'snapshot failed; analysts read the previous one');
    }
  };

  return {
    request() {
      if (latest !== undefined && !latest.started) return latest.done;
      const entry: { started: boolean; done: Promise<void> } = { started: false, done: Promise.resolve() };
      latest = entry;
      const wait = lastStart + (options.minIntervalMs ?? 0) - Date.now();
      const due = wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait).unref()) : Promise.resolve();
      entry.done = due
        .then(() =>
          options.queue.run('snapshot', () => {
            entry.started = true;
            return take();
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof JobCancelledError)) throw error;
        });
      return entry.done;
    },
  };
}
