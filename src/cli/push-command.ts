/**
 * `onecode push`: publishes the pending outbox events of the index and prints one JSON line,
 * `{"published":…,"skippedAlreadyOnBroker":…,"parked":…,"pending":…}`.
 */
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { NO_BROKER_MESSAGE, resolveKafkaSettings, type KafkaFlags } from './kafka-settings.ts';
import { openIndexForWriting } from './open-index-for-cli.ts';
import { pushIndex } from './push-index.ts';

/** Options of {@link pushCommand}, from the command line. */
export interface PushCommandOptions extends KafkaFlags {
  dbPath: string;
  logger: Logger;
}

/**
 * @throws ConfigError (exit 2) without a broker; PushFailedError (exit 1) when the push stops.
 */
export async function pushCommand(options: PushCommandOptions): Promise<void> {
  const kafka = resolveKafkaSettings(options);
  if (kafka === undefined) throw new ConfigError('kafka_unconfigured', NO_BROKER_MESSAGE);
  const index = await openIndexForWriting(options.dbPath);
  try {
    const report = await pushIndex({ connection: index.connection, kafka, logger: options.logger });
    process.stdout.write(JSON.stringify(report) + '\n');
  } finally {
    index.close();
  }
}
