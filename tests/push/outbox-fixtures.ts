/**
 * Test fixtures for the relay: an outbox in a temporary DuckDB file, synthetic change events, and a
 * consumer that reads a feed back from the broker.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { CHANGE_EVENT_SCHEMA, messageKey, messageKeySql } from '../../src/outbox/event-format.ts';
import { OUTBOX_DDL } from '../../src/outbox/outbox-ddl.ts';
import { stateSql } from '../../src/outbox/outbox-states.ts';
import { HEADER_EVENT_ID, HEADER_SCHEMA, HEADER_SEQ } from '../../src/push/headers.ts';
import type { TopicMap } from '../../src/push/topics.ts';

/** An outbox table in a DuckDB file of its own. */
export interface TestOutbox {
  dir: string;
  path: string;
  connection: DuckDBConnection;
  /** Closes the connection and the instance (the file stays until `remove`). */
  close: () => void;
  /** Closes, then deletes the folder. */
  remove: () => Promise<void>;
}

/** Opens (creating when missing) an outbox in `path`, or in a new temporary folder. */
export async function openOutbox(path?: string): Promise<TestOutbox> {
  const dir = path === undefined ? await mkdtemp(join(tmpdir(), 'onecode-outbox-')) : dirname(path);
  const file = path ?? join(dir, 'outbox.duckdb');
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run(OUTBOX_DDL);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    connection.closeSync();
    instance.closeSync();
  };
  return {
    dir,
    path: file,
    connection,
    close,
    remove: async () => {
      close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Topic names unique to one test, so tests never see each other's messages. */
export function uniqueTopics(label: string): TopicMap {
  const suffix = `${label}-${randomUUID().slice(0, 8)}`;
  return {
    person: `test.person.${suffix}`,
    legal_person: `test.legal_person.${suffix}`,
    record: `test.record.${suffix}`,
  };
}

/** Options of {@link insertEvents}. */
export interface InsertEventsOptions {
  /** Number of events. */
  count: number;
  /** Number of distinct one codes (keys) they are spread over. Default 100. */
  keys?: number;
  /** Every n-th change of a key is a delete ('d'); the next one re-creates it. Default 7. */
  deleteEvery?: number;
  /** Size in bytes of a filler string in `after` of the event at these positions (0-based). */
  padding?: Record<number, number>;
  /**
   * Records (entity `record`) per code: the keys whose entity is `record` (every third) carry this
   * many records each, `<pipeline>/<source_key>` keyed, that take turns. Default 1.
   */
  recordsPerCode?: number;
}

const ENTITY_OF_KEY = ['person', 'legal_person', 'record'] as const;

/**
 * Appends synthetic change events to the outbox (seq from nextval('outbox_seq')), with envelopes as
 * docs/feed-contract.md describes them: a person or legal person keyed by its code; a record
 * (`{pipeline, system, source_key, code, fields}`) keyed by `fixture/<source_key>`, and c/u/d
 * cycling per message key.
 * @returns the inserted events' seqs, in order.
 */
export async function insertEvents(connection: DuckDBConnection, options: InsertEventsOptions): Promise<bigint[]> {
  const keys = options.keys ?? 100;
  const deleteEvery = options.deleteEvery ?? 7;
  const runId = randomUUID();
  const seqReader = await connection.runAndReadAll(
    `SELECT nextval('outbox_seq') AS seq FROM range(${Math.trunc(options.count)}) ORDER BY seq`,
  );
  const seqs = seqReader.getRowObjectsJS().map((r) => BigInt(r.seq as bigint));
  const perCode = options.recordsPerCode ?? 1;
  // Count previous events per message key, to continue each key's c/u/d cycle.
  const history = await connection.runAndReadAll(`SELECT ${messageKeySql()} AS key, count(*)::BIGINT AS n FROM outbox GROUP BY ALL`);
  const changes = new Map(history.getRowObjectsJS().map((r) => [String(r.key), Number(r.n)]));
  const lines: string[] = [];
  const now = Date.now();
  seqs.forEach((seq, i) => {
    const k = i % keys;
    const entity = ENTITY_OF_KEY[k % 3]!;
    const code = `91${String(k).padStart(16, '0')}`;
    const sourceKey = `k${k}-r${Math.floor(i / keys) % perCode}`;
    const filler = options.padding?.[i] ? 'x'.repeat(options.padding[i]!) : undefined;
    const key = messageKey({ entity, code, after: { pipeline: 'fixture', source_key: sourceKey } })!;
    const n = changes.get(key) ?? 0;
    changes.set(key, n + 1);
    const cycle = n % deleteEvery;
    const op = cycle === 0 ? 'c' : cycle === deleteEvery - 1 ? 'd' : 'u';
    const state = (v: number) =>
      entity === 'record'
        ? { pipeline: 'fixture', system: 'fixture', source_key: sourceKey, code, fields: { version: v, name: `name-${k}-${v}`, filler } }
        : { code, entity, version: v, name: `name-${k}-${v}`, filler };
    const eventId = randomUUID();
    const envelope = {
      schema: CHANGE_EVENT_SCHEMA,
      id: eventId,
      seq: Number(seq),
      op,
      entity,
      code,
      before: op === 'c' ? null : state(n - 1),
      after: op === 'd' ? null : state(n),
      source: { pipeline: 'test', system: 'fixture', run_id: runId },
      ts_ms: now,
    };
    lines.push(
      JSON.stringify({
        seq: seq.toString(),
        event_id: eventId,
        entity,
        op,
        code,
        run_id: runId,
        event: JSON.stringify(envelope),
      }),
    );
  });
  const file = join(tmpdir(), `onecode-events-${randomUUID()}.ndjson`);
  await writeFile(file, lines.join('\n'));
  try {
    await connection.run(
      `INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at)
       SELECT CAST(seq AS BIGINT), event_id, entity, op, code, run_id, CAST(event AS JSON), CAST(now() AS TIMESTAMP)
         FROM read_json('${file}', format = 'newline_delimited', maximum_object_size = 67108864,
              columns = {seq: 'VARCHAR', event_id: 'VARCHAR', entity: 'VARCHAR', op: 'VARCHAR', code: 'VARCHAR', run_id: 'VARCHAR', event: 'VARCHAR'})`,
    );
  } finally {
    await rm(file, { force: true });
  }
  return seqs;
}

/** One message read back from the feed. */
export interface FeedMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  /** Null for a tombstone. */
  value: string | null;
  eventId: string;
  schema: string;
  seq: bigint;
  /** Every header, as text. */
  headers: Record<string, string>;
}

/**
 * Reads every message of `topics` from the beginning with a fresh consumer group, until `expected`
 * messages arrived and no more came for `settleMs`, or `timeoutMs` passed. `security`: kafkajs'
 * `ssl` and `sasl`, for a secured listener.
 */
export async function consumeAll(options: {
  brokers: string[];
  topics: readonly string[];
  expected: number;
  settleMs?: number;
  timeoutMs?: number;
  security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}): Promise<FeedMessage[]> {
  const kafka = new Kafka({ clientId: 'onecode-test-reader', brokers: options.brokers, logLevel: logLevel.NOTHING, ...options.security });
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxBytes: 20 * 1024 * 1024 });
  const seen: FeedMessage[] = [];
  const header = (h: Record<string, unknown> | undefined, name: string): string => {
    const v = h?.[name];
    return Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? '');
  };
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        seen.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: BigInt(m.offset),
          key: m.key?.toString('utf8') ?? '',
          value: m.value === null ? null : m.value.toString('utf8'),
          eventId: header(m.headers, HEADER_EVENT_ID),
          schema: header(m.headers, HEADER_SCHEMA),
          seq: BigInt(header(m.headers, HEADER_SEQ) || '-1'),
          headers: Object.fromEntries(Object.keys(m.headers ?? {}).map((name) => [name, header(m.headers, name)])),
        });
      }
    },
  });
  const settleMs = options.settleMs ?? 1_500;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (seen.length !== last) {
      last = seen.length;
      stableSince = Date.now();
    } else if (seen.length >= options.expected && Date.now() - stableSince >= settleMs) {
      break;
    }
  }
  await consumer.disconnect();
  return seen;
}

