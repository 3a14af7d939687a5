/**
 * Kafka headers of every message of the feed (docs/feed-contract.md). Values are UTF-8 strings.
 */

/** The envelope's `id` (a UUID), the same on an event and on the tombstone after a delete. */
export const HEADER_EVENT_ID = 'onecode-event-id';
/** The envelope's `schema` string, e.g. `onecode.person.v1`. */
export const HEADER_SCHEMA = 'onecode-schema';
/** The outbox `seq`, decimal: increasing per partition, so consumers can order and deduplicate. */
export const HEADER_SEQ = 'onecode-seq';

/**
 * The feed's policy per class (src/push/feed-policy.ts), `public=…,internal=…,personal=…`: what was
 * done to the values of this message. On every message; a message without it was published before
 * feeds had policies, in clear.
 */
export const HEADER_POLICY = 'onecode-policy';
/**
 * Id of the pseudonymisation key (16 hex characters, derived from the key by HMAC-SM3, revealing
 * nothing of it), on every message of a feed whose policy is not clear everywhere: pseudonyms of
 * two messages join exactly when their key ids are equal.
 */
export const HEADER_PSEUDONYM_KEY = 'onecode-pseudonym-key';

/**
 * The catalogue's resource code (政务信息资源代码, schemas/catalogue-entry.ts) of the pipeline whose
 * run wrote the event (outbox.resource_code). On every message of an event whose pipeline declares
 * a catalogue entry; absent otherwise. Beside the envelope, which is closed (docs/feed-contract.md).
 */
export const HEADER_RESOURCE_CODE = 'onecode-resource-code';
/** The catalogue's provider code (信息资源提供方代码, the department's USCC), like {@link HEADER_RESOURCE_CODE}. */
export const HEADER_PROVIDER_CODE = 'onecode-provider-code';

/** Headers of one outbox event (and of its tombstone); the catalogue's codes only when the event has them. */
export function eventHeaders(event: { eventId: string; schema: string; seq: bigint; resourceCode?: string | null; providerCode?: string | null }): Record<string, string> {
  return {
    [HEADER_EVENT_ID]: event.eventId,
    [HEADER_SCHEMA]: event.schema,
    [HEADER_SEQ]: event.seq.toString(),
    ...(event.resourceCode ? { [HEADER_RESOURCE_CODE]: event.resourceCode } : {}),
    ...(event.providerCode ? { [HEADER_PROVIDER_CODE]: event.providerCode } : {}),
  };
}

/** The `onecode-seq` header of a consumed message, or undefined when it has none or it is not a decimal. */
export function seqOfHeaders(headers: Record<string, unknown> | undefined): bigint | undefined {
  const raw = headers?.[HEADER_SEQ];
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : undefined;
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/** A header of a consumed message as text, or undefined. */
export function headerText(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : undefined;
}
