/**
 * Cron ticks → pipeline syncs. One node-cron task per scheduled pipeline, in the pipeline's time
 * zone. A sync is one attempt plus its bounded retries (backoff.ts); while a pipeline's sync is
 * going (running, waiting for its turn on the index, or waiting to retry) its ticks are skipped
 * and logged, so two syncs of one pipeline never overlap.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.ts';
import { retryDelay, type RetryPolicy } from './backoff.ts';
import type { ScheduledPipeline } from './scheduled-pipelines.ts';

/** What one attempt of a sync came to. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'cancelled';

/** Options of {@link startScheduler}. */
export interface SchedulerOptions {
  pipelines: readonly ScheduledPipeline[];
  /**
   * Runs one attempt of a pipeline's sync (serve: one `runPipeline` on the index). `failed` is
   * retried per `retry`; `cancelled` (serve is stopping) ends the sync. A throw counts as `failed`.
   */
  attempt: (pipeline: ScheduledPipeline, attempt: number) => Promise<AttemptOutcome>;
  retry: RetryPolicy;
  /** Parent logger; the scheduler logs as child `component: 'scheduler'`. */
  logger: Logger;
}

/** A running scheduler. */
export interface Scheduler {
  /** Names of the pipelines whose sync is going. */
  busy(): string[];
  /** Ticks skipped so far, per pipeline. */
  skipped(): Record<string, number>;
  /** Stops the cron tasks and pending retries; resolves when the syncs going have ended. */
  stop(): Promise<void>;
}

/** Starts one cron task per pipeline. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const logger = options.logger.child({ component: 'scheduler' });
  const syncs = new Map<string, Promise<void>>();
  const skipped: Record<string, number> = {};
  const wakeups = new Set<() => void>();
  let stopping = false;

  /** Waits `ms`, or less when the scheduler stops; resolves true when it was not interrupted. */
  const pause = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        wakeups.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        wakeups.delete(wake);
        resolve(true);
      }, ms);
      wakeups.add(wake);
    });

  const sync = async (pipeline: ScheduledPipeline): Promise<void> => {
    for (let attempt = 1; !stopping; attempt++) {
      let outcome: AttemptOutcome;
      try {
        outcome = await options.attempt(pipeline, attempt);
      } catch (error) {
        logger.error({ pipeline: pipeline.name, attempt, err: error }, 'sync attempt threw');
        outcome = 'failed';
      }
      if (outcome !== 'failed') return;
      const delay = retryDelay(options.retry, attempt);
      if (delay === undefined) {
        logger.error({ pipeline: pipeline.name, attempts: attempt }, 'run failed; retries used up, waiting for the next tick');
        return;
      }
      logger.warn({ pipeline: pipeline.name, attempt, retryInMs: delay }, 'run failed; retrying');
      if (!(await pause(delay))) return;
    }
  };

  const tick = (pipeline: ScheduledPipeline): void => {
    if (stopping) return;
    if (syncs.has(pipeline.name)) {
      skipped[pipeline.name] = (skipped[pipeline.name] ?? 0) + 1;
      logger.warn({ pipeline: pipeline.name, skipped: skipped[pipeline.name] }, 'tick skipped: the previous sync of this pipeline is still going');
      return;
    }
    const going = sync(pipeline).finally(() => syncs.delete(pipeline.name));
    syncs.set(pipeline.name, going);
  };

  const cronLogger = {
    info: (message: string) => logger.debug({ source: 'node-cron' }, message),
    warn: (message: string) => logger.warn({ source: 'node-cron' }, message),
    error: (message: string | Error, err?: Error) => logger.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message: string | Error) => logger.debug({ source: 'node-cron' }, String(message)),
  };
  const tasks: ScheduledTask[] = options.pipelines.map((pipeline) => {
    // The task function returns at once: the scheduler tracks syncs itself (node-cron's own
    // overlap handling would not cover retries or the wait for the index).
    const task = cron.createTask(pipeline.schedule, () => tick(pipeline), { name: pipeline.name, timezone: pipeline.timezone, logger: cronLogger });
    task.on('execution:missed', (ctx) => logger.warn({ pipeline: pipeline.name, at: ctx.date.toISOString() }, 'tick missed (the process was busy)'));
    void task.start();
    logger.info({ pipeline: pipeline.name, schedule: pipeline.schedule, timezone: pipeline.timezone, next: task.getNextRun()?.toISOString() }, 'scheduled');
    return task;
  });

  return {
    busy: () => [...syncs.keys()],
    skipped: () => ({ ...skipped }),
    stop: async () => {
      stopping = true;
      await Promise.all(tasks.map(async (task) => task.destroy()));
      for (const wake of [...wakeups]) wake();
      await Promise.allSettled([...syncs.values()]);
    },
  };
}
