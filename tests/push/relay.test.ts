/**
 * The outbox relay against a real broker: exactly once, in seq order per key, tombstones after
 * deletes, parking (later events of the key held behind a parked event; re-queued after the
 * topic's limit is raised, or skipped), resuming after a crash (kill -9 of a child process), a
 * delete left without its tombstone, and a broker outage.
 */
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { requeueParked, skipParked } from '../../src/outbox/parked-events.ts';
import { CHANGE_EVENT_SCHEMA } from '../../src/outbox/event-format.ts';
import { PushError } from '../../src/push/errors.ts';
import { CLEAR_FEED_PROTECTION } from '../../src/push/feed-protection.ts';
import { eventHeaders } from '../../src/push/headers.ts';
import { createPublisher, type OutboxEvent, type Publisher } from '../../src/push/publisher.ts';
import { pushOutbox } from '../../src/push/relay.ts';
import type { TopicMap } from '../../src/push/topics.ts';
import { resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { canRunLocalKafka, localKafka } from '../support/kafka-local.ts';
import { spawnGroup } from '../support/process-group.ts';
import { consumeAll, deleteTopics, insertEvents, openOutbox, outboxRows, uniqueTopics, type FeedMessage, type OutboxRow, type TestOutbox } from './outbox-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

let broker: ResolvedKafka;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
}, 600_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await broker?.stop();
});

async function newOutbox(): Promise<TestOutbox> {
  const outbox = await openOutbox();
  cleanups.push(() => outbox.remove());
  return outbox;
}

async function newPublisher(topics: TopicMap, extra: { brokers?: string[]; maxMessageBytes?: number } = {}): Promise<Publisher> {
  const brokers = extra.brokers ?? broker.brokers;
  const publisher = await createPublisher({ logger, topics, partitions: 3, ...extra, brokers });
  cleanups.push(async () => {
    await publisher.close();
    await deleteTopics(brokers, Object.values(topics));
  });
  return publisher;
}

/**
 * Checks the feed against the outbox: every published event exactly once (by event id) under its
 * outbox seq, nothing for events not published (parked, held, skipped), every partition in seq
 * order (what the relay's read-back relies on), events of a key in seq order, a tombstone right
 * after every delete.
 */
function expectExactlyOnce(feed: FeedMessage[], rows: OutboxRow[]): void {
  const events = feed.filter((m) => m.value !== null);
  const tombstones = feed.filter((m) => m.value === null);
  const published = rows.filter((r) => r.published);
  const byId = new Map<string, number>();
  for (const m of events) byId.set(m.eventId, (byId.get(m.eventId) ?? 0) + 1);
  const duplicates = [...byId].filter(([, n]) => n > 1);
  expect(duplicates, 'event ids seen more than once').toEqual([]);
  expect(events.length).toBe(published.length);
  for (const r of published) expect(byId.get(r.eventId), `event seq ${r.seq}`).toBe(1);
  for (const r of rows.filter((x) => !x.published)) expect(byId.has(r.eventId), `unpublished event seq ${r.seq} (${r.state}) on the broker`).toBe(false);
  expect(tombstones.length).toBe(published.filter((r) => r.op === 'd').length);
  const seqOf = new Map(rows.map((r) => [r.eventId, r.seq]));
  for (const m of feed) {
    expect(m.seq, `header seq of ${m.eventId}`).toBe(seqOf.get(m.eventId));
    if (m.value !== null) expect(BigInt((JSON.parse(m.value) as { seq: number }).seq)).toBe(m.seq);
  }

  // Per partition: seq never goes down with the offset (a tombstone repeats its delete's seq).
  const byPartition = new Map<string, FeedMessage[]>();
  for (const m of feed) byPartition.set(`${m.topic}/${m.partition}`, [...(byPartition.get(`${m.topic}/${m.partition}`) ?? []), m]);
  for (const [partition, messages] of byPartition) {
    messages.sort((a, b) => (a.offset < b.offset ? -1 : 1));
    for (let i = 1; i < messages.length; i++) {
      const [prev, cur] = [messages[i - 1]!, messages[i]!];
      if (cur.value === null) expect(cur.seq, `${partition} offset ${cur.offset}`).toBe(prev.seq);
      else expect(cur.seq, `${partition} offset ${cur.offset}`).toBeGreaterThan(prev.seq);
    }
  }

  // Per key (and so per partition): seq increasing, and a delete followed by its tombstone.
  const byKey = new Map<string, FeedMessage[]>();
  for (const m of [...feed].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))) {
    const list = byKey.get(`${m.topic}/${m.key}`) ?? [];
    list.push(m);
    byKey.set(`${m.topic}/${m.key}`, list);
  }
  for (const messages of byKey.values()) {
    for (let i = 1; i < messages.length; i++) {
      const prev = messages[i - 1]!;
      const cur = messages[i]!;
      if (cur.value === null) expect(cur.seq).toBe(prev.seq);
      else expect(cur.seq).toBeGreaterThan(prev.seq);
    }
    messages.forEach((m, i) => {
      const op = m.value === null ? null : (JSON.parse(m.value) as { op: string }).op;
      if (op === 'd') expect(messages[i + 1]?.value, `tombstone after delete seq ${m.seq}`).toBeNull();
    });
  }
}

