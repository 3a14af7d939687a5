/**
 * Delivers the outbox to several sinks, each on its own: one sink failing (its database down, its
 * folder gone) is reported and the others go on; its position stays where its target confirmed.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { OnecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { deliverToSink, type DeliverResult } from './deliver.ts';
import { openSink } from './open-sink.ts';
import { SinkError } from './sink.ts';
import type { SinkDeclaration } from './sink-config.ts';

/** The outcome for one sink: what it did, or why it stopped (`code`, `retriable`, a message without values). */
export type SinkOutcome =
  | ({ ok: true } & DeliverResult)
  | { ok: false; sink: string; code: string; retriable: boolean; message: string };

/**
 * Delivers to each of `sinks` in turn (in the order given).
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
      opened = await openSink(declaration, options.env);
      const result = await deliverToSink({
        connection: options.connection, sink: opened.sink, policy: declaration.policy, batchSize: declaration.batch_size,
        logger: options.logger, env: options.env, atLeast: opened.atLeast, onBatch: options.onBatch,
      });
      outcomes.push({ ok: true, ...result });
    } catch (error) {
      if (error instanceof SinkError) {
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
