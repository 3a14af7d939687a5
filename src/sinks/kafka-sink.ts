/**
 * The Kafka change feed as one sink among the sinks (docs/sinks.md, "Kafka"): declared in
 * `sinks/kafka.yaml` (sink-config.ts, kind `kafka`), listed by `onecode deliver` and `status` with
 * its position and parked count, delivered to by `deliver` and by serve's delivery loop.
 *
 * It keeps its own exactly-once mechanism, unchanged (src/push/relay.ts): the outbox's marks are
 * its position (an event is published only after the broker acknowledged it), the read-back of the
 * highest `onecode-seq` per partition is the target's confirmation after a crash, and its parked
 * events are the outbox's (`onecode push --requeue-parked` / `--skip-parked`). So its position is
 * not a row of `sink_position`: it is read from the outbox (readKafkaStatus in sink-state.ts).
 * `onecode push` and `serve` without a declaration keep working from KAFKA_BROKERS as before.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { resolveKafkaSettings, type KafkaSettings } from '../cli/kafka-settings.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createOutboxStore } from '../outbox/outbox-store.ts';
import { PSEUDONYM_KEY_FILE_VARIABLE } from '../protect/key-file.ts';
import { PushError } from '../push/errors.ts';
import { UNSET_FEED_SETTINGS } from '../push/feed-policy.ts';
import { createFeedProtection } from '../push/feed-protection.ts';
import { createPublisher, type Publisher } from '../push/publisher.ts';
import { pushOutbox, type PushProgress } from '../push/relay.ts';
import type { DeliveryTarget } from '../serve/delivery-loop.ts';
import type { SinkDeclaration } from './sink-config.ts';
import { KAFKA_SINK_NAME } from './sink.ts';
import { readKafkaStatus } from './sink-state.ts';

/** A `kind: kafka` declaration. */
export type KafkaSinkDeclaration = Extract<SinkDeclaration, { kind: 'kafka' }>;

/**
 * The settings of the declared Kafka sink: brokers from the variable `brokers_env` names, topics
 * from `topic_prefix` (else ONECODE_TOPIC_PREFIX), the declared policy, and TLS, SASL and the
 * pseudonymisation key file from the environment as for `onecode push` (src/cli/kafka-settings.ts).
 * @throws ConfigError `brokers_env_missing` naming the sink file and the variable;
 *   `kafka_config_invalid` for bad brokers, prefix or TLS / SASL settings (prefixed by the sink file).
 */
export function kafkaSettingsOf(declaration: KafkaSinkDeclaration, env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const brokers = Object.hasOwn(env, declaration.brokers_env) ? env[declaration.brokers_env]?.trim() : undefined;
  if (brokers === undefined || brokers === '') {
    throw new ConfigError('brokers_env_missing', `${declaration.file}: brokers_env: environment variable ${declaration.brokers_env} is not set (or empty); export the brokers in it, host:port[,host:port]`);
  }
  let settings: KafkaSettings | undefined;
  try {
    // The declared policy replaces ONECODE_FEED_POLICY: an empty flag keeps the environment's from being read.
    settings = resolveKafkaSettings({ brokers, topicPrefix: declaration.topic_prefix, partitions: declaration.partitions, feedPolicy: '' }, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.code, `${declaration.file}: ${error.message}`);
    throw error;
  }
  return { ...settings!, feed: { policy: declaration.policy, explicit: true, keyFile: env[PSEUDONYM_KEY_FILE_VARIABLE]?.trim() || undefined } };
}

/** What one push did, as a sink's delivery: `delivered` sent now, `alreadyOnTarget` found on the broker by the read-back. */
export interface KafkaDelivery {
  sink: string;
  delivered: number;
  alreadyOnTarget: number;
  parked: number;
  held: number;
  lastSeq: bigint;
}

/**
 * Opens the publisher of `kafka` (outside the index: with the broker down this takes a while).
 * @throws PushError BROKER_UNAVAILABLE, TLS_FAILED, AUTHENTICATION_FAILED, TOPIC_SETUP_FAILED.
 */
