/**
 * kafkajs 2.2.4 against the broker the tests resolve (Apache Kafka 4.x by default): every client
 * call the outbox relay relies on, on a real broker. Kafka 4.0 removed the oldest protocol versions
 * (KIP-896), so this is where an incompatible request would show up first.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage, type Producer } from 'kafkajs';
import { createKeyPartitioner } from '../../src/push/partitioning.ts';
import { waitForLeaders } from '../../src/push/topics.ts';
import { resolveKafkaBrokers, type ResolvedKafka } from '../support/kafka.ts';

const PARTITIONS = 3;
const COUNT = 60;

let broker: ResolvedKafka;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const topic = `compat-${randomUUID()}`;

beforeAll(async () => {
  broker = await resolveKafkaBrokers();
  kafka = new Kafka({ clientId: 'onecode-compat', brokers: broker.brokers, logLevel: logLevel.ERROR });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
}, 600_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
});

describe('kafkajs 2.2.4 against the test broker', () => {
  it('reports the broker version it talks to (ApiVersions)', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThan(0);
    expect(cluster.controller).not.toBeNull();
  });

  it('creates a topic and reads its metadata (CreateTopics, Metadata)', async () => {
    // Not waitForLeaders: true. On a KRaft broker CreateTopics can answer before the broker serves
    // the topic's metadata, and kafkajs' wait then fails on UNKNOWN_TOPIC_OR_PARTITION instead of
    // retrying (seen under load with Kafka 4.4). ensureTopics polls instead; so does this test.
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: false,
    });
    expect(created).toBe(true);
    await waitForLeaders(admin, [topic], 30_000);
    // Creating it again is not an error: kafkajs answers false (TOPIC_ALREADY_EXISTS).
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] })).toBe(false);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]?.partitions).toHaveLength(PARTITIONS);
    expect(await admin.listTopics()).toContain(topic);
  });

  it('reads topic configs (DescribeConfigs)', async () => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['max.message.bytes'] }],
    });
    const entry = resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes');
    expect(Number(entry?.configValue)).toBeGreaterThan(0);
  });

  it('sends with an idempotent producer, acks -1 (InitProducerId, Produce)', async () => {
    const messages = Array.from({ length: COUNT }, (_, i) => ({
      key: `key-${i % 10}`,
      value: JSON.stringify({ i }),
      headers: { 'onecode-seq': String(i + 1) },
    }));
    const first = await producer.send({ topic, acks: -1, messages: messages.slice(0, COUNT / 2) });
    const second = await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic, messages: messages.slice(COUNT / 2) }],
    });
    for (const r of [...first, ...second]) expect(r.errorCode).toBe(0);
    // A tombstone: value null for an existing key.
    await producer.send({ topic, acks: -1, messages: [{ key: 'key-0', value: null, headers: { 'onecode-seq': String(COUNT + 1) } }] });
  });

  it('fetches offsets per partition (ListOffsets)', async () => {
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(PARTITIONS);
    const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    expect(total).toBe(COUNT + 1);
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60_000);
    expect(byTime).toHaveLength(PARTITIONS);
  });

  it('consumes everything in a consumer group and commits (JoinGroup, SyncGroup, Fetch, OffsetCommit)', async () => {
    const groupId = `compat-group-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId });
    const seen: Array<{ partition: number; message: KafkaMessage }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ partition, message });
          if (seen.length === COUNT + 1) resolve();
        },
      });
    });
    await withTimeout(done, 30_000, 'consumer group did not receive every message');
    await consumer.stop();
    await consumer.disconnect();

    expect(seen).toHaveLength(COUNT + 1);
    const tombstones = seen.filter((s) => s.message.value === null);
    expect(tombstones).toHaveLength(1);
    // Order per key is the send order.
    const byKey = new Map<string, number[]>();
    for (const { message } of seen) {
      const key = message.key!.toString();
      const seq = Number(message.headers!['onecode-seq']!.toString());
      byKey.set(key, [...(byKey.get(key) ?? []), seq]);
    }
    for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The producer chose partitions with its DefaultPartitioner; the relay's own computation agrees.
    const partitionOf = createKeyPartitioner();
    for (const { partition, message } of seen) {
      expect(partition).toBe(partitionOf(topic, message.key!.toString(), PARTITIONS));
    }

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedTotal = committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committedTotal).toBe(COUNT + 1);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain(groupId);
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]?.groupId).toBe(groupId);
    await admin.deleteGroups([groupId]);
  });

  it('reads the last message of each partition (seek to high - 1)', async () => {
    const offsets = await admin.fetchTopicOffsets(topic);
    const wanted = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high) - 1]));
    const last = new Map<number, KafkaMessage>();
    const readBackGroup = `compat-readback-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId: readBackGroup });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) === wanted.get(partition)) last.set(partition, message);
          if (last.size === wanted.size) resolve();
        },
      });
    });
    for (const [partition, offset] of wanted) consumer.seek({ topic, partition, offset: String(offset) });
    await withTimeout(done, 30_000, 'did not read the last message of every partition');
    await consumer.disconnect();
    await admin.deleteGroups([readBackGroup]);

    const lastSeqs = [...last.values()].map((m) => Number(m.headers!['onecode-seq']!.toString()));
    expect(Math.max(...lastSeqs)).toBe(COUNT + 1);
  });

  it('adds partitions and deletes the topic (CreatePartitions, DeleteTopics)', async () => {
    await admin.createPartitions({ topicPartitions: [{ topic, count: PARTITIONS + 1 }] });
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]?.partitions).toHaveLength(PARTITIONS + 1);
    await admin.deleteTopics({ topics: [topic] });
    await expect.poll(async () => (await admin.listTopics()).includes(topic), { timeout: 20_000 }).toBe(false);
  });
});

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
