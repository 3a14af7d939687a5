/**
 * Delivers the outbox to one sink, from its own position, in seq order (docs/sinks.md):
 *
 * 1. The target's position is the truth. A target ahead of the index (a delivery that crashed
 *    after the target committed a batch and before the index recorded it) moves the index up to it,
 *    deciding the parked events of that range again the same way (the decisions are pure for one
 *    policy, key and classes); a target behind it (new, or restored from a backup) moves the index
 *    back and everything after it is delivered again. A file sink's folder vouches only for the
 *    batches whose manifests are still there (a platform collects them), so it can only move the
 *    index up.
 * 2. Events an operator re-queued for this sink (sink-parked.ts) are delivered again first, with
 *    the events of their key held behind them, as one batch below the position that leaves it
 *    where it is; what still cannot be is parked (or held) again.
 * 3. Each batch: events read after the position; an event whose key is parked for this sink is
 *    held (parked behind it); the others are protected by the sink's policy
 *    (src/push/protect-event.ts) and made rows (sink-rows.ts); what cannot be is parked for this
 *    sink only. The sink writes the rows with the new position in one atomic step; then the index
 *    records the position and the parked events (sink-state.ts). A crash between the two is step 1
 *    of the next delivery (and for a redelivery, the target knows the batch by its id).
 *
 * For a sink whose target would take an event twice (a drop folder: `takesEventIdOnce` false), the
 * event ids of each batch are recorded in the index before the target writes it and confirmed with
 * the position (sink-sent.ts); an event whose id is confirmed sent (Kafka's parking moved it to a new
 * seq) is passed over, counted in `alreadyOnTarget`. After step 1, what a stopped delivery left
 * unconfirmed is decided by the target.
 *
 * One delivery per sink at a time (DuckDB has one writer per index; the exchange table's position
 * check refuses a second writer on the target).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../logger.ts';
import { readEventClasses } from '../outbox/event-classes.ts';
import { messageKeySql } from '../outbox/event-format.ts';
import type { OutboxEvent } from '../outbox/outbox-store.ts';
import { formatFeedPolicy, isClearPolicy, type FeedPolicy } from '../push/feed-policy.ts';
import { readFeedKey } from '../push/feed-protection.ts';
import { createEventProtector, type EventProtector } from '../push/protect-event.ts';
import { PSEUDONYM_KEY_FILE_VARIABLE } from '../protect/key-file.ts';
import type { Sink, SinkRow } from './sink.ts';
import { redeliveryBatchId, requeuedEvents, settleRedelivery } from './sink-parked.ts';
import { sinkRowOf } from './sink-rows.ts';
import { recordSending, sentEventIds, settleUnconfirmed } from './sink-sent.ts';
import { blockedKeys, indexPosition, rewindPosition, settleBatch, type SinkParked } from './sink-state.ts';

/** What one delivery did. */
export interface DeliverResult {
  sink: string;
  /** Rows written to the target. */
  delivered: number;
  /**
   * Events the target holds already, not sent again: for Kafka, those the read-back found on the
   * broker (a push stopped after sending); for a sink that records what it was sent (sink-sent.ts),
   * events Kafka's parking moved to a new seq after this sink had them.
   */
  alreadyOnTarget?: number;
  /** Events parked for this sink (refused), and held behind a parked event of their key. */
  parked: number;
  held: number;
  batches: number;
  /** The position after the delivery. */
  lastSeq: bigint;
  /** Set when the target's position differed from the index's and was taken as the truth. */
  recovered?: { from: bigint; to: bigint };
}

/** Options of {@link deliverToSink}. */
export interface DeliverOptions {
  /** The index, not inside a transaction. */
  connection: DuckDBConnection;
  sink: Sink;
  policy: FeedPolicy;
  /** Events per batch. Default 1,000. */
  batchSize?: number;
  logger: Logger;
  /** Environment (ONECODE_PSEUDONYM_KEY_FILE). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The target's position vouches only for "at least" (a file sink's folder): it never moves the index back. */
  atLeast?: boolean;
  /** Called after each batch is settled in the index; a throw stops the delivery there. */
  onBatch?: (progress: DeliverResult) => void | Promise<void>;
}