export async function connectKafka(kafka: KafkaSettings, logger: Logger, clientId?: string): Promise<Publisher> {
  const protection = await createFeedProtection(kafka.feed ?? UNSET_FEED_SETTINGS, logger);
  return createPublisher({ brokers: kafka.brokers, ssl: kafka.ssl, sasl: kafka.sasl, topics: kafka.topics, partitions: kafka.partitions, logger, protection, ...(clientId === undefined ? {} : { clientId }) });
}

/**
 * Pushes every pending event through `publisher` (src/push/relay.ts, unchanged) and reports it as
 * a sink's delivery. `onBatch` is called after each settled batch; a throw stops the push there.
 * @throws PushError (what was settled before stays settled).
 */
export async function pushAsSink(options: {
  connection: DuckDBConnection; publisher: Publisher; logger: Logger; batchSize?: number;
  onBatch?: (progress: KafkaDelivery) => void | Promise<void>;
}): Promise<KafkaDelivery> {
  const asDelivery = (p: Omit<PushProgress, 'lastSeq'>, lastSeq: bigint): KafkaDelivery =>
    ({ sink: KAFKA_SINK_NAME, delivered: p.published, alreadyOnTarget: p.skippedAlreadyOnBroker, parked: p.parked, held: p.held, lastSeq });
  const result = await pushOutbox({
    connection: options.connection, publisher: options.publisher, logger: options.logger,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    onProgress: (p) => options.onBatch?.(asDelivery(p, p.lastSeq)),
  });
  return asDelivery(result, BigInt((await readKafkaStatus(options.connection))?.last_seq ?? 0));
}

/**
 * The Kafka feed as a target of serve's delivery loop (src/serve/delivery-loop.ts): counts the
 * pending events on the index; connects outside it (a broker that is down must not hold runs up)
 * and keeps the publisher between deliveries (the loop closes it after a failure); pushes in its
 * turn, giving way between batches. FEED_POLICY_CHANGED halts it (logged once at error level with
 * what to do; events stay pending; runs and the API go on) until serve restarts
 * (docs/feed-contract.md, "One policy and one key per topic set").
 */
export function kafkaDeliveryTarget(options: { connection: DuckDBConnection; kafka: KafkaSettings; logger: Logger; batchSize?: number }): DeliveryTarget {
  const { connection, kafka } = options;
  const logger = options.logger.child({ component: 'relay-loop' });
  let publisher: Publisher | undefined;
  const close = async (): Promise<void> => {
    const p = publisher;
    publisher = undefined;
    await p?.close();
  };
  return {
    name: KAFKA_SINK_NAME,
    async deliver(turn) {
      const pending = await turn.onIndex('relay: count', () => createOutboxStore(connection).countPending());
      if (pending === 0) return;
      if (publisher === undefined) {
        const connected = await connectKafka(kafka, options.logger, 'onecode-serve');
        if (turn.stopping()) {
          await connected.close();
          return;
        }
        publisher = connected;
      }
      const current = publisher;
      let progress: KafkaDelivery | undefined;
      let gaveWay = false;
      try {
        await turn.onIndex('relay: push', () => pushAsSink({
          connection, publisher: current, logger: options.logger, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          onBatch: (p) => {
            turn.settled(p.delivered + p.alreadyOnTarget + p.parked + p.held - settledOf(progress));
            progress = p;
            try {
              turn.giveWay();
            } catch (error) {
              gaveWay = true;
              throw error;
            }
          },
        }));
      } finally {
        if (progress !== undefined && settledOf(progress) > 0) {
          logger.info({ published: progress.delivered, skippedAlreadyOnBroker: progress.alreadyOnTarget, parked: progress.parked, held: progress.held, gaveWay }, 'outbox relayed');
        }
      }
    },
    onFailure(error) {
      if (!(error instanceof PushError && error.code === 'FEED_POLICY_CHANGED')) return 'retry';
      logger.error(
        { code: error.code, retriable: false, message: error.message },
        'relay stopped: the topics carry another feed policy or key; events stay pending in the outbox. Publish to new topics (ONECODE_TOPIC_PREFIX) or restore the topics\' policy and key (ONECODE_FEED_POLICY, ONECODE_PSEUDONYM_KEY_FILE), then restart serve',
      );
      return 'halt';
    },
    close,
  };
}

const settledOf = (p: KafkaDelivery | undefined): number => (p === undefined ? 0 : p.delivered + p.alreadyOnTarget + p.parked + p.held);