/** Deletes test topics (best effort: a broker that is gone or topics already deleted are fine). */
export async function deleteTopics(brokers: string[], topics: readonly string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'onecode-test-cleanup', brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** One outbox row, for assertions. */
export interface OutboxRow {
  seq: bigint;
  eventId: string;
  entity: string;
  op: string;
  /** Message key (event-format.ts). */
  key: string;
  published: boolean;
  parkedReason: string | null;
  /** src/outbox/outbox-states.ts: published, pending, parked, held or skipped. */
  state: string;
  heldBy: bigint | null;
  firstSeq: bigint | null;
  /** The envelope's own seq (it must equal `seq`). */
  envelopeSeq: bigint;
}

/** Rows of the outbox in seq order, for assertions. */
export async function outboxRows(connection: DuckDBConnection): Promise<OutboxRow[]> {
  const reader = await connection.runAndReadAll(
    `SELECT seq, event_id, entity, op, ${messageKeySql()} AS key, published_at IS NOT NULL AS published, parked_reason, ${stateSql()} AS state,
            held_by, first_seq, CAST(json_extract_string(event, '$.seq') AS BIGINT) AS envelope_seq
     FROM outbox ORDER BY seq`,
  );
  const big = (v: unknown) => (v === null ? null : BigInt(v as bigint));
  return reader.getRowObjectsJS().map((r) => ({
    seq: BigInt(r.seq as bigint),
    eventId: String(r.event_id),
    entity: String(r.entity),
    op: String(r.op),
    key: String(r.key),
    published: Boolean(r.published),
    parkedReason: r.parked_reason === null ? null : String(r.parked_reason),
    state: String(r.state),
    heldBy: big(r.held_by),
    firstSeq: big(r.first_seq),
    envelopeSeq: BigInt(r.envelope_seq as bigint),
  }));
}
