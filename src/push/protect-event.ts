/**
 * A feed's policy applied to one change event (docs/feed-contract.md, "Personal data in the
 * feed"): every value of `before`, `after` and the envelope's `code` is left as it is, masked,
 * pseudonymised or dropped by the policy of its class (src/protect/field-classes.ts, recorded per
 * pipeline beside the outbox: src/outbox/event-classes.ts).
 *
 * Identity values are never masked or dropped, and how they leave depends on the feed's policy
 * alone ({@link identityPseudonymised}), never on a pipeline's classes: the envelope's `code`, the
 * state's code field (`id_number`, `uscc`, a record's `code`) and a record's `source_key` make up
 * the Kafka message key, which must stay unique and stable (one key per person, legal person or
 * record: the same partition for all its events, compaction and tombstones correct), also when a
 * pipeline reclassifies a column between two runs (the push applies a pipeline's latest classes to
 * every pending event) or when events were written before classes were recorded. An ID number is
 * pseudonymised when the policy of `personal` is not clear, a USCC when that of `public` is not
 * clear (the classes their canonical fields have by GB/T 35273-2020 and GB 32100-2015), and a
 * record's source key, which may be any column, when any class's policy is not clear. A mask is
 * not unique and a dropped key is no key, so an identity is pseudonymised under `mask` or `drop`
 * too, and is the same pseudonym everywhere it occurs (`code`, state, message key). It is
 * pseudonymised as written (a record's source key is not normalised, so two records never share a
 * key).
 *
 * Other values: `mask` applies the documented pattern of the value's kind (src/protect/masks.ts),
 * or masks a value of no kind whole (one `*` per character); `pseudonymise` gives `p_` and 32
 * hex characters; `drop` leaves the field out of the state (or out of a record's `fields`). An ID
 * number is normalised (src/identifiers/normalize-input.ts) before it is masked or pseudonymised,
 * so its pseudonym is the pseudonym of the person's one code: a pseudonymised feed still joins
 * persons, their records and the legal persons they represent. A number or other non-text value
 * is protected as its JSON text. `null` stays `null` (but is left out under `drop`).
 *
 * Numbers of record payloads are carried exactly, as the outbox holds them: an envelope with a
 * number JSON.parse would not give back as written (a fraction or exponent, 16 digits or more, -0)
 * is read and written with lossless-json; any other with JSON itself, three to four times faster.
 */
import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { normalizeInput } from '../identifiers/normalize-input.ts';
import type { EventClasses } from '../outbox/event-classes.ts';
import { CHANGE_EVENT_SCHEMA } from '../outbox/event-format.ts';
import type { OutboxEvent } from '../outbox/outbox-store.ts';
import type { ClassedValue } from '../protect/field-classes.ts';
import { MASK } from '../protect/masks.ts';
import { protectValue } from '../protect/policy.ts';
import { pseudonymise } from '../protect/pseudonymise.ts';
import { identityPseudonymised, isClearPolicy, type FeedPolicy } from './feed-policy.ts';

/** Options of {@link createEventProtector}. */
export interface EventProtectorOptions {
  policy: FeedPolicy;
  /** The pseudonymisation key (src/protect/key-file.ts); needed unless every class is clear. */
  key: Buffer | undefined;
  /** The classes of the events' values, as recorded beside the outbox. */
  classes: EventClasses;
}

/** A value of no class known (a field the format does not name): protected as personal. */
const UNKNOWN: ClassedValue = { class: 'personal', kind: null };

/**
 * A number token that JSON.parse and JSON.stringify would not give back as written: with a fraction
 * or an exponent, of 16 digits or more (2^53 has 16), or -0. Every number of a JSON object follows
 * `:`, `,` or `[`; a match inside a string only costs the slower, exact parser.
 */