/** An event as read for a sink: the outbox row, its key in the outbox, and the seq it was written with when Kafka's parking moved it (else null). */
interface ReadEvent extends OutboxEvent {
  key: string | null;
  firstSeq: bigint | null;
}

/**
 * Delivers every outbox event after the sink's position.
 * @throws SinkError from the target (what was settled before stays settled); ConfigError
 *   `feed_policy_needs_key` for a policy that needs the pseudonymisation key when there is none.
 */
export async function deliverToSink(options: DeliverOptions): Promise<DeliverResult> {
  const { connection: c, sink } = options;
  const logger = options.logger.child({ component: 'sink', sink: sink.name });
  const batchSize = options.batchSize ?? 1000;
  const protect = await protectorOf(c, options.policy, options.env ?? process.env);
  const result: DeliverResult = { sink: sink.name, delivered: 0, parked: 0, held: 0, batches: 0, lastSeq: 0n };

  let position = await indexPosition(c, sink.name);
  const target = await sink.confirmedSeq();
  if (target !== undefined && target !== position && (target > position || options.atLeast !== true)) {
    result.recovered = { from: position, to: target };
    if (target > position) {
      logger.warn({ index: String(position), target: String(target) }, 'the target holds batches the index did not record (a delivery stopped between the two): taking the target\'s position');
      for (let batch = await readEvents(c, position, target, batchSize); batch.length > 0; batch = await readEvents(c, position, target, batchSize)) {
        const plan = await planBatch(c, sink, batch, protect);
        const toSeq = batch.at(-1)!.seq;
        await settleBatch(c, { sink: sink.name, kind: sink.kind, toSeq, batchId: `${batch[0]!.seq}-${toSeq}`, written: plan.rows.length, parked: plan.parked });
        position = toSeq;
      }
      if (position < target) await settleBatch(c, { sink: sink.name, kind: sink.kind, toSeq: target, batchId: `${position + 1n}-${target}`, written: 0, parked: [] });
    } else {
      logger.warn({ index: String(position), target: String(target) }, 'the target holds less than the index says (a new or restored target): delivering again from its position');
      await rewindPosition(c, sink.name, sink.kind, target);
    }
    position = target;
  }
  if (!sink.takesEventIdOnce) await settleUnconfirmed(c, sink, position);

  const again = await redeliver(c, sink, position, protect);
  if (again !== undefined) {
    result.delivered += again.written;
    if (again.alreadyOnTarget > 0) result.alreadyOnTarget = (result.alreadyOnTarget ?? 0) + again.alreadyOnTarget;
    result.parked += again.parked;
    result.held += again.held;
    result.batches += 1;
    result.lastSeq = position;
    logger.info({ batchId: again.batchId, delivered: again.written, parked: again.parked, held: again.held }, 're-queued events delivered again');
    await options.onBatch?.({ ...result });
  }

  for (let batch = await readEvents(c, position, undefined, batchSize); batch.length > 0; batch = await readEvents(c, position, undefined, batchSize)) {
    const plan = await planBatch(c, sink, batch, protect);
    const toSeq = batch.at(-1)!.seq;
    const batchId = `${batch[0]!.seq}-${toSeq}`;
    const write = { batchId, afterSeq: position, toSeq, rows: plan.rows };
    if (!sink.takesEventIdOnce) await recordSending(c, sink.name, write);
    const { written } = await sink.write(write);
    await settleBatch(c, { sink: sink.name, kind: sink.kind, toSeq, batchId, written, parked: plan.parked });
    position = toSeq;
    result.delivered += written;
    if (plan.sent > 0) result.alreadyOnTarget = (result.alreadyOnTarget ?? 0) + plan.sent;
    result.parked += plan.parked.filter((p) => p.heldBy === null).length;
    result.held += plan.parked.filter((p) => p.heldBy !== null).length;
    result.batches += 1;
    result.lastSeq = position;
    for (const p of plan.parked.filter((x) => x.heldBy === null)) logger.warn({ seq: String(p.seq), reason: p.reason }, 'event parked for this sink; later events of its key wait behind it; other sinks go on');
    logger.debug({ batchId, written, parked: plan.parked.length }, 'batch delivered');
    await options.onBatch?.({ ...result });
  }
  result.lastSeq = position;
  if (result.batches > 0) logger.info({ delivered: result.delivered, parked: result.parked, held: result.held, lastSeq: String(position), policy: formatFeedPolicy(options.policy) }, 'outbox delivered');
  return result;
}

