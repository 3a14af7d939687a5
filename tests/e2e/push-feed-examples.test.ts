/**
 * Every JSON example of docs/feed-contract.md and README.md is a message a consumer really gets:
 * the docs' scenario (scripts/feed-examples/scenario.ts) is run into a fresh index, pushed to a real
 * broker by the relay, read back by a plain kafkajs consumer, and each marked example must equal its
 * message but for the parts that differ in every run (event id, ts_ms, the topic prefix). A JSON
 * block without a marker, i.e. an example no run backs, fails the test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../schemas/change-event.ts';
import { createPublisher } from '../../src/push/publisher.ts';
import { pushOutbox } from '../../src/push/relay.ts';
import { docExamples, EXAMPLES, exampleMessage, messagesOf, runScenario, showsMessage, withoutVariableParts, type ExampleMessage } from '../../scripts/feed-examples/scenario.ts';
import { consumeAll, deleteTopics } from '../push/outbox-fixtures.ts';
import { resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';
import { REPO } from '../support/workspace.ts';

const DOCS = ['docs/feed-contract.md', 'README.md'];
const prefix = `examples-${randomUUID().slice(0, 8)}`;
const topics = { person: `${prefix}.person.v1`, legal_person: `${prefix}.legal_person.v1`, record: `${prefix}.record.v1` };

let broker: ResolvedKafka;
let dir: string;
/** What the consumer read, as the docs show messages (value parsed), in seq order. */
let received: ExampleMessage[];
/** What the relay's format says it publishes, from the outbox. */
let fromOutbox: ExampleMessage[];

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-examples-'));
  const { index, events, codes } = await runScenario(dir);
  const logger = pino({ level: 'silent' });
  const publisher = await createPublisher({ brokers: broker.brokers, logger, topics });
  try {
    expect(await pushOutbox({ connection: index.connection, publisher, logger })).toEqual({ published: 8, skippedAlreadyOnBroker: 0, parked: 0, held: 0 });
  } finally {
    await publisher.close();
    index.close();
  }
  fromOutbox = messagesOf(events, { prefix, codes });
  const feed = await consumeAll({ brokers: broker.brokers, topics: Object.values(topics), expected: 10 });
  received = feed
    .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : a.value === null ? 1 : -1))
    .map((m) => ({
      topic: m.topic,
      key: m.key,
      headers: m.headers,
      value: m.value === null ? null : (JSON.parse(m.value) as Record<string, unknown>),
    }));
}, 600_000);

afterAll(async () => {
  await deleteTopics(broker.brokers, Object.values(topics));
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the feed examples in the docs', () => {
  it('the consumer received what the outbox says was published: 8 events and 2 tombstones, each valid', () => {
    expect(received).toHaveLength(10);
    expect(received).toEqual(fromOutbox);
    for (const m of received) if (m.value !== null) ChangeEvent.parse(m.value);
  });

  it('every JSON block of the docs is a marked example, and every example is shown', async () => {
    const shown = new Set<string>();
    for (const doc of DOCS) {
      const { examples, jsonBlocks } = docExamples(await readFile(path.join(REPO, doc), 'utf8'));
      expect(examples.length, `${doc}: a JSON block without <!-- feed-example NAME --> above it`).toBe(jsonBlocks);
      for (const e of examples) shown.add(e.name);
    }
    expect([...shown].sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(DOCS)('each example of %s equals the message a consumer received, but for ids, times and the topic prefix (npm run docs:examples rewrites them)', async (doc) => {
    const { examples } = docExamples(await readFile(path.join(REPO, doc), 'utf8'));
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) {
      const message = exampleMessage(received, e.name);
      const shown = JSON.parse(e.json) as unknown;
      expect(withoutVariableParts(shown, e.form), `${doc}: example ${e.name}`).toEqual(withoutVariableParts(e.form === 'value' ? message.value : message, e.form));
      expect(showsMessage(e.json, message, e.form)).toBe(true);
      // What differs is only what is said to differ: an example of another run is no example.
      const other = message.value === null ? { ...message, key: `${message.key}x` } : { ...message, value: { ...message.value, seq: Number(message.value.seq) + 1 } };
      expect(showsMessage(e.json, other, e.form)).toBe(false);
    }
  });
});
