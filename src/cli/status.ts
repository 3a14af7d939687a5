import type { DuckDBConnection } from '@duckdb/node-api';
import { resultRows } from '../index/result-rows.ts';
import { heldSql, parkedSql, pendingSql, publishedSql, skippedSql } from '../outbox/outbox-states.ts';
import { readKafkaStatus, readSinkStatus, type SinkStatus } from '../sinks/sink-state.ts';

/** An outbox event the relay parked instead of publishing (e.g. larger than the broker's limit). */
export interface ParkedEvent {
  seq: number;
  entity: string;
  op: string;
  run_id: string;
  /** Why it was parked, as the relay recorded it; says what to do. */
  reason: string;
  /** Later events of its topic and message key held behind it (outbox `held_by`). */
  holding: number;
}

/** A parked event an operator skipped (`onecode push --skip-parked`). */
export interface SkippedEvent {
  seq: number;
  entity: string;
  op: string;
  run_id: string;
  /** When, who, and why (outbox `skipped_at`, `skipped_by`, `skip_reason`). */
  skipped_at: string;
  skipped_by: string;
  reason: string;
}

/** Parked (and skipped) events listed by `status` (newest first); the counts cover all. */
export const PARKED_LISTED = 20;

/** What `onecode status` reports. */
export interface IndexStatus {
  persons: number;
  legal_persons: number;
  records: { system: string; pipeline: string; records: number }[];
  /**
   * Per pipeline holding legacy-coded records: how many carried a 15-digit resident identity
   * number upgraded to its 18-character form, how many were linked to a one code through an
   * organisation code or registration number, and how many wait unlinked for their alias to
   * appear (src/index/linkage.ts).
   */
  linkage: { pipeline: string; system: string; upgraded: number; linked: number; unlinked: number }[];
  quarantine: { reason_code: string; rows: number }[];
  /**
   * Outbox events by state (src/outbox/outbox-states.ts): `held` wait behind a parked event of
   * their topic and key; `skipped` were parked and skipped by an operator.
   */
  outbox: { pending: number; published: number; parked: number; held: number; skipped: number; parked_events: ParkedEvent[]; skipped_events: SkippedEvent[] };
  /**
   * Each sink's position, rows delivered, events parked and held for it, and outbox events after
   * its position (src/sinks/sink-state.ts); Kafka's first, read from the outbox's marks, once it has
   * taken or refused an event (src/sinks/kafka-sink.ts).
   */
  sinks: SinkStatus[];
  recent_runs: Record<string, unknown>[];
}

const rows = async (c: DuckDBConnection, sql: string) => resultRows(await c.runAndReadAll(sql));

/**
 * Reads the index's status through the analyst views. The counts are read in one statement: each
 * statement is a round trip to DuckDB's threads, and `status` is a command people run often
 * (issue 11: its start is measured against `node -e 0`).
 */
export async function readStatus(c: DuckDBConnection): Promise<IndexStatus> {
  const [counts] = await rows(c, `
    SELECT (SELECT count(*) FROM persons) AS persons, (SELECT count(*) FROM legal_persons) AS legal_persons,
           count(*) FILTER (WHERE ${pendingSql()}) AS pending, count(*) FILTER (WHERE ${publishedSql()}) AS published,
           count(*) FILTER (WHERE ${parkedSql()}) AS parked, count(*) FILTER (WHERE ${heldSql()}) AS held,
           count(*) FILTER (WHERE ${skippedSql()}) AS skipped
    FROM changes`);
  const count = (name: string): number => Number(counts?.[name] ?? 0);
  return {
    persons: count('persons'),
    legal_persons: count('legal_persons'),
    records: (await rows(c, 'SELECT system, pipeline, count(*) AS records FROM records GROUP BY ALL ORDER BY pipeline')).map((r) => ({ system: String(r.system), pipeline: String(r.pipeline), records: Number(r.records) })),
    linkage: (await rows(c, `
      SELECT pipeline, system, count(*) FILTER (WHERE upgraded) AS upgraded,
             count(*) FILTER (WHERE code_status = 'linked') AS linked, count(*) FILTER (WHERE code_status = 'unlinked') AS unlinked
      FROM (SELECT pipeline, system, code_status, contains(CAST(flags AS VARCHAR), '"upgraded_from_15_digits"') AS upgraded FROM records WHERE flags IS NOT NULL OR code_status <> 'valid')
      WHERE upgraded OR code_status IN ('linked', 'unlinked') GROUP BY ALL ORDER BY pipeline`))
      .map((r) => ({ pipeline: String(r.pipeline), system: String(r.system), upgraded: Number(r.upgraded), linked: Number(r.linked), unlinked: Number(r.unlinked) })),
    quarantine: (await rows(c, `
      SELECT reason_code, count(*) AS rows FROM (SELECT unnest(reason_codes) AS reason_code FROM quarantine)
      GROUP BY ALL ORDER BY rows DESC, reason_code`)).map((r) => ({ reason_code: String(r.reason_code), rows: Number(r.rows) })),
    outbox: {
      pending: count('pending'),
      published: count('published'),
      parked: count('parked'),
      held: count('held'),
      skipped: count('skipped'),
      parked_events: (await rows(c, `
        SELECT p.seq, p.entity, p.op, p.run_id, p.parked_reason, (SELECT count(*) FROM changes h WHERE h.held_by = p.seq AND ${heldSql('h')}) AS holding
        FROM changes p WHERE ${parkedSql('p')} ORDER BY p.seq DESC LIMIT ${PARKED_LISTED}`))
        .map((r) => ({ seq: Number(r.seq), entity: String(r.entity), op: String(r.op), run_id: String(r.run_id), reason: String(r.parked_reason), holding: Number(r.holding) })),
      skipped_events: (await rows(c, `
        SELECT seq, entity, op, run_id, strftime(skipped_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS skipped_at, skipped_by, skip_reason
        FROM changes WHERE ${skippedSql()} ORDER BY seq DESC LIMIT ${PARKED_LISTED}`))
        .map((r) => ({ seq: Number(r.seq), entity: String(r.entity), op: String(r.op), run_id: String(r.run_id), skipped_at: String(r.skipped_at), skipped_by: String(r.skipped_by), reason: String(r.skip_reason) })),
    },
    // An index written before sinks (version 8), read without migrating it, has no sink tables.
    sinks: [...[await readKafkaStatus(c)].filter((k) => k !== undefined), ...await readSinkStatus(c).catch(() => [])],
    recent_runs: await rows(c, `SELECT run_id, pipeline, trigger, status, started_at, rows_read, loaded, duplicates, quarantined, events, error_code FROM runs ORDER BY run_no DESC LIMIT 10`),
  };
}

