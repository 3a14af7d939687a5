import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** One message as a consumer of the feed sees it. */
export interface FeedMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: string | null;
  headers: Record<string, string>;
  /** Key, value and header names and values, as bytes on the wire (for scans of personal values). */
  bytes: Buffer;
}

/**
 * Reads every message of `topics` from the beginning, in a consumer group of its own, until
 * `atLeast` arrived and none came for 1.5 s, or `timeoutMs` passed (default 120 s).
 */
export async function readFeed(options: { brokers: string[]; topics: string[]; atLeast: number; timeoutMs?: number }): Promise<FeedMessage[]> {
  const kafka = new Kafka({ clientId: 'feed-consumer', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `feed-consumer-${randomUUID()}`, maxBytes: 20 * 1024 * 1024 });
  const seen: FeedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      const parts: Buffer[] = [message.key ?? Buffer.alloc(0), message.value ?? Buffer.alloc(0)];
      for (const [k, v] of Object.entries(message.headers ?? {})) {
        headers[k] = String(v);
        parts.push(Buffer.from(k), Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
      }
      seen.push({ topic, partition, offset: BigInt(message.offset), key: message.key?.toString('utf8') ?? '', value: message.value?.toString('utf8') ?? null, headers, bytes: Buffer.concat(parts) });
    },
  });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let count = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (seen.length !== count) [count, quietSince] = [seen.length, Date.now()];
    else if (seen.length >= options.atLeast && Date.now() - quietSince > 1_500) break;
  }
  await consumer.disconnect();
  return seen;
}
