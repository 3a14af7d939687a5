/**
 * The relay's reads and writes of the outbox table (DDL in outbox-ddl.ts), on the caller's DuckDB
 * connection. The connection must not be inside a transaction: {@link OutboxStore.settle} runs its
 * own.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PushError } from './errors.ts';
import type { OutboxEvent } from './publisher.ts';

/** A parked event: its seq and the reason stored in outbox.parked_reason. */
export interface Parked {
  seq: bigint;
  reason: string;
}

/** Access to the outbox table for the relay. */
export interface OutboxStore {
  /** Number of events neither published nor parked. */
  countPending(): Promise<number>;
  /** Up to `limit` pending events with seq > `afterSeq`, in seq order. */
  readPending(afterSeq: bigint, limit: number): Promise<OutboxEvent[]>;
  /** In one transaction: sets published_at (now) on `published` and parked_reason on `parked`. */
  settle(published: readonly bigint[], parked: readonly Parked[]): Promise<void>;
}

/** An {@link OutboxStore} on `connection`. Every method throws PushError OUTBOX_FAILED on a DuckDB error. */
export function createOutboxStore(connection: DuckDBConnection): OutboxStore {
  const fail = (doing: string, error: unknown): PushError =>
    new PushError({
      code: 'OUTBOX_FAILED',
      retriable: false,
      message: `Outbox ${doing} failed: ${(error as Error).message}. Check that the outbox table exists (OUTBOX_DDL) and that the connection is not inside a transaction.`,
      cause: error,
    });

  return {
    countPending: async () => {
      try {
        const reader = await connection.runAndReadAll(
          'SELECT count(*)::BIGINT AS n FROM outbox WHERE published_at IS NULL AND parked_reason IS NULL',
        );
        return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
      } catch (error) {
        throw fail('count', error);
      }
    },

    readPending: async (afterSeq, limit) => {
      try {
        // seq is dense within a run, so a bounded window finds the next batch without sorting
        // every later pending event; when the window holds fewer than `limit` events (gaps, or
        // the end of the outbox) the unbounded query decides.
        const query = (bounded: boolean) =>
          connection.runAndReadAll(
            `SELECT seq, event_id, entity, op, code, CAST(event AS VARCHAR) AS event
               FROM outbox
              WHERE published_at IS NULL AND parked_reason IS NULL AND seq > $1
                ${bounded ? 'AND seq <= $1 + 4 * $2' : ''}
              ORDER BY seq
              LIMIT $2`,
            [afterSeq, limit],
          );
        let reader = await query(true);
        if (reader.currentRowCount < limit) reader = await query(false);
        return reader.getRowObjectsJS().map((row) => ({
          seq: BigInt(row.seq as bigint),
          eventId: String(row.event_id),
          entity: String(row.entity),
          op: String(row.op),
          code: String(row.code),
          event: String(row.event),
        }));
      } catch (error) {
        throw fail('read', error);
      }
    },

    settle: async (published, parked) => {
      if (published.length === 0 && parked.length === 0) return;
      const now = new Date().toISOString();
      try {
        await connection.run('BEGIN TRANSACTION');
        try {
          // seqs are bigints produced by this module: safe to inline, and far faster than 1,000 parameters.
          if (published.length > 0) {
            await connection.run(
              `UPDATE outbox SET published_at = CAST($1 AS TIMESTAMPTZ)
                WHERE published_at IS NULL AND seq BETWEEN ${min(published)} AND ${max(published)}
                  AND seq IN (${published.map((s) => s.toString()).join(',')})`,
              [now],
            );
          }
          for (const p of parked) {
            await connection.run('UPDATE outbox SET parked_reason = $1 WHERE seq = $2 AND published_at IS NULL', [
              p.reason,
              p.seq,
            ]);
          }
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => {});
          throw error;
        }
      } catch (error) {
        throw fail('update', error);
      }
    },
  };
}

// The BETWEEN bounds let DuckDB skip row groups by their seq min/max (zone maps); an IN list
// alone scans the whole outbox for every batch.
function min(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b < a ? b : a));
}

function max(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}
