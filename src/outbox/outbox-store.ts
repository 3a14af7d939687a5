/**
 * The relay's reads and writes of the outbox table (outbox-ddl.ts, states in outbox-states.ts), on
 * the caller's DuckDB connection. The connection must not be inside a transaction:
 * {@link OutboxStore.settle} and {@link OutboxStore.releaseOrphans} run their own.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PushError } from '../push/errors.ts';
import { messageKeySql } from './event-format.ts';
import { heldSql, parkedSql, pendingSql } from './outbox-states.ts';
import { resequenceTails } from './resequence.ts';

/** One outbox row, as the relay reads it. */
export interface OutboxEvent {
  /** outbox.seq */
  seq: bigint;
  /** outbox.event_id, the envelope's `id`. */
  eventId: string;
  /** 'person' | 'legal_person' | 'record' */
  entity: string;
  /** 'c' | 'u' | 'd' */
  op: string;
  /** The one code (the envelope's `code`). */
  code: string;
  /** The envelope as JSON text: the message value. */
  event: string;
  /** outbox.resource_code: the catalogue's resource code of the pipeline that wrote it, or null (none; or not read). */
  resourceCode?: string | null;
  /** outbox.provider_code, likewise. */
  providerCode?: string | null;
}

/** A parked event: its seq and the reason stored in outbox.parked_reason. */
export interface Parked {
  seq: bigint;
  reason: string;
}

/** An event held back behind the parked event `by` (a seq) of the same topic and key. */
export interface Held {
  seq: bigint;
  by: bigint;
}

/** What {@link OutboxStore.settle} writes, in one transaction. */
export interface Settlement {
  /** Acknowledged by the broker, or found on it: published_at = now. */
  published: readonly bigint[];
  /** parked_reason and parked_at = now. */
  parked: readonly Parked[];
  /** held_by. */
  held: readonly Held[];
}

/** The identity of a topic and message key, as {@link OutboxStore.blockedKeys} gives it: entity (one topic each) and key. */
export function keyId(entity: string, key: string): string {
  return `${entity}\u0000${key}`;
}

/** Access to the outbox table for the relay. */
export interface OutboxStore {
  /** Number of pending events (neither published, parked, held nor skipped). */
  countPending(): Promise<number>;
  /** Up to `limit` pending events with seq > `afterSeq`, in seq order. */
  readPending(afterSeq: bigint, limit: number): Promise<OutboxEvent[]>;
  /**
   * The keys that parked events block ({@link keyId} → seq of the key's first parked event):
   * a later event of such a key is held, not published.
   */
  blockedKeys(): Promise<Map<string, bigint>>;
  /** Writes what a batch came to, in one transaction. */
  settle(settlement: Settlement): Promise<void>;
  /**
   * Releases events held behind an event that is no longer parked (its parked_reason was cleared
   * by hand, say): each such key's unpublished tail from that event on (the event too, unless it
   * was published or skipped) gets new seqs (resequence.ts) and becomes pending again. Run before
   * reading back the broker's highest seqs.
   * @returns the number of events released.
   */
  releaseOrphans(): Promise<number>;
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

  const inTransaction = async (work: () => Promise<void>): Promise<void> => {
    await connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => {});
      throw error;
    }
  };

  return {
    countPending: async () => {
      try {
        const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM outbox WHERE ${pendingSql()}`);
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
            // No message key here: the publisher takes it from the envelope it parses anyway
            // (parsing record envelopes in SQL doubled the time of a batch).
            `SELECT seq, event_id, entity, op, code, CAST(event AS VARCHAR) AS event, resource_code, provider_code
               FROM outbox
              WHERE ${pendingSql()} AND seq > $1
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
          resourceCode: row.resource_code === null ? null : String(row.resource_code),
          providerCode: row.provider_code === null ? null : String(row.provider_code),
        }));
      } catch (error) {
        throw fail('read', error);
      }
    },

    blockedKeys: async () => {
      try {
        const reader = await connection.runAndReadAll(
          `SELECT entity, key, min(seq) AS seq FROM (SELECT entity, seq, ${messageKeySql()} AS key FROM outbox WHERE ${parkedSql()})
            WHERE key IS NOT NULL GROUP BY entity, key`,
        );
        return new Map(reader.getRowObjectsJS().map((r) => [keyId(String(r.entity), String(r.key)), BigInt(r.seq as bigint)]));
      } catch (error) {
        throw fail('read', error);
      }
    },

    settle: async ({ published, parked, held }) => {
      if (published.length === 0 && parked.length === 0 && held.length === 0) return;
      const now = new Date().toISOString();
      try {
        await inTransaction(async () => {
          // seqs are bigints produced by this module: safe to inline, and far faster than 1,000 parameters.
          if (published.length > 0) {
            // Seqs are unique: as many as the span from the lowest to the highest means every seq
            // of the span, and the range alone says it (an IN list of thousands costs more to parse).
            const [lo, hi] = [min(published), max(published)];
            const dense = hi - lo + 1n === BigInt(published.length);
            await connection.run(
              `UPDATE outbox SET published_at = CAST($1 AS TIMESTAMPTZ)
                WHERE published_at IS NULL AND seq BETWEEN ${lo} AND ${hi}
                  ${dense ? '' : `AND seq IN (${published.map((s) => s.toString()).join(',')})`}`,
              [now],
            );
          }
          for (const p of parked) {
            await connection.run('UPDATE outbox SET parked_reason = $1, parked_at = now() WHERE seq = $2 AND published_at IS NULL', [p.reason, p.seq]);
          }
          const byBlocker = new Map<bigint, bigint[]>();
          for (const h of held) byBlocker.set(h.by, [...(byBlocker.get(h.by) ?? []), h.seq]);
          for (const [by, seqs] of byBlocker) {
            await connection.run(
              `UPDATE outbox SET held_by = ${by} WHERE published_at IS NULL AND seq BETWEEN ${min(seqs)} AND ${max(seqs)}
                  AND seq IN (${seqs.map((s) => s.toString()).join(',')})`,
            );
          }
        });
      } catch (error) {
        throw fail('update', error);
      }
    },

    releaseOrphans: async () => {
      try {
        const reader = await connection.runAndReadAll(`
          SELECT h.entity, ${messageKeySql('h')} AS key, min(h.held_by) AS from_seq
          FROM outbox h WHERE ${heldSql('h')}
            AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.seq = h.held_by AND ${parkedSql('p')})
          GROUP BY ALL`);
        const tails = reader
          .getRowObjectsJS()
          .filter((r) => r.key !== null)
          .map((r) => ({ entity: String(r.entity), key: String(r.key), fromSeq: BigInt(r.from_seq as bigint) }));
        if (tails.length === 0) return 0;
        let released = 0;
        await inTransaction(async () => {
          released = (await resequenceTails(connection, tails)).length;
        });
        return released;
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
