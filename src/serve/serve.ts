/**
 * `onecode serve`: runs the scheduled pipelines on their cron schedules, relays the outbox to Kafka
 * when brokers are configured, and keeps a read-only snapshot of the index for analysts, all on one
 * open index (DuckDB: one writing process per file).
 *
 * Runs, pushes and snapshots take turns on the index (job-queue.ts): pipelines run one at a time,
 * each in its own transaction, recorded in `runs` with trigger `schedule`.
 */
import type { OpenIndex } from '../index/open-index.ts';
import type { Logger } from '../logger.ts';
import { runUntilCaughtUp, type RunSummary } from '../run/run-pipeline.ts';
import type { KafkaSettings } from '../cli/kafka-settings.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.ts';
import { createJobQueue, JobCancelledError } from './job-queue.ts';
import { startScheduler, type AttemptOutcome } from './pipeline-scheduler.ts';
import { startRelayLoop, type RelayLoop } from './relay-loop.ts';
import type { ScheduledPipeline } from './scheduled-pipelines.ts';
import { removeServeFiles } from './serve-files.ts';
import { createSnapshotter } from './snapshotter.ts';

/** Options of {@link startServe}. */
export interface ServeOptions {
  /** The index, open for writing; serve closes it when it stops. */
  index: OpenIndex;
  /** Its file: the snapshot and the state file go beside it. */
  dbPath: string;
  /** Pipelines to schedule (scheduled-pipelines.ts); may be empty when `kafka` is set. */
  pipelines: readonly ScheduledPipeline[];
  logger: Logger;
  /** Brokers and topics; without them serve relays nothing and events stay pending. */
  kafka?: KafkaSettings;
  /** Retries of a failed run. Default {@link DEFAULT_RETRY_POLICY}. */
  retry?: RetryPolicy;
  /** Pause between relay pushes, in ms. Default 5,000. */
  relayIntervalMs?: number;
  /** Least time between two snapshots for analysts, in ms. Default 0: after every change. */
  snapshotIntervalMs?: number;
}

/** A running serve. */
export interface Serve {
  /**
   * Stops: no new run starts, a run going finishes (a push going gives way after its batch), then
   * the index is closed and the snapshot and state file are removed. Idempotent.
   */
  stop(reason: string): Promise<void>;
  /** Resolves when serve has stopped. */
  stopped: Promise<void>;
}

/** Starts serving; resolves once the first snapshot is written and the schedules are armed. */
export async function startServe(options: ServeOptions): Promise<Serve> {
  const logger = options.logger.child({ component: 'serve' });
  const { index, dbPath } = options;
  const queue = createJobQueue();
  const snapshots = createSnapshotter({ queue, connection: index.connection, key: index.key, dbPath, logger: options.logger, minIntervalMs: options.snapshotIntervalMs ?? 0 });
  await snapshots.request();

  let relay: RelayLoop | undefined;
  if (options.kafka) {
    relay = startRelayLoop({
      queue,
      connection: index.connection,
      kafka: options.kafka,
      logger: options.logger,
      ...(options.relayIntervalMs === undefined ? {} : { intervalMs: options.relayIntervalMs }),
      onSettled: () => void snapshots.request(),
    });
  }

  const attempt = async (pipeline: ScheduledPipeline, n: number): Promise<AttemptOutcome> => {
    try {
      // A glob with `files: every_new` catches up in one job, a run per waiting file.
      const summary = await queue.run(`run ${pipeline.name}`, async () => {
        let last: RunSummary | undefined;
        let events = 0;
        for await (const s of runUntilCaughtUp({ index, pipeline, logger: options.logger, trigger: 'schedule' })) {
          last = s;
          events += s.events;
        }
        return { ...last!, events };
      });
      const { runId, status, rowsRead, loaded, duplicates, quarantined, events, errorCode, durationMs } = summary;
      if (status === 'succeeded') logger.info({ pipeline: pipeline.name, attempt: n, runId, rowsRead, loaded, duplicates, quarantined, events, durationMs }, 'scheduled run succeeded');
      else logger.warn({ pipeline: pipeline.name, attempt: n, runId, errorCode }, 'scheduled run failed');
      void snapshots.request();
      if (status === 'succeeded' && events > 0) relay?.kick();
      return status;
    } catch (error) {
      if (error instanceof JobCancelledError) return 'cancelled';
      throw error;
    }
  };
  const scheduler = startScheduler({ pipelines: options.pipelines, attempt, retry: options.retry ?? DEFAULT_RETRY_POLICY, logger: options.logger });
  logger.info({ pipelines: options.pipelines.length, relay: options.kafka !== undefined, pid: process.pid }, 'serving');

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason, running: queue.current() ?? null }, 'stopping: finishing the job going, starting no other');
      const schedulerStopped = scheduler.stop();
      const relayStopped = relay?.stop();
      await queue.close();
      await Promise.all([schedulerStopped, relayStopped]);
      index.close();
      await removeServeFiles(dbPath);
      logger.info('stopped');
      resolveStopped();
    })();
    return stopping;
  };
  return { stop, stopped };
}
