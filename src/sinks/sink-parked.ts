/**
 * What an operator does with the events parked for one sink (`onecode deliver --sink NAME
 * --parked | --requeue SEQ…|all | --skip SEQ… --reason TEXT`), as `onecode push` does with Kafka's
 * (src/outbox/parked-events.ts): list them (seq, entity, reason: never a value), put them back once
 * their cause is fixed, or skip them for good with who, when and why. Either way the events of the
 * same key held behind them go on. Nothing is deleted: the rows keep the record (sink-state.ts).
 *
 * A re-queued event is below the sink's position: it cannot wait for the position to reach it, and
 * the outbox's seqs are shared by every sink (re-sequencing them, as Kafka does, would deliver them
 * twice to the others). The next delivery to the sink delivers it again first, with the events of
 * its key held behind it, in seq order, as one batch that does not move the position (deliver.ts,
 * {@link requeuedEvents}, {@link settleRedelivery}).
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../index/in-transaction.ts';
import { ConfigError } from '../errors.ts';
import { confirmSentBatchSql } from './sink-sent.ts';
import { openParkedSql } from './sink-state.ts';

/** An event parked for a sink, as `--parked` lists it. */
export interface SinkParkedEvent {
  seq: number;
  entity: string;
  /** Why it was parked (no value: the reasons of protect-event.ts and sink-rows.ts). */
  reason: string;
  /** `parked`, or `requeued` (delivered again at the next delivery). */
  state: 'parked' | 'requeued';
  /** Later events of its key held behind it. */
  holding: number;
}

/** What {@link requeueSinkParked} or {@link skipSinkParked} did. */
export interface SinkParkedAction {
  /** Parked events re-queued or skipped. */
  events: number;
  /** Events of the same keys held behind them that go on now. */
  released: number;
}

/** The open parked events of `sink` (not skipped, not delivered again), in seq order. */
export async function listSinkParked(c: DuckDBConnection, sink: string): Promise<SinkParkedEvent[]> {
  const rows = (await c.runAndReadAll(`
    SELECT p.seq, p.entity, p.reason, p.requeued_at IS NOT NULL AS requeued,
           (SELECT count(*) FROM sink_parked h WHERE h.sink = p.sink AND h.held_by = p.seq AND ${openParkedSql('h')}) AS holding
    FROM sink_parked p WHERE p.sink = $1 AND p.held_by IS NULL AND ${openParkedSql('p')} ORDER BY p.seq`, [sink])).getRowObjectsJS();
  return rows.map((r): SinkParkedEvent => ({ seq: Number(r.seq), entity: String(r.entity), reason: String(r.reason), state: r.requeued === true ? 'requeued' : 'parked', holding: Number(r.holding) }));
}

/**
 * Re-queues parked events of `sink` (all of them when `seqs` is omitted) and the events held behind
 * them: `requeued_at`, `requeued_by`. One transaction on `c` (not inside one).
 * @throws ConfigError `sink_not_parked` (exit 2) naming each seq that is not an open parked event of the sink; nothing changes then.
 */
export async function requeueSinkParked(c: DuckDBConnection, options: { sink: string; by: string; seqs?: readonly bigint[] }): Promise<SinkParkedAction> {
  return inTransaction(c, async () => {
    const targets = await parkedTargets(c, options.sink, options.seqs);
    if (targets.length === 0) return { events: 0, released: 0 };
    const released = await heldBehind(c, options.sink, targets);
    await c.run(`UPDATE sink_parked SET requeued_at = now(), requeued_by = $2 WHERE sink = $1 AND ${openParkedSql()} AND requeued_at IS NULL
                   AND (seq IN (${targets.join(',')}) OR held_by IN (${targets.join(',')}))`, [options.sink, options.by]);
    return { events: targets.length, released };
  });
}

/**
 * Skips parked events of `sink` for good: `skipped_at`, `skipped_by`, `skip_reason` (the event is
 * never delivered to this sink); the events held behind them are re-queued (`requeued_by` the same
 * operator) and go on. One transaction on `c`.
 * @throws ConfigError `sink_not_parked` as {@link requeueSinkParked}, `skip_reason_missing` for an empty reason.
 */
export async function skipSinkParked(c: DuckDBConnection, options: { sink: string; by: string; seqs: readonly bigint[]; reason: string }): Promise<SinkParkedAction> {
  if (options.reason.trim() === '') {
    throw new ConfigError('skip_reason_missing', 'skipping parked events needs a reason (--reason TEXT): it is recorded with the events');
  }
  if (options.seqs.length === 0) return { events: 0, released: 0 };
  return inTransaction(c, async () => {
    const targets = await parkedTargets(c, options.sink, options.seqs);
    const released = await heldBehind(c, options.sink, targets);
    await c.run(`UPDATE sink_parked SET skipped_at = now(), skipped_by = $2, skip_reason = $3 WHERE sink = $1 AND seq IN (${targets.join(',')}) AND held_by IS NULL AND ${openParkedSql()}`,
      [options.sink, options.by, options.reason.trim()]);
    await c.run(`UPDATE sink_parked SET requeued_at = now(), requeued_by = $2 WHERE sink = $1 AND held_by IN (${targets.join(',')}) AND ${openParkedSql()} AND requeued_at IS NULL`,
      [options.sink, options.by]);
    return { events: targets.length, released };
  });
}

/** An event to deliver again: its row in `sink_parked` and its event id (its outbox seq may have changed since: src/outbox/resequence.ts). */
export interface RequeuedEvent {
  /** The seq it was parked or held under (the row's). */
  parkedSeq: bigint;
  eventId: string;
  entity: string;
  key: string | null;
}

