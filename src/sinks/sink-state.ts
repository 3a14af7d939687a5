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
 *   other sinks and Kafka go on.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

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
  parked_at TIMESTAMPTZ NOT NULL
);
`;

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
    `SELECT entity, key, min(seq) FROM sink_parked WHERE sink = $1 AND key IS NOT NULL GROUP BY ALL`, [sink])).getRows();
  return new Map(rows.map(([entity, key, seq]) => [`${String(entity)}\u0000${String(key)}`, BigInt(seq as bigint)]));
}

/**
 * Records a batch the target confirmed: its parked events and the new position, in one DuckDB
 * transaction on `c` (not inside one).
 */
export async function settleBatch(
  c: DuckDBConnection,
  s: { sink: string; kind: string; toSeq: bigint; batchId: string; written: number; parked: readonly SinkParked[] },
): Promise<void> {
  await c.run('BEGIN TRANSACTION');
  try {
    for (const p of s.parked) {
      await c.run('INSERT INTO sink_parked VALUES ($1, $2, $3, $4, $5, $6, $7, now())', [
        s.sink, p.seq, p.eventId, p.entity, p.key, p.reason, p.heldBy,
      ]);
    }
    const before = (await c.runAndReadAll('SELECT delivered FROM sink_position WHERE sink = $1', [s.sink])).getRows();
    const delivered = (before.length === 0 ? 0n : BigInt(before[0]![0] as bigint)) + BigInt(s.written);
    await c.run('DELETE FROM sink_position WHERE sink = $1', [s.sink]);
    await c.run('INSERT INTO sink_position VALUES ($1, $2, $3, $4, $5, now())', [s.sink, s.kind, s.toSeq, s.batchId, delivered]);
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Moves the sink's position back to `seq` (the target holds less than the index says: a new or
 * restored target): parked events above it are forgotten, as they will be decided again.
 */
export async function rewindPosition(c: DuckDBConnection, sink: string, kind: string, seq: bigint): Promise<void> {
  await c.run('BEGIN TRANSACTION');
  try {
    await c.run('DELETE FROM sink_parked WHERE sink = $1 AND seq > $2', [sink, seq]);
    await c.run('UPDATE sink_position SET last_seq = $2, kind = $3, updated_at = now() WHERE sink = $1', [sink, seq, kind]);
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
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
           (SELECT count(*) FROM sink_parked k WHERE k.sink = p.sink AND k.held_by IS NULL) AS parked,
           (SELECT count(*) FROM sink_parked k WHERE k.sink = p.sink AND k.held_by IS NOT NULL) AS held,
           (SELECT count(*) FROM outbox o WHERE o.seq > p.last_seq) AS behind
    FROM sink_position p ORDER BY p.sink`)).getRowObjectsJS();
  return rows.map((r) => ({
    sink: String(r.sink), kind: String(r.kind), last_seq: Number(r.last_seq), delivered: Number(r.delivered),
    parked: Number(r.parked), held: Number(r.held), behind: Number(r.behind),
  }));
}
