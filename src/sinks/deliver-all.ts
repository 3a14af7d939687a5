/**
 * Delivers the outbox to several sinks, each on its own: one sink failing (its database down, its
 * folder gone) is reported and the others go on; its position stays where its target confirmed.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { OnecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { PushError } from '../push/errors.ts';
import { deliverToSink, type DeliverResult } from './deliver.ts';
import { connectKafka, kafkaSettingsOf, pushAsSink, type KafkaSinkDeclaration } from './kafka-sink.ts';
import { openSink } from './open-sink.ts';
import { SinkError } from './sink.ts';
import type { SinkDeclaration } from './sink-config.ts';

/** The outcome for one sink: what it did, or why it stopped (`code`, `retriable`, a message without values). */
export type SinkOutcome =
  | ({ ok: true } & DeliverResult)
  | { ok: false; sink: string; code: string; retriable: boolean; message: string };

/**
 * Delivers to each of `sinks` in turn (in the order given); a Kafka sink by its own relay
 * (kafka-sink.ts), its `delivered` the events sent now and `alreadyOnTarget` those the read-back
 * found on the broker.
 * @param options.onBatch called after each settled batch of any sink; a throw stops that sink's
 *   delivery and is rethrown after the sink is closed (serve uses it to give way).
 */
export async function deliverAll(options: {
  connection: DuckDBConnection;
  sinks: readonly SinkDeclaration[];
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  onBatch?: (progress: DeliverResult) => void | Promise<void>;
}): Promise<SinkOutcome[]> {
  const outcomes: SinkOutcome[] = [];
  for (const declaration of options.sinks) {
    let opened;
    try {
      if (declaration.kind === 'kafka') {
        outcomes.push({ ok: true, ...(await deliverToKafka(declaration, options)) });
        continue;
      }
      opened = await openSink(declaration, options.env);
      const result = await deliverToSink({
        connection: options.connection, sink: opened.sink, policy: declaration.policy, batchSize: declaration.batch_size,
        logger: options.logger, env: options.env, atLeast: opened.atLeast, onBatch: options.onBatch,
      });
      outcomes.push({ ok: true, ...result });
    } catch (error) {
      if (error instanceof SinkError || error instanceof PushError) {
        options.logger.warn({ sink: declaration.name, code: error.code, retriable: error.retriable, message: error.message }, 'delivery to sink stopped; the other sinks go on');
        outcomes.push({ ok: false, sink: declaration.name, code: error.code, retriable: error.retriable, message: error.message });
      } else if (error instanceof OnecodeError) {
        outcomes.push({ ok: false, sink: declaration.name, code: error.code, retriable: false, message: error.message });
      } else {
        throw error;
      }
    } finally {
      await opened?.sink.close().catch(() => {});
    }
  }
  return outcomes;
}

/** One push to the declared Kafka sink, as a sink's delivery (the publisher is closed after it). */
async function deliverToKafka(declaration: KafkaSinkDeclaration, options: Parameters<typeof deliverAll>[0]): Promise<DeliverResult> {
  const publisher = await connectKafka(kafkaSettingsOf(declaration, options.env), options.logger);
  try {
    let batches = 0;
    const result = await pushAsSink({
      connection: options.connection, publisher, logger: options.logger, batchSize: declaration.batch_size,
      onBatch: (p) => {
        batches += 1;
        return options.onBatch?.({ ...p, batches });
      },
    });
    return { ...result, batches };
  } finally {
    await publisher.close();
  }
}
