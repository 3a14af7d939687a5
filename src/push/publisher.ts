/**
 * Publishes outbox events to Kafka: one message per event on the entity's topic, key = the event's
 * message key (the one code; a record's `<pipeline>/<source_key>`: src/outbox/event-format.ts),
 * value = the envelope JSON, headers onecode-event-id / onecode-schema / onecode-seq (and
 * onecode-resource-code / onecode-provider-code when the event has them); a delete is
 * followed by a tombstone (same key, value null, same headers), right after it in its partition
 * (a tombstone missing after a stopped push is sent by the next: relay.ts).
 *
 * The feed's policy (feed-protection.ts) is applied before the publisher sees an event (the relay
 * protects each event; the key and partition are those of the protected event); the publisher
 * adds the policy's headers to every message, and refuses to publish to a topic whose last
 * message was published under another policy or key (PushError FEED_POLICY_CHANGED): the keys of
 * a compacted topic, the partition of each key and the relay's read-back all assume one policy
 * per topic set.
 *
 * The producer is librdkafka's (src/push/native-producer.ts): idempotent, acks all, up to five
 * requests in flight, retries that never duplicate or reorder, a delivery report per message, and
 * no gap: after a message fails, every later one fails too. An event counts as published when the
 * broker acknowledged all of its messages. The admin work (topics, configs, offsets) and the
 * read-back use kafkajs. Partitions are computed here with the default (murmur2) partitioner of
 * kafkajs and Java on the message key and set on each message, so the relay knows where every
 * event goes.
 */
