/**
 * What an operator does with parked events (`onecode push --requeue-parked` / `--skip-parked`):
 * put them back in the queue once their cause is fixed (the topic's `max.message.bytes` raised),
 * or skip them for good, with who, when and why. Either way the events of the same topic and key
 * that waited behind them go on, under new seqs (resequence.ts explains why).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../index/in-transaction.ts';
import { ConfigError } from '../errors.ts';
import { messageKeySql } from './event-format.ts';
import { stateSql } from './outbox-states.ts';
import { resequenceTails, type KeyTail, type Resequenced } from './resequence.ts';

/** What {@link requeueParked} or {@link skipParked} did. */
export interface ParkedActionResult {
  /** Parked events re-queued (pending again) or skipped. */
  events: number;
  /** Events of the same keys that waited behind them (held or not yet pushed) and go on now. */
  released: number;
  /** Every event given a new seq, in order (the re-queued ones too). */
  resequenced: Resequenced[];
}

/** Who does it: recorded in `requeued_by` / `skipped_by`. */
export interface Operator {
  by: string;
}

/**
 * Puts parked events back in the queue: clears `parked_reason` (keeps `parked_at`), records
 * `requeued_at` and `requeued_by`, and gives each of them and the unpublished events of its key
 * after it new seqs, in order. One transaction on the caller's connection (not inside one).
 * @param options.seqs the parked events to re-queue; all parked events when omitted.
 * @throws ConfigError `outbox_not_parked` (exit 2) when a seq is not a parked event; nothing changes then.
 */
export async function requeueParked(connection: DuckDBConnection, options: Operator & { seqs?: readonly bigint[] }): Promise<ParkedActionResult> {
  return inTransaction(connection, async () => {
    const targets = await parkedTargets(connection, options.seqs);
    if (targets.length === 0) return { events: 0, released: 0, resequenced: [] };
    await connection.run(
      `UPDATE outbox SET parked_reason = NULL, requeued_at = now(), requeued_by = $1 WHERE seq IN (${targets.map((t) => t.fromSeq).join(',')})`,
      [options.by],
    );
    const resequenced = await resequenceTails(connection, targets);
    return { events: targets.length, released: resequenced.length - targets.length, resequenced };
  });
}

/**
 * Skips parked events for good: records `skipped_at`, `skipped_by` and `skip_reason` (the event
 * keeps its `parked_reason` and is never published), and gives the unpublished events of its key
 * after it new seqs, in order, so that they go on. One transaction on the caller's connection.
 * @throws ConfigError `outbox_not_parked` when a seq is not a parked event, `skip_reason_missing`
 *   for an empty reason; nothing changes then.
 */
export async function skipParked(
  connection: DuckDBConnection,
  options: Operator & { seqs: readonly bigint[]; reason: string },
): Promise<ParkedActionResult> {
  if (options.reason.trim() === '') {
    throw new ConfigError('skip_reason_missing', 'skipping parked events needs a reason (--reason TEXT): it is recorded with the events');
  }
  if (options.seqs.length === 0) return { events: 0, released: 0, resequenced: [] };
  return inTransaction(connection, async () => {
    const targets = await parkedTargets(connection, options.seqs);
    await connection.run(
      `UPDATE outbox SET skipped_at = now(), skipped_by = $1, skip_reason = $2 WHERE seq IN (${targets.map((t) => t.fromSeq).join(',')})`,
      [options.by, options.reason.trim()],
    );
    const resequenced = await resequenceTails(connection, targets.filter((t) => t.key !== null));
    return { events: targets.length, released: resequenced.length, resequenced };
  });
}

/**
 * The tails of the parked events `seqs` (all parked events when undefined).
 * @throws ConfigError outbox_not_parked naming each seq that is not parked and what it is.
 */
async function parkedTargets(connection: DuckDBConnection, seqs: readonly bigint[] | undefined): Promise<KeyTail[]> {
  const wanted = seqs === undefined ? undefined : [...new Set(seqs)];
  if (wanted !== undefined && wanted.length === 0) return [];
  const reader = await connection.runAndReadAll(`
    SELECT seq, entity, ${messageKeySql()} AS key, ${stateSql()} AS state FROM outbox
    WHERE ${wanted === undefined ? `${stateSql()} = 'parked'` : `seq IN (${wanted.join(',')})`} ORDER BY seq`);
  const rows = reader.getRowObjectsJS().map((r) => ({
    seq: BigInt(r.seq as bigint),
    entity: String(r.entity),
    key: r.key === null ? null : String(r.key),
    state: String(r.state),
  }));
  if (wanted !== undefined) {
    const found = new Map(rows.map((r) => [r.seq, r.state]));
    const wrong = wanted.filter((s) => found.get(s) !== 'parked').map((s) => (found.has(s) ? `seq ${s} is ${found.get(s)}` : `no event has seq ${s}`));
    if (wrong.length > 0) {
      throw new ConfigError(
        'outbox_not_parked',
        `only parked events can be re-queued or skipped: ${wrong.join('; ')} (onecode status lists the parked events); nothing was changed`,
      );
    }
  }
  return rows.map((r) => ({ entity: r.entity, key: r.key, fromSeq: r.seq }));
}
