/**
 * The outbox relay: pushes pending outbox events to Kafka in seq order and marks each published
 * only after the broker acknowledged it (transactional outbox pattern).
 *
 * Exactly once on the broker, across crashes: before sending, the relay reads back the highest
 * `onecode-seq` already stored in each partition and marks as published, without sending, every
 * pending event at or below it in its partition. This is sound because each partition is written
 * in seq order and a run stops at the first failed request, so an event below a partition's
 * highest seq is on the broker unless it was rejected, and rejections are decided before sending
 * (size, entity, envelope) or stop the run before anything later is sent to that partition.
 *
 * One relay per outbox at a time (DuckDB has one writer per file anyway).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { HighestSeqs } from './read-back.ts';
import { createOutboxStore, type Parked } from './outbox-store.ts';
import type { OutboxEvent, Publisher } from './publisher.ts';

/** Counts so far, passed to {@link PushOutboxOptions.onProgress} after each batch is settled. */
export interface PushProgress {
  /** Events sent and acknowledged. */
  published: number;
  /** Pending events found on the broker already (a previous run crashed after sending), marked without sending. */
  skippedAlreadyOnBroker: number;
  /** Events parked with a reason. */
  parked: number;
  /** Highest seq settled so far. */
  lastSeq: bigint;
}

/** What a push did. */
export type PushOutboxResult = Omit<PushProgress, 'lastSeq'>;

/** Options of {@link pushOutbox}. */
export interface PushOutboxOptions {
  /** DuckDB connection to the file that holds the outbox table; not inside a transaction. */
  connection: DuckDBConnection;
  /** From {@link createPublisher}; the caller closes it. */
  publisher: Publisher;
  /** Parent logger; the relay logs as child `component: 'relay'`. */
  logger: Logger;
  /** Events read from the outbox and settled per step. Default 1,000. */
  batchSize?: number;
  /** Called after each batch is settled in the outbox (awaited). */
  onProgress?: (progress: PushProgress) => void | Promise<void>;
}

/**
 * Pushes every pending (unpublished, unparked) outbox event, in seq order.
 * @returns counts of published, skipped (already on the broker) and parked events.
 * @throws PushError BROKER_UNAVAILABLE (retriable: run again later), READ_BACK_FAILED,
 *   PUBLISH_FAILED, OUTBOX_FAILED. Whatever was settled before the error stays settled; nothing
 *   is marked published that the broker did not acknowledge.
 */
export async function pushOutbox(options: PushOutboxOptions): Promise<PushOutboxResult> {
  const logger = options.logger.child({ component: 'relay' });
  const { publisher } = options;
  const batchSize = options.batchSize ?? 1_000;
  const store = createOutboxStore(options.connection);
  const progress: PushProgress = { published: 0, skippedAlreadyOnBroker: 0, parked: 0, lastSeq: 0n };

  const pending = await store.countPending();
  if (pending === 0) {
    logger.debug('outbox has no pending events');
    return counts(progress);
  }
  const started = Date.now();
  const highest: HighestSeqs = await publisher.highestSeqPerPartition();
  logger.info({ pending }, 'pushing outbox');

  let cursor = -1n;
  for (;;) {
    const batch = await store.readPending(cursor, batchSize);
    if (batch.length === 0) break;

    const parked: Parked[] = [];
    const skipped: OutboxEvent[] = [];
    const toSend: OutboxEvent[] = [];
    for (const event of batch) {
      const reason = publisher.rejectReason(event);
      if (reason !== undefined) {
        parked.push({ seq: event.seq, reason });
        continue;
      }
      const route = publisher.route(event)!;
      const onBroker = highest.get(route.topic)?.get(route.partition);
      if (onBroker !== undefined && event.seq <= onBroker) skipped.push(event);
      else toSend.push(event);
    }

    const outcome = toSend.length > 0 ? await publisher.publishBatch(toSend) : { published: [], rejected: [], unsent: [] };
    for (const r of outcome.rejected) parked.push({ seq: r.event.seq, reason: r.reason });
    await store.settle([...skipped, ...outcome.published].map((e) => e.seq), parked);

    progress.published += outcome.published.length;
    progress.skippedAlreadyOnBroker += skipped.length;
    progress.parked += parked.length;
    for (const p of parked) logger.warn({ seq: String(p.seq), reason: p.reason }, 'event parked');
    // Unsent events (sending stopped at a rejection) are read again from the first of them.
    cursor = outcome.unsent.length > 0 ? outcome.unsent[0]!.seq - 1n : batch.at(-1)!.seq;
    progress.lastSeq = cursor;
    logger.debug({ ...counts(progress), lastSeq: String(cursor) }, 'batch settled');
    await options.onProgress?.({ ...progress });
  }

  logger.info({ ...counts(progress), ms: Date.now() - started }, 'outbox pushed');
  return counts(progress);
}

function counts(p: PushProgress): PushOutboxResult {
  return { published: p.published, skippedAlreadyOnBroker: p.skippedAlreadyOnBroker, parked: p.parked };
}
