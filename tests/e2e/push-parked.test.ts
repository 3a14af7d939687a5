/**
 * Parked events through the CLI, as an operator meets them: a record event too large for its topic
 * is parked and holds the later events of that record (same key) while other records, of the same
 * person too, go on; `status` shows what is parked and held; `push --skip-parked` and
 * `push --requeue-parked` (after raising the topic's max.message.bytes) release them, recorded in
 * the outbox; a consumer sees every record's events in order. Logs name seqs, never values.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckCharacter } from '../../src/identifiers/check-characters.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { consumeAll } from '../push/outbox-fixtures.ts';
import { onecode } from '../support/cli.ts';
import { releaseBroker, resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';

/** Synthetic resident identity numbers (GB 11643-1999), check character computed. */
const id = (first17: string) => first17 + residentIdCheckCharacter(first17);
const PERSON_A = id('35010219850317123');
const PERSON_B = id('35020319900228108');
const NAME_A = '测试甲';
/** The topic's max.message.bytes at first: a normal payment event fits, one with a long note does not. */
const SMALL_LIMIT = 2_000;

let broker: ResolvedKafka;
let dir: string;
let db: string;
const prefix = `parked-${randomUUID().slice(0, 8)}`;
const topics = ['person', 'legal_person', 'record'].map((e) => `${prefix}.${e}.v1`);
const recordTopic = `${prefix}.record.v1`;
let env: Record<string, string>;
const cli = (args: string[]) => onecode([...args, '--db', db], { cwd: dir, env });

/** Writes the day's export: payment id, recipient ID, name, amount, note. */
async function payments(rows: Array<[string, string, string, string, string]>): Promise<void> {
  await writeFile(path.join(dir, 'payments.csv'), ['流水号,身份证号,姓名,金额,备注', ...rows.map((r) => r.join(','))].join('\n') + '\n');
}

