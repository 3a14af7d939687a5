/**
 * The record topic under log compaction, on the real broker: records are keyed by their identity
 * (`<pipeline>/<source_key>`), so the tombstone after one record's delete removes that record only,
 * never the other records of the same one code. After the broker has compacted the topic, a
 * consumer reading it from the start sees exactly the live records of the index, each once, in its
 * latest state.
 *
 * The topic is made to compact at once: cleanup.policy=compact, segment.ms=100 (a segment rolls on
 * the first append 100 ms after it opened; segment.bytes is at Kafka 4's minimum, 1 MiB),
 * min.cleanable.dirty.ratio=0.001, delete.retention.ms=100, min.compaction.lag.ms=0. The broker
 * never compacts the active (last) segment of a partition and removes a tombstone only in a
 * cleaning after the one that kept it (KIP-534), so two later runs append new records to every
 * partition, each after the previous cleaning.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { createKeyPartitioner } from '../../src/push/partitioning.ts';
import { createPublisher, type Publisher } from '../../src/push/publisher.ts';
import { pushOutbox } from '../../src/push/relay.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { consumeAll, deleteTopics, uniqueTopics, type FeedMessage } from './outbox-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const PARTITIONS = 2;
const id = (first17: string) => first17 + residentIdCheckCharacter(first17);
const [A, B, C] = [id('35010219850317123'), id('35020319900228108'), id('35010419770101001')];

let broker: ResolvedKafka;
let ws: Workspace;
let pipeline: Pipeline;
let publisher: Publisher;
const topics = uniqueTopics('compact');

/** A payment row: source key, recipient, amount. */
type Row = [key: string, code: string, amount: string];
async function runDay(rows: Row[]): Promise<void> {
  const csv = ['流水号,身份证号,姓名,金额', ...rows.map(([k, code, amount]) => `${k},${code},测试,${amount}`)].join('\n') + '\n';
  await writeFile(path.join(ws.dir, 'payments.csv'), csv);
  const summary = await ws.run(pipeline);
  expect(summary.status).toBe('succeeded');
  await pushOutbox({ connection: ws.index.connection, publisher, logger });
}

/** New source keys, at least one per partition of the record topic (the broker compacts each partition on its own). */
function keysCoveringPartitions(prefix: string): string[] {
  const partitionOf = createKeyPartitioner();
  const keys: string[] = [];
  const covered = new Set<number>();
  for (let i = 0; covered.size < PARTITIONS; i++) {
    const key = `${prefix}${String(i).padStart(3, '0')}`;
    keys.push(key);
    covered.add(partitionOf(topics.record, `payments/${key}`, PARTITIONS));
  }
  return keys;
}

/** The record topic from the start, as a new consumer reads it. */
const readTopic = (expected: number): Promise<FeedMessage[]> =>
  consumeAll({ brokers: broker.brokers, topics: [topics.record], expected, settleMs: 1_000, timeoutMs: 30_000 });

/** Reads the topic again every few seconds until `done` holds for what it reads (or 150 s pass). */
async function readUntil(expected: number, done: (feed: FeedMessage[]) => boolean): Promise<FeedMessage[]> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const feed = await readTopic(expected);
    if (done(feed) || Date.now() > deadline) return feed;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** The live records of the index: message key → the record state a `record` event carries. */
