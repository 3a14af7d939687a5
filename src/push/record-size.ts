/**
 * Upper bounds of the bytes a message takes in a Kafka record batch (message format v2, KIP-98),
 * to keep every request under the broker's `max.message.bytes` before sending it. The broker
 * checks the size of each partition's record batch, not of single records, so the publisher also
 * uses these bounds to split a send into chunks.
 */

/** Fixed header of a v2 record batch (baseOffset … recordCount). */
export const RECORD_BATCH_OVERHEAD = 61;

/** Bytes of the varints and attributes around one record, at most: length, attributes, timestamp delta, offset delta, key length, value length, header count. */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** Varint lengths of one header's key and value, at most. */
const HEADER_OVERHEAD = 5 + 5;

/** A message as the publisher sends it. */
export interface SizedMessage {
  key: string;
  value: string | null;
  headers: Record<string, string>;
}

/** Upper bound of the bytes `message` takes inside a record batch (UTF-8 lengths plus varint overhead). */
export function recordBytes(message: SizedMessage): number {
  let bytes = RECORD_OVERHEAD + Buffer.byteLength(message.key);
  if (message.value !== null) bytes += Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers)) {
    bytes += HEADER_OVERHEAD + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}
