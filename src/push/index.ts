/**
 * Push: the outbox relay and the Kafka publisher (docs/feed-contract.md describes what consumers get).
 */
export { OUTBOX_DDL } from '../outbox/outbox-ddl.ts';
export { PushError, type PushErrorCode } from './errors.ts';
export { DEFAULT_PARTITIONS, DEFAULT_TOPICS, ENTITIES, ensureTopics, resolveTopics, topicFor } from './topics.ts';
export type { Entity, EnsureTopicsOptions, TopicMap } from './topics.ts';
export { HEADER_EVENT_ID, HEADER_POLICY, HEADER_PROVIDER_CODE, HEADER_PSEUDONYM_KEY, HEADER_RESOURCE_CODE, HEADER_SCHEMA, HEADER_SEQ } from './headers.ts';
export { CLEAR_FEED_POLICY, FEED_POLICY_VARIABLE, formatFeedPolicy, parseFeedPolicy, resolveFeedSettings } from './feed-policy.ts';
export type { FeedPolicy, FeedSettings } from './feed-policy.ts';
export { CLEAR_FEED_PROTECTION, createFeedProtection, pseudonymKeyId, readFeedKey } from './feed-protection.ts';
export type { FeedProtection } from './feed-protection.ts';
export { createEventProtector } from './protect-event.ts';
export type { EventProtector, EventProtectorOptions } from './protect-event.ts';
export { createPublisher } from './publisher.ts';
export type { OutboxEvent, PublishOutcome, Publisher, PublisherOptions, Rejection, Route } from './publisher.ts';
export type { HighestSeqs } from './read-back.ts';
export { SASL_MECHANISMS, saslCredentials } from './security.ts';
export type { KafkaSasl, KafkaTls, SaslMechanism } from './security.ts';
export { pushOutbox } from './relay.ts';
export type { PushOutboxOptions, PushOutboxResult, PushProgress } from './relay.ts';
