/**
 * The event ids the delivery handed to a sink whose target would take an event twice (a drop
 * folder: a file sink writes whatever it is given), so that no change reaches it twice
 * (docs/sinks.md, "Each change once").
 *
 * Why: Kafka's parking gives a re-queued or released event a new seq with the same event id
 * (src/outbox/resequence.ts). A sink that had it under its old seq would get it again under the
 * new one. An exchange table takes each event id once by itself (a unique key); a drop folder
 * cannot tell (a collector removes what it took), so the index keeps what was sent, in
 * `sink_sent` (index schema migration 14), one row per event id sent:
 *
 * 1. Before a batch goes to the target its rows are recorded, unconfirmed, with the batch id and
 *    the position the batch moves the sink to ({@link recordSending}): a write-ahead, so that a
 *    kill -9 after the target took the batch and before the index recorded its position still
 *    leaves the record of what the target may hold, whatever happens to the outbox meanwhile (an
 *    operator re-queueing Kafka's parked events moves them).
 * 2. The step that records the new position confirms them, in the same DuckDB transaction
 *    (settleBatch: every batch up to the position, {@link confirmSentUpToSql}; settleRedelivery:
 *    a batch of re-queued events by its id, {@link confirmSentBatchSql}).
 * 3. At the next delivery, once the target's position is taken as the truth, what is still
 *    unconfirmed is decided by the target ({@link settleUnconfirmed}): a batch it holds is
 *    confirmed, one it does not hold is forgotten (it never arrived; it is sent again).
 *
 * An event is handed to such a sink unless its id is confirmed here. Only an event Kafka moved can
 * come back under another seq (`outbox.first_seq` is set on it), so only those are looked up.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../index/in-transaction.ts';
import { quoteLiteral } from '../index/sql-text.ts';
import type { Sink, SinkBatch } from './sink.ts';

/** The table (INDEX_DDL; index schema migration 14). */
export const SINK_SENT_DDL = `
CREATE TABLE IF NOT EXISTS sink_sent (
  sink VARCHAR NOT NULL,
  event_id VARCHAR NOT NULL,
  seq BIGINT NOT NULL,
  batch_id VARCHAR NOT NULL,
  to_seq BIGINT NOT NULL,
  requeued BOOLEAN NOT NULL,
  confirmed BOOLEAN NOT NULL,
  sent_at TIMESTAMPTZ NOT NULL
);
`;

/**
 * Records the rows of `batch` as being sent to `sink`, unconfirmed, in one DuckDB transaction on
 * `c` (not inside one). Call it before the target writes the batch.
 */
export async function recordSending(c: DuckDBConnection, sink: string, batch: SinkBatch): Promise<void> {
  if (batch.rows.length === 0) return;
  const values = batch.rows.map((r) => `(${quoteLiteral(r.eventId)}, ${r.seq.toString()})`);
  await inTransaction(c, () => c.run(
    `INSERT INTO sink_sent SELECT $1, v.event_id, v.seq, $2, $3, $4, false, now() FROM (VALUES ${values.join(', ')}) v(event_id, seq)`,
    [sink, batch.batchId, batch.toSeq, batch.requeued === true],
  ));
}

/**
 * Confirms every batch sent to the sink `$1` (in seq order, not re-queued) that ends at or below the
 * position `$2`: run it in the transaction that records that position (sink-state.ts, settleBatch).
 */
export const confirmSentUpToSql = 'UPDATE sink_sent SET confirmed = true WHERE sink = $1 AND NOT confirmed AND NOT requeued AND to_seq <= $2';

/** Confirms the re-queued batch `$2` sent to the sink `$1`: run it in the transaction that records the redelivery (sink-parked.ts). */
export const confirmSentBatchSql = 'UPDATE sink_sent SET confirmed = true WHERE sink = $1 AND NOT confirmed AND requeued AND batch_id = $2';

/**
 * Forgets what was sent to the sink `$1` in batches above the position `$2` (the target holds less
 * than the index said and every later event is delivered again): run it with the rewind.
 */
export const forgetSentAboveSql = 'DELETE FROM sink_sent WHERE sink = $1 AND NOT requeued AND to_seq > $2';

/**
 * Decides what is still unconfirmed for `sink` after a stopped delivery, once the target's position
 * was taken as the index's (`position`): a batch in seq order is on the target when the position
 * reached it; a batch of re-queued events when the target holds it (Sink.holdsBatch: its manifest
 * is in the drop folder), its rows then counted as delivered. What the target does not hold is
 * forgotten. One DuckDB transaction on `c`, after asking the target.
 */
export async function settleUnconfirmed(c: DuckDBConnection, sink: Sink, position: bigint): Promise<void> {
  const pending = (await c.runAndReadAll(
    'SELECT batch_id, to_seq, requeued, count(*) AS rows FROM sink_sent WHERE sink = $1 AND NOT confirmed GROUP BY ALL ORDER BY min(seq)', [sink.name],
  )).getRowObjectsJS().map((r) => ({ batchId: String(r.batch_id), toSeq: BigInt(r.to_seq as bigint), requeued: r.requeued === true, rows: Number(r.rows) }));
  if (pending.length === 0) return;
  const held: typeof pending = [];
  for (const b of pending) {
    const onTarget = b.requeued
      ? (await sink.holdsBatch?.({ batchId: b.batchId, afterSeq: b.toSeq, toSeq: b.toSeq, requeued: true })) === true
      : b.toSeq <= position;
    if (onTarget) held.push(b);
  }
  await inTransaction(c, async () => {
    for (const b of held) {
      await c.run('UPDATE sink_sent SET confirmed = true WHERE sink = $1 AND NOT confirmed AND batch_id = $2', [sink.name, b.batchId]);
      if (b.requeued) await c.run('UPDATE sink_position SET delivered = delivered + $2, last_batch_id = $3, updated_at = now() WHERE sink = $1', [sink.name, b.rows, b.batchId]);
    }
    await c.run('DELETE FROM sink_sent WHERE sink = $1 AND NOT confirmed', [sink.name]);
  });
}

/** Which of `eventIds` were confirmed sent to `sink`. */
export async function sentEventIds(c: DuckDBConnection, sink: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = (await c.runAndReadAll(
    `SELECT DISTINCT event_id FROM sink_sent WHERE sink = $1 AND confirmed AND event_id IN (${eventIds.map((id) => quoteLiteral(id)).join(', ')})`, [sink],
  )).getRows();
  return new Set(rows.map((r) => String(r[0])));
}
