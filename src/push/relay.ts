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
 * A delete and its tombstone are two messages, sent one after the other; a push that stopped
 * between them leaves the delete as its partition's last event without the tombstone, and the
 * read-back says so: the next push sends that tombstone alone and marks the delete.
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
import type { PartitionEnds } from './read-back.ts';
import { readEventClasses } from '../outbox/event-classes.ts';
import { createOutboxStore, keyId, type Held, type Parked } from '../outbox/outbox-store.ts';
import { PushError } from './errors.ts';
import { isClearPolicy } from './feed-policy.ts';
import type { EventProtector } from './protect-event.ts';
import type { OutboxEvent, PublishOutcome, Publisher } from './publisher.ts';

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
  /** Events read from the outbox, sent and settled per step. Default 5,000. */
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
  const batchSize = options.batchSize ?? 5_000;
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
  const ends: PartitionEnds = await publisher.partitionEnds();
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

  /** Milliseconds the relay waited on the outbox (reads, marks) and on the broker's acknowledgements. */
  const waited = { readMs: 0, sendMs: 0, settleMs: 0 };
  const timed = async <T>(phase: keyof typeof waited, work: Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work;
    } finally {
      waited[phase] += performance.now() - t;
    }
  };

  // One batch at a time is sent and settled, in seq order; while the broker acknowledges a batch,
  // the next one is read from the outbox (one statement at a time on the connection).
  let batch = await timed('readMs', store.readPending(-1n, batchSize));
  while (batch.length > 0) {
    const parked: Parked[] = [];
    const held: Held[] = [];
    const skipped: OutboxEvent[] = [];
    /** Deletes on the broker whose tombstone is not. */
    const tombstones: OutboxEvent[] = [];
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
      const end = ends.get(route.topic)?.get(route.partition);
      if (end === undefined || event.seq > end.seq) toSend.push(sent);
      else if (event.seq === end.seq && end.tombstoneMissing) tombstones.push(sent);
      else skipped.push(sent);
    }

    // A delete on the broker without its tombstone (a push stopped between the two) gets it first:
    // it comes before anything newer of its partition.
    if (tombstones.length > 0) {
      skipped.push(...(await timed('sendMs', publisher.publishTombstones(tombstones))));
      logger.warn({ events: tombstones.length }, 'sent the missing tombstones of deletes already on the broker');
    }
    const sending = toSend.length > 0 ? publisher.publishBatch(toSend) : Promise.resolve<PublishOutcome>({ published: [], rejected: [], unsent: [] });
    // Read ahead while the broker acknowledges; if sending stops at a rejection, this is read again.
    const readAhead = store.readPending(batch.at(-1)!.seq, batchSize);
    let outcome: PublishOutcome;
    try {
      outcome = await timed('sendMs', sending);
    } finally {
      // The connection must be idle before the outbox is touched again (or the error goes up).
      await readAhead.catch(() => undefined);
    }
    // A refusal stops sending: the later events of its key are among `unsent`, held when read again.
    for (const r of outcome.rejected) {
      parked.push({ seq: r.event.seq, reason: r.reason });
      const key = keyOf(outboxEventOf.get(r.event) ?? r.event);
      if (key !== undefined) blocked.set(key, r.event.seq);
    }
    await timed('settleMs', store.settle({ published: [...skipped, ...outcome.published].map((e) => e.seq), parked, held }));

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
    const cursor = outcome.unsent.length > 0 ? outcome.unsent[0]!.seq - 1n : batch.at(-1)!.seq;
    progress.lastSeq = cursor;
    logger.debug({ ...counts(progress), lastSeq: String(cursor) }, 'batch settled');
    await options.onProgress?.({ ...progress });
    batch = outcome.unsent.length > 0 ? await timed('readMs', store.readPending(cursor, batchSize)) : await timed('readMs', readAhead);
  }

  logger.info({ ...counts(progress), ms: Date.now() - started, ...Object.fromEntries(Object.entries(waited).map(([k, v]) => [k, Math.round(v)])) }, 'outbox pushed');
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