/**
 * The events of `sink` to deliver again, in the order they were parked: every open row of a key
 * whose first open row is re-queued (the key is released: what waited behind goes with it), and a
 * re-queued row without key.
 */
export async function requeuedEvents(c: DuckDBConnection, sink: string): Promise<RequeuedEvent[]> {
  const rows = (await c.runAndReadAll(`
    WITH open AS (SELECT * FROM sink_parked WHERE sink = $1 AND ${openParkedSql()}),
         first AS (SELECT entity, key, arg_min(requeued_at IS NOT NULL, seq) AS released FROM open WHERE key IS NOT NULL GROUP BY ALL)
    SELECT o.seq, o.event_id, o.entity, o.key FROM open o LEFT JOIN first f ON f.entity = o.entity AND f.key = o.key
    WHERE (o.key IS NULL AND o.requeued_at IS NOT NULL) OR f.released
    ORDER BY o.seq`, [sink])).getRowObjectsJS();
  return rows.map((r) => ({ parkedSeq: BigInt(r.seq as bigint), eventId: String(r.event_id), entity: String(r.entity), key: r.key === null ? null : String(r.key) }));
}

/**
 * The batch id of a redelivery: `r<first>-<last>-<8 hex>`, the first and last parked seq and SM3
 * (GB/T 32905-2016) of the event ids: the same events give the same id, so a target that took the
 * batch before a crash recognises it (file-sink.ts).
 */
export function redeliveryBatchId(events: readonly RequeuedEvent[]): string {
  const ids = events.map((e) => e.eventId).sort().join('\n');
  return `r${events[0]!.parkedSeq}-${events.at(-1)!.parkedSeq}-${createHash('sm3').update(ids, 'utf8').digest('hex').slice(0, 8)}`;
}

/**
 * Records a redelivery the target confirmed, in one DuckDB transaction on `c`: the rows delivered
 * (`redelivered_at`), the rows parked or held again (new reason, `held_by`, no longer re-queued),
 * the rows written counted in `sink_position.delivered`, the event ids sent in the batch confirmed
 * (sink-sent.ts).
 */
export async function settleRedelivery(
  c: DuckDBConnection,
  s: { sink: string; batchId: string; written: number; delivered: readonly bigint[]; again: readonly { parkedSeq: bigint; reason: string; heldBy: bigint | null }[] },
): Promise<void> {
  await inTransaction(c, async () => {
    if (s.delivered.length > 0) await c.run(`UPDATE sink_parked SET redelivered_at = now() WHERE sink = $1 AND seq IN (${s.delivered.join(',')}) AND ${openParkedSql()}`, [s.sink]);
    for (const a of s.again) {
      await c.run(`UPDATE sink_parked SET reason = $3, held_by = $4, requeued_at = NULL WHERE sink = $1 AND seq = $2 AND ${openParkedSql()}`, [s.sink, a.parkedSeq, a.reason, a.heldBy]);
    }
    await c.run('UPDATE sink_position SET delivered = delivered + $2, last_batch_id = $3, updated_at = now() WHERE sink = $1', [s.sink, s.written, s.batchId]);
    await c.run(confirmSentBatchSql, [s.sink, s.batchId]);
  });
}

/**
 * The seqs of the open parked events `seqs` of `sink` (all of them when undefined).
 * @throws ConfigError sink_not_parked naming each seq that is not one, and what it is.
 */
async function parkedTargets(c: DuckDBConnection, sink: string, seqs: readonly bigint[] | undefined): Promise<bigint[]> {
  const wanted = seqs === undefined ? undefined : [...new Set(seqs)];
  if (wanted !== undefined && wanted.length === 0) return [];
  const rows = (await c.runAndReadAll(`
    SELECT seq, CASE WHEN skipped_at IS NOT NULL THEN 'skipped' WHEN redelivered_at IS NOT NULL THEN 'delivered again'
                     WHEN held_by IS NOT NULL THEN 'held' WHEN requeued_at IS NOT NULL THEN 're-queued already' ELSE 'parked' END AS state
    FROM sink_parked WHERE sink = $1 ${wanted === undefined ? `AND held_by IS NULL AND requeued_at IS NULL AND ${openParkedSql()}` : `AND seq IN (${wanted.join(',')})`} ORDER BY seq`, [sink])).getRowObjectsJS();
  const found = new Map(rows.map((r) => [BigInt(r.seq as bigint), String(r.state)]));
  if (wanted !== undefined) {
    const wrong = wanted.filter((s) => found.get(s) !== 'parked').map((s) => (found.has(s) ? `seq ${s} is ${found.get(s)}` : `no event is parked for sink ${sink} at seq ${s}`));
    if (wrong.length > 0) {
      throw new ConfigError(
        'sink_not_parked',
        `only parked events can be re-queued or skipped: ${wrong.join('; ')} (onecode deliver --sink ${sink} --parked lists the parked events); nothing was changed`,
      );
    }
  }
  return [...found.keys()];
}

/** Events held behind `parked` (open, not yet re-queued). */
async function heldBehind(c: DuckDBConnection, sink: string, parked: readonly bigint[]): Promise<number> {
  const r = await c.runAndReadAll(`SELECT count(*) FROM sink_parked WHERE sink = $1 AND held_by IN (${parked.join(',')}) AND ${openParkedSql()} AND requeued_at IS NULL`, [sink]);
  return Number(r.getRows()[0]![0]);
}