import { Kafka, logLevel, type Admin, type RetryOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { CHANGE_EVENT_SCHEMA, EVENT_OPS, messageKey } from '../outbox/event-format.ts';
import type { OutboxEvent } from '../outbox/outbox-store.ts';
import { isMessageTooLarge, PushError, toPushError } from './errors.ts';
import { formatFeedPolicy, CLEAR_FEED_POLICY } from './feed-policy.ts';
import { CLEAR_FEED_PROTECTION, type FeedProtection } from './feed-protection.ts';
import { eventHeaders, HEADER_EVENT_ID, HEADER_POLICY, HEADER_PROVIDER_CODE, HEADER_RESOURCE_CODE, HEADER_SCHEMA, HEADER_SEQ } from './headers.ts';
import { kafkajsLogCreator } from './kafkajs-logger.ts';
import { createNativeProducer, type NativeError, type NativeMessage, type NativeProducer } from './native-producer.ts';
import { createKeyPartitioner } from './partitioning.ts';
import { readPartitionEnds, type HighestSeqs, type PartitionEnds } from './read-back.ts';
import { RECORD_BATCH_OVERHEAD, recordBytes, type SizedMessage } from './record-size.ts';
import { isLoopbackBroker, type KafkaSasl, type KafkaTls } from './security.ts';
import { DEFAULT_PARTITIONS, ensureTopics, resolveTopics, topicFor, type TopicMap } from './topics.ts';

export type { OutboxEvent };

/** Where an event goes. */
export interface Route {
  topic: string;
  partition: number;
}

/** An event that cannot be published, and why (stored in outbox.parked_reason). */
export interface Rejection {
  event: OutboxEvent;
  reason: string;
}

/** What {@link Publisher.publishBatch} did with each event it was given. */
export interface PublishOutcome {
  /** Acknowledged by the broker (acks all). */
  published: OutboxEvent[];
  /** Not publishable; the broker has none of them. */
  rejected: Rejection[];
  /** Not sent, because sending stopped at a rejection from the broker; send them again. */
  unsent: OutboxEvent[];
}

/** Options of {@link createPublisher}. */
export interface PublisherOptions {
  /** Bootstrap brokers, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** TLS to the brokers (src/push/security.ts). Default: plain TCP. */
  ssl?: KafkaTls;
  /** SASL authentication (src/push/security.ts). Default: none. */
  sasl?: KafkaSasl;
  /** Parent logger; the publisher logs as child `component: 'publisher'`. */
  logger: Logger;
  /** Kafka client id. Default 'onecode-push'. */
  clientId?: string;
  /** Topic names per entity; unset entities keep {@link DEFAULT_TOPICS}. */
  topics?: Partial<TopicMap>;
  /** Partitions of topics the publisher creates (existing topics keep theirs). Default 3. */
  partitions?: number;
  /** Replication factor of topics the publisher creates. Default: the broker's default. */
  replicationFactor?: number;
  /**
   * Largest record batch the publisher sends, in bytes: an event (with its tombstone) above it is
   * rejected before sending (the relay parks it), and sends are split so that no partition's batch
   * exceeds it. Default: each topic's own `max.message.bytes` as the broker reports it when the
   * publisher connects (the broker's `message.max.bytes`, 1,048,588 by default, unless the topic
   * overrides it), so that raising a topic's limit is all it takes to publish a parked event of
   * that topic again; 1,000,000 when the broker does not say. Set it, and it applies to every topic.
   */
  maxMessageBytes?: number;
  /**
   * Retries of each request: how many, the first back-off and the largest, in ms. Default
   * { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 }: with no broker, a send fails
   * after about 20 s (the sum of the back-offs, a connection time-out per try, and the request
   * time-out) instead of retrying for ever. A push that fails is simply run again.
   */
  retry?: RetryOptions;
  /** TCP connect timeout in ms. Default 3,000. */
  connectionTimeoutMs?: number;
  /** Time the broker may take to acknowledge a send, in ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** Time allowed for reading back the highest seq per partition, in ms. Default 60,000. */
  readBackTimeoutMs?: number;
  /**
   * The feed's policy (feed-protection.ts createFeedProtection): its headers go on every message,
   * and the relay protects events with it. Default: every class clear, {@link CLEAR_FEED_PROTECTION}.
   */
  protection?: FeedProtection;
}

/** A connected publisher; see {@link createPublisher}. */
export interface Publisher {
  /** Topic name per entity. */
  readonly topics: Readonly<TopicMap>;
  /** The feed's policy: the relay protects each event with it before handing it over. */
  readonly protection: FeedProtection;
  /** Topic and partition of an event (by its message key), or undefined when its entity has no topic or it has no key. */
  route(event: OutboxEvent): Route | undefined;
  /**
   * The event's message key (src/outbox/event-format.ts, messageKey), from its envelope (parsed
   * once per event object, shared with the other methods); undefined when it has none.
   */
  messageKey(event: OutboxEvent): string | undefined;
  /**
   * Why `event` cannot be published (unknown entity or op, no message key, envelope not JSON or
   * of another schema than src/outbox/event-format.ts's, larger than its topic's limit), or
   * undefined when it can. Pure for one
   * publisher: the same event gets the same answer.
   */
  rejectReason(event: OutboxEvent): string | undefined;
  /**
   * Sends `events` in order, splitting requests by size. Events with a {@link rejectReason} are
   * rejected without sending. When the broker refuses a message as too large (its limit is below
   * maxMessageBytes), that event is rejected and sending stops: the rest is returned as `unsent`.
   * @throws PushError BROKER_UNAVAILABLE (retriable) or PUBLISH_FAILED. Events sent before the
   *   error may be on the broker; {@link highestSeqPerPartition} tells which.
   */
  publishBatch(events: readonly OutboxEvent[]): Promise<PublishOutcome>;
  /**
   * Highest `onecode-seq` already on the broker, per partition, for each of `topics` (default: all
   * of the publisher's topics), with one consumer-group join.
   * @throws PushError READ_BACK_FAILED or BROKER_UNAVAILABLE; FEED_POLICY_CHANGED when a
   *   partition's last message was published under another policy or key than {@link protection}.
   */
  highestSeqPerPartition(topics?: readonly string[]): Promise<HighestSeqs>;
  /**
   * {@link highestSeqPerPartition} with, per partition, whether its last event is a delete whose
   * tombstone is missing (read-back.ts PartitionEnd); same errors.
   */
  partitionEnds(topics?: readonly string[]): Promise<PartitionEnds>;
  /**
   * Sends only the tombstones of delete events already on the broker without them (see
   * {@link partitionEnds}), in order.
   * @returns the events whose tombstone the broker acknowledged.
   * @throws PushError as {@link publishBatch}; a tombstone is never too large.
   */
  publishTombstones(events: readonly OutboxEvent[]): Promise<OutboxEvent[]>;
  /** Disconnects the producer and the admin client. Never throws. */
  close(): Promise<void>;
}

interface Prepared {
  event: OutboxEvent;
  route: Route;
  /** The event, then its tombstone for a delete. */
  messages: NativeMessage[];
  bytes: number;
}

/** Time a message may take to be acknowledged, retries included: about what kafkajs' retries took. */
function deliveryTimeoutMs(retry: RetryOptions, connectionTimeoutMs: number, requestTimeoutMs: number): number {
  const retries = retry.retries ?? 5;
  const first = retry.initialRetryTime ?? 300;
  const largest = retry.maxRetryTime ?? 30_000;
  let backOff = 0;
  for (let i = 0; i < retries; i++) backOff += Math.min(first * 2 ** i, largest);
  return Math.max(2_000, backOff + connectionTimeoutMs * (retries + 1) + Math.min(requestTimeoutMs, 10_000));
}

const DEFAULT_RETRY: RetryOptions = { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 };

/**
 * Connects to the brokers, creates the topics that are missing and learns their partition counts.
 * @throws PushError BROKER_UNAVAILABLE when no broker answers, TLS_FAILED or AUTHENTICATION_FAILED
 *   when the TLS handshake or the SASL authentication fails, TOPIC_SETUP_FAILED.
 */
export async function createPublisher(options: PublisherOptions): Promise<Publisher> {
  const logger = options.logger.child({ component: 'publisher' });
  const protection = options.protection ?? CLEAR_FEED_PROTECTION;
  const clientId = options.clientId ?? 'onecode-push';
  const topics = resolveTopics(options.topics);
  if (options.ssl?.rejectUnauthorized === false) {
    logger.warn("TLS without verifying the broker's certificate (KAFKA_SSL_REJECT_UNAUTHORIZED=false): anyone between here and the broker can read and change the feed; give the broker's CA in KAFKA_SSL_CA_FILE instead");
  }
  const remote = options.brokers.filter((b) => !isLoopbackBroker(b));
  if (options.sasl !== undefined && options.ssl === undefined && remote.length > 0) {
    // SCRAM keeps the password safe without TLS (PLAIN is refused without it), but not the feed.
    logger.warn({ brokers: remote, mechanism: options.sasl.mechanism }, 'SASL without TLS to a broker not on this machine: the password is not sent, but every message of the feed, personal values included, crosses the network in clear and can be changed on the way; turn TLS on (KAFKA_SSL=true, KAFKA_SSL_CA_FILE)');
  }
  const kafka = new Kafka({
    clientId,
    brokers: options.brokers,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? DEFAULT_RETRY,
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger),
  });
  const admin: Admin = kafka.admin();
  const retry = options.retry ?? DEFAULT_RETRY;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 3_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  let producer: NativeProducer;
  let partitionCounts: Map<string, number>;
  let limits: Map<string, number>;
  try {
    await admin.connect();
    partitionCounts = await ensureTopics(admin, {
      topics: Object.values(topics),
      partitions: options.partitions ?? DEFAULT_PARTITIONS,
      ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
    });
    limits = options.maxMessageBytes === undefined
      ? await topicMessageLimits(admin, Object.values(topics), logger)
      : new Map(Object.values(topics).map((t) => [t, options.maxMessageBytes!]));
    const librdkafkaLog = logger.child({ component: 'librdkafka' });
    producer = await createNativeProducer({
      brokers: options.brokers,
      clientId,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
      deliveryTimeoutMs: deliveryTimeoutMs(retry, connectionTimeoutMs, requestTimeoutMs),
      requestTimeoutMs,
      retries: retry.retries ?? 5,
      retryBackoffMs: retry.initialRetryTime ?? 300,
      retryBackoffMaxMs: retry.maxRetryTime ?? 30_000,
      // A partition's record batch stays within every topic's limit; a request may carry the largest event.
      batchBytes: Math.max(1_000, Math.min(...limits.values()) - RECORD_BATCH_OVERHEAD),
      requestBytes: Math.min(1_000_000_000, Math.max(...limits.values()) + 1_000_000),
      connectionTimeoutMs,
      onLog: (level, message, fields) => librdkafkaLog[level](fields, message),
    });
  } catch (error) {
    await admin.disconnect().catch(() => {});
    throw toPushError(error, `connecting to ${options.brokers.join(',')}`);
  }
  logger.debug({ topics, partitions: Object.fromEntries(partitionCounts), maxMessageBytes: Object.fromEntries(limits) }, 'publisher connected');

  const partitionOf = createKeyPartitioner();
  /** The policy's headers, one object each as the producer takes them, shared by every message. */
  const policyHeaders = Object.entries(protection.headers).map(([name, value]) => ({ [name]: value }));
  const schemaHeaders = new Map<string, Record<string, string>>();
  const schemaHeader = (schema: string): Record<string, string> => {
    let header = schemaHeaders.get(schema);
    if (header === undefined) schemaHeaders.set(schema, (header = { [HEADER_SCHEMA]: schema }));
    return header;
  };
  const prepared = new WeakMap<OutboxEvent, Prepared | string>();
  /** Each event's envelope parsed once (undefined: not JSON): the key and the schema come from it. */
  const parsed = new WeakMap<OutboxEvent, { envelope: Record<string, unknown> | undefined }>();

  const envelopeOf = (event: OutboxEvent): Record<string, unknown> | undefined => {
    let entry = parsed.get(event);
    if (entry === undefined) {
      let envelope: Record<string, unknown> | undefined;
      try {
        const value = JSON.parse(event.event) as unknown;
        envelope = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
      } catch {
        envelope = undefined;
      }
      entry = { envelope };
      parsed.set(event, entry);
    }
    return entry.envelope;
  };

  const keyOf = (event: OutboxEvent): string | undefined => {
    const envelope = envelopeOf(event);
    return envelope === undefined ? undefined : messageKey({ entity: event.entity, code: event.code, before: envelope.before, after: envelope.after });
  };

  const route = (event: OutboxEvent): Route | undefined => {
    const topic = topicFor(topics, event.entity);
    const key = topic === undefined ? undefined : keyOf(event);
    if (topic === undefined || key === undefined) return undefined;
    return { topic, partition: partitionOf(topic, key, partitionCounts.get(topic)!) };
  };

  /** The messages of an event, or the reason it cannot be published. */
  const prepare = (event: OutboxEvent): Prepared | string => {
    const cached = prepared.get(event);
    if (cached !== undefined) return cached;
    const result = prepareUncached(event);
    prepared.set(event, result);
    return result;
  };

  const prepareUncached = (event: OutboxEvent): Prepared | string => {
    if (topicFor(topics, event.entity) === undefined) return `entity '${event.entity}' has no topic (known: ${Object.keys(topics).join(', ')})`;
    if (!(EVENT_OPS as readonly string[]).includes(event.op)) return `op '${event.op}' is not ${EVENT_OPS.join(', ')}`;
    const envelope = envelopeOf(event);
    if (envelope === undefined) return 'event is not valid JSON';
    const schema = envelope.schema;
    if (typeof schema !== 'string' || schema === '') return 'event envelope has no schema string';
    // The topics are versioned (.v1): an envelope of another shape does not belong on them.
    if (schema !== CHANGE_EVENT_SCHEMA) return `event envelope's schema is not ${CHANGE_EVENT_SCHEMA}, the shape of these topics`;
    const where = route(event);
    if (where === undefined) return 'record event without pipeline and source_key in before/after: it has no message key';
    const key = keyOf(event)!;
    const headers = { ...eventHeaders({ eventId: event.eventId, schema, seq: event.seq, resourceCode: event.resourceCode, providerCode: event.providerCode }), ...protection.headers };
    const sized: SizedMessage[] = [{ key, value: event.event, headers }];
    if (event.op === 'd') sized.push({ key, value: null, headers });
    const bytes = sized.reduce((sum, m) => sum + recordBytes(m), 0);
    const limit = limits.get(where.topic)!;
    if (bytes + RECORD_BATCH_OVERHEAD > limit) {
      const what = options.maxMessageBytes === undefined ? `the topic's max.message.bytes ${limit}` : `maxMessageBytes ${limit}`;
      return `message too large: ${bytes + RECORD_BATCH_OVERHEAD} bytes with its record batch, above ${what}; raise the topic's max.message.bytes, then re-queue it (onecode push --requeue-parked ${event.seq})`;
    }
    const keyBytes = Buffer.from(key);
    // The binding takes one header per object (it reads only the first property of each); the
    // objects of the schema and the policy are the same for every event.
    const catalogueHeaders = [HEADER_RESOURCE_CODE, HEADER_PROVIDER_CODE].flatMap((name) => {
      const value = headers[name];
      return value === undefined ? [] : [{ [name]: value }];
    });
    const nativeHeaders = [{ [HEADER_EVENT_ID]: event.eventId }, schemaHeader(schema), { [HEADER_SEQ]: headers[HEADER_SEQ]! }, ...catalogueHeaders, ...policyHeaders];
    const messages: NativeMessage[] = sized.map((m) => ({
      topic: where.topic,
      partition: where.partition,
      key: keyBytes,
      value: m.value === null ? null : Buffer.from(m.value),
      headers: nativeHeaders,
    }));
    return { event, route: where, messages, bytes };
  };

  /**
   * Produces the messages of `items` in order; returns, per item, undefined when the broker
   * acknowledged all of its messages, else the first error reported for one of them.
   */
  const send = async (items: readonly Prepared[]): Promise<Array<NativeError | undefined>> => {
    const messages: NativeMessage[] = [];
    for (const item of items) for (const m of item.messages) messages.push(m);
    const reports = await producer.produce(messages);
    const results = new Array<NativeError | undefined>(items.length);
    let at = 0;
    for (let i = 0; i < items.length; i++) {
      const n = items[i]!.messages.length;
      let error: NativeError | undefined;
      for (let j = at; j < at + n && error === undefined; j++) error = reports[j];
      results[i] = error;
      at += n;
    }
    return results;
  };

  /** A fresh producer (new producer id and sequences), after a failed delivery. */
  const resetProducer = async (): Promise<void> => {
    await producer.reset();
  };

  const partitionEnds = async (of: readonly string[] = Object.values(topics)): Promise<PartitionEnds> => {
    const ends = await readPartitionEnds({
      kafka,
      admin,
      logger,
      topics: [...new Set(of)],
      groupIdPrefix: clientId,
      timeoutMs: options.readBackTimeoutMs ?? 60_000,
    });
    assertOnePolicy(ends, protection);
    return ends;
  };

  const highestSeqPerPartition = async (of: readonly string[] = Object.values(topics)): Promise<HighestSeqs> => {
    const ends = await partitionEnds(of);
    return new Map([...ends].map(([topic, m]) => [topic, new Map([...m].map(([partition, end]) => [partition, end.seq]))]));
  };

  const publishTombstones = async (events: readonly OutboxEvent[]): Promise<OutboxEvent[]> => {
    const tombstones: Prepared[] = [];
    for (const event of events) {
      const p = prepare(event);
      if (typeof p === 'string' || p.messages.length < 2) throw new PushError({ code: 'PUBLISH_FAILED', retriable: false, message: `event seq ${event.seq} is not a publishable delete; it has no tombstone to send` });
      tombstones.push({ ...p, messages: [p.messages[1]!] });
    }
    const results = await send(tombstones);
    const failed = results.findIndex((e) => e !== undefined);
    if (failed === -1) return [...events];
    await resetProducer().catch(() => {});
    throw toPushError(results[failed], `sending the tombstone of event seq ${events[failed]!.seq}`);
  };

  const publishBatch = async (events: readonly OutboxEvent[]): Promise<PublishOutcome> => {
    const outcome: PublishOutcome = { published: [], rejected: [], unsent: [] };
    const ready: Prepared[] = [];
    for (const event of events) {
      const p = prepare(event);
      if (typeof p === 'string') outcome.rejected.push({ event, reason: p });
      else ready.push(p);
    }
    if (ready.length === 0) return outcome;
    const results = await send(ready);
    const failed: Prepared[] = [];
    let firstError: NativeError | undefined;
    let tooLarge = false;
    for (let i = 0; i < ready.length; i++) {
      const error = results[i];
      if (error === undefined) {
        outcome.published.push(ready[i]!.event);
        continue;
      }
      failed.push(ready[i]!);
      firstError ??= error;
      if (isMessageTooLarge(error)) tooLarge = true;
    }
    if (failed.length === 0) return outcome;
    if (!tooLarge) {
      // Not about one event (no broker, time-out, authorisation): nothing more is sent.
      await resetProducer().catch((error: unknown) => logger.warn({ err: error }, 'could not replace the producer after a failed send'));
      throw toPushError(firstError, `sending ${ready.length} events (seq ${ready[0]!.event.seq}…${ready.at(-1)!.event.seq}; ${failed.length} not acknowledged)`);
    }
    logger.warn({ events: failed.length, first: String(failed[0]!.event.seq) }, 'broker refused a message as too large; sending the events not acknowledged one by one');
    // The producer stopped at the refusal (no gaps): what follows it in each partition is not on the broker.
    const rest = await sendOneByOne(failed);
    outcome.published.push(...rest.published);
    if (rest.rejected !== undefined) outcome.rejected.push(rest.rejected);
    outcome.unsent.push(...rest.unsent);
    // Events are returned in the order they were given.
    const order = new Map(events.map((e, i) => [e, i]));
    outcome.published.sort((x, y) => order.get(x)! - order.get(y)!);
    return outcome;
  };

  /** Sends events not acknowledged again one by one, skipping what the broker already has; stops at the first refusal. */
  const sendOneByOne = async (
    chunk: readonly Prepared[],
  ): Promise<{ published: OutboxEvent[]; rejected?: Rejection; unsent: OutboxEvent[] }> => {
    try {
      await resetProducer();
    } catch (error) {
      throw toPushError(error, 'reconnecting the producer');
    }
    const ends = await partitionEnds(chunk.map((p) => p.route.topic));
    const published: OutboxEvent[] = [];
    const todo: Prepared[] = [];
    for (const p of chunk) {
      const end = ends.get(p.route.topic)?.get(p.route.partition);
      if (end === undefined || p.event.seq > end.seq) todo.push(p);
      // A delete on the broker without its tombstone: only the tombstone is still to send.
      else if (p.event.seq === end.seq && end.tombstoneMissing && p.messages.length > 1) todo.push({ ...p, messages: [p.messages[1]!] });
      else published.push(p.event);
    }
    for (let i = 0; i < todo.length; i++) {
      const p = todo[i]!;
      const [error] = await send([p]);
      if (error === undefined) {
        published.push(p.event);
        continue;
      }
      await resetProducer().catch(() => {});
      if (!isMessageTooLarge(error)) throw toPushError(error, `sending event seq ${p.event.seq}`);
      const reason = `broker refused the message as too large (MESSAGE_TOO_LARGE, ${p.bytes + RECORD_BATCH_OVERHEAD} bytes); raise the topic's max.message.bytes, then re-queue it (onecode push --requeue-parked ${p.event.seq})`;
      return { published, rejected: { event: p.event, reason }, unsent: todo.slice(i + 1).map((x) => x.event) };
    }
    return { published, unsent: [] };
  };

  return {
    topics,
    protection,
    route,
    messageKey: keyOf,
    rejectReason: (event) => {
      const p = prepare(event);
      return typeof p === 'string' ? p : undefined;
    },
    publishBatch,
    publishTombstones,
    highestSeqPerPartition,
    partitionEnds,
    close: async () => {
      await producer.close();
      await admin.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'admin disconnect failed'));
    },
  };
}

