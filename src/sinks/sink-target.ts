/**
 * A declared sink (exchange tables, a drop folder) as a target of serve's delivery loop
 * (src/serve/delivery-loop.ts): opens the sink on first use and keeps it between deliveries (the
 * loop closes it after a failure, so the next delivery connects again). Before taking its turn on
 * the index it asks the target for its position, outside the index: a front-end database that is
 * slow to answer or unreachable (a connection waits up to 15 s) holds no run and no other sink.
 * Then it delivers in its turn from the sink's own position (deliver.ts), giving way between batches.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../logger.ts';
import type { DeliveryTarget } from '../serve/delivery-loop.ts';
import { deliverToSink } from './deliver.ts';
import { openSink, type OpenSink } from './open-sink.ts';
import type { PositionedSinkDeclaration } from './sink-config.ts';

/** The delivery-loop target of a declared sink other than Kafka (kafka-sink.ts has Kafka's). */
export function sinkDeliveryTarget(options: { connection: DuckDBConnection; declaration: PositionedSinkDeclaration; logger: Logger; env?: NodeJS.ProcessEnv }): DeliveryTarget {
  const { declaration } = options;
  let opened: OpenSink | undefined;
  return {
    name: declaration.name,
    async deliver(turn) {
      opened ??= await openSink(declaration, options.env);
      const current = opened;
      await current.sink.confirmedSeq();
      if (turn.stopping()) {
        await current.sink.close(); // stop() may have closed it while it connected
        return;
      }
      await turn.onIndex(`sink ${declaration.name}: deliver`, async () => {
        let settled = 0;
        await deliverToSink({
          connection: options.connection, sink: current.sink, policy: declaration.policy, batchSize: declaration.batch_size,
          logger: options.logger, env: options.env, atLeast: current.atLeast,
          onBatch: (p) => {
            const now = p.delivered + p.parked + p.held;
            turn.settled(now - settled);
            settled = now;
            turn.giveWay();
          },
        });
      });
    },
    async close() {
      const o = opened;
      opened = undefined;
      await o?.sink.close();
    },
  };
}
