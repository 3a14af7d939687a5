/**
 * The outbox relay: pushes pending outbox events to Kafka in seq order and marks each published
 * only after the broker acknowledged it (transactional outbox pattern).
 *
 * Order per key: an event that cannot be published is parked, and every later event of the same
 * topic and message key is held behind it (outbox `held_by`), unsent, until an operator re-queues
 * or skips the parked one (src/outbox/parked-events.ts); events of other keys go on. So a consumer
 * never sees a key's update without the create before it.
 *
 * Exactly once on the broker, across crashes: before sending, the relay reads back the highest
 * `onecode-seq` already stored in each partition and marks as published, without sending, every
 * pending event at or below it in its partition. This is sound because each partition is written
 * in seq order and a push stops at the first failed request, so a pending event below a
 * partition's highest seq is on the broker unless it was not sent on purpose, and every such
 * decision is taken again, before that check, the same way:
 * - rejections decided before sending (size, entity, key, envelope) are pure;
 * - a refusal by the broker (MESSAGE_TOO_LARGE) stops sending and is settled (parked) before
 *   anything later is sent;
 * - an event is held when its key is blocked by an event parked in the outbox (settled, as above)
 *   or earlier in the same push; holding is decided before the check.
 * Parked and held events are not pending, and they never become pending again under their old
 * seq: re-queuing, skipping or releasing gives them (and the rest of their key) new seqs above every
 * seq ever handed out (src/outbox/resequence.ts), so each partition stays written in seq order.
 *
 * Personal data: each event is protected by the publisher's feed policy (feed-protection.ts) with
 * the classes recorded beside the outbox (src/outbox/event-classes.ts) before it is published;
 * its route, size and key on the broker are those of the protected event, while holding and
 * blocking go by its key in the outbox (the outbox's own view of a key, as parked-events.ts sees
 * it). The protection of an event is pure for one policy, key and classes, so the decisions above
 * are taken again the same way after a crash.
 *
 * One relay per outbox at a time (DuckDB has one writer per file anyway).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { HighestSeqs } from './read-back.ts';
import { readEventClasses } from '../outbox/event-classes.ts';
import { createOutboxStore, keyId, type Held, type Parked } from '../outbox/outbox-store.ts';
import { PushError } from './errors.ts';
import { isClearPolicy } from './feed-policy.ts';
import type { EventProtector } from './protect-event.ts';
import type { OutboxEvent, Publisher } from './publisher.ts';

/** Counts so far, passed to {@link PushOutboxOptions.onProgress} after each batch is settled. */
export interface PushProgress {
  /** Events sent and acknowledged. */
  published: number;
  /** Pending events found on the broker already (a previous run crashed after sending), marked without sending. */
  skippedAlreadyOnBroker: number;
  /** Events parked with a reason. */
  parked: number;
  /** Events held back behind a parked event of the same topic and key (outbox `held_by`). */
  held: number;
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
  /** Called after each batch is settled in the outbox (awaited); a throw stops the push there. */
  onProgress?: (progress: PushProgress) => void | Promise<void>;
}

/**
 * Pushes every pending outbox event (src/outbox/outbox-states.ts), in seq order; parks what cannot
 * be published and holds the later events of its key.
 * @returns counts of published, skipped (already on the broker), parked and held events.
 * @throws PushError BROKER_UNAVAILABLE (retriable: run again later), READ_BACK_FAILED,
 *   PUBLISH_FAILED, OUTBOX_FAILED. Whatever was settled before the error stays settled; nothing
 *   is marked published that the broker did not acknowledge.
 */