/** Events after `after` (up to `upTo` when given), in seq order. */
async function readEvents(c: DuckDBConnection, after: bigint, upTo: bigint | undefined, limit: number): Promise<ReadEvent[]> {
  return readOutbox(c, `seq > $1 ${upTo === undefined ? '' : 'AND seq <= $3'} ORDER BY seq LIMIT $2`, upTo === undefined ? [after, limit] : [after, limit, upTo]);
}

/** The outbox rows `where` selects (with its ORDER BY and LIMIT), as read for a sink. */
async function readOutbox(c: DuckDBConnection, where: string, values: (bigint | number | string)[]): Promise<ReadEvent[]> {
  const reader = await c.runAndReadAll(`SELECT seq, event_id, entity, op, code, CAST(event AS VARCHAR) AS event, resource_code, provider_code, ${messageKeySql()} AS key, first_seq FROM outbox WHERE ${where}`, values);
  return reader.getRowObjectsJS().map((r) => ({
    seq: BigInt(r.seq as bigint), eventId: String(r.event_id), entity: String(r.entity), op: String(r.op),
    code: String(r.code), event: String(r.event), key: r.key === null ? null : String(r.key),
    resourceCode: r.resource_code === null ? null : String(r.resource_code), providerCode: r.provider_code === null ? null : String(r.provider_code),
    firstSeq: r.first_seq === null ? null : BigInt(r.first_seq as bigint),
  }));
}

/**
 * The rows of a batch, what is parked (refused) or held (behind a parked event of its key) for this
 * sink, and how many events it was sent already under another seq (`sent`: passed over).
 */
async function planBatch(c: DuckDBConnection, sink: Sink, batch: readonly ReadEvent[], protect: EventProtector): Promise<{ rows: SinkRow[]; parked: SinkParked[]; sent: number }> {
  const blocked = await blockedKeys(c, sink.name);
  const sentAlready = await sentBefore(c, sink, batch);
  const rows: SinkRow[] = [];
  const parked: SinkParked[] = [];
  for (const event of batch) {
    if (sentAlready.has(event.eventId)) continue;
    const id = event.key === null ? undefined : `${event.entity}\u0000${event.key}`;
    const blocker = id === undefined ? undefined : blocked.get(id);
    const park = (reason: string, heldBy: bigint | null): void => {
      parked.push({ seq: event.seq, eventId: event.eventId, entity: event.entity, key: event.key, reason, heldBy });
      if (id !== undefined && !blocked.has(id)) blocked.set(id, event.seq);
    };
    if (blocker !== undefined) {
      park(`held behind parked event seq ${blocker} of the same key`, blocker);
      continue;
    }
    const row = rowOf(event, protect);
    if (typeof row === 'string') park(row, null);
    else rows.push(row);
  }
  return { rows, parked, sent: sentAlready.size };
}

/**
 * The event ids among `events` that a sink which does not take each event id once was sent already
 * (sink-sent.ts): only an event Kafka's parking moved (first_seq set) can come back under another seq.
 */
async function sentBefore(c: DuckDBConnection, sink: Sink, events: readonly ReadEvent[]): Promise<Set<string>> {
  if (sink.takesEventIdOnce) return new Set();
  return sentEventIds(c, sink.name, events.filter((e) => e.firstSeq !== null).map((e) => e.eventId));
}

