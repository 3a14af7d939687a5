/**
 * Each sink's state in the index, beside the outbox: its position and its parked events
 * (docs/sinks.md). The outbox stays the single source of changes; a sink never marks the outbox.
 *
 * - `sink_position`, one row per sink: `last_seq`, the highest outbox seq the target confirmed
 *   (every event at or below it is on the target or parked for this sink), advanced only after the
 *   target committed the batch with its own copy of the position; `last_batch_id`, `delivered`
 *   (rows written so far), `updated_at`.
 * - `sink_parked`, one row per event a sink refused (its policy cannot be applied, or it is no row
 *   the target takes), or held behind such an event of the same key (`held_by`, the parked seq), so
 *   that the target never gets a key's update without its create. Parked for that sink only: the
 *   other sinks and Kafka go on. An operator re-queues a parked event (`requeued_at`,
 *   `requeued_by`) once its cause is fixed, or skips it for good (`skipped_at`, `skipped_by`,
 *   `skip_reason`), as `onecode push` does with Kafka's (src/outbox/parked-events.ts); either way
 *   the events of its key held behind it go on. Re-queued events are delivered again below the
 *   position (`redelivered_at`; deliver.ts); a row is kept, never deleted, for the record.
 *
 * The state of a `sink_parked` row: `skipped` (skipped_at), `redelivered` (redelivered_at), else
 * open: `requeued` (requeued_at: waits for the next delivery), `parked` (held_by NULL) or `held`.
 * Open rows block their key: a later event of it is held behind the key's first open row.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../index/in-transaction.ts';
import { heldSql, parkedSql, pendingSql, publishedSql, skippedSql } from '../outbox/outbox-states.ts';
import { KAFKA_SINK_NAME } from './sink.ts';
import { confirmSentUpToSql, forgetSentAboveSql } from './sink-sent.ts';

/** Tables of the sinks' state (INDEX_DDL; index schema migration 9). */
export const SINK_STATE_DDL = `
CREATE TABLE IF NOT EXISTS sink_position (
  sink VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  last_seq BIGINT NOT NULL,
  last_batch_id VARCHAR,
  delivered BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS sink_parked (
  sink VARCHAR NOT NULL,
  seq BIGINT NOT NULL,
  event_id VARCHAR NOT NULL,
  entity VARCHAR NOT NULL,
  key VARCHAR,
  reason VARCHAR NOT NULL,
  held_by BIGINT,
  parked_at TIMESTAMPTZ NOT NULL,
  requeued_at TIMESTAMPTZ,
  requeued_by VARCHAR,
  skipped_at TIMESTAMPTZ,
  skipped_by VARCHAR,
  skip_reason VARCHAR,
  redelivered_at TIMESTAMPTZ
);
`;

/** Brings `sink_parked` of index schema versions 9-10 up to {@link SINK_STATE_DDL} (migration 11): re-queue, skip and redelivery columns. Idempotent. */
export const SINK_STATE_MIGRATION_OPERATOR = `
ALTER TABLE sink_parked ADD COLUMN IF NOT EXISTS requeued_at TIMESTAMPTZ;
ALTER TABLE sink_parked ADD COLUMN IF NOT EXISTS requeued_by VARCHAR;
ALTER TABLE sink_parked ADD COLUMN IF NOT EXISTS skipped_at TIMESTAMPTZ;
ALTER TABLE sink_parked ADD COLUMN IF NOT EXISTS skipped_by VARCHAR;
ALTER TABLE sink_parked ADD COLUMN IF NOT EXISTS skip_reason VARCHAR;
ALTER TABLE sink_parked ADD COLUMN IF NOT EXISTS redelivered_at TIMESTAMPTZ;
`;

/** A `sink_parked` row that still blocks its key: neither skipped nor delivered again (alias prefix `a`). */
export function openParkedSql(a = ''): string {
  const p = a === '' ? '' : `${a}.`;
  return `(${p}skipped_at IS NULL AND ${p}redelivered_at IS NULL)`;
}

/** An event parked for one sink. */
export interface SinkParked {
  seq: bigint;
  eventId: string;
  entity: string;
  /** Its key in the outbox (event-format.ts messageKeySql), null when it has none. */
  key: string | null;
  reason: string;
  /** The parked seq it waits behind (same key), or null for an event refused itself. */
  heldBy: bigint | null;
}

/** The sink's position in the index: 0 when it has delivered nothing. */
export async function indexPosition(c: DuckDBConnection, sink: string): Promise<bigint> {
  const rows = (await c.runAndReadAll('SELECT last_seq FROM sink_position WHERE sink = $1', [sink])).getRows();
  return rows.length === 0 ? 0n : BigInt(rows[0]![0] as bigint);
}

/** The keys blocked for `sink`: `entity \0 key` → the seq of the key's first parked event. */
export async function blockedKeys(c: DuckDBConnection, sink: string): Promise<Map<string, bigint>> {
  const rows = (await c.runAndReadAll(
    `SELECT entity, key, min(seq) FROM sink_parked WHERE sink = $1 AND key IS NOT NULL AND ${openParkedSql()} GROUP BY ALL`, [sink])).getRows();
  return new Map(rows.map(([entity, key, seq]) => [`${String(entity)}\u0000${String(key)}`, BigInt(seq as bigint)]));
}

