/**
 * The continuous outbox relay of `onecode serve`: every `intervalMs`, and at once when kicked
 * after a run that wrote events, it pushes the pending events (src/push/relay.ts) in its turn on
 * the index. A push gives way between batches when a run is waiting for the index or serve is
 * stopping (what was settled stays settled; the rest goes next time). After a failed push it waits
 * with backoff (doubling up to `maxBackoffMs`) and tries again, for as long as serve runs; the
 * publisher is reconnected after every failure.
 *
 * But for FEED_POLICY_CHANGED (the topics were published under another feed policy or key): no
 * retry can succeed until an operator changes the topic prefix, the policy or the key, which serve
 * reads only when it starts. The loop then stops relaying, logs the error once at `error` level
 * with what to do, and leaves the events pending in the outbox; runs and the HTTP API go on, and
 * the relay starts again when serve restarts (docs/feed-contract.md, "One policy and one key per
 * topic set").
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../logger.ts';
import { PushError } from '../push/errors.ts';
import { createPublisher, type Publisher } from '../push/publisher.ts';
import { pushOutbox, type PushProgress } from '../push/relay.ts';
import type { KafkaSettings } from '../cli/kafka-settings.ts';
import { UNSET_FEED_SETTINGS } from '../push/feed-policy.ts';
import { createFeedProtection } from '../push/feed-protection.ts';
import { countPending } from '../cli/push-index.ts';
import { backoffDelay } from './backoff.ts';
import { JobCancelledError, type JobQueue } from './job-queue.ts';

/** Options of {@link startRelayLoop}. */
export interface RelayLoopOptions {
  queue: JobQueue;
  connection: DuckDBConnection;
  kafka: KafkaSettings;
  /** Parent logger; the loop logs as child `component: 'relay-loop'`. */
  logger: Logger;
  /** Pause between pushes when all went well, in ms. Default 5,000. */
  intervalMs?: number;
  /** Longest pause after failures, in ms. Default 60,000. */
  maxBackoffMs?: number;
  /** Called after a push settled at least one event (serve refreshes the snapshot). */
  onSettled?: () => void;
}

/** A running relay loop. */
export interface RelayLoop {
  /** Pushes as soon as the index is free, instead of at the next interval. */
  kick(): void;
  /**
   * Stops: a push going gives way after its current batch; resolves when it has and the publisher
   * is closed. A connection attempt going is abandoned (it touches no index and closes itself).
   */
  stop(): Promise<void>;
}

/** Thrown from the relay's onProgress to end a push between batches. */
class GiveWay extends Error {}

/** Starts the loop; the first push is attempted at once. */
export function startRelayLoop(options: RelayLoopOptions): RelayLoop {
  const logger = options.logger.child({ component: 'relay-loop' });
  const intervalMs = options.intervalMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const { queue, connection, kafka } = options;
  let publisher: Publisher | undefined;
  let failures = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let cycle: Promise<void> | undefined;
  /** The push job, while it is queued or running: the part of a cycle that touches the index. */
  let pushing: Promise<unknown> | undefined;
  let kicked = false;
  /** Set when the relay stopped for good (FEED_POLICY_CHANGED): nothing is pushed until serve restarts. */
  let halted = false;

  const closePublisher = async (): Promise<void> => {
    const p = publisher;
    publisher = undefined;
    await p?.close();
  };

  /** One push; resolves to the pause before the next one. */
  const pushOnce = async (): Promise<number> => {
    const pending = await queue.run('relay: count', () => countPending(connection));
    if (pending === 0) return intervalMs;
    if (publisher === undefined) {
      // Outside the queue: with the broker down this takes a while and must not hold up runs.
      const protection = await createFeedProtection(kafka.feed ?? UNSET_FEED_SETTINGS, options.logger);
      const connected = await createPublisher({ brokers: kafka.brokers, ssl: kafka.ssl, sasl: kafka.sasl, topics: kafka.topics, partitions: kafka.partitions, logger: options.logger, clientId: 'onecode-serve', protection });
      if (stopping) {
        await connected.close();
        return intervalMs;
      }
      publisher = connected;
    }
    let progress: Omit<PushProgress, 'lastSeq'> = { published: 0, skippedAlreadyOnBroker: 0, parked: 0, held: 0 };
    let gaveWay = false;
    const current = publisher;
    pushing = queue
      .run('relay: push', () =>
        pushOutbox({
          connection,
          publisher: current,
          logger: options.logger,
          onProgress: (p) => {
            progress = p;
            if (stopping || queue.waiting() > 0) throw new GiveWay();
          },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof GiveWay)) throw error;
        gaveWay = true;
      })
      .finally(() => {
        pushing = undefined;
      });
    await pushing;
    const settled = progress.published + progress.skippedAlreadyOnBroker + progress.parked + progress.held;
    if (settled > 0) {
      logger.info({ published: progress.published, skippedAlreadyOnBroker: progress.skippedAlreadyOnBroker, parked: progress.parked, held: progress.held, gaveWay }, 'outbox relayed');
      options.onSettled?.();
    }
    return gaveWay ? 0 : intervalMs;
  };

  const runCycle = async (): Promise<void> => {
    kicked = false;
    let pause: number;
    try {
      pause = await pushOnce();
      failures = 0;
    } catch (error) {
      if (error instanceof JobCancelledError) return;
      if (error instanceof PushError && error.code === 'FEED_POLICY_CHANGED') {
        halted = true;
        logger.error(
          { code: error.code, retriable: false, message: error.message },
          'relay stopped: the topics carry another feed policy or key; events stay pending in the outbox. Publish to new topics (ONECODE_TOPIC_PREFIX) or restore the topics\' policy and key (ONECODE_FEED_POLICY, ONECODE_PSEUDONYM_KEY_FILE), then restart serve',
        );
        await closePublisher();
        return;
      }
      failures += 1;
      pause = backoffDelay(failures, { initialDelayMs: Math.max(intervalMs, 1_000), maxDelayMs: maxBackoffMs });
      const push = error instanceof PushError ? { code: error.code, retriable: error.retriable, message: error.message } : { err: error };
      logger.warn({ ...push, failures, retryInMs: pause }, 'push failed; will try again');
      await closePublisher();
    }
    if (kicked && failures === 0) pause = 0;
    schedule(pause);
  };

  const schedule = (ms: number): void => {
    if (stopping || halted) return;
    timer = setTimeout(() => {
      timer = undefined;
      cycle = runCycle().finally(() => {
        cycle = undefined;
      });
    }, ms);
  };

  schedule(0);
  return {
    kick: () => {
      if (stopping || halted) return;
      if (cycle !== undefined) {
        kicked = true; // the push going may have read the outbox before the run committed
        return;
      }
      if (timer !== undefined && failures === 0) {
        clearTimeout(timer);
        schedule(0);
      }
    },
    stop: async () => {
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      await pushing?.catch(() => undefined);
      await closePublisher();
    },
  };
}
