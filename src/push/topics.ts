/**
 * Topic names per entity and creating them. One topic per entity, versioned by suffix: a breaking
 * change of the envelope gets a new topic (`.v2`), never a change in place.
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import { EVENT_ENTITIES, type EventEntity } from '../outbox/event-format.ts';
import { PushError, toPushError } from './errors.ts';

/** The entities the outbox carries (`outbox.entity`; src/outbox/event-format.ts). */
export const ENTITIES = EVENT_ENTITIES;
/** One of {@link ENTITIES}. */
export type Entity = EventEntity;
/** Topic name for each entity. */
export type TopicMap = Record<Entity, string>;

/** Default topic names: `onecode.<entity>.v1`. */
export const DEFAULT_TOPICS: Readonly<TopicMap> = Object.freeze({
  person: 'onecode.person.v1',
  legal_person: 'onecode.legal_person.v1',
  record: 'onecode.record.v1',
});

/** Default partition count for topics created by {@link ensureTopics}. */
export const DEFAULT_PARTITIONS = 3;

/** {@link DEFAULT_TOPICS} with some names replaced. */
export function resolveTopics(overrides: Partial<TopicMap> = {}): TopicMap {
  return { ...DEFAULT_TOPICS, ...overrides };
}

/** The topic of `entity`, or undefined when `entity` is not one of {@link ENTITIES}. */
export function topicFor(topics: TopicMap, entity: string): string | undefined {
  return (ENTITIES as readonly string[]).includes(entity) ? topics[entity as Entity] : undefined;
}

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Topics to create when missing. Default: the values of {@link DEFAULT_TOPICS}. */
  topics?: readonly string[];
  /** Partitions of a topic created here (existing topics keep theirs). Default 3. */
  partitions?: number;
  /**
   * Replication factor of a topic created here. Default: the broker's `default.replication.factor`
   * (set it to 3 on a production cluster, or pass 3 here).
   */
  replicationFactor?: number;
  /** Topic configs for topics created here, e.g. `[{ name: 'min.insync.replicas', value: '2' }]`. */
  configEntries?: ITopicConfig['configEntries'];
  /** How long to wait for the topics' leaders, in ms. Default 30,000. */
  timeoutMs?: number;
}

/**
 * Creates the topics that do not exist yet and waits until the broker serves metadata with a
 * leader for each of their partitions.
 *
 * kafkajs' own `createTopics({ waitForLeaders: true })` is not used: on a KRaft broker (Kafka 3.3+,
 * all of 4.x) the CreateTopics answer can come before the broker has applied the new topic to its
 * metadata cache, and kafkajs then fails with UNKNOWN_TOPIC_OR_PARTITION ("This server does not host
 * this topic-partition") instead of waiting. This polls the metadata instead.
 * @returns the partition count of every topic, as the broker reports it (an existing topic may
 *   have another count than `partitions`; the publisher routes keys with the broker's count).
 * @throws PushError TOPIC_SETUP_FAILED, or BROKER_UNAVAILABLE.
 */
export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions = {}): Promise<Map<string, number>> {
  const topics = [...new Set(options.topics ?? Object.values(DEFAULT_TOPICS))];
  const numPartitions = options.partitions ?? DEFAULT_PARTITIONS;
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin
        .createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions,
            ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
            ...(options.configEntries === undefined ? {} : { configEntries: options.configEntries }),
          })),
        })
        .catch((error: unknown) => {
          // Another process created one of them between listTopics and createTopics: fine.
          if (!errorIsTopicExists(error)) throw error;
        });
    }
    return await waitForLeaders(admin, topics, options.timeoutMs ?? 30_000);
  } catch (error) {
    if (error instanceof PushError) throw error;
    throw toPushError(error, `creating topics ${topics.join(', ')}`, 'TOPIC_SETUP_FAILED');
  }
}

/**
 * Polls topic metadata until every partition of every topic has a leader.
 * @returns topic → partition count.
 */
export async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = '';
  for (let attempt = 1; ; attempt++) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const counts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
      const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      const absent = topics.filter((t) => !counts.get(t));
      if (leaderless.length === 0 && absent.length === 0) return counts;
      lastProblem = `no leader yet for ${[...absent, ...leaderless.map((t) => t.name)].join(', ')}`;
    } catch (error) {
      const e = error as { name?: string; retriable?: boolean; message?: string };
      if (e.name !== 'KafkaJSProtocolError' || e.retriable !== true) throw error;
      lastProblem = e.message ?? String(error);
    }
    if (Date.now() > deadline) {
      throw new PushError({
        code: 'TOPIC_SETUP_FAILED',
        retriable: true,
        message: `Topics ${topics.join(', ')} not ready after ${timeoutMs} ms (${lastProblem}); check the broker log and run again.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));
  }
}

function errorIsTopicExists(error: unknown): boolean {
  const e = error as { type?: string; errors?: Array<{ type?: string }> };
  return e.type === 'TOPIC_ALREADY_EXISTS' || (e.errors ?? []).some((x) => x.type === 'TOPIC_ALREADY_EXISTS');
}
