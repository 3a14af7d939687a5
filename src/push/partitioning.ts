/**
 * Which partition a key goes to. Uses kafkajs' own DefaultPartitioner (murmur2 of the key, as the
 * Java client does: `toPositive(murmur2(key)) % partitionCount`), so the partition the publisher
 * computes is the one any kafkajs or Java producer would choose for the same key and count.
 */
import { Partitioners, type PartitionMetadata } from 'kafkajs';

/** Partition of `key` in a topic of `partitionCount` partitions. */
export type KeyPartitioner = (topic: string, key: string, partitionCount: number) => number;

/** A {@link KeyPartitioner} backed by kafkajs' `Partitioners.DefaultPartitioner`. */
export function createKeyPartitioner(): KeyPartitioner {
  const partitioner = Partitioners.DefaultPartitioner();
  const metadataByCount = new Map<number, PartitionMetadata[]>();
  return (topic, key, partitionCount) => {
    let partitionMetadata = metadataByCount.get(partitionCount);
    if (partitionMetadata === undefined) {
      // Only the length matters for keyed messages; leaders are irrelevant.
      partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        offlineReplicas: [],
      }));
      metadataByCount.set(partitionCount, partitionMetadata);
    }
    return partitioner({ topic, partitionMetadata, message: { key, value: null } });
  };
}
