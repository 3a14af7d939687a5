/**
 * The event format and the outbox, shared by the side that writes events (src/index) and the side
 * that delivers them (src/push). docs/feed-contract.md describes what consumers get.
 */
export {
  CHANGE_EVENT_SCHEMA,
  ENVELOPE_FIELDS,
  EVENT_ENTITIES,
  EVENT_OPS,
  RECORD_STATE_FIELDS,
  envelopeSql,
  messageKey,
  messageKeySql,
  outboxInsertSql,
  recordMessageKey,
  recordStateSql,
  sourceJson,
  withSeqSql,
} from './event-format.ts';
export type { EventOp, EventSource } from './event-format.ts';
export { eventClassesOf, readEventClasses, recordEventClassesSql } from './event-classes.ts';
export type { EventClasses } from './event-classes.ts';
export { OUTBOX_DDL, OUTBOX_MIGRATION_PARKING } from './outbox-ddl.ts';
export { heldSql, parkedSql, pendingSql, publishedSql, skippedSql, stateSql, unpublishedSql } from './outbox-states.ts';
export { createOutboxStore, keyId } from './outbox-store.ts';
export type { Held, OutboxEvent, OutboxStore, Parked, Settlement } from './outbox-store.ts';
export { requeueParked, skipParked } from './parked-events.ts';
export type { Operator, ParkedActionResult } from './parked-events.ts';
export { resequenceTails } from './resequence.ts';
export type { KeyTail, Resequenced } from './resequence.ts';
