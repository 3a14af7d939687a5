/**
 * Where and how the CLI publishes the change feed: brokers, topic names and partition count, from
 * flags or the environment, and TLS and SASL from the environment only. One place, so `push`,
 * `run` and `serve` agree.
 *
 * | setting           | flag (push only)   | environment                     | default                                  |
 * |-------------------|--------------------|---------------------------------|------------------------------------------|
 * | brokers           | `--brokers LIST`   | `KAFKA_BROKERS`                 | none: nothing is published               |
 * | topics            | `--topic-prefix P` | `ONECODE_TOPIC_PREFIX`          | `onecode` → `onecode.person.v1`, …       |
 * | partitions        | `--partitions N`   | `ONECODE_TOPIC_PARTITIONS`      | 3 (only for topics created by the relay) |
 * | TLS               |                    | `KAFKA_SSL` (true / false)      | off; on when a `KAFKA_SSL_*_FILE` is set |
 * | CAs trusted       |                    | `KAFKA_SSL_CA_FILE` (PEM)       | Node's bundled public CAs                |
 * | client cert       |                    | `KAFKA_SSL_CERT_FILE` (PEM)     | none; for mutual TLS, with the key       |
 * | client key        |                    | `KAFKA_SSL_KEY_FILE` (PEM, unencrypted, chmod 600) | none                  |
 * | verify the broker |                    | `KAFKA_SSL_REJECT_UNAUTHORIZED` | true; false for a test broker only (logged as a warning) |
 * | SASL mechanism    |                    | `KAFKA_SASL_MECHANISM`          | none: no SASL. `scram-sha-256`, `scram-sha-512`, `plain` (TLS only) |
 * | SASL user         |                    | `KAFKA_SASL_USERNAME`           | required with a mechanism                |
 * | SASL password     |                    | `KAFKA_SASL_PASSWORD_FILE` (one line, chmod 600) | required with a mechanism; `KAFKA_SASL_PASSWORD` is refused |
 * | feed policy       | `--feed-policy P`  | `ONECODE_FEED_POLICY` (key: `ONECODE_PSEUDONYM_KEY_FILE`) | every class clear, with a warning (src/push/feed-policy.ts) |
 *
 * The rules behind the TLS and SASL rows are in src/cli/kafka-security-settings.ts.
 */
import { ConfigError } from '../errors.ts';
import { resolveFeedSettings, type FeedSettings } from '../push/feed-policy.ts';
import type { KafkaSasl, KafkaTls } from '../push/security.ts';
import { DEFAULT_PARTITIONS, ENTITIES, type TopicMap } from '../push/topics.ts';
import { resolveKafkaSecurity } from './kafka-security-settings.ts';

/** The part of {@link createPublisher}'s options that a deployment configures. */
export interface KafkaSettings {
  /** Bootstrap brokers, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** Topic name per entity: `<prefix>.<entity>.v1`. */
  topics: TopicMap;
  /** Partitions of topics the relay creates. */
  partitions: number;
  /** TLS to the brokers; absent: plain TCP. */
  ssl?: KafkaTls;
  /** SASL authentication; absent: none. Its password never shows in JSON or util.inspect. */
  sasl?: KafkaSasl;
  /**
   * The feed's policy per class of value, and the pseudonymisation key file; {@link resolveKafkaSettings}
   * always sets it. Unset: every class clear, not set explicitly (the push warns).
   */
  feed?: FeedSettings;
}

/** Flag values; each falls back to its environment variable. */
export interface KafkaFlags {
  brokers?: string;
  topicPrefix?: string;
  partitions?: string | number;
  feedPolicy?: string;
}

/** Default topic prefix: topics `onecode.person.v1`, `onecode.legal_person.v1`, `onecode.record.v1`. */
export const DEFAULT_TOPIC_PREFIX = 'onecode';

/** Kafka's legal topic characters; the prefix also must not start or end with a dot. */
const TOPIC_PREFIX = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$/;

/**
 * Resolves the settings from flags, then the environment.
 * @returns undefined when no broker is configured (neither `--brokers` nor KAFKA_BROKERS); the TLS
 *   and SASL variables are then not read.
 * @throws ConfigError `kafka_config_invalid` for an empty broker list, a bad prefix or partition
 *   count, or TLS / SASL settings that are incomplete, contradictory or name a file that cannot be
 *   used (the message names the variable and the file, never a password or a file's contents).
 *   `feed_policy_invalid` for a bad feed policy.
 */
export function resolveKafkaSettings(flags: KafkaFlags = {}, env: NodeJS.ProcessEnv = process.env): KafkaSettings | undefined {
  const rawBrokers = flags.brokers ?? env.KAFKA_BROKERS;
  if (rawBrokers === undefined || rawBrokers.trim() === '') return undefined;
  const brokers = rawBrokers.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  const bad = brokers.filter((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (bad.length > 0) throw new ConfigError('kafka_config_invalid', `brokers: '${bad.join(', ')}' is not host:port (use --brokers or KAFKA_BROKERS=host:port[,host:port])`);

  const prefix = flags.topicPrefix ?? env.ONECODE_TOPIC_PREFIX ?? DEFAULT_TOPIC_PREFIX;
  if (!TOPIC_PREFIX.test(prefix) || prefix.endsWith('.') || prefix.length > 200) {
    throw new ConfigError('kafka_config_invalid', `topic prefix '${prefix}': use letters, digits, '.', '_' or '-' (not starting or ending with '.')`);
  }
  const rawPartitions = flags.partitions ?? env.ONECODE_TOPIC_PARTITIONS ?? DEFAULT_PARTITIONS;
  const partitions = Number(rawPartitions);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10_000) {
    throw new ConfigError('kafka_config_invalid', `partitions '${rawPartitions}': use a whole number from 1 to 10000 (--partitions or ONECODE_TOPIC_PARTITIONS)`);
  }
  return { brokers, topics: topicsWithPrefix(prefix), partitions, ...resolveKafkaSecurity(env), feed: resolveFeedSettings(flags.feedPolicy, env) };
}

/** `<prefix>.<entity>.v1` for every entity. */
export function topicsWithPrefix(prefix: string): TopicMap {
  return Object.fromEntries(ENTITIES.map((entity) => [entity, `${prefix}.${entity}.v1`])) as TopicMap;
}

/** The one line `push` prints when no broker is configured (exit code 2). */
export const NO_BROKER_MESSAGE =
  'no Kafka broker configured: set KAFKA_BROKERS=host:port[,host:port] or pass --brokers (a local one: npm run kafka:start, then KAFKA_BROKERS=127.0.0.1:9092)';
