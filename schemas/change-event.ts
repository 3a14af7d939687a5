/**
 * The change-event contract as zod schemas, for the tests and for consumers: the envelope, and the
 * state `before` / `after` carry for each entity (person, legal person, record). The names and
 * the layout the writer follows live in src/outbox/event-format.ts; docs/change-event.schema.json
 * is the JSON Schema of {@link ChangeEvent} (`npm run docs:schema` writes it), with one definition
 * per entity so that consumers can generate typed models.
 */
import { z } from 'zod';
import { CHANGE_EVENT_SCHEMA, EVENT_OPS } from '../src/outbox/event-format.ts';

export { CHANGE_EVENT_SCHEMA };

/** A resident identity number as the index keys a person (GB 11643-1999 §4: 17 digits and a check character, digit or X). */
const ResidentIdentityNumber = z.string().regex(/^\d{17}[\dX]$/).describe('resident identity number (GB 11643-1999), 18 characters, the check character upper-case');
/**
 * A unified social credit code (GB 32100-2015 §4: 18 characters of the 31-character alphabet, digits
 * and upper-case letters but I, O, S, V, Z; positions 3-8 the registering office's region code).
 */
const UnifiedSocialCreditCode = z
  .string()
  .regex(/^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$/)
  .describe('unified social credit code (GB 32100-2015), 18 characters');
/**
 * A pseudonym (src/protect/pseudonymise.ts): `p_` and 32 hex characters of HMAC-SM3 under the feed's
 * key, the same for the same value everywhere in feeds of one key (header `onecode-pseudonym-key`).
 */
const Pseudonym = z.string().regex(/^p_[0-9a-f]{32}$/);
/** A value masked whole: one `*` per character. */
const MaskedWhole = z.string().regex(/^\*+$/);
const PROTECTED = 'under the feed policy of its class (header onecode-policy)';
/** An identity value: in clear, or pseudonymised (never masked or dropped: it is, or is part of, the message key). */
const identity = <S extends z.ZodString>(clear: S, description: string) =>
  z.union([clear, Pseudonym]).describe(`${description}; its pseudonym when the feed policy of its class (header onecode-policy) is not clear: a message key is pseudonymised under mask and drop too`);
/** A field of a fixed form: clear, masked whole or pseudonymised; absent when dropped. */
const formed = <S extends z.ZodType>(clear: S, description: string) =>
  z.union([clear, MaskedWhole, Pseudonym]).optional().describe(`${description}; masked whole or a pseudonym, or absent, ${PROTECTED}`);
/** A text field: clear, masked (masks.ts patterns) or pseudonymised, or absent when dropped. */
const text = (description: string) =>
  z.string().nullable().optional().describe(`${description}; masked or a pseudonym, or absent, ${PROTECTED}`);

/**
 * A person's golden record (src/index/golden.ts): fields chosen by survivorship across systems, and
 * facts derived from the resident identity number itself (GB 11643-1999 §5). In a feed whose policy
 * is not clear (docs/feed-contract.md, "Personal data in the feed") values are masked or
 * pseudonymised, and the fields of a dropped class are absent.
 */
export const PersonState = z
  .strictObject({
    id_number: identity(ResidentIdentityNumber, 'resident identity number (GB 11643-1999), 18 characters, the check character upper-case'),
    name: text('name, chosen by survivorship'),
    sex: formed(z.enum(['male', 'female']), 'from the sequence code, position 17 of the ID number: odd for men (GB 11643-1999 §5)'),
    birth_date: z
      .union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.string().regex(/^\d{4}-\*\*-\*\*$/), MaskedWhole, Pseudonym])
      .optional()
      .describe(`YYYY-MM-DD, from positions 7-14 of the ID number (GB 11643-1999 §5); YYYY-**-** masked, a pseudonym, or absent, ${PROTECTED}`),
    region_code: formed(z.string().regex(/^\d{6}$/), 'address code, positions 1-6 of the ID number (GB 11643-1999 §5; a foreigner\'s 2023 permanent residence number: its issuing province, padded)'),
    employer_name: text('employer\'s name, chosen by survivorship'),
    employer_uscc: text('employer\'s unified social credit code, chosen by survivorship'),
    phone: text('telephone number in its stored form (src/normalize/phones.ts: 11 digits for a mobile, 0AA-NNNNNNNN for a fixed line), chosen by survivorship'),
  })
  .meta({ id: 'Person', title: 'Person', description: 'A person\'s golden record, keyed by the resident identity number' });
export type PersonState = z.infer<typeof PersonState>;

/** A legal person's golden record: survivorship fields and facts derived from the USCC (GB 32100-2015 §4). */
export const LegalPersonState = z
  .strictObject({
    uscc: identity(UnifiedSocialCreditCode, 'unified social credit code (GB 32100-2015), 18 characters'),
    name: text('name, chosen by survivorship'),
    org_code: formed(z.string().regex(/^[0-9A-HJ-NP-RTUWXY]{9}$/), 'organisation code (GB 11714), positions 9-17 of the USCC (GB 32100-2015 §4)'),
    region_code: formed(z.string().regex(/^\d{6}$/), 'registering office\'s administrative division code, positions 3-8 of the USCC (GB 32100-2015 §4)'),
    legal_representative: text('legal representative\'s name, chosen by survivorship'),
    legal_representative_id_number: text('legal representative\'s resident identity number, chosen by survivorship'),
    address: text('address, chosen by survivorship'),
  })
  .meta({ id: 'LegalPerson', title: 'LegalPerson', description: 'A legal person\'s golden record, keyed by the unified social credit code' });