/** Formats the status for people. */
export function formatStatus(s: IndexStatus): string {
  const lines = [`persons ${s.persons}, legal persons ${s.legal_persons}`];
  for (const r of s.records) lines.push(`  ${r.pipeline} (${r.system}): ${r.records} records`);
  if (s.linkage.length > 0) lines.push('legacy codes (15-digit ID numbers upgraded / linked to a one code / waiting unlinked for it):');
  for (const l of s.linkage) lines.push(`  ${l.pipeline}: ${l.upgraded} upgraded, ${l.linked} linked, ${l.unlinked} unlinked`);
  lines.push(`quarantine (latest successful run of each pipeline; rows per reason, a row may have several):${s.quarantine.length === 0 ? ' empty' : ''}`);
  for (const q of s.quarantine) lines.push(`  ${q.reason_code}: ${q.rows}`);
  const extra = [...(s.outbox.held > 0 ? [`${s.outbox.held} held behind parked events`] : []), ...(s.outbox.skipped > 0 ? [`${s.outbox.skipped} skipped`] : [])];
  lines.push(`outbox: ${s.outbox.pending} pending, ${s.outbox.published} published, ${s.outbox.parked} parked${extra.map((x) => `, ${x}`).join('')}`);
  if (s.outbox.parked > 0) {
    lines.push(`parked events (not published; later events of the same key wait behind them, other keys go on)${s.outbox.parked > s.outbox.parked_events.length ? `, newest ${s.outbox.parked_events.length}` : ''}:`);
    for (const e of s.outbox.parked_events) lines.push(`  seq ${e.seq} ${e.entity} ${e.op} (run ${e.run_id})${e.holding > 0 ? `, holding ${e.holding} later event(s)` : ''}: ${e.reason}`);
    lines.push('  once fixed: onecode push --requeue-parked [SEQ…]; or never publish them: onecode push --skip-parked SEQ… --reason TEXT');
  }
  if (s.outbox.skipped > 0) {
    lines.push(`skipped parked events (never published)${s.outbox.skipped > s.outbox.skipped_events.length ? `, newest ${s.outbox.skipped_events.length}` : ''}:`);
    for (const e of s.outbox.skipped_events) lines.push(`  seq ${e.seq} ${e.entity} ${e.op} (run ${e.run_id}): skipped ${e.skipped_at} by ${e.skipped_by}: ${e.reason}`);
  }
  for (const k of s.sinks ?? []) lines.push(`sink ${k.sink} (${k.kind}): at seq ${k.last_seq}, ${k.delivered} delivered, ${k.parked} parked, ${k.held} held, ${k.behind} to deliver`);
  lines.push('recent runs:');
  for (const r of s.recent_runs) lines.push(`  ${r.run_id} ${r.pipeline} ${r.status} read ${r.rows_read ?? '-'} loaded ${r.loaded ?? '-'} quarantined ${r.quarantined ?? '-'} events ${r.events ?? '-'}${r.error_code ? ' error ' + r.error_code : ''}`);
  return lines.join('\n') + '\n';
}