/**
 * Refuses a topic set whose partitions end with a message of another feed policy or key than
 * `protection`'s (a message without the policy header was published in clear, before feeds had
 * policies).
 * @throws PushError FEED_POLICY_CHANGED, not retriable.
 */
function assertOnePolicy(ends: PartitionEnds, protection: FeedProtection): void {
  const ours = protection.headers[HEADER_POLICY];
  for (const [topic, partitions] of ends) {
    for (const [partition, end] of partitions) {
      const theirs = end.policy ?? formatFeedPolicy(CLEAR_FEED_POLICY);
      if (theirs === ours && end.keyId === protection.keyId) continue;
      const what = (policy: string | undefined, keyId: string | undefined) => `${policy}${keyId === undefined ? '' : ` (pseudonym key ${keyId})`}`;
      throw new PushError({
        code: 'FEED_POLICY_CHANGED',
        retriable: false,
        message: `${topic} partition ${partition} ends with a message (seq ${end.seq}) published under feed policy ${what(theirs, end.keyId)}, but this push applies ${what(ours, protection.keyId)}. A topic set keeps one policy and one key: its message keys, partitions and compaction depend on them. Publish the new policy to new topics (--topic-prefix or ONECODE_TOPIC_PREFIX), or restore the policy and key of these topics.`,
      });
    }
  }
}

/**
 * ConfigResourceTypes.TOPIC of the Kafka protocol (DescribeConfigs). kafkajs exports the enum, but
 * from CommonJS in a way Node's ESM loader does not see as a named export.
 */
const TOPIC_RESOURCE = 2;

/**
 * Each topic's `max.message.bytes` as the broker reports it (DescribeConfigs); 1,000,000 for a
 * topic it does not report (logged), e.g. when the client may not describe configs.
 */
async function topicMessageLimits(admin: Admin, topics: readonly string[], logger: Logger): Promise<Map<string, number>> {
  const FALLBACK = 1_000_000;
  const limits = new Map(topics.map((t) => [t, FALLBACK]));
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [...new Set(topics)].map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['max.message.bytes'] })),
    });
    for (const r of resources) {
      const value = Number(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      if (Number.isSafeInteger(value) && value > 0) limits.set(r.resourceName, value);
    }
  } catch (error) {
    logger.warn({ err: error }, `could not read the topics' max.message.bytes; using ${FALLBACK} bytes`);
  }
  return limits;
}