export type LegalPersonState = z.infer<typeof LegalPersonState>;

/** A business record of one source system about one person or legal person (src/outbox/event-format.ts, RECORD_STATE_FIELDS). */
export const RecordState = z
  .strictObject({
    pipeline: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).describe('the pipeline that loads the record (with source_key, its identity and the message key)'),
    system: z.string().min(1).describe('the departmental source system'),
    source_key: z.string().min(1).describe(`the values of the pipeline's source key columns (joined by U+001F when there are several), or their pseudonym ${PROTECTED}`),
    code: z.string().min(1).describe(`the one code the record is about: a resident identity number or a USCC, or its pseudonym ${PROTECTED}`),
    fields: z.record(z.string(), z.unknown()).describe(`the source row as loaded: column name → value (text from CSV, any JSON value from NDJSON); a value masked or pseudonymised (text), or the column absent, ${PROTECTED}`),
  })
  .meta({ id: 'Record', title: 'Record', description: 'A business record about one code, keyed by <pipeline>/<source_key>' });
export type RecordState = z.infer<typeof RecordState>;

/** The envelope's `source`: the pipeline and run that wrote the event. */
export const EventSource = z
  .strictObject({
    pipeline: z.string(),
    system: z.string(),
    run_id: z.string().describe('the run, e.g. r000007'),
  })
  .meta({ id: 'EventSource', title: 'EventSource' });

/** The envelope of one entity's events, its `before` and `after` typed by `state`. */
function envelopeOf<E extends 'person' | 'legal_person' | 'record', S extends z.ZodType>(entity: E, state: S, id: string) {
  return z
    .strictObject({
      schema: z.literal(CHANGE_EVENT_SCHEMA),
      /** Event id, a UUID; unique forever. */
      id: z.uuid(),
      /** Position in the outbox, increasing per partition (the `onecode-seq` header). */
      seq: z.number().int().positive(),
      op: z.enum(EVENT_OPS).describe('c create (before is null), u update, d delete (after is null)'),
      entity: z.literal(entity),
      /** The one code: resident identity number or USCC, or its pseudonym under the feed's policy. The message key of person and legal person events. */
      code: z.string().min(1).describe('the one code (resident identity number or USCC), or its pseudonym under the feed policy of its class (header onecode-policy)'),
      before: state.nullable(),
      after: state.nullable(),
      source: EventSource,
      /** When the change was committed to the index, milliseconds since the Unix epoch (UTC). */
      ts_ms: z.number().int().nonnegative(),
    })
    .meta({ id, title: id });
}

export const PersonChangeEvent = envelopeOf('person', PersonState, 'PersonChangeEvent');
export const LegalPersonChangeEvent = envelopeOf('legal_person', LegalPersonState, 'LegalPersonChangeEvent');
export const RecordChangeEvent = envelopeOf('record', RecordState, 'RecordChangeEvent');

/** The field of each entity's state that holds the event's `code`. */
const CODE_FIELD = { person: 'id_number', legal_person: 'uscc', record: 'code' } as const;

/**
 * A change event, as written to the outbox and pushed to Kafka. Modelled on Debezium's envelope:
 * `op` is c (create), u (update) or d (delete); `before` is null for c, `after` is null for d; the
 * state's code field (`id_number`, `uscc`, a record's `code`) equals `code` (for an update that
 * moves a record to another code, `after`'s does). These two rules are checked by zod; the JSON
 * Schema states them in its description only.
 */
export const ChangeEvent = z
  .discriminatedUnion('entity', [PersonChangeEvent, LegalPersonChangeEvent, RecordChangeEvent])
  .superRefine((e, ctx) => {
    if ((e.before === null) !== (e.op === 'c')) ctx.addIssue({ code: 'custom', path: ['before'], message: `before is null exactly for op c (op is ${e.op})` });
    if ((e.after === null) !== (e.op === 'd')) ctx.addIssue({ code: 'custom', path: ['after'], message: `after is null exactly for op d (op is ${e.op})` });
    const state = (e.after ?? e.before) as Record<string, unknown> | null;
    const field = CODE_FIELD[e.entity];
    if (state !== null && state[field] !== e.code) ctx.addIssue({ code: 'custom', path: [e.after === null ? 'before' : 'after', field], message: `${field} must equal code` });
  })
  .meta({
    title: 'ChangeEvent',
    description:
      'A onecode change event (docs/feed-contract.md). before is null exactly for op c, after exactly for op d; the state\'s code field (id_number, uscc, a record\'s code) equals code.',
  });
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** JSON Schema (draft 2020-12) of {@link ChangeEvent}, with `$defs` per entity, for consumers; written to docs/. */
export function changeEventJsonSchema(): object {
  return z.toJSONSchema(ChangeEvent, { target: 'draft-2020-12' });
}
