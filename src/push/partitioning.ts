/**
 * Which partition a key goes to: `toPositive(murmur2(utf8(key))) % partitionCount`, the default
 * partitioner of the Java client for keyed messages (org.apache.kafka.common.utils.Utils.murmur2,
 * seed 0x9747b28c) and of kafkajs (Partitioners.DefaultPartitioner), so the partition the publisher
 * computes is the one a Java or kafkajs producer would choose for the same key and count.
 * Written with 32-bit integer arithmetic (Math.imul): kafkajs' own computes with 64-bit Long
 * objects, which cost more than the rest of preparing a message.
 */

/** Partition of `key` in a topic of `partitionCount` partitions. */
export type KeyPartitioner = (topic: string, key: string, partitionCount: number) => number;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of `data`, as a signed 32-bit integer (Utils.murmur2). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= data[tail + 2]! << 16;
    // falls through
    case 2:
      h ^= data[tail + 1]! << 8;
    // falls through
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** A {@link KeyPartitioner}: `(murmur2(key) & 0x7fffffff) % partitionCount` (Utils.toPositive). */
export function createKeyPartitioner(): KeyPartitioner {
  return (_topic, key, partitionCount) => (murmur2(Buffer.from(key)) & 0x7fffffff) % partitionCount;
}