describe('pushOutbox', () => {
  it('publishes every event exactly once, in seq order per key, with a tombstone after each delete; again sends nothing', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('basic');
    await insertEvents(outbox.connection, { count: 3_000, keys: 120 });
    const publisher = await newPublisher(topics);

    const first = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 500 });
    expect(first).toEqual({ published: 3_000, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });

    const rows = await outboxRows(outbox.connection);
    expect(rows.every((r) => r.published)).toBe(true);
    const deletes = rows.filter((r) => r.op === 'd').length;
    expect(deletes).toBeGreaterThan(0);
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 3_000 + deletes });
    expect(feed).toHaveLength(3_000 + deletes);
    expectExactlyOnce(feed, rows);
    // Headers and keys as the feed contract says.
    const sample = feed.find((m) => m.value !== null)!;
    const envelope = JSON.parse(sample.value!) as { id: string; seq: number; code: string; schema: string };
    expect(sample.eventId).toBe(envelope.id);
    expect(sample.seq).toBe(BigInt(envelope.seq));
    expect(sample.schema).toBe(envelope.schema);
    // The message key: the code of a person or legal person, `<pipeline>/<source_key>` of a record.
    const keyOf = new Map(rows.map((r) => [r.eventId, r.key]));
    for (const m of feed.filter((x) => x.value !== null)) {
      const e = JSON.parse(m.value!) as { entity: string; code: string; after: { source_key?: string } | null; before: { source_key?: string } | null };
      expect(m.key).toBe(e.entity === 'record' ? `fixture/${(e.after ?? e.before)!.source_key}` : e.code);
      expect(m.key).toBe(keyOf.get(m.eventId));
    }
    expect(feed.filter((m) => m.topic === topics.record && m.value !== null).length).toBe(1_000);

    const second = await pushOutbox({ connection: outbox.connection, publisher, logger });
    expect(second).toEqual({ published: 0, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });
    await insertEvents(outbox.connection, { count: 10, keys: 120 });
    const third = await pushOutbox({ connection: outbox.connection, publisher, logger });
    expect(third).toEqual({ published: 10, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });
  });

  it('parks an event above the topic limit, holds the later events of its key, and goes on with the other keys', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('oversize');
    // 50 events over 5 keys: event 20 (key 0, 1.2 MB) is above the topic's max.message.bytes
    // (the broker's default, 1,048,588); events 25, 30, 35, 40, 45 are the later ones of key 0.
    await insertEvents(outbox.connection, { count: 50, keys: 5, padding: { 20: 1_200_000 } });
    const publisher = await newPublisher(topics);

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 7 });
    expect(result).toEqual({ published: 44, skippedAlreadyOnBroker: 0, parked: 1, held: 5 });
    const rows = await outboxRows(outbox.connection);
    const parked = rows.filter((r) => r.state === 'parked');
    expect(parked.map((r) => r.seq)).toEqual([rows[20]!.seq]);
    expect(parked[0]!.parkedReason).toMatch(
      new RegExp(`^message too large: \\d+ bytes with its record batch, above the topic's max.message.bytes 1048588; raise the topic's max.message.bytes, then re-queue it \\(onecode push --requeue-parked ${rows[20]!.seq}\\)$`),
    );
    expect(parked[0]!.published).toBe(false);
    const held = rows.filter((r) => r.state === 'held');
    expect(held.map((r) => r.seq)).toEqual([25, 30, 35, 40, 45].map((i) => rows[i]!.seq));
    expect(held.every((r) => r.heldBy === rows[20]!.seq && r.key === rows[20]!.key)).toBe(true);
    expect(rows.filter((r) => r.key !== rows[20]!.key).every((r) => r.published)).toBe(true);
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 44 });
    expectExactlyOnce(feed, rows);
    // The key's last message on the broker is the one before the parked event.
    const ofKey = feed.filter((m) => m.key === rows[20]!.key).sort((a, b) => (a.offset < b.offset ? -1 : 1));
    expect(ofKey.at(-1)!.seq).toBe(rows[15]!.seq);
    // Parked and held events stay so: a second push sends nothing; a new event of the key is held too, one of another key goes.
    expect(await pushOutbox({ connection: outbox.connection, publisher, logger })).toEqual({ published: 0, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });
    await insertEvents(outbox.connection, { count: 2, keys: 5 });
    expect(await pushOutbox({ connection: outbox.connection, publisher, logger })).toEqual({ published: 1, skippedAlreadyOnBroker: 0, parked: 0, held: 1 });
  });

  it('parks an event the broker refuses as too large (MESSAGE_TOO_LARGE), holds the later events of its key, and goes on', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('refused');
    // 1.5 MB passes the publisher's check (5 MB) but not the broker's default max.message.bytes (~1 MB).
    // Event 10 is key 2's; 14, 18, …, 38 are its later ones.
    await insertEvents(outbox.connection, { count: 40, keys: 4, padding: { 10: 1_500_000 } });
    const publisher = await newPublisher(topics, { maxMessageBytes: 5_000_000 });

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 100 });
    expect(result).toEqual({ published: 32, skippedAlreadyOnBroker: 0, parked: 1, held: 7 });
    const rows = await outboxRows(outbox.connection);
    expect(rows[10]!.parkedReason).toMatch(
      new RegExp(`^broker refused the message as too large \\(MESSAGE_TOO_LARGE, \\d+ bytes\\); raise the topic's max.message.bytes, then re-queue it \\(onecode push --requeue-parked ${rows[10]!.seq}\\)$`),
    );
    expect(rows.filter((r) => r.state === 'held').map((r) => r.seq)).toEqual([14, 18, 22, 26, 30, 34, 38].map((i) => rows[i]!.seq));
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 32 });
    expectExactlyOnce(feed, rows);
  });

  it('re-queues a parked event once the topic accepts it: it and the events held behind it go out under new seqs, in order, exactly once', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('requeue');
    // Event 13 (key 1, a legal person) is too large; 19, 25, …, 55 are its key's later events.
    await insertEvents(outbox.connection, { count: 60, keys: 6, padding: { 13: 1_200_000 } });
    const first = await newPublisher(topics);
    expect(await pushOutbox({ connection: outbox.connection, publisher: first, logger, batchSize: 16 })).toEqual({ published: 52, skippedAlreadyOnBroker: 0, parked: 1, held: 7 });
    const before = await outboxRows(outbox.connection);
    const parkedSeq = before[13]!.seq;
    const key = before[13]!.key;
    const waiting = before.filter((r) => r.state === 'held').map((r) => r.eventId);
    // Written after that push: one more event of each key; the parked key's is not held yet (the next push would hold it).
    await insertEvents(outbox.connection, { count: 6, keys: 6 });
    const newOfKey = (await outboxRows(outbox.connection)).filter((r) => r.key === key).at(-1)!.eventId;

    // Re-queued before the limit is raised, it is parked again and its key held again.
    expect((await requeueParked(outbox.connection, { by: 'tester' })).events).toBe(1);
    expect(await pushOutbox({ connection: outbox.connection, publisher: first, logger })).toEqual({ published: 5, skippedAlreadyOnBroker: 0, parked: 1, held: 8 });

    await alterTopic(topics.legal_person, { 'max.message.bytes': '3000000' });
    const outstanding = await outboxRows(outbox.connection);
    const result = await requeueParked(outbox.connection, { by: 'tester' });
    expect({ events: result.events, released: result.released }).toEqual({ events: 1, released: 8 });
    const requeued = await outboxRows(outbox.connection);
    const tail = requeued.filter((r) => r.state === 'pending');
    // The key's events in their order, under new seqs above every earlier one, each envelope rewritten to match.
    expect(tail.map((r) => r.eventId)).toEqual([before[13]!.eventId, ...waiting, newOfKey]);
    expect(tail[0]!.seq).toBeGreaterThan(outstanding.at(-1)!.seq);
    expect(tail.map((r) => r.seq - tail[0]!.seq)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(tail.every((r) => r.envelopeSeq === r.seq && r.firstSeq !== null && r.heldBy === null)).toBe(true);
    expect(tail[0]!.firstSeq).toBe(parkedSeq);
    const recorded = (await outbox.connection.runAndReadAll(`SELECT requeued_by, requeued_at IS NOT NULL, parked_at IS NOT NULL, parked_reason FROM outbox WHERE event_id = '${before[13]!.eventId}'`)).getRows();
    expect(recorded).toEqual([['tester', true, true, null]]);

    // A push that sends part of the tail and dies before marking it (as after kill -9): the next push does not send it again.
    const second = await newPublisher(topics);
    const sentUnmarked = (await outbox.connection.runAndReadAll(`SELECT seq, event_id, entity, op, code, event FROM outbox WHERE seq IN (${tail.slice(0, 4).map((r) => r.seq).join(',')}) ORDER BY seq`)).getRowObjectsJS();
    const sent = await second.publishBatch(sentUnmarked.map((r) => ({ seq: BigInt(r.seq as bigint), eventId: String(r.event_id), entity: String(r.entity), op: String(r.op), code: String(r.code), event: String(r.event) })));
    expect(sent.published).toHaveLength(4);
    expect(await pushOutbox({ connection: outbox.connection, publisher: second, logger })).toEqual({ published: 5, skippedAlreadyOnBroker: 4, parked: 0, held: 0 });

    const rows = await outboxRows(outbox.connection);
    expect(rows.every((r) => r.published)).toBe(true);
    const deletes = rows.filter((r) => r.op === 'd').length;
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 66 + deletes });
    expect(feed).toHaveLength(66 + deletes);
    expectExactlyOnce(feed, rows);
    // The key's c/u/d cycle arrives whole and in order: no update without the create before it.
    const ops = feed.filter((m) => m.key === key && m.value !== null).sort((a, b) => (a.offset < b.offset ? -1 : 1)).map((m) => (JSON.parse(m.value!) as { op: string }).op);
    expect(ops.join('')).toBe('cuuuuudcuuu');
  });

  it('skips a parked event on request, recorded with who, when and why; the events held behind it go on under new seqs', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('skip');
    // Event 4 (key 1) is too large; 7, 10, …, 28 wait behind it.
    await insertEvents(outbox.connection, { count: 30, keys: 3, padding: { 4: 1_200_000 } });
    const publisher = await newPublisher(topics);
    expect(await pushOutbox({ connection: outbox.connection, publisher, logger })).toEqual({ published: 21, skippedAlreadyOnBroker: 0, parked: 1, held: 8 });
    const before = await outboxRows(outbox.connection);

    await expect(skipParked(outbox.connection, { by: 'tester', seqs: [before[5]!.seq, 999n], reason: 'x' })).rejects.toThrow(
      `only parked events can be re-queued or skipped: seq ${before[5]!.seq} is published; no event has seq 999 (onecode status lists the parked events); nothing was changed`,
    );
    await expect(skipParked(outbox.connection, { by: 'tester', seqs: [before[4]!.seq], reason: ' ' })).rejects.toThrow(/needs a reason/);
    expect((await outboxRows(outbox.connection)).map((r) => r.state)).toEqual(before.map((r) => r.state));
    const result = await skipParked(outbox.connection, { by: 'tester', seqs: [before[4]!.seq], reason: 'larger than the platform accepts; sent by file transfer' });
    expect({ events: result.events, released: result.released }).toEqual({ events: 1, released: 8 });
    const recorded = (await outbox.connection.runAndReadAll(`SELECT seq, skipped_by, skip_reason, skipped_at IS NOT NULL, published_at FROM outbox WHERE event_id = '${before[4]!.eventId}'`)).getRows();
    expect(recorded).toEqual([[before[4]!.seq, 'tester', 'larger than the platform accepts; sent by file transfer', true, null]]);

    expect(await pushOutbox({ connection: outbox.connection, publisher, logger })).toEqual({ published: 8, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });
    const rows = await outboxRows(outbox.connection);
    expect(rows.map((r) => r.state).filter((s) => s !== 'published')).toEqual(['skipped']);
    const deletes = rows.filter((r) => r.op === 'd' && r.published).length;
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 29 + deletes });
    expectExactlyOnce(feed, rows);
  });

  it('releases events held behind an event whose parked_reason was cleared by hand, under new seqs', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('orphan');
    // Event 2 (key 0, a person) is too large; 4, 6, …, 18 wait behind it.
    await insertEvents(outbox.connection, { count: 20, keys: 2, padding: { 2: 1_200_000 } });
    const publisher = await newPublisher(topics);
    expect(await pushOutbox({ connection: outbox.connection, publisher, logger })).toEqual({ published: 11, skippedAlreadyOnBroker: 0, parked: 1, held: 8 });
    const parked = (await outboxRows(outbox.connection)).find((r) => r.state === 'parked')!;
    await alterTopic(topics.person, { 'max.message.bytes': '3000000' });
    await outbox.connection.run(`UPDATE outbox SET parked_reason = NULL WHERE seq = ${parked.seq}`);

    const again = await newPublisher(topics);
    expect(await pushOutbox({ connection: outbox.connection, publisher: again, logger })).toEqual({ published: 9, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });
    const rows = await outboxRows(outbox.connection);
    expect(rows.every((r) => r.published)).toBe(true);
    expect(rows.find((r) => r.eventId === parked.eventId)!.firstSeq).toBe(parked.seq);
    const deletes = rows.filter((r) => r.op === 'd').length;
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 20 + deletes });
    expectExactlyOnce(feed, rows);
  });

  it('does not send again what the broker has but the outbox did not mark (crash between ack and mark)', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('resume');
    await insertEvents(outbox.connection, { count: 400, keys: 30 });
    const publisher = await newPublisher(topics);

    // Send the first 150 without marking them, as a relay that died right after the ack would have.
    const firstEvents = await outboxEvents(outbox.connection, 150);
    const sent = await publisher.publishBatch(firstEvents);
    expect(sent.published).toHaveLength(150);

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 64 });
    expect(result).toEqual({ published: 250, skippedAlreadyOnBroker: 150, parked: 0, held: 0 });
    const rows = await outboxRows(outbox.connection);
    expect(rows.every((r) => r.published)).toBe(true);
    const deletes = rows.filter((r) => r.op === 'd').length;
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 400 + deletes });
    expectExactlyOnce(feed, rows);
  });

  it('sends the tombstone of a delete left on the broker without it (a push stopped between the two), then goes on', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('tombstone');
    await insertEvents(outbox.connection, { count: 200, keys: 10 });
    const publisher = await newPublisher(topics);
    const events = await outboxEvents(outbox.connection);
    const d = events.findIndex((e) => e.op === 'd');
    expect(d).toBeGreaterThan(0);
    const sent = await publisher.publishBatch(events.slice(0, d));
    expect(sent.published).toHaveLength(d);
    // The delete itself, as the publisher sends it, but not its tombstone.
    const del = events[d]!;
    const route = publisher.route(del)!;
    const producer = new Kafka({ clientId: 'onecode-test', brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: route.topic,
      acks: -1,
      messages: [{ partition: route.partition, key: publisher.messageKey(del)!, value: del.event, headers: { ...eventHeaders({ eventId: del.eventId, schema: CHANGE_EVENT_SCHEMA, seq: del.seq }), ...CLEAR_FEED_PROTECTION.headers } }],
    });
    await producer.disconnect();
    expect((await publisher.partitionEnds([route.topic])).get(route.topic)!.get(route.partition)).toMatchObject({ seq: del.seq, tombstoneMissing: true });

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 64 });
    expect(result).toEqual({ published: 200 - d - 1, skippedAlreadyOnBroker: d + 1, parked: 0, held: 0 });
    const rows = await outboxRows(outbox.connection);
    expect(rows.every((r) => r.published)).toBe(true);
    const deletes = rows.filter((r) => r.op === 'd').length;
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 200 + deletes });
    expectExactlyOnce(feed, rows);
  });

  it(
    'resumes after kill -9 of a pushing process: every event exactly once',
    async () => {
      const outbox = await newOutbox();
      const topics = uniqueTopics('crash');
      const total = 50_000;
      await insertEvents(outbox.connection, { count: total, keys: 2_000 });
      outbox.close(); // the child process needs the file to itself

      const { child, exited, kill: killGroup, gone } = spawnGroup('tests/push/push-child.ts', [outbox.path, broker.brokers.join(','), JSON.stringify(topics), '500']);
      cleanups.push(killGroup);
      let publishedAtKill = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        const progress = JSON.parse(line) as { published?: number; done?: boolean };
        if (progress.done) throw new Error('the child pushed everything before it could be killed; raise the event count');
        if ((progress.published ?? 0) >= 5_000) {
          publishedAtKill = progress.published!;
          // Anywhere in the next batch: reading, sending, or between the ack and the outbox update.
          await new Promise((r) => setTimeout(r, Math.random() * 100));
          killGroup();
          break;
        }
      }
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
      await gone();
      expect(publishedAtKill).toBeGreaterThanOrEqual(5_000);

      const reopened = await openOutbox(outbox.path);
      cleanups.push(() => reopened.close());
      const before = (await outboxRows(reopened.connection)).filter((r) => r.published).length;
      expect(before).toBeGreaterThanOrEqual(publishedAtKill);
      expect(before).toBeLessThan(total);

      const publisher = await newPublisher(topics);
      const result = await pushOutbox({ connection: reopened.connection, publisher, logger, batchSize: 2_000 });
      expect(result.published + result.skippedAlreadyOnBroker).toBe(total - before);
      expect(result.parked).toBe(0);

      const rows = await outboxRows(reopened.connection);
      expect(rows.every((r) => r.published)).toBe(true);
      const deletes = rows.filter((r) => r.op === 'd').length;
      const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: total + deletes, timeoutMs: 120_000 });
      expectExactlyOnce(feed, rows);
    },
    240_000,
  );
});

