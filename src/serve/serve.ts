/**
 * `onecode serve`: runs the scheduled pipelines on their cron schedules, relays the outbox to Kafka
 * when brokers are configured and, with `http`, serves the HTTP API and the web console (src/api/),
 * all on one open index (DuckDB: one writing process per file). It keeps a state file beside the
 * index for the CLI (serve-files.ts): with `http` the API's address and owner tokens, through
 * which the CLI's commands reach serve; without it a read-only snapshot of the index.
 *
 * Runs, pushes and snapshots take turns on the index (job-queue.ts): pipelines run one at a time,
 * each in its own transaction, recorded in `runs` with trigger `schedule`, or `api` when started
 * through the API. The API reads on connections of its own (src/api/read-pool.ts), never waiting
 * for that queue.
 */
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { RunJob } from '../api/context.ts';
import { OnecodeError } from '../errors.ts';
import type { OpenIndex } from '../index/open-index.ts';
import type { Logger } from '../logger.ts';
import { runUntilCaughtUp, type RunSummary } from '../run/run-pipeline.ts';
import type { KafkaSettings } from '../cli/kafka-settings.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.ts';
import { createJobQueue, JobCancelledError } from './job-queue.ts';
import { startScheduler, type AttemptOutcome } from './pipeline-scheduler.ts';
import { startDeliveryLoop, type DeliveryTarget } from './delivery-loop.ts';
import { kafkaDeliveryTarget } from '../sinks/kafka-sink.ts';
import type { PositionedSinkDeclaration, SinkDeclaration } from '../sinks/sink-config.ts';
import { KAFKA_SINK_NAME } from '../sinks/sink.ts';
import { sinkDeliveryTarget } from '../sinks/sink-target.ts';
import type { ScheduledPipeline } from './scheduled-pipelines.ts';
import { createServeStateFile, removeServeFiles } from './serve-files.ts';
import { startServeHttp, type ServeHttp, type ServeHttpOptions } from './serve-http.ts';
import { createSnapshotter, type Snapshotter } from './snapshotter.ts';

/** How many API run jobs serve remembers for GET /api/v1/jobs/{id}. */
const KEPT_JOBS = 1000;

/** Options of {@link startServe}. */
export interface ServeOptions {
  /** The index, open for writing; serve closes it when it stops. */
  index: OpenIndex;
  /** Its file: the snapshot and the state file go beside it. */
  dbPath: string;
  /** Pipelines to schedule (scheduled-pipelines.ts); may be empty when `kafka` is set. */
  pipelines: readonly ScheduledPipeline[];
  logger: Logger;
  /** Brokers and topics (from KAFKA_BROKERS, or the declared Kafka sink); without them serve relays nothing to Kafka and events stay pending. */
  kafka?: KafkaSettings;
  /** The sinks to deliver the outbox to (src/sinks/), each on its own, beside Kafka; a Kafka declaration here is left out (it is given as `kafka`: kafkaSettingsOf). */
  sinks?: readonly SinkDeclaration[];
  /** Retries of a failed run. Default {@link DEFAULT_RETRY_POLICY}. */
  retry?: RetryPolicy;
  /** Pause between relay pushes, in ms. Default 5,000. */
  relayIntervalMs?: number;
  /** Least time between two snapshots for analysts, in ms. Default 0: after every change. */
  snapshotIntervalMs?: number;
  /** Serve the HTTP API and the web console; without it serve listens nowhere. */
  http?: ServeHttpOptions;
}

export type { ServeHttpOptions } from './serve-http.ts';

/** A running serve. */
export interface Serve {
  /**
   * Stops: no new run starts, a run going finishes (a push going gives way after its batch), then
   * the index is closed and the snapshot and state file are removed. Idempotent.
   */
  stop(reason: string): Promise<void>;
  /** Resolves when serve has stopped. */
  stopped: Promise<void>;
  /** Where the HTTP API listens (the port bound, when 0 was asked), when `http` was given. */
  http?: { host: string; port: number; origin: string };
}

