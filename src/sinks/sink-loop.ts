/**
 * Delivery to the declared sinks in `onecode serve`, beside the Kafka relay (src/serve/relay-loop.ts)
 * and not inside it: the relay's backoff is the broker's, and one target being down must hold
 * neither Kafka nor another sink. Every `intervalMs`, and at once when kicked after a run that
 * wrote events, each sink is delivered to in its turn on the index (deliver-all.ts); a sink that
 * failed waits with its own backoff (doubling up to `maxBackoffMs`) while the others go on. A
 * delivery gives way between batches when a run is waiting or serve is stopping.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../logger.ts';
import { backoffDelay } from '../serve/backoff.ts';
import { JobCancelledError, type JobQueue } from '../serve/job-queue.ts';
import { deliverAll } from './deliver-all.ts';
import type { SinkDeclaration } from './sink-config.ts';

/** Options of {@link startSinkLoop}. */
export interface SinkLoopOptions {
  queue: JobQueue;
  connection: DuckDBConnection;
  sinks: readonly SinkDeclaration[];
  logger: Logger;
  /** Pause between deliveries, in ms. Default 5,000. */
  intervalMs?: number;
  /** Longest pause of a failing sink, in ms. Default 60,000. */
  maxBackoffMs?: number;
  /** Called after a cycle that delivered or parked something (serve refreshes the snapshot). */
  onSettled?: () => void;
}

/** A running sink loop: `kick` delivers as soon as the index is free; `stop` resolves once the delivery going gave way. */
export interface SinkLoop {
  kick(): void;
  stop(): Promise<void>;
}

class GiveWay extends Error {}

/** Starts the loop; the first delivery is attempted at once. */
export function startSinkLoop(options: SinkLoopOptions): SinkLoop {
  const logger = options.logger.child({ component: 'sink-loop' });
  const intervalMs = options.intervalMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  /** Per sink: failures in a row, and when it may be tried again (ms since the epoch). */
  const failing = new Map<string, { failures: number; notBefore: number }>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let cycle: Promise<void> | undefined;

  const runCycle = async (): Promise<void> => {
    const now = Date.now();
    const due = options.sinks.filter((s) => (failing.get(s.name)?.notBefore ?? 0) <= now);
    let settled = 0;
    try {
      const outcomes = await options.queue.run('sinks: deliver', () =>
        deliverAll({
          connection: options.connection, sinks: due, logger: options.logger,
          onBatch: () => {
            settled += 1;
            if (stopping || options.queue.waiting() > 0) throw new GiveWay();
          },
        }));
      for (const o of outcomes) {
        if (o.ok) {
          failing.delete(o.sink);
          continue;
        }
        const failures = (failing.get(o.sink)?.failures ?? 0) + 1;
        const wait = backoffDelay(failures, { initialDelayMs: Math.max(intervalMs, 1_000), maxDelayMs: maxBackoffMs });
        failing.set(o.sink, { failures, notBefore: Date.now() + wait });
        logger.warn({ sink: o.sink, code: o.code, retriable: o.retriable, failures, retryInMs: wait }, 'delivery to sink failed; will try again');
      }
    } catch (error) {
      if (error instanceof JobCancelledError) return;
      if (!(error instanceof GiveWay)) logger.error({ err: error }, 'sink delivery threw');
    }
    if (settled > 0) options.onSettled?.();
    schedule(intervalMs);
  };

  const schedule = (ms: number): void => {
    if (stopping) return;
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
      if (stopping || cycle !== undefined || timer === undefined) return;
      clearTimeout(timer);
      schedule(0);
    },
    stop: async () => {
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      await cycle?.catch(() => undefined);
    },
  };
}