async function admin<T>(work: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const a = new Kafka({ clientId: 'parked-test', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await a.connect();
  try {
    return await work(a);
  } finally {
    await a.disconnect();
  }
}

async function outboxColumns(sql: string): Promise<Record<string, unknown>[]> {
  const index = await openIndex(db, { readOnly: true });
  try {
    return (await index.connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    index.close();
  }
}

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-parked-'));
  db = path.join(dir, 'index.duckdb');
  await writeFile(
    path.join(dir, 'payments.yaml'),
    stringify({
      name: 'payments',
      system: '补贴发放系统',
      entity: 'record',
      connector: { kind: 'csv', path: 'payments.csv' },
      mapping: { id_number: '身份证号', name: '姓名' },
      source_key: ['流水号'],
      mode: 'incremental',
    }),
  );
  // The record topic exists before the first push, with a small limit (topics the push creates get the broker's).
  await admin((a) => a.createTopics({ topics: [{ topic: recordTopic, numPartitions: 3, configEntries: [{ name: 'max.message.bytes', value: String(SMALL_LIMIT) }] }], waitForLeaders: true }));
  env = { KAFKA_BROKERS: '', ONECODE_TOPIC_PREFIX: prefix, ONECODE_LOG_LEVEL: 'warn' };
}, 600_000);

afterAll(async () => {
  await releaseBroker(broker, topics);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('parked events through the CLI', () => {
  const brokers = () => ['--brokers', broker.brokers.join(',')];
  const longNote = '长'.repeat(1_000); // 3,000 bytes of UTF-8: the event is above SMALL_LIMIT

  it('a record event above the topic limit is parked; the later event of that record waits, other records (of the same person too) go on; status and logs say so', async () => {
    await payments([
      ['P001', PERSON_A, NAME_A, '100.00', longNote],
      ['P002', PERSON_A, NAME_A, '200.00', '普通'],
      ['P003', PERSON_B, '测试乙', '300.00', '普通'],
    ]);
    expect((await cli(['run', 'payments', '--pipelines', '.'])).code).toBe(0);
    const first = await cli(['push', ...brokers()]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ published: 2, skippedAlreadyOnBroker: 0, parked: 1, held: 0, pending: 0 });

    // Day 2: both payments of person A change; P001's update must wait behind its parked create.
    await payments([
      ['P001', PERSON_A, NAME_A, '101.00', longNote],
      ['P002', PERSON_A, NAME_A, '201.00', '普通'],
      ['P003', PERSON_B, '测试乙', '300.00', '普通'],
    ]);
    expect((await cli(['run', 'payments', '--pipelines', '.'])).code).toBe(0);
    const second = await cli(['push', ...brokers()]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ published: 1, skippedAlreadyOnBroker: 0, parked: 0, held: 1, pending: 0 });
    const held = second.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; held?: number; behind?: string[] });
    const parkedSeq = (await outboxColumns(`SELECT seq FROM changes WHERE state = 'parked'`))[0]!.seq as number;
    expect(held.find((l) => l.msg.startsWith('events held behind parked events'))).toMatchObject({ held: 1, behind: [String(parkedSeq)] });
    // Logs name seqs and reasons, never the values of the events.
    for (const value of [PERSON_A, PERSON_B, NAME_A, 'P001', '101.00']) expect(first.stderr + second.stderr).not.toContain(value);
    expect(first.stderr).toContain('"msg":"event parked; later events of its topic and key wait behind it"');

    const status = await cli(['status']);
    expect(status.stdout).toContain('outbox: 0 pending, 3 published, 1 parked, 1 held behind parked events\n');
    expect(status.stdout).toContain(
      `parked events (not published; later events of the same key wait behind them, other keys go on):\n  seq ${parkedSeq} record c (run r000001), holding 1 later event(s): message too large:`,
    );
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as { outbox: Record<string, unknown> & { parked_events: Array<{ seq: number; holding: number }> } };
    expect(json.outbox).toMatchObject({ pending: 0, published: 3, parked: 1, held: 1, skipped: 0 });
    expect(json.outbox.parked_events.map((e) => [e.seq, e.holding])).toEqual([[Number(parkedSeq), 1]]);
    expect(await outboxColumns(`SELECT op, held_by FROM changes WHERE state = 'held'`)).toEqual([{ op: 'u', held_by: String(parkedSeq) }]);
  }, 120_000);

  it('usage errors change nothing: a seq that is not parked, a skip without reason', async () => {
    const [published] = await outboxColumns(`SELECT min(seq) AS seq FROM changes WHERE published_at IS NOT NULL`);
    const notParked = await cli(['push', ...brokers(), '--skip-parked', String(published!.seq), '99', '--reason', 'x']);
    expect(notParked.code).toBe(2);
    expect(notParked.stderr).toBe(`onecode: only parked events can be re-queued or skipped: seq ${published!.seq} is published; no event has seq 99 (onecode status lists the parked events); nothing was changed\n`);
    const noReason = await cli(['push', ...brokers(), '--skip-parked', String(published!.seq)]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toBe('onecode: --skip-parked needs --reason TEXT: why the events are never published (recorded in the outbox)\n');
    const badSeq = await cli(['push', ...brokers(), '--requeue-parked', 'abc']);
    expect(badSeq.code).toBe(2);
    expect(badSeq.stderr).toBe("onecode: --requeue-parked: 'abc' is not an outbox seq (a positive whole number; onecode status lists the parked events)\n");
    expect(await outboxColumns(`SELECT count(*) FILTER (WHERE requeued_at IS NOT NULL OR skipped_at IS NOT NULL) AS n FROM changes`)).toEqual([{ n: '0' }]);
  }, 60_000);

  it('skipping the parked create (recorded: who, when, why) releases the update behind it, which is parked in turn; raising the limit and re-queuing publishes it', async () => {
    const [parked] = await outboxColumns(`SELECT seq, event_id FROM changes WHERE state = 'parked'`);
    const skip = await cli(['push', ...brokers(), '--skip-parked', String(parked!.seq), '--reason', 'create sent to the platform by file transfer', '--by', 'operator-1']);
    expect(skip.code, skip.stderr).toBe(0);
    // The update was released under a new seq, and is too large as well: parked in turn.
    expect(JSON.parse(skip.stdout)).toEqual({ requeued: 0, skippedParked: 1, released: 1, published: 0, skippedAlreadyOnBroker: 0, parked: 1, held: 0, pending: 0 });
    expect(await outboxColumns(`SELECT seq, skipped_by, skip_reason, skipped_at IS NOT NULL AS at, published_at FROM changes WHERE event_id = '${parked!.event_id}'`)).toEqual([
      { seq: parked!.seq, skipped_by: 'operator-1', skip_reason: 'create sent to the platform by file transfer', at: true, published_at: null },
    ]);
    const status = await cli(['status']);
    expect(status.stdout).toContain('outbox: 0 pending, 3 published, 1 parked, 1 skipped\n');
    expect(status.stdout).toMatch(new RegExp(`skipped parked events \\(never published\\):\\n {2}seq ${parked!.seq} record c \\(run r000001\\): skipped \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ by operator-1: create sent to the platform by file transfer\\n`));

    // Re-queued before the limit is raised: parked again.
    const early = await cli(['push', ...brokers(), '--requeue-parked']);
    expect(JSON.parse(early.stdout)).toEqual({ requeued: 1, skippedParked: 0, released: 0, published: 0, skippedAlreadyOnBroker: 0, parked: 1, held: 0, pending: 0 });

    await admin((a) => a.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: recordTopic, configEntries: [{ name: 'max.message.bytes', value: '100000' }] }] }));
    const [update] = await outboxColumns(`SELECT seq, first_seq FROM changes WHERE state = 'parked'`);
    const requeue = await cli(['push', ...brokers(), '--requeue-parked', String(update!.seq)]);
    expect(requeue.code, requeue.stderr).toBe(0);
    expect(JSON.parse(requeue.stdout)).toEqual({ requeued: 1, skippedParked: 0, released: 0, published: 1, skippedAlreadyOnBroker: 0, parked: 0, held: 0, pending: 0 });
    const rows = await outboxColumns(`SELECT seq, first_seq, op, requeued_by, published_at IS NOT NULL AS published FROM changes WHERE first_seq IS NOT NULL`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ op: 'u', requeued_by: os.userInfo().username, published: true });
    expect(Number(rows[0]!.seq)).toBeGreaterThan(Number(update!.seq));
    expect(JSON.parse((await cli(['status', '--json'])).stdout).outbox).toMatchObject({ pending: 0, published: 4, parked: 0, held: 0, skipped: 1 });

    // The consumer: each payment's events in seq order, one partition per record; P001 only as its update (its create was skipped).
    const feed = await consumeAll({ brokers: broker.brokers, topics: [recordTopic], expected: 4 });
    expect(feed).toHaveLength(4);
    const byKey = new Map<string, string[]>();
    for (const m of feed.sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
      const e = JSON.parse(m.value!) as { op: string; seq: number; after: { fields: { 金额: string } } };
      expect(BigInt(e.seq)).toBe(m.seq);
      byKey.set(m.key, [...(byKey.get(m.key) ?? []), `${e.op}:${e.after.fields.金额}`]);
    }
    expect(Object.fromEntries(byKey)).toEqual({ 'payments/P001': ['u:101.00'], 'payments/P002': ['c:200.00', 'u:201.00'], 'payments/P003': ['c:300.00'] });
  }, 120_000);
});
