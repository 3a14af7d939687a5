/**
 * `onecode push`: publishes the pending outbox events of the index and prints one JSON line,
 * `{"published":…,"skippedAlreadyOnBroker":…,"parked":…,"held":…,"pending":…}`.
 *
 * With `--requeue-parked [SEQ…]` (all parked events when no SEQ is given) or
 * `--skip-parked SEQ… --reason TEXT`, it first re-queues or skips those parked events, recording
 * who (`--by`, default the OS user) and when (src/outbox/parked-events.ts), and the line starts
 * with `"requeued":…,"skippedParked":…,"released":…` (events of the same keys that waited behind
 * them and go on now).
 */
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { requeueParked, skipParked } from '../outbox/parked-events.ts';
import { readFeedKey } from '../push/feed-protection.ts';
import { NO_BROKER_MESSAGE, resolveKafkaSettings, type KafkaFlags } from './kafka-settings.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';
import { parkedActions } from './parked-actions.ts';
import { pushIndex } from './push-index.ts';

/** Options of {@link pushCommand}, from the command line. */
export interface PushCommandOptions extends KafkaFlags {
  dbPath: string;
  logger: Logger;
  /** `--requeue-parked`: true for every parked event, or the seqs given. */
  requeueParked?: boolean | string[];
  /** `--skip-parked SEQ…`. */
  skipParked?: string[];
  /** `--reason TEXT`: why they are skipped. Required with skipParked. */
  reason?: string;
  /** `--by NAME`: who re-queues or skips. Default: the OS user name. */
  by?: string;
}

/**
 * @throws ConfigError (exit 2) without a broker, for a bad seq, a skip without reason, a seq both
 *   re-queued and skipped, or a seq that is not a parked event, a feed policy without its key
 *   (`feed_policy_needs_key`, the key file's errors); PushFailedError (exit 1) when the
 *   push stops (re-queues and skips done before it stay done).
 */
export async function pushCommand(options: PushCommandOptions): Promise<void> {
  const kafka = resolveKafkaSettings(options);
  if (kafka === undefined) throw new ConfigError('kafka_unconfigured', NO_BROKER_MESSAGE);
  const actions = parkedActions({
    requeue: options.requeueParked, skip: options.skipParked, reason: options.reason, by: options.by,
    names: { requeue: '--requeue-parked', skip: '--skip-parked', why: 'why the events are never published (recorded in the outbox)' },
  });
  // A feed policy without its key stops before the index is touched.
  if (kafka.feed !== undefined) await readFeedKey(kafka.feed);
  const index = await openIndexForWriting(options.dbPath);
  try {
    let done: { requeued: number; skippedParked: number; released: number } | undefined;
    if (actions.requeue !== undefined || actions.skip !== undefined) {
      // Skips first: `--requeue-parked` without seqs then re-queues every other parked event.
      const skipped = actions.skip === undefined ? undefined
        : await skipParked(index.connection, { by: actions.by, seqs: actions.skip, reason: actions.reason! });
      const requeued = actions.requeue === undefined ? undefined
        : await requeueParked(index.connection, { by: actions.by, ...(actions.requeue === 'all' ? {} : { seqs: actions.requeue }) });
      done = {
        requeued: requeued?.events ?? 0,
        skippedParked: skipped?.events ?? 0,
        released: (requeued?.released ?? 0) + (skipped?.released ?? 0),
      };
      options.logger.info({ ...done, by: actions.by }, 'parked events re-queued or skipped');
    }
    const report = await pushIndex({ connection: index.connection, kafka, logger: options.logger });
    process.stdout.write(JSON.stringify({ ...done, ...report }) + '\n');
  } finally {
    index.close();
  }
}