/** The row of an event under the sink's policy, or why it cannot be one. */
function rowOf(event: ReadEvent, protect: EventProtector): SinkRow | string {
  const protectedEvent = protect(event);
  return typeof protectedEvent === 'string' ? protectedEvent : sinkRowOf(protectedEvent);
}

/**
 * Delivers the re-queued events of the sink again (sink-parked.ts), in the order they were parked,
 * as one batch at `position` that leaves it there; an event Kafka's parking has since moved above
 * the position (src/outbox/resequence.ts) is left to the delivery in seq order, and an event a
 * sink that records what it was sent has had already (a redelivery stopped before the index recorded
 * it, and the operator re-queued more meanwhile: sink-sent.ts) is taken as delivered, not written
 * again. Settles in the index after the target confirmed. Undefined when nothing is re-queued.
 */
async function redeliver(c: DuckDBConnection, sink: Sink, position: bigint, protect: EventProtector): Promise<{ batchId: string; written: number; alreadyOnTarget: number; parked: number; held: number } | undefined> {
  const requeued = await requeuedEvents(c, sink.name);
  if (requeued.length === 0) return undefined;
  const ids = [...new Set(requeued.map((r) => r.eventId))];
  const sent = sink.takesEventIdOnce ? new Set<string>() : await sentEventIds(c, sink.name, ids);
  const byId = new Map((await readOutbox(c, `event_id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY seq`, ids)).map((e) => [e.eventId, e]));
  const blocked = new Map<string, bigint>();
  /** The outcome of each event id (a moved event may have two rows). */
  const decided = new Map<string, { reason: string; heldBy: bigint | null } | 'delivered'>();
  const rows: SinkRow[] = [];
  const delivered: bigint[] = [];
  const again: { parkedSeq: bigint; reason: string; heldBy: bigint | null }[] = [];
  for (const r of requeued) {
    const event = byId.get(r.eventId);
    let outcome = decided.get(r.eventId);
    if (outcome === undefined) {
      const id = r.key === null ? undefined : `${r.entity}\u0000${r.key}`;
      const blocker = id === undefined ? undefined : blocked.get(id);
      const row = event === undefined ? 'the event is no longer in the outbox'
        : event.seq > position || sent.has(r.eventId) ? undefined
          : blocker !== undefined ? `held behind parked event seq ${blocker} of the same key`
            : rowOf(event, protect);
      if (row === undefined || typeof row !== 'string') {
        if (row !== undefined) rows.push(row);
        outcome = 'delivered';
      } else {
        outcome = { reason: row, heldBy: blocker ?? null };
        if (id !== undefined && blocker === undefined) blocked.set(id, r.parkedSeq);
      }
      decided.set(r.eventId, outcome);
    }
    if (outcome === 'delivered') delivered.push(r.parkedSeq);
    else again.push({ parkedSeq: r.parkedSeq, ...outcome });
  }
  const batchId = redeliveryBatchId(requeued);
  const write = { batchId, afterSeq: position, toSeq: position, rows, requeued: true };
  if (!sink.takesEventIdOnce) await recordSending(c, sink.name, write);
  const { written } = rows.length === 0 ? { written: 0 } : await sink.write(write);
  await settleRedelivery(c, { sink: sink.name, batchId, written, delivered, again });
  return { batchId, written, alreadyOnTarget: sent.size, parked: again.filter((a) => a.heldBy === null).length, held: again.filter((a) => a.heldBy !== null).length };
}

/** The protector of the sink's policy, with the classes recorded beside the outbox. */
async function protectorOf(c: DuckDBConnection, policy: FeedPolicy, env: NodeJS.ProcessEnv): Promise<EventProtector> {
  if (isClearPolicy(policy)) return (event) => event;
  const key = await readFeedKey({ policy, explicit: true, keyFile: env[PSEUDONYM_KEY_FILE_VARIABLE]?.trim() || undefined });
  return createEventProtector({ policy, key, classes: await readEventClasses(c) });
}