const INEXACT_NUMBER = /[:,[]\s*(?:-?\d+[.eE]|-?\d{16}|-0(?![\d.eE]))/;

/** Pseudonyms kept per protector, so that a person's code in many events is hashed once. */
const CACHE_LIMIT = 100_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A JSON value as text: a string itself, a number as written, anything else as its JSON. */
const textOf = (v: unknown): string => (typeof v === 'string' ? v : isLosslessNumber(v) ? v.toString() : isObject(v) || Array.isArray(v) ? stringify(v)! : String(v));

/**
 * A function from an outbox event to the event as the feed publishes it: the same object when
 * every class is clear, else a new one whose `event` (the envelope text) and `code` are protected;
 * or the reason it cannot be protected (the relay parks it). An event that is not JSON or of
 * another schema is returned as it is: the publisher parks those with its own reason.
 * @throws RangeError when a class is not clear and there is no key of 16 bytes or more.
 */
export type EventProtector = (event: OutboxEvent) => OutboxEvent | string;

/** An {@link EventProtector} for `options.policy`. */
export function createEventProtector(options: EventProtectorOptions): EventProtector {
  const { policy, key, classes } = options;
  if (isClearPolicy(policy)) return (event) => event;
  if (key === undefined || key.length < 16) throw new RangeError('a feed policy other than clear needs a pseudonymisation key of 16 bytes or more (ONECODE_PSEUDONYM_KEY_FILE)');

  const cache = new Map<string, string>();
  const pseudonym = (text: string): string => {
    let p = cache.get(text);
    if (p === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      p = pseudonymise(text, key);
      cache.set(text, p);
    }
    return p;
  };

  /** The value as it leaves, or undefined when it is dropped. */
  const protect = (value: unknown, c: ClassedValue): unknown => {
    const p = policy[c.class];
    if (p === 'clear' || value === undefined) return value;
    if (p === 'drop') return undefined;
    if (value === null) return null;
    const text = c.kind === 'id_number' ? normalizeInput(textOf(value)).value : textOf(value);
    if (p === 'pseudonymise') return pseudonym(text);
    return c.kind === null ? MASK.repeat([...text].length) : protectValue(text, c.kind, 'mask');
  };

  /** Which identities are pseudonymised: by the policy alone, never by classes (keys stay stable). */
  const hide = identityPseudonymised(policy);
  /** An identity value as it leaves: pseudonymised as written when `pseudonymised`, never masked or dropped. */
  const identity = (value: unknown, pseudonymised: boolean): unknown => (!pseudonymised || value === undefined || value === null ? value : pseudonym(textOf(value)));

  /** A state object with each field protected by `classOf` (or left as it is, or an identity), dropped fields left out, in order. */
  const protectState = (state: Json, classOf: (field: string) => { c: ClassedValue; identity?: boolean; keep?: boolean }): Json => {
    const out: [string, unknown][] = [];
    for (const [field, value] of Object.entries(state)) {
      const { c, identity: pseudonymised, keep } = classOf(field);
      const v = keep ? value : pseudonymised !== undefined ? identity(value, pseudonymised) : protect(value, c);
      if (v !== undefined) out.push([field, v]);
    }
    return Object.fromEntries(out);
  };

  const golden = (envelope: Json, entity: 'person' | 'legal_person'): void => {
    const fields = classes.golden(entity);
    const codeField = entity === 'person' ? 'id_number' : 'uscc';
    const hidden = entity === 'person' ? hide.idNumber : hide.uscc;
    envelope.code = identity(envelope.code, hidden);
    for (const side of ['before', 'after'] as const) {
      const state = envelope[side];
      if (isObject(state)) envelope[side] = protectState(state, (f) => (f === codeField ? { c: UNKNOWN, identity: hidden } : { c: fields.get(f) ?? UNKNOWN }));
    }
  };

  const record = (envelope: Json): boolean => {
    const states = [envelope.before, envelope.after].filter(isObject);
    const pipeline = states[0]?.pipeline;
    if (typeof pipeline !== 'string' || states.some((s) => s.pipeline !== pipeline)) return false;
    const r = classes.record(pipeline);
    // The record's code is its subject's one code: it joins the person's or legal person's key.
    const codeHidden = r.subject === 'person' ? hide.idNumber : hide.uscc;
    envelope.code = identity(envelope.code, codeHidden);
    for (const side of ['before', 'after'] as const) {
      const state = envelope[side];
      if (!isObject(state)) continue;
      envelope[side] = protectState(state, (f) => {
        if (f === 'pipeline' || f === 'system' || f === 'fields') return { c: UNKNOWN, keep: true };
        if (f === 'source_key') return { c: UNKNOWN, identity: hide.sourceKey };
        if (f === 'code') return { c: UNKNOWN, identity: codeHidden };
        return { c: UNKNOWN };
      });
      const fields = (envelope[side] as Json).fields;
      if (isObject(fields)) (envelope[side] as Json).fields = protectState(fields, (column) => ({ c: r.field(column) }));
    }
    return true;
  };

  return (event) => {
    const exact = INEXACT_NUMBER.test(event.event);
    let envelope: unknown;
    try {
      envelope = exact ? parse(event.event) : JSON.parse(event.event);
    } catch {
      return event;
    }
    if (!isObject(envelope) || envelope.schema !== CHANGE_EVENT_SCHEMA) return event;
    if (envelope.entity !== event.entity) return `cannot apply the feed policy: the envelope's entity is not the outbox row's (${event.entity})`;
    if (typeof envelope.code !== 'string') return "cannot apply the feed policy: the envelope's code is not a string";
    if (envelope.entity === 'person' || envelope.entity === 'legal_person') golden(envelope, envelope.entity);
    else if (envelope.entity !== 'record') return event;
    else if (!record(envelope)) return 'cannot apply the feed policy: a record event without one pipeline in before/after';
    return { ...event, code: envelope.code as string, event: exact ? stringify(envelope)! : JSON.stringify(envelope) };
  };
}
