/**
 * `onecode serve`: loads the pipelines, opens the index, serves until SIGINT or SIGTERM.
 *
 * The first signal stops cleanly: the run going finishes (each run is one transaction), nothing new
 * starts, the index is closed, exit code 0. A second signal exits at once (exit code 130): the run
 * going is then rolled back by DuckDB (its `runs` row stays `running`).
 */
import { readPipelineFolder } from '../config/load-pipelines.ts';
import { ConfigError, OnecodeError } from '../errors.ts';
import type { OpenIndex } from '../index/open-index.ts';
import type { Logger } from '../logger.ts';
import type { RetryPolicy } from '../serve/backoff.ts';
import { checkSchedules } from '../serve/scheduled-pipelines.ts';
import { startServe } from '../serve/serve.ts';
import { readFeedKey } from '../push/feed-protection.ts';
import { resolveKafkaSettings } from './kafka-settings.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';

/** Options of {@link serveCommand}, from the command line. */
export interface ServeCommandOptions {
  pipelines: string;
  dbPath: string;
  logger: Logger;
  retry: RetryPolicy;
  relayIntervalMs: number;
  snapshotIntervalMs: number;
}

/**
 * Serves until a signal; resolves when stopped cleanly. Invalid pipeline files (and pipelines with a
 * bad schedule) are logged at error level, one entry per file, and left out; the others are served.
 * @throws ConfigError `nothing_to_serve` (exit 2, before the index is opened) when no valid pipeline
 *   has a schedule and no broker is configured; its lines name every invalid file first;
 *   `feed_policy_needs_key` and the key file's errors when the feed policy cannot be applied.
 */
export async function serveCommand(options: ServeCommandOptions): Promise<void> {
  const { logger } = options;
  // One invalid pipeline file never stops serve: it serves the valid ones and logs every invalid one.
  const folder = await readPipelineFolder(options.pipelines);
  const { scheduled: pipelines, invalid: badSchedules } = checkSchedules(folder.pipelines);
  const problems = [...folder.invalid.map((f) => ({ file: f.file, problems: f.problems })), ...badSchedules.map((b) => ({ file: b.pipeline.file, problems: [b.problem] }))];
  const kafka = resolveKafkaSettings();
  if (pipelines.length === 0 && kafka === undefined) {
    const lines = problems.flatMap((p) => p.problems);
    const what = lines.length > 0 ? 'has a valid schedule' : 'has a schedule';
    throw new ConfigError('nothing_to_serve', [...lines, `no pipeline in ${options.pipelines}/ ${what} and KAFKA_BROKERS is not set: nothing to serve (add e.g. "schedule: '0 2 * * *'" to a pipeline)`].join('\n'));
  }
  for (const p of problems) logger.error({ file: p.file, problems: p.problems }, 'invalid pipeline file: not served');
  if (pipelines.length === 0) logger.warn({ pipelines: options.pipelines }, 'no pipeline has a schedule: relaying the outbox only');
  // A feed policy without its key stops serve now, not every relay cycle.
  if (kafka?.feed !== undefined) await readFeedKey(kafka.feed);

  const index = await openWithPatience(options.dbPath);
  const serve = await startServe({ index, dbPath: options.dbPath, pipelines, logger, kafka, retry: options.retry, relayIntervalMs: options.relayIntervalMs, snapshotIntervalMs: options.snapshotIntervalMs });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; the run going is rolled back');
      process.exit(130);
    }
    void serve.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await serve.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Opens the index for writing, waiting up to 10 s while it is locked: an analyst's command may have
 * it open for reading for a moment. Another serve or a `run` going is reported at once by the error.
 */
async function openWithPatience(dbPath: string): Promise<OpenIndex> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await openIndexForWriting(dbPath);
    } catch (error) {
      const locked = error instanceof OnecodeError && error.code === 'index_locked';
      if (!locked || /onecode serve/.test(error.message) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
