/**
 * The outbox relay against a real broker: exactly once, in seq order per key, tombstones after
 * deletes, parking, resuming after a crash (kill -9 of a child process), and a broker outage.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PushError } from '../../src/push/errors.ts';
import { createPublisher, type OutboxEvent, type Publisher } from '../../src/push/publisher.ts';
import { pushOutbox } from '../../src/push/relay.ts';
import type { TopicMap } from '../../src/push/topics.ts';
import { resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { canRunLocalKafka, localKafka } from '../support/kafka-local.ts';
import { consumeAll, deleteTopics, insertEvents, openOutbox, outboxRows, uniqueTopics, type FeedMessage, type TestOutbox } from './outbox-fixtures.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const REPO = fileURLToPath(new URL('../..', import.meta.url));

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
 * Checks the feed against the outbox: every published event exactly once (by event id), events of
 * a key in seq order, a tombstone right after every delete, nothing for parked events.
 */
function expectExactlyOnce(feed: FeedMessage[], rows: Awaited<ReturnType<typeof outboxRows>>): void {
  const events = feed.filter((m) => m.value !== null);
  const tombstones = feed.filter((m) => m.value === null);
  const published = rows.filter((r) => r.parkedReason === null);
  const byId = new Map<string, number>();
  for (const m of events) byId.set(m.eventId, (byId.get(m.eventId) ?? 0) + 1);
  const duplicates = [...byId].filter(([, n]) => n > 1);
  expect(duplicates, 'event ids seen more than once').toEqual([]);
  expect(events.length).toBe(published.length);
  for (const r of published) expect(byId.get(r.eventId), `event seq ${r.seq}`).toBe(1);
  for (const r of rows.filter((x) => x.parkedReason !== null)) expect(byId.has(r.eventId)).toBe(false);
  expect(tombstones.length).toBe(published.filter((r) => r.op === 'd').length);

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
    expect(first).toEqual({ published: 3_000, skippedAlreadyOnBroker: 0, parked: 0 });

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
    expect(sample.key).toBe(envelope.code);
    expect(sample.schema).toBe(envelope.schema);

    const second = await pushOutbox({ connection: outbox.connection, publisher, logger });
    expect(second).toEqual({ published: 0, skippedAlreadyOnBroker: 0, parked: 0 });
    await insertEvents(outbox.connection, { count: 10, keys: 120 });
    const third = await pushOutbox({ connection: outbox.connection, publisher, logger });
    expect(third).toEqual({ published: 10, skippedAlreadyOnBroker: 0, parked: 0 });
  });

  it('parks an event above maxMessageBytes and goes on with the later ones', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('oversize');
    await insertEvents(outbox.connection, { count: 50, keys: 5, padding: { 20: 1_200_000 } });
    const publisher = await newPublisher(topics);

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 7 });
    expect(result).toEqual({ published: 49, skippedAlreadyOnBroker: 0, parked: 1 });
    const rows = await outboxRows(outbox.connection);
    const parked = rows.filter((r) => r.parkedReason !== null);
    expect(parked.map((r) => r.seq)).toEqual([rows[20]!.seq]);
    expect(parked[0]!.parkedReason).toMatch(/too large/);
    expect(parked[0]!.published).toBe(false);
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 49 });
    expectExactlyOnce(feed, rows);
    // Parked events stay parked: a second push skips them.
    expect(await pushOutbox({ connection: outbox.connection, publisher, logger })).toEqual({ published: 0, skippedAlreadyOnBroker: 0, parked: 0 });
  });

  it('parks an event the broker refuses as too large (MESSAGE_TOO_LARGE) and goes on', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('refused');
    // 1.5 MB passes the publisher's check (5 MB) but not the broker's default max.message.bytes (~1 MB).
    await insertEvents(outbox.connection, { count: 40, keys: 4, padding: { 10: 1_500_000 } });
    const publisher = await newPublisher(topics, { maxMessageBytes: 5_000_000 });

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 100 });
    expect(result).toEqual({ published: 39, skippedAlreadyOnBroker: 0, parked: 1 });
    const rows = await outboxRows(outbox.connection);
    expect(rows[10]!.parkedReason).toMatch(/MESSAGE_TOO_LARGE/);
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 39 });
    expectExactlyOnce(feed, rows);
  });

  it('does not send again what the broker has but the outbox did not mark (crash between ack and mark)', async () => {
    const outbox = await newOutbox();
    const topics = uniqueTopics('resume');
    await insertEvents(outbox.connection, { count: 400, keys: 30 });
    const publisher = await newPublisher(topics);

    // Send the first 150 without marking them, as a relay that died right after the ack would have.
    const reader = await outbox.connection.runAndReadAll(
      'SELECT seq, event_id, entity, op, code, CAST(event AS VARCHAR) AS event FROM outbox ORDER BY seq LIMIT 150',
    );
    const firstEvents: OutboxEvent[] = reader.getRowObjectsJS().map((r) => ({
      seq: BigInt(r.seq as bigint),
      eventId: String(r.event_id),
      entity: String(r.entity),
      op: String(r.op),
      code: String(r.code),
      event: String(r.event),
    }));
    const sent = await publisher.publishBatch(firstEvents);
    expect(sent.published).toHaveLength(150);

    const result = await pushOutbox({ connection: outbox.connection, publisher, logger, batchSize: 64 });
    expect(result).toEqual({ published: 250, skippedAlreadyOnBroker: 150, parked: 0 });
    const rows = await outboxRows(outbox.connection);
    expect(rows.every((r) => r.published)).toBe(true);
    const deletes = rows.filter((r) => r.op === 'd').length;
    const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 400 + deletes });
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

      const child = spawn('npx', ['tsx', 'tests/push/push-child.ts', outbox.path, broker.brokers.join(','), JSON.stringify(topics), '500'], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
        // Its own process group: npx and tsx each start a child, and kill -9 must reach the node
        // process that pushes, not only npx.
        detached: true,
      });
      const killGroup = (): void => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      cleanups.push(killGroup);
      const exited = once(child, 'exit');
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
      await waitUntilGroupGone(child.pid!);
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

/** Waits until no process of group `pgid` is left (the killed pusher releases the DuckDB file lock). */
async function waitUntilGroupGone(pgid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`processes of group ${pgid} still alive after SIGKILL`);
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
