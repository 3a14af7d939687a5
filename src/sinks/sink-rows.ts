/**
 * An outbox event (already protected by the sink's policy) as the row a sink writes
 * (docs/sinks.md, "The row"), and the row's SM3 digest.
 */
import { createHash } from 'node:crypto';
import { parse, stringify } from 'lossless-json';
import { messageKey } from '../outbox/event-format.ts';
import type { OutboxEvent } from '../outbox/outbox-store.ts';
import type { SinkRow } from './sink.ts';

const OPERATION = { c: 'I', u: 'U', d: 'D' } as const;

/** The fields a row's digest covers, in order (docs/sinks.md). */
export const DIGEST_FIELDS = ['seq', 'event_id', 'operation', 'entity', 'record_key', 'code', 'resource_code', 'provider_code', 'record'] as const;

/**
 * SM3 (GB/T 32905-2016) of a row, lower-case hex: over the UTF-8 bytes of {@link DIGEST_FIELDS}
 * joined by U+001F (unit separator), seq in decimal, a null code as the empty text. The record is
 * the JSON text exactly as written, so a recipient recomputes it from the stored columns. The
 * batch id is not covered: it says how the row travelled, not what it is.
 */
export function rowDigest(row: Omit<SinkRow, 'digest'>): string {
  const parts = [row.seq.toString(), row.eventId, row.operation, row.entity, row.recordKey, row.code, row.resourceCode ?? '', row.providerCode ?? '', row.record];
  return createHash('sm3').update(parts.join('\u001f'), 'utf8').digest('hex');
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The row of a protected event, or the reason it cannot be one (the event is then parked for this
 * sink): not a JSON envelope, an op other than c/u/d, no state to carry, no identity.
 * `resource_code` and `provider_code` are the outbox row's (the catalogue entry of the pipeline
 * whose run wrote the event; null when it had none): the envelope is closed and never carries them
 * (docs/feed-contract.md). Numbers are carried as written (lossless-json).
 */
export function sinkRowOf(event: OutboxEvent): SinkRow | string {
  let envelope: unknown;
  try {
    envelope = parse(event.event);
  } catch {
    return 'the event is not JSON';
  }
  if (!isObject(envelope)) return 'the event is not a JSON object';
  const operation = OPERATION[event.op as keyof typeof OPERATION];
  if (operation === undefined) return `op '${event.op}' is not c, u or d`;
  const state = operation === 'D' ? envelope.before : envelope.after;
  if (!isObject(state)) return `a${operation === 'D' ? ' delete without before' : 'n event without after'}`;
  const key = messageKey({ entity: event.entity, code: String(envelope.code ?? event.code), before: envelope.before, after: envelope.after });
  if (key === undefined) return 'a record event without pipeline and source_key';
  const row = {
    seq: event.seq,
    eventId: event.eventId,
    operation,
    entity: event.entity,
    recordKey: key,
    code: typeof envelope.code === 'string' ? envelope.code : event.code,
    resourceCode: text(event.resourceCode),
    providerCode: text(event.providerCode),
    record: stringify(state)!,
  };
  return { ...row, digest: rowDigest(row) };
}