/**
 * Records a batch the target confirmed: its parked events and the new position, in one DuckDB
 * transaction on `c` (not inside one), with the event ids sent up to it confirmed (sink-sent.ts).
 */
export async function settleBatch(
  c: DuckDBConnection,
  s: { sink: string; kind: string; toSeq: bigint; batchId: string; written: number; parked: readonly SinkParked[] },
): Promise<void> {
  await inTransaction(c, async () => {
    for (const p of s.parked) {
      await c.run('INSERT INTO sink_parked (sink, seq, event_id, entity, key, reason, held_by, parked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())', [
        s.sink, p.seq, p.eventId, p.entity, p.key, p.reason, p.heldBy,
      ]);
    }
    const before = (await c.runAndReadAll('SELECT delivered FROM sink_position WHERE sink = $1', [s.sink])).getRows();
    const delivered = (before.length === 0 ? 0n : BigInt(before[0]![0] as bigint)) + BigInt(s.written);
    await c.run('DELETE FROM sink_position WHERE sink = $1', [s.sink]);
    await c.run('INSERT INTO sink_position VALUES ($1, $2, $3, $4, $5, now())', [s.sink, s.kind, s.toSeq, s.batchId, delivered]);
    await c.run(confirmSentUpToSql, [s.sink, s.toSeq]);
  });
}

/**
 * Moves the sink's position back to `seq` (the target holds less than the index says: a new or
 * restored target): parked events above it, and the event ids sent above it (sink-sent.ts), are
 * forgotten, as they will be decided again.
 */
export async function rewindPosition(c: DuckDBConnection, sink: string, kind: string, seq: bigint): Promise<void> {
  await inTransaction(c, async () => {
    await c.run('DELETE FROM sink_parked WHERE sink = $1 AND seq > $2', [sink, seq]);
    await c.run(forgetSentAboveSql, [sink, seq]);
    await c.run('UPDATE sink_position SET last_seq = $2, kind = $3, updated_at = now() WHERE sink = $1', [sink, seq, kind]);
  });
}

/** Per sink: position, rows delivered, parked and held counts, for `onecode status` and `deliver`. */
export interface SinkStatus {
  sink: string;
  kind: string;
  last_seq: number;
  delivered: number;
  parked: number;
  held: number;
  /** Outbox events above its position. */
  behind: number;
}

/** The status of every sink the index has state for. */
export async function readSinkStatus(c: DuckDBConnection): Promise<SinkStatus[]> {
  const rows = (await c.runAndReadAll(`
    SELECT p.sink, p.kind, p.last_seq, p.delivered,
           (SELECT count(*) FROM sink_parked k WHERE k.sink = p.sink AND k.held_by IS NULL AND ${openParkedSql('k')}) AS parked,
           (SELECT count(*) FROM sink_parked k WHERE k.sink = p.sink AND k.held_by IS NOT NULL AND ${openParkedSql('k')}) AS held,
           (SELECT count(*) FROM outbox o WHERE o.seq > p.last_seq) AS behind
    FROM sink_position p ORDER BY p.sink`)).getRowObjectsJS();
  return rows.map((r) => ({
    sink: String(r.sink), kind: String(r.kind), last_seq: Number(r.last_seq), delivered: Number(r.delivered),
    parked: Number(r.parked), held: Number(r.held), behind: Number(r.behind),
  }));
}

/**
 * The Kafka sink's line of `status` (kafka-sink.ts): its position is the seq before the first pending outbox event
 * (every event at or below it is published, parked, held or skipped), else the last seq;
 * `delivered` the published events, `parked` and `held` the outbox's, `behind` the pending ones.
 * Undefined while Kafka has never taken or refused an event (no event published, parked or skipped).
 */
export async function readKafkaStatus(c: DuckDBConnection): Promise<SinkStatus | undefined> {
  const row = (await c.runAndReadAll(`
    SELECT count(*) FILTER (WHERE ${publishedSql()}) AS delivered, count(*) FILTER (WHERE ${parkedSql()}) AS parked,
           count(*) FILTER (WHERE ${heldSql()}) AS held, count(*) FILTER (WHERE ${pendingSql()}) AS behind,
           count(*) FILTER (WHERE ${skippedSql()}) AS skipped,
           coalesce(min(seq) FILTER (WHERE ${pendingSql()}) - 1, max(seq), 0) AS last_seq
    FROM outbox`)).getRowObjectsJS()[0]!;
  const n = (k: string): number => Number(row[k] ?? 0);
  if (n('delivered') + n('parked') + n('skipped') === 0) return undefined;
  return { sink: KAFKA_SINK_NAME, kind: 'kafka', last_seq: n('last_seq'), delivered: n('delivered'), parked: n('parked'), held: n('held'), behind: n('behind') };
}

