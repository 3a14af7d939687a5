import type { ConnectorCapabilities } from '../../connectors/types.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { ReadPolicy } from '../index/plan/plan-context.ts';
import { ConfigError } from '../errors.ts';

/**
 * The guard policy of a run, from the pipeline's `mode` and what its connector can do
 * (ARCHITECTURE.md: a fault upstream never deletes downstream):
 * - `snapshot`: every read is the whole set, so an empty read is an upstream fault and absent
 *   records are deleted, bounded by `max_delete_share`;
 * - `incremental` and `cursor`: a read holds what changed, so an empty read is a run with no
 *   changes and absent records stay (deletes come only from `deleted_when`).
 * @throws ConfigError `connector_cannot` when the mode needs what the connector cannot do
 *   (`mode: cursor` on a file connector), naming the pipeline file and line.
 */
export function readPolicy(pipeline: Pipeline, can: ConnectorCapabilities): ReadPolicy {
  const where = `${pipeline.file}:${pipeline.fieldLines?.mode ?? 1}`;
  if (pipeline.mode === 'snapshot') {
    if (!can.snapshot) throw new ConfigError('connector_cannot', `${where}: mode: connector '${pipeline.connector.kind}' cannot read a whole snapshot with these options; use mode: incremental`);
    return { emptyRead: 'fault', absentDeletes: true };
  }
  if (pipeline.mode === 'cursor' && !can.cursor) {
    throw new ConfigError('connector_cannot', `${where}: mode: connector '${pipeline.connector.kind}' cannot read by a cursor column; use mode: snapshot or incremental (a database or API connector reads by cursor)`);
  }
  return { emptyRead: 'no_changes', absentDeletes: false };
}
