/**
 * Where `onecode run` and `onecode serve` take the Kafka feed's settings from (docs/sinks.md,
 * "Kafka"): the declared Kafka sink (`sinks/kafka.yaml`: its brokers variable, topic prefix,
 * partitions and policy) when the sinks folder has one, the environment otherwise (KAFKA_BROKERS,
 * ONECODE_TOPIC_PREFIX, ONECODE_TOPIC_PARTITIONS, ONECODE_FEED_POLICY: src/cli/kafka-settings.ts).
 *
 * Both at once is fine while they agree; a setting they give differently is refused, so that the
 * feed never goes to other brokers, other topics or under another policy than the operator meant.
 */
import path from 'node:path';
import { resolveKafkaSettings, type KafkaSettings } from '../cli/kafka-settings.ts';
import { ConfigError } from '../errors.ts';
import { FEED_POLICY_VARIABLE, formatFeedPolicy, parseFeedPolicy } from '../push/feed-policy.ts';
import { kafkaSettingsOf, type KafkaSinkDeclaration } from './kafka-sink.ts';
import { KAFKA_SINK_NAME } from './sink.ts';
import type { SinkFolder } from './sink-config.ts';

/** The variable the feed reads its brokers from when no sink declares another. */
const BROKERS_VARIABLE = 'KAFKA_BROKERS';

/**
 * The Kafka feed's settings: the folder's Kafka sink when it declares one (kafkaSettingsOf), else
 * the environment (resolveKafkaSettings).
 * @returns undefined when neither names a broker (nothing is published).
 * @throws ConfigError `kafka_config_conflict` when the environment sets a setting the declaration
 *   also sets, to another value: KAFKA_BROKERS beside another `brokers_env`, ONECODE_TOPIC_PREFIX
 *   beside `topic_prefix`, ONECODE_TOPIC_PARTITIONS beside `partitions`, ONECODE_FEED_POLICY beside
 *   `policy` (the message names the file, the field and the variable, never a value);
 *   `kafka_sink_invalid` when the folder's `kafka.yaml` is invalid (its problems: publishing from the
 *   environment instead could publish under another policy); what kafkaSettingsOf and
 *   resolveKafkaSettings throw.
 */
export function kafkaFeedSettings(folder: SinkFolder, env: NodeJS.ProcessEnv = process.env): KafkaSettings | undefined {
  const declared = folder.sinks.find((s): s is KafkaSinkDeclaration => s.kind === 'kafka');
  if (declared === undefined) {
    const invalid = folder.problems.filter((p) => new RegExp(`(^|[\\\\/])${KAFKA_SINK_NAME}\\.ya?ml:`).test(p));
    if (invalid.length > 0) {
      throw new ConfigError('kafka_sink_invalid', [...invalid, 'the Kafka sink file is invalid: fix it (or remove it to publish from KAFKA_BROKERS); nothing is published until then'].join('\n'));
    }
    return resolveKafkaSettings({}, env);
  }
  const conflicts = contradictions(declared, env);
  if (conflicts.length > 0) {
    throw new ConfigError('kafka_config_conflict', `${path.relative(process.cwd(), declared.file) || declared.file}: the Kafka feed is declared here and in the environment, differently: ${conflicts.join('; ')}. Unset the variable or make the two agree`);
  }
  return kafkaSettingsOf(declared, env);
}

/** Each setting the declaration and the environment both give, differently: `field vs VARIABLE`. */
function contradictions(declared: KafkaSinkDeclaration, env: NodeJS.ProcessEnv): string[] {
  const set = (name: string): string | undefined => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const brokers = (text: string | undefined): string | undefined => text?.split(',').map((b) => b.trim()).filter((b) => b !== '').join(',');
  const found: string[] = [];
  if (declared.brokers_env !== BROKERS_VARIABLE && set(BROKERS_VARIABLE) !== undefined && brokers(set(BROKERS_VARIABLE)) !== brokers(set(declared.brokers_env))) {
    found.push(`brokers_env names ${declared.brokers_env}, and ${BROKERS_VARIABLE} holds other brokers`);
  }
  if (declared.topic_prefix !== undefined && set('ONECODE_TOPIC_PREFIX') !== undefined && set('ONECODE_TOPIC_PREFIX') !== declared.topic_prefix) {
    found.push('topic_prefix differs from ONECODE_TOPIC_PREFIX');
  }
  if (declared.partitions !== undefined && set('ONECODE_TOPIC_PARTITIONS') !== undefined && Number(set('ONECODE_TOPIC_PARTITIONS')) !== declared.partitions) {
    found.push('partitions differs from ONECODE_TOPIC_PARTITIONS');
  }
  const policy = set(FEED_POLICY_VARIABLE);
  if (policy !== undefined && formatFeedPolicy(parseFeedPolicy(policy)) !== formatFeedPolicy(declared.policy)) {
    found.push(`policy differs from ${FEED_POLICY_VARIABLE}`);
  }
  return found;
}
