/**
 * Reads back from the broker the highest `onecode-seq` already stored in each partition, so that a
 * push resumed after a crash between the broker's acknowledgement and the outbox update does not
 * send those events again.
 *
 * The publisher writes each partition in seq order, so the last messages of a partition carry its
 * highest seq. This reads the last `window` messages of every non-empty partition (one consumer
 * group join for all topics, no offsets committed, the group deleted afterwards); a partition
 * whose window holds no `onecode-seq` (compacted away, or written by someone else) is read again
 * from its start. With the seq it reads the feed-policy headers of that last message
 * ({@link readPartitionEnds}), by which the publisher refuses to mix policies on one topic.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { PushError, toPushError } from './errors.ts';
import { headerText, HEADER_POLICY, HEADER_PSEUDONYM_KEY, seqOfHeaders } from './headers.ts';

/** Options of {@link readHighestSeqs}. */
export interface ReadBackOptions {
  kafka: Kafka;
  admin: Admin;
  logger: Logger;
  topics: readonly string[];
  /** Prefix of the throw-away consumer group id. Default 'onecode-push'. */
  groupIdPrefix?: string;
  /** Messages read at the end of each partition first. Default 16. */
  window?: number;
  /** Give up after this many milliseconds. Default 60,000. */
  timeoutMs?: number;
}

/** Highest `onecode-seq` per partition, per topic; a partition without one is absent. */
export type HighestSeqs = Map<string, Map<number, bigint>>;

/** The message of a partition with the highest `onecode-seq`: its seq, and its feed-policy headers (undefined when absent). */
export interface PartitionEnd {
  seq: bigint;
  /** Header `onecode-policy`. */
  policy: string | undefined;
  /** Header `onecode-pseudonym-key`. */
  keyId: string | undefined;
  /**
   * True when that message is a delete event (envelope `op` "d") whose tombstone (same seq, value
   * null) is not after it: the producer sends the two one after the other, and a push that stopped
   * between them left the delete without its tombstone.
   */
  tombstoneMissing: boolean;
}

/** {@link PartitionEnd} per partition, per topic; a partition without a seq is absent. */
export type PartitionEnds = Map<string, Map<number, PartitionEnd>>;

interface Target {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
  from: bigint;
}

/**
 * @returns topic → partition → highest seq on the broker.
 * @throws PushError READ_BACK_FAILED (retriable) on time-out, BROKER_UNAVAILABLE when no broker answers.
 */
export async function readHighestSeqs(options: ReadBackOptions): Promise<HighestSeqs> {
  const ends = await readPartitionEnds(options);
  return new Map([...ends].map(([topic, m]) => [topic, new Map([...m].map(([partition, end]) => [partition, end.seq]))]));
}

/**
 * @returns topic → partition → the message with the highest seq on the broker.
 * @throws PushError READ_BACK_FAILED (retriable) on time-out, BROKER_UNAVAILABLE when no broker answers.
 */
export async function readPartitionEnds(options: ReadBackOptions): Promise<PartitionEnds> {
  const window = BigInt(options.window ?? 16);
  const result: PartitionEnds = new Map(options.topics.map((t) => [t, new Map<number, PartitionEnd>()]));
  let targets: Target[] = [];
  try {
    for (const topic of options.topics) {
      for (const o of await fetchTopicOffsets(options.admin, topic)) {
        const low = BigInt(o.low);
        const high = BigInt(o.high);
        if (high > low) targets.push({ topic, partition: o.partition, low, high, from: high - window > low ? high - window : low });
      }
    }
  } catch (error) {
    throw toPushError(error, `reading the offsets of ${options.topics.join(', ')}`, 'READ_BACK_FAILED');
  }

  while (targets.length > 0) {
    const found = await scan(options, targets);
    const again: Target[] = [];
    for (const t of targets) {
      const end = found.get(key(t.topic, t.partition));
      if (end !== undefined) result.get(t.topic)!.set(t.partition, end);
      else if (t.from > t.low) again.push({ ...t, from: t.low });
    }
    targets = again;
  }
  options.logger.debug({ highest: Object.fromEntries([...result].map(([t, m]) => [t, Object.fromEntries([...m].map(([p, e]) => [p, e.seq.toString()]))])) }, 'read back highest seq per partition');
  return result;
}

/**
 * admin.fetchTopicOffsets, retried on retriable protocol errors: kafkajs does not retry them here,
 * and a partition that just got a leader (a new topic, a broker restart) answers
 * NOT_LEADER_FOR_PARTITION for a moment.
 */
async function fetchTopicOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      const e = error as { name?: string; retriable?: boolean };
      if (attempt >= 8 || e.name !== 'KafkaJSProtocolError' || e.retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => {}); // refreshes kafkajs' leader cache
    }
  }
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Reads [from, high) of every target with one throw-away consumer; returns the message of the highest seq seen per target. */
async function scan(options: ReadBackOptions, targets: Target[]): Promise<Map<string, PartitionEnd>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const groupId = `${options.groupIdPrefix ?? 'onecode-push'}-read-back-${randomUUID()}`;
  const byKey = new Map(targets.map((t) => [key(t.topic, t.partition), t]));
  const topics = [...new Set(targets.map((t) => t.topic))];
  const highest = new Map<string, PartitionEnd>();
  const done = new Set<string>();
  const consumer = options.kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    const finished = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PushError({
              code: 'READ_BACK_FAILED',
              retriable: true,
              message: `Could not read the last messages of ${topics.join(', ')} within ${timeoutMs} ms (read ${done.size} of ${targets.length} partitions); check the broker and push again.`,
            }),
          ),
        timeoutMs,
      );
      // Seek on every group join: the first, and again if kafkajs restarts the consumer after a
      // retriable crash (e.g. the group coordinator still loading after a broker restart).
      consumer.on(consumer.events.GROUP_JOIN, () => {
        try {
          for (const t of targets) {
            if (!done.has(key(t.topic, t.partition))) consumer.seek({ topic: t.topic, partition: t.partition, offset: t.from.toString() });
          }
        } catch (error) {
          reject(error);
        }
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const k = key(batch.topic, batch.partition);
            const target = byKey.get(k);
            if (target === undefined || done.has(k)) return;
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              if (offset < target.from || offset >= target.high) continue;
              const seq = seqOfHeaders(message.headers);
              if (seq === undefined) continue;
              const end = highest.get(k);
              if (seq > (end?.seq ?? -1n)) {
                highest.set(k, {
                  seq,
                  policy: headerText(message.headers, HEADER_POLICY),
                  keyId: headerText(message.headers, HEADER_PSEUDONYM_KEY),
                  tombstoneMissing: message.value !== null && isDelete(message.value),
                });
              } else if (seq === end!.seq && message.value === null) {
                end!.tombstoneMissing = false;
              }
            }
            if (BigInt(batch.lastOffset()) >= target.high - 1n) {
              done.add(k);
              if (done.size === byKey.size) resolve();
            }
          },
        })
        .catch(reject);
    });
    await finished;
    return highest;
  } catch (error) {
    throw toPushError(error, `reading back the last messages of ${topics.join(', ')}`, 'READ_BACK_FAILED');
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
    await options.admin.deleteGroups([groupId]).catch(() => {});
  }
}

/** True when `value` is an envelope of op "d" (src/outbox/event-format.ts); false for anything else. */
function isDelete(value: Buffer): boolean {
  try {
    return (JSON.parse(value.toString('utf8')) as { op?: unknown }).op === 'd';
  } catch {
    return false;
  }
}
