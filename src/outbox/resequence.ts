/**
 * Gives the unpublished tail of a message key new seqs, above every seq the outbox has handed out.
 *
 * Why: the relay proves exactly-once delivery by reading back the highest `onecode-seq` of each
 * partition and taking every pending event at or below it as already on the broker
 * (src/push/relay.ts). That holds because each partition is written in seq order. An event that
 * waited behind a parked one (or the parked one itself, re-queued) was passed by later events of
 * other keys in its partition: under its old seq it would be taken as published without being sent.
 * Under a new seq, above anything ever written, it is sent after them, and every partition stays
 * in seq order, so consumers that keep the last seq per partition keep working too.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../index/sql-text.ts';
import { messageKeySql, withSeqSql } from './event-format.ts';
import { unpublishedSql } from './outbox-states.ts';

/** The tail of one key: its unpublished, unskipped events from `fromSeq` on (inclusive). */
export interface KeyTail {
  entity: string;
  /** Message key (event-format.ts, messageKey); null for an event without one: then the tail is that event alone. */
  key: string | null;
  fromSeq: bigint;
}

/** One event given a new seq. */
export interface Resequenced {
  oldSeq: bigint;
  newSeq: bigint;
}

/**
 * Gives every unpublished, unskipped event of each tail a new seq from `outbox_seq`, in the order
 * of their old seqs (across tails too), rewrites the envelope's `seq` to match, keeps the seq it
 * was written with in `first_seq`, and clears `held_by` (the relay decides again at the next push:
 * an event still behind a parked one is held again). Parked events in a tail stay parked.
 *
 * Runs on the caller's connection inside the caller's transaction.
 * @returns old and new seq of every event moved, in order.
 * @throws Error when an envelope's seq could not be rewritten (it does not start as
 *   event-format.ts writes it); the caller rolls back.
 */
export async function resequenceTails(connection: DuckDBConnection, tails: readonly KeyTail[]): Promise<Resequenced[]> {
  if (tails.length === 0) return [];
  const rows = tails.map((t) => `(${quoteLiteral(t.entity)}, ${t.key === null ? 'NULL::VARCHAR' : quoteLiteral(t.key)}, ${t.fromSeq.toString()}::BIGINT)`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE reseq_tail AS SELECT * FROM (VALUES ${rows.join(', ')}) t(entity, key, from_seq)`);
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE reseq_old AS
    SELECT DISTINCT o.seq FROM outbox o JOIN reseq_tail t
      ON o.entity = t.entity AND (${messageKeySql('o')} = t.key AND o.seq >= t.from_seq OR t.key IS NULL AND o.seq = t.from_seq)
    WHERE ${unpublishedSql('o')}`);
  const count = Number((await connection.runAndReadAll('SELECT count(*) FROM reseq_old')).getRows()[0]![0]);
  if (count === 0) return [];
  // nextval in a statement of its own: the sequence hands out `count` values above every earlier
  // one; they are paired with the old seqs by rank, so the tail keeps its order.
  await connection.run(`CREATE OR REPLACE TEMP TABLE reseq_new AS SELECT nextval('outbox_seq') AS seq FROM range(${count})`);
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE reseq_map AS
    SELECT o.seq AS old_seq, n.seq AS new_seq
    FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS rn FROM reseq_old) o
    JOIN (SELECT seq, row_number() OVER (ORDER BY seq) AS rn FROM reseq_new) n USING (rn)`);
  await connection.run(`
    UPDATE outbox SET seq = m.new_seq, first_seq = coalesce(outbox.first_seq, outbox.seq), held_by = NULL,
                      event = ${withSeqSql('outbox.event', 'm.new_seq')}
    FROM reseq_map m WHERE outbox.seq = m.old_seq`);
  const wrong = Number((await connection.runAndReadAll(`
    SELECT count(*) FROM outbox WHERE seq IN (SELECT new_seq FROM reseq_map)
      AND TRY_CAST(json_extract_string(event, '$.seq') AS BIGINT) IS DISTINCT FROM seq`)).getRows()[0]![0]);
  if (wrong > 0) {
    throw new Error(`${wrong} outbox event(s) could not be given a new seq: their envelope does not start with schema, id and seq as the outbox writes it (src/outbox/event-format.ts)`);
  }
  const moved = (await connection.runAndReadAll('SELECT old_seq, new_seq FROM reseq_map ORDER BY old_seq')).getRows();
  await connection.run('DROP TABLE IF EXISTS reseq_tail; DROP TABLE IF EXISTS reseq_old; DROP TABLE IF EXISTS reseq_new; DROP TABLE IF EXISTS reseq_map');
  return moved.map(([o, n]) => ({ oldSeq: BigInt(o as bigint), newSeq: BigInt(n as bigint) }));
}