/**
 * Sets configs of a test topic (e.g. raises max.message.bytes), as an operator would with
 * kafka-configs.sh, and waits until the broker reports them.
 */
async function alterTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const admin = new Kafka({ clientId: 'onecode-test-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    });
    for (let i = 0; ; i++) {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: Object.keys(configs) }] });
      if (resources[0]!.configEntries.every((e) => configs[e.configName] === e.configValue)) return;
      if (i > 50) throw new Error(`topic ${topic} does not report ${JSON.stringify(configs)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

describe('pushOutbox during a broker outage', () => {
  // A broker of its own (scripts/kafka.sh instance "outage" on port 19192), so stopping it does
  // not disturb other test files.
  const kafka = localKafka({ instance: 'outage', port: 19192 });

  beforeAll(async () => {
    if (!(await canRunLocalKafka())) {
      throw new Error('The outage tests stop and start a broker with scripts/kafka.sh: install java 17+ and mvn.');
    }
    await kafka.reset();
    await kafka.start();
  }, 600_000);

  afterAll(async () => {
    await kafka.reset();
  }, 120_000);

  it(
    'fails with a retriable BROKER_UNAVAILABLE when the broker stops mid-push, marks nothing unacknowledged, and completes after a restart',
    async () => {
      const outbox = await newOutbox();
      const topics = uniqueTopics('outage');
      await insertEvents(outbox.connection, { count: 3_000, keys: 200 });
      const publisher = await createPublisher({
        brokers: kafka.brokers,
        logger,
        topics,
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
        connectionTimeoutMs: 1_000,
      });

      let settledBeforeStop = 0;
      const failure = await pushOutbox({
        connection: outbox.connection,
        publisher,
        logger,
        batchSize: 500,
        onProgress: async (p) => {
          if (settledBeforeStop === 0) {
            settledBeforeStop = p.published;
            await kafka.stop();
          }
        },
      }).catch((error: unknown) => error);
      await publisher.close();

      expect(failure).toBeInstanceOf(PushError);
      expect((failure as PushError).code).toBe('BROKER_UNAVAILABLE');
      expect((failure as PushError).retriable).toBe(true);
      expect((failure as PushError).message).toMatch(/start the broker/);
      const afterFailure = await outboxRows(outbox.connection);
      expect(afterFailure.filter((r) => r.published)).toHaveLength(settledBeforeStop);
      expect(afterFailure.filter((r) => r.parkedReason !== null)).toHaveLength(0);

      // With the broker down, a new push cannot even connect: same error, nothing marked.
      const connectFailure = await createPublisher({
        brokers: kafka.brokers,
        logger,
        topics,
        retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 500 },
        connectionTimeoutMs: 1_000,
      }).catch((error: unknown) => error);
      expect((connectFailure as PushError).code).toBe('BROKER_UNAVAILABLE');

      await kafka.start();
      const again = await newPublisher(topics, { brokers: kafka.brokers });
      const result = await pushOutbox({ connection: outbox.connection, publisher: again, logger });
      expect(result.published + result.skippedAlreadyOnBroker).toBe(3_000 - settledBeforeStop);

      const rows = await outboxRows(outbox.connection);
      expect(rows.every((r) => r.published)).toBe(true);
      const deletes = rows.filter((r) => r.op === 'd').length;
      const feed = await consumeAll({ brokers: kafka.brokers, topics: Object.values(topics), expected: 3_000 + deletes });
      expectExactlyOnce(feed, rows);
    },
    240_000,
  );
});

/** The outbox's events in seq order (the first `limit` when given), as the relay reads them. */
async function outboxEvents(connection: DuckDBConnection, limit?: number): Promise<OutboxEvent[]> {
  const reader = await connection.runAndReadAll(
    `SELECT seq, event_id, entity, op, code, CAST(event AS VARCHAR) AS event FROM outbox ORDER BY seq${limit === undefined ? '' : ` LIMIT ${limit}`}`,
  );
  return reader.getRowObjectsJS().map((r) => ({
    seq: BigInt(r.seq as bigint),
    eventId: String(r.event_id),
    entity: String(r.entity),
    op: String(r.op),
    code: String(r.code),
    event: String(r.event),
  }));
}
