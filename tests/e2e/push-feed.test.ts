/**
 * The sample's change feed on a real broker, through the CLI as an operator runs it: `run`, then
 * `push`; a re-run of unchanged sources; an update and a delete pushed by `run` itself. Read back
 * by a consumer written here from docs/feed-contract.md alone (kafkajs, its own group), not by the
 * relay's code.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../schemas/change-event.ts';
import { readFeed, type FeedMessage } from '../support/read-feed.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { generateSample } from '../../src/sample/generate.ts';
import { onecode } from '../support/cli.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { REPO } from '../support/workspace.ts';

type Message = FeedMessage;

/** Messages on `topics`: the sum of their partitions' high-water offsets (no compaction, no transactions here). */
async function messagesOnBroker(brokers: string[], topics: string[]): Promise<number> {
  const admin = new Kafka({ clientId: 'feed-offsets', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let n = 0;
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) n += Number(p.high) - Number(p.low);
    return n;
  } finally {
    await admin.disconnect();
  }
}

/** Events (not tombstones) decoded and checked against the envelope schema and the contract's key and headers. */
function decode(messages: Message[]): Array<ChangeEvent & { message: Message }> {
  return messages
    .filter((m) => m.value !== null)
    .map((m) => {
      const event = ChangeEvent.parse(JSON.parse(m.value!));
      // The key: the one code of a person or legal person; a record's `<pipeline>/<source_key>`.
      const record = (event.after ?? event.before) as { pipeline: string; source_key: string };
      expect(m.key).toBe(event.entity === 'record' ? `${record.pipeline}/${record.source_key}` : event.code);
      expect(m.topic).toBe(`${prefix}.${event.entity}.v1`);
      expect(m.headers['onecode-event-id']).toBe(event.id);
      expect(m.headers['onecode-schema']).toBe(event.schema);
      expect(m.headers['onecode-seq']).toBe(String(event.seq));
      return { ...event, message: m };
    });
}

/** Messages of each key in offset order: seq increasing, a tombstone (same seq) right after each delete. */
function expectOrderPerKey(messages: Message[]): void {
  const byKey = new Map<string, Message[]>();
  for (const m of [...messages].sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
    const k = `${m.topic}|${m.partition}|${m.key}`;
    byKey.set(k, [...(byKey.get(k) ?? []), m]);
  }
  for (const list of byKey.values()) {
    list.forEach((m, i) => {
      const seq = BigInt(m.headers['onecode-seq']!);
      if (i > 0) {
        const prev = BigInt(list[i - 1]!.headers['onecode-seq']!);
        if (m.value === null) expect(seq).toBe(prev);
        else expect(seq).toBeGreaterThan(prev);
      }
      if (m.value !== null && (JSON.parse(m.value) as { op: string }).op === 'd') expect(list[i + 1]?.value, `tombstone after delete seq ${seq}`).toBeNull();
    });
  }
}

