import { z } from 'zod';
import { ENTITY_KINDS } from './canonical.ts';

/** Schema identifier carried in every envelope and in the `onecode-schema` Kafka header. */
export const CHANGE_EVENT_SCHEMA = 'onecode.change.v1';

/**
 * A change event, as written to the outbox and pushed to Kafka. Modelled on Debezium's envelope:
 * `op` is c (create), u (update) or d (delete); `before` is null for c, `after` is null for d.
 */
export const ChangeEvent = z.strictObject({
  schema: z.literal(CHANGE_EVENT_SCHEMA),
  /** Event id, a UUID; unique forever. */
  id: z.uuid(),
  /** Position in the outbox, strictly increasing across all events of one index. */
  seq: z.number().int().positive(),
  op: z.enum(['c', 'u', 'd']),
  entity: z.enum(ENTITY_KINDS),
  /** The one code: resident identity number or USCC. The Kafka message key. */
  code: z.string().min(1),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  source: z.strictObject({
    pipeline: z.string(),
    system: z.string(),
    run_id: z.string(),
  }),
  /** When the change was committed to the index, milliseconds since the Unix epoch (UTC). */
  ts_ms: z.number().int().nonnegative(),
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** JSON Schema (draft 2020-12) of {@link ChangeEvent}, for consumers; written to docs/. */
export function changeEventJsonSchema(): object {
  return z.toJSONSchema(ChangeEvent, { target: 'draft-2020-12' });
}
