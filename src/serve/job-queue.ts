/**
 * A serial queue over the index: DuckDB lets one process write a file, and one connection holds
 * one transaction at a time, so serve's runs, pushes and snapshots take turns on one connection.
 */

/** Thrown by {@link JobQueue.run} for a job that was still waiting when the queue was closed. */
export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor(readonly label: string) {
    super(`${label}: cancelled, the queue was closed before it started`);
  }
}

/** See {@link createJobQueue}. */
export interface JobQueue {
  /**
   * Runs `job` after every job queued before it has settled; resolves or rejects with its result.
   * @throws JobCancelledError when the queue is closed before the job starts.
   */
  run<T>(label: string, job: () => Promise<T>): Promise<T>;
  /** Jobs queued and not started yet. */
  waiting(): number;
  /** Label of the running job, if any. */
  current(): string | undefined;
  /** Cancels the waiting jobs; resolves when the running one has settled. Later `run` calls are cancelled at once. */
  close(): Promise<void>;
}

interface Waiting {
  label: string;
  start: () => void;
  cancel: () => void;
}

/** A {@link JobQueue}: first in, first out, one job at a time. */
export function createJobQueue(): JobQueue {
  const queue: Waiting[] = [];
  let running: { label: string; settled: Promise<void> } | undefined;
  let closed = false;

  const next = (): void => {
    if (running !== undefined) return;
    const job = queue.shift();
    job?.start();
  };

  return {
    run<T>(label: string, job: () => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new JobCancelledError(label));
      return new Promise<T>((resolve, reject) => {
        queue.push({
          label,
          cancel: () => reject(new JobCancelledError(label)),
          start: () => {
            const settled = job().then(resolve, reject);
            running = { label, settled };
            void settled.finally(() => {
              running = undefined;
              next();
            });
          },
        });
        next();
      });
    },
    waiting: () => queue.length,
    current: () => running?.label,
    close: async () => {
      closed = true;
      for (const job of queue.splice(0)) job.cancel();
      await running?.settled;
    },
  };
}