export async function pushOutbox(options: PushOutboxOptions): Promise<PushOutboxResult> {
  const logger = options.logger.child({ component: 'relay' });
  const { publisher } = options;
  const batchSize = options.batchSize ?? 1_000;
  const store = createOutboxStore(options.connection);
  const progress: PushProgress = { published: 0, skippedAlreadyOnBroker: 0, parked: 0, held: 0, lastSeq: 0n };

  // Before the read-back: released events get seqs above anything on the broker.
  const released = await store.releaseOrphans();
  if (released > 0) logger.warn({ released }, 'released events held behind events no longer parked; they go on under new seqs');
  const pending = await store.countPending();
  if (pending === 0) {
    logger.debug('outbox has no pending events');
    return counts(progress);
  }
  const started = Date.now();
  const protect = await protectorOf(options.connection, publisher);
  const highest: HighestSeqs = await publisher.highestSeqPerPartition();
  /** Keys behind a parked event → its seq. */
  const blocked = await store.blockedKeys();
  logger.info({ pending, blockedKeys: blocked.size }, 'pushing outbox');

  /** The topic-and-key identity of an event in the outbox ({@link keyId}), from the publisher's parse of its envelope. */
  const keyOf = (event: OutboxEvent): string | undefined => {
    const key = publisher.messageKey(event);
    return key === undefined ? undefined : keyId(event.entity, key);
  };
  /** The outbox event of each protected event handed to the publisher. */
  const outboxEventOf = new WeakMap<OutboxEvent, OutboxEvent>();

  let cursor = -1n;
  for (;;) {
    const batch = await store.readPending(cursor, batchSize);
    if (batch.length === 0) break;

    const parked: Parked[] = [];
    const held: Held[] = [];
    const skipped: OutboxEvent[] = [];
    const toSend: OutboxEvent[] = [];
    for (const event of batch) {
      const key = keyOf(event);
      const blocker = key === undefined ? undefined : blocked.get(key);
      if (blocker !== undefined) {
        held.push({ seq: event.seq, by: blocker });
        continue;
      }
      const protectedEvent = protect(event);
      const reason = typeof protectedEvent === 'string' ? protectedEvent : publisher.rejectReason(protectedEvent);
      if (reason !== undefined) {
        parked.push({ seq: event.seq, reason });
        if (key !== undefined) blocked.set(key, event.seq);
        continue;
      }
      const sent = protectedEvent as OutboxEvent;
      outboxEventOf.set(sent, event);
      const route = publisher.route(sent)!;
      const onBroker = highest.get(route.topic)?.get(route.partition);
      if (onBroker !== undefined && event.seq <= onBroker) skipped.push(sent);
      else toSend.push(sent);
    }

    const outcome = toSend.length > 0 ? await publisher.publishBatch(toSend) : { published: [], rejected: [], unsent: [] };
    // A refusal stops sending: the later events of its key are among `unsent`, held when read again.
    for (const r of outcome.rejected) {
      parked.push({ seq: r.event.seq, reason: r.reason });
      const key = keyOf(outboxEventOf.get(r.event) ?? r.event);
      if (key !== undefined) blocked.set(key, r.event.seq);
    }
    await store.settle({ published: [...skipped, ...outcome.published].map((e) => e.seq), parked, held });

    progress.published += outcome.published.length;
    progress.skippedAlreadyOnBroker += skipped.length;
    progress.parked += parked.length;
    progress.held += held.length;
    for (const p of parked) logger.warn({ seq: String(p.seq), reason: p.reason }, 'event parked; later events of its topic and key wait behind it');
    if (held.length > 0) {
      const behind = [...new Set(held.map((h) => String(h.by)))];
      logger.warn({ held: held.length, behind }, 'events held behind parked events of the same topic and key (onecode push --requeue-parked or --skip-parked releases them)');
    }
    // Unsent events (sending stopped at a rejection) are read again from the first of them.
    cursor = outcome.unsent.length > 0 ? outcome.unsent[0]!.seq - 1n : batch.at(-1)!.seq;
    progress.lastSeq = cursor;
    logger.debug({ ...counts(progress), lastSeq: String(cursor) }, 'batch settled');
    await options.onProgress?.({ ...progress });
  }

  logger.info({ ...counts(progress), ms: Date.now() - started }, 'outbox pushed');
  return counts(progress);
}

/** The publisher's protection for the classes recorded in the outbox (nothing is read for a clear feed). */
async function protectorOf(connection: DuckDBConnection, publisher: Publisher): Promise<EventProtector> {
  if (isClearPolicy(publisher.protection.policy)) return (event) => event;
  try {
    return publisher.protection.protector(await readEventClasses(connection));
  } catch (error) {
    throw new PushError({ code: 'OUTBOX_FAILED', retriable: false, message: `Reading the classes of the events (event_classes) failed: ${(error as Error).message}`, cause: error });
  }
}

function counts(p: PushProgress): PushOutboxResult {
  return { published: p.published, skippedAlreadyOnBroker: p.skippedAlreadyOnBroker, parked: p.parked, held: p.held };
}
