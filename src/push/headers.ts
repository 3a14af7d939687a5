/**
 * Kafka headers of every message of the feed (docs/feed-contract.md). Values are UTF-8 strings.
 */

/** The envelope's `id` (a UUID), the same on an event and on the tombstone after a delete. */
export const HEADER_EVENT_ID = 'onecode-event-id';
/** The envelope's `schema` string, e.g. `onecode.person.v1`. */
export const HEADER_SCHEMA = 'onecode-schema';
/** The outbox `seq`, decimal: increasing per partition, so consumers can order and deduplicate. */
export const HEADER_SEQ = 'onecode-seq';

/** Headers of one outbox event (and of its tombstone). */
export function eventHeaders(event: { eventId: string; schema: string; seq: bigint }): Record<string, string> {
  return {
    [HEADER_EVENT_ID]: event.eventId,
    [HEADER_SCHEMA]: event.schema,
    [HEADER_SEQ]: event.seq.toString(),
  };
}

/** The `onecode-seq` header of a consumed message, or undefined when it has none or it is not a decimal. */
export function seqOfHeaders(headers: Record<string, unknown> | undefined): bigint | undefined {
  const raw = headers?.[HEADER_SEQ];
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : undefined;
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}