/** Starts serving; resolves once the first snapshot is written and the schedules are armed. */
export async function startServe(options: ServeOptions): Promise<Serve> {
  const logger = options.logger.child({ component: 'serve' });
  const { index, dbPath } = options;
  const queue = createJobQueue();
  const stateFile = createServeStateFile(dbPath);
  // With the HTTP API the CLI reads the live index through it: no snapshot is kept (serve-files.ts).
  const snapshots: Snapshotter = options.http
    ? { request: async () => undefined }
    : createSnapshotter({ queue, connection: index.connection, key: index.key, dbPath, logger: options.logger, minIntervalMs: options.snapshotIntervalMs ?? 0, stateFile });
  await snapshots.request();

  // One loop, each target with its own timer and backoff: one that is down holds no other.
  const targets: DeliveryTarget[] = [
    ...(options.kafka ? [kafkaDeliveryTarget({ connection: index.connection, kafka: options.kafka, logger: options.logger })] : []),
    ...(options.sinks ?? []).filter((s): s is PositionedSinkDeclaration => s.kind !== 'kafka')
      .map((declaration) => sinkDeliveryTarget({ connection: index.connection, declaration, logger: options.logger })),
  ];
  const delivery = targets.length === 0 ? undefined : startDeliveryLoop({
    queue, targets, logger: options.logger, onSettled: () => void snapshots.request(),
    ...(options.relayIntervalMs === undefined ? {} : { intervalMs: options.relayIntervalMs }),
  });

  /** One run of `pipeline` in its turn on the queue; a glob with `files: every_new` catches up in one job, a run per waiting file. */
  const runJob = (pipeline: Pipeline, trigger: 'schedule' | 'api', onStart?: () => void, runIds?: string[]): Promise<RunSummary> =>
    queue.run(`run ${pipeline.name}`, async () => {
      onStart?.();
      let last: RunSummary | undefined;
      let events = 0;
      for await (const s of runUntilCaughtUp({ index, pipeline, logger: options.logger, trigger })) {
        last = s;
        events += s.events;
        runIds?.push(s.runId);
      }
      return { ...last!, events };
    });
  const afterRun = (summary: RunSummary): void => {
    void snapshots.request();
    if (summary.status === 'succeeded' && summary.events > 0) {
      delivery?.kick();
    }
  };

  const attempt = async (pipeline: ScheduledPipeline, n: number): Promise<AttemptOutcome> => {
    try {
      const summary = await runJob(pipeline, 'schedule');
      const { runId, status, rowsRead, loaded, duplicates, quarantined, events, errorCode, durationMs } = summary;
      if (status === 'succeeded') logger.info({ pipeline: pipeline.name, attempt: n, runId, rowsRead, loaded, duplicates, quarantined, events, durationMs }, 'scheduled run succeeded');
      else logger.warn({ pipeline: pipeline.name, attempt: n, runId, errorCode }, 'scheduled run failed');
      afterRun(summary);
      return status;
    } catch (error) {
      if (error instanceof JobCancelledError) return 'cancelled';
      throw error;
    }
  };

  /** Runs asked for through the API and not started yet, by pipeline: asked again, they are not queued twice. */
  const apiRunsWaiting = new Map<string, RunJob>();
  /** The latest API run jobs by id, for GET /api/v1/jobs/{id}; the oldest is forgotten past {@link KEPT_JOBS}. */
  const apiJobs = new Map<string, RunJob>();
  let jobNo = 0;
  let accepting = true;
  const triggerRun = (pipeline: Pipeline): { job: string; job_id: string } => {
    if (!accepting) throw new OnecodeError('serve_stopping', 'serve is stopping: it starts no new run');
    const already = apiRunsWaiting.get(pipeline.name);
    if (already !== undefined) return { job: already.job, job_id: already.job_id };
    const job: RunJob = { job_id: `${process.pid}-${++jobNo}`, job: `run ${pipeline.name}`, pipeline: pipeline.name, state: 'waiting', run_ids: [], error_code: null };
    apiRunsWaiting.set(pipeline.name, job);
    apiJobs.set(job.job_id, job);
    if (apiJobs.size > KEPT_JOBS) apiJobs.delete(apiJobs.keys().next().value!);
    logger.info({ pipeline: pipeline.name, waiting: queue.waiting() }, 'run asked for through the API: queued');
    runJob(pipeline, 'api', () => {
      apiRunsWaiting.delete(pipeline.name);
      job.state = 'running';
    }, job.run_ids).then(
      (summary) => {
        job.state = 'ended';
        const { runId, status, rowsRead, loaded, duplicates, quarantined, events, errorCode, durationMs } = summary;
        if (status === 'succeeded') logger.info({ pipeline: pipeline.name, runId, rowsRead, loaded, duplicates, quarantined, events, durationMs }, 'api run succeeded');
        else logger.warn({ pipeline: pipeline.name, runId, errorCode }, 'api run failed');
        afterRun(summary);
      },
      (error: unknown) => {
        apiRunsWaiting.delete(pipeline.name);
        job.state = error instanceof JobCancelledError ? 'cancelled' : 'failed';
        job.error_code = error instanceof JobCancelledError ? 'cancelled' : error instanceof OnecodeError ? error.code : 'run_threw';
        if (!(error instanceof JobCancelledError)) logger.error({ pipeline: pipeline.name, err: error }, 'api run threw');
      },
    );
    return { job: job.job, job_id: job.job_id };
  };

  let http: ServeHttp | undefined;
  if (options.http) {
    try {
      http = await startServeHttp({
        index, settings: options.http, stateFile, logger: options.logger,
        operations: { triggerRun, jobOf: (id) => apiJobs.get(id), jobsWaiting: () => queue.waiting(), ...(options.kafka ? { push: () => delivery!.kick(KAFKA_SINK_NAME) } : {}) },
      });
    } catch (error) {
      await delivery?.stop();
      await queue.close();
      index.close();
      await removeServeFiles(dbPath);
      throw error;
    }
  }

  const scheduler = startScheduler({ pipelines: options.pipelines, attempt, retry: options.retry ?? DEFAULT_RETRY_POLICY, logger: options.logger });
  logger.info({ pipelines: options.pipelines.length, relay: options.kafka !== undefined, sinks: options.sinks?.map((s) => s.name) ?? [], pid: process.pid }, 'serving');

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason, running: queue.current() ?? null }, 'stopping: finishing the job going, starting no other');
      accepting = false;
      // The API first: it answers the requests going (new ones get 503), then its connections close.
      await http?.close();
      const schedulerStopped = scheduler.stop();
      const deliveryStopped = delivery?.stop();
      await queue.close();
      await Promise.all([schedulerStopped, deliveryStopped]);
      index.close();
      await removeServeFiles(dbPath);
      logger.info('stopped');
      resolveStopped();
    })();
    return stopping;
  };
  return { stop, stopped, ...(http ? { http: http.at } : {}) };
}