async function liveRecords(): Promise<Map<string, unknown>> {
  const rows = await ws.rows(`SELECT pipeline, system, source_key, one_code, CAST(payload AS VARCHAR) AS payload FROM records WHERE entity = 'record' AND one_code IS NOT NULL`);
  return new Map(rows.map((r) => [
    `${r.pipeline}/${r.source_key}`,
    { pipeline: r.pipeline, system: r.system, source_key: r.source_key, code: r.one_code, fields: JSON.parse(String(r.payload)) },
  ]));
}

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  ws = await createWorkspace();
  pipeline = await ws.writePipeline('payments', {
    system: '补贴发放系统',
    entity: 'record',
    connector: { kind: 'csv', path: 'payments.csv' },
    mapping: { id_number: '身份证号', name: '姓名' },
    source_key: ['流水号'],
    mode: 'snapshot',
    max_delete_share: 1,
  });
  const admin = new Kafka({ clientId: 'compaction-test', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{
      topic: topics.record,
      numPartitions: PARTITIONS,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'segment.ms', value: '100' },
        { name: 'segment.bytes', value: '1048576' },
        { name: 'min.cleanable.dirty.ratio', value: '0.001' },
        { name: 'delete.retention.ms', value: '100' },
        { name: 'min.compaction.lag.ms', value: '0' },
      ],
    }],
  });
  await admin.disconnect();
  publisher = await createPublisher({ brokers: broker.brokers, logger, topics });
}, 600_000);

afterAll(async () => {
  await publisher?.close();
  await deleteTopics(broker.brokers, Object.values(topics));
  await ws?.dispose();
  // release the lease, so a broker this file started is stopped when the last user is done
  await broker?.stop();
});

describe('record events on a compacted topic', () => {
  it('after compaction a consumer reading from the start sees exactly the live records, each once and in its latest state', async () => {
    // Day 1: three payments to A, two to B, one to C. Day 2: P001 (A) and P006 (C) are gone, P004 (B) changed.
    await runDay([['P001', A, '10'], ['P002', A, '20'], ['P003', A, '30'], ['P004', B, '40'], ['P005', B, '50'], ['P006', C, '60']]);
    const day2: Row[] = [['P002', A, '20'], ['P003', A, '30'], ['P004', B, '41'], ['P005', B, '50']];
    await runDay(day2);
    const before = await readTopic(6 + 3 + 2);
    expect(before).toHaveLength(11);
    // Each delete is followed by a tombstone keyed by that record alone, not by its code.
    expect(before.filter((m) => m.value === null).map((m) => m.key).sort()).toEqual(['payments/P001', 'payments/P006']);

    // Day 3, after the segments rolled: new payments in every partition close the segments holding days 1 and 2.
    await new Promise((r) => setTimeout(r, 500));
    const day3: Row[] = [...day2, ...keysCoveringPartitions('Q').map((k): Row => [k, B, '70'])];
    await runDay(day3);
    // The first cleaning: the creates of the deleted payments and P004's first version are gone.
    const cleaned = await readUntil(0, (feed) => !feed.some((m) => m.key === 'payments/P004' && m.value !== null && m.value.includes('"op":"c"')));
    expect(cleaned.filter((m) => m.key === 'payments/P004').map((m) => (JSON.parse(m.value!) as { op: string }).op)).toEqual(['u']);

    // Day 4, after the tombstones' delete.retention.ms: new payments in every partition again, so the tombstones can go.
    await new Promise((r) => setTimeout(r, 500));
    await runDay([...day3, ...keysCoveringPartitions('R').map((k): Row => [k, C, '80'])]);

    const live = await liveRecords();
    expect([...live.keys()].filter((k) => k <= 'payments/P999').sort()).toEqual(['payments/P002', 'payments/P003', 'payments/P004', 'payments/P005']);
    const compacted = await readUntil(live.size, (feed) => feed.length === live.size && feed.every((m) => m.value !== null));
    // Exactly the live records: one message each, none for a deleted record, and no tombstone left.
    expect(compacted.map((m) => m.key).sort()).toEqual([...live.keys()].sort());
    for (const m of compacted) {
      const event = JSON.parse(m.value!) as { op: string; after: unknown; seq: number };
      expect(event.op).not.toBe('d');
      expect(event.after, m.key).toEqual(live.get(m.key));
      expect(BigInt(event.seq)).toBe(m.seq);
    }
    // P002 and P003 are A's like the deleted P001: its tombstone removed P001 only.
    expect(compacted.filter((m) => (JSON.parse(m.value!) as { code: string }).code === A).map((m) => m.key).sort()).toEqual(['payments/P002', 'payments/P003']);
  }, 420_000);
});