let broker: ResolvedKafka;
let dir: string;
let db: string;
const prefix = `e2e-${randomUUID().slice(0, 8)}`;
const topics = ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`);
let env: Record<string, string>;
const cli = (args: string[], extra: Record<string, string> = {}) => onecode([...args, '--db', db], { cwd: dir, env: { ...env, ...extra } });
/** Outbox rows, read directly from the index file (nobody holds it between commands). */
async function outbox(): Promise<Array<{ seq: number; event_id: string; op: string; published: boolean }>> {
  const index = await openIndex(db, { readOnly: true });
  try {
    const reader = await index.connection.runAndReadAll('SELECT seq::INT AS seq, event_id, op, published_at IS NOT NULL AS published FROM changes ORDER BY seq');
    return reader.getRowObjectsJson() as Array<{ seq: number; event_id: string; op: string; published: boolean }>;
  } finally {
    index.close();
  }
}

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-feed-'));
  db = path.join(dir, 'feed.duckdb');
  await cp(path.join(REPO, 'pipelines'), path.join(dir, 'pipelines'), { recursive: true });
  await generateSample({ outDir: path.join(dir, 'data/sample'), seed: 11, scale: 1 });
  env = { KAFKA_BROKERS: '', ONECODE_TOPIC_PREFIX: prefix, ONECODE_LOG_LEVEL: 'error' };
}, 600_000);

afterAll(async () => {
  await releaseBroker(broker, topics);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the sample feed on a real broker', () => {
  let total = 0;

  it('run without a broker leaves events pending; push publishes every event exactly once, in seq order per key', async () => {
    const run = await cli(['run', '--all']);
    expect(run.code, run.stderr).toBe(0);
    const pending = Number(/(\d+) change event\(s\) pending in the outbox for Kafka \(set KAFKA_BROKERS/.exec(run.stdout)?.[1]);
    expect(pending).toBeGreaterThan(4_000);

    const push = await cli(['push', '--brokers', broker.brokers.join(',')]);
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toEqual({ published: pending, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });

    const rows = await outbox();
    expect(rows).toHaveLength(pending);
    expect(rows.every((r) => r.published)).toBe(true);
    const feed = await readFeed({ brokers: broker.brokers, topics, atLeast: pending });
    const events = decode(feed);
    expect(feed.filter((m) => m.value === null)).toHaveLength(0); // a first load has no deletes
    expect(events).toHaveLength(pending);
    expect(new Set(events.map((e) => e.id)).size).toBe(pending);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(rows.map((r) => r.event_id)));
    expect(new Set(events.map((e) => e.entity))).toEqual(new Set(['person', 'legal_person', 'record']));
    expectOrderPerKey(feed);
    total = feed.length;
    expect(await messagesOnBroker(broker.brokers, topics)).toBe(total);
  });

  it('re-running unchanged sources with KAFKA_BROKERS set pushes nothing', async () => {
    const run = await cli(['run', '--all'], { KAFKA_BROKERS: broker.brokers.join(',') });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^0 change event\(s\) pending in the outbox for Kafka$/m);
    const push = await cli(['push'], { KAFKA_BROKERS: broker.brokers.join(',') });
    expect(JSON.parse(push.stdout)).toEqual({ published: 0, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });
    expect(await messagesOnBroker(broker.brokers, topics)).toBe(total);
  });

  it('an update and a delete pushed by `run` arrive as u and d with before/after, and a tombstone after the delete', async () => {
    // Update: one subsidy payment's amount (a record event).
    const subsidies = path.join(dir, 'data/sample/subsidy-payments.csv');
    const lines = (await readFile(subsidies, 'utf8')).split('\n');
    const [paymentKey, , , , amount] = lines[1]!.split(',');
    lines[1] = lines[1]!.replace(`,${amount},`, ',88888.88,');
    await writeFile(subsidies, lines.join('\n'));
    // Delete: a person known to accounting-staff only, under one source key.
    const index = await openIndex(db, { readOnly: true });
    const [victim] = (await index.connection.runAndReadAll(`
      SELECT one_code, min(source_key) AS source_key FROM records WHERE entity = 'person'
      GROUP BY one_code HAVING count(*) = 1 AND min(source_key) = one_code ORDER BY one_code LIMIT 1`)).getRowObjectsJson() as Array<{ one_code: string; source_key: string }>;
    index.close();
    const staff = path.join(dir, 'data/sample/accounting-staff.gbk.csv');
    const text = iconv.decode(await readFile(staff), 'gbk');
    const kept = text.split('\n').filter((l) => !l.startsWith(`${victim!.source_key},`));
    expect(kept.length).toBe(text.split('\n').length - 1);
    await writeFile(staff, iconv.encode(kept.join('\n'), 'gbk'));

    const run = await cli(['run', 'subsidy-payments', 'accounting-staff'], { KAFKA_BROKERS: broker.brokers.join(',') });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^pushed 2 change event\(s\) to .*; 0 pending$/m);

    const feed = await readFeed({ brokers: broker.brokers, topics, atLeast: total + 3 });
    expect(feed).toHaveLength(total + 3);
    expectOrderPerKey(feed);
    const newest = decode(feed).sort((a, b) => b.seq - a.seq).slice(0, 2);
    const update = newest.find((e) => e.op === 'u')!;
    expect(update).toMatchObject({ entity: 'record', before: { fields: { 发放金额: amount } }, after: { fields: { 发放金额: '88888.88' } } });
    expect((update.after as { source_key: string }).source_key).toBe(paymentKey);
    const del = newest.find((e) => e.op === 'd')!;
    expect(del).toMatchObject({ entity: 'person', code: victim!.one_code, after: null, before: { id_number: victim!.one_code } });
    const tombstone = feed.find((m) => m.value === null)!;
    expect(tombstone).toMatchObject({ topic: del.message.topic, partition: del.message.partition, offset: del.message.offset + 1n, key: victim!.one_code, headers: del.message.headers });
  });
});
