/**
 * The protection class of every value a change event carries (issue 10, "Who may see what"): what
 * an exit's policy (clear, mask, pseudonymise, drop; policy.ts) is applied by.
 *
 * - A canonical field has a default class, which depends on whom the values are about: the
 *   personal fields of {@link PERSONAL_FIELDS} (ID number, name, phone, address, birth date, legal
 *   representative's name and ID number) are `personal` (GB/T 35273-2020 Annex A; the ID number
 *   is sensitive, Annex B), but a legal person's `name` is its registered name, `public`
 *   (GB 32100-2015: the USCC and the registered name are published by the registration
 *   authority), as are its USCC, organisation code and region. See {@link defaultClass}.
 * - A pipeline's `classification` of the source column a canonical field is mapped from
 *   overrides that default (a registry of sole proprietorships may declare its name column
 *   `personal`; a pipeline may declare a name column `public`). `secret` columns never reach an
 *   event: they are dropped at extraction.
 * - A golden record's field gets its value by survivorship from any pipeline of its entity that
 *   maps the field, so its class is the strictest of those pipelines' classes of it
 *   ({@link goldenFieldClasses}); a field no pipeline maps keeps its default. A field derived
 *   from the one code (sex, birth date, region, organisation code) is classed the same way: a
 *   pipeline's column of it states the same fact.
 * - A record's payload column takes its pipeline's class of that column; a column that is mapped
 *   but not classified takes the default of its canonical field; a column neither mapped nor
 *   classified is `personal` ({@link UNCLASSIFIED_COLUMN}): what a pipeline did not classify (a
 *   second phone or a spouse's ID number a schema change brings) is protected as personal data, so
 *   a pipeline declares its other columns (amounts, dates, codes of items) `internal` or `public`.
 *
 * Each run records its pipeline's classes ({@link pipelineEventClasses}) beside the outbox in the
 * same transaction as its events (src/outbox/event-classes.ts), so the push applies a feed's
 * policy from the index alone, without the pipeline files.
 */
import { z } from 'zod';
import { ENTITY_KINDS, GOLDEN_FIELDS, type CanonicalField, type EntityKind } from '../../schemas/canonical.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { PERSONAL_FIELDS, type PersonalKind } from './policy.ts';

/** The classes a value in the feed can have, least protected first (`secret` never leaves: it is not stored). */
export const FEED_CLASSES = ['public', 'internal', 'personal'] as const;
export type FeedClass = (typeof FEED_CLASSES)[number];

/** Whom a pipeline's values are about: persons (person pipelines, records mapping `id_number`) or legal persons. */
export type Subject = 'person' | 'legal_person';

/**
 * The class of a payload column that a pipeline neither maps nor classifies: `personal`, so that a
 * feed fails closed (GB/T 35273-2020 §3.1: what is not known not to be personal information is
 * handled as such).
 */
export const UNCLASSIFIED_COLUMN: FeedClass = 'personal';

/** A value's class, and its kind when it has a documented mask (masks.ts); null: masked whole. */
export interface ClassedValue {
  class: FeedClass;
  kind: PersonalKind | null;
}

/** The fields of golden records and canonical fields that are not personal, by subject (the personal ones are {@link PERSONAL_FIELDS}). */
const NOT_PERSONAL: Record<Subject, Partial<Record<CanonicalField | 'region_code', FeedClass>>> = {
  person: {
    uscc: 'public', org_code: 'public', business_reg_no: 'public', employer_uscc: 'public',
    sex: 'internal', region_code: 'internal', employer_name: 'internal', updated_at: 'internal',
  },
  legal_person: {
    uscc: 'public', org_code: 'public', business_reg_no: 'public', employer_uscc: 'public', name: 'public', region_code: 'public',
    sex: 'internal', employer_name: 'internal', updated_at: 'internal',
  },
};

/**
 * The default class of a canonical (or golden) field about `subject`: `personal` for the fields of
 * {@link PERSONAL_FIELDS} (but a legal person's `name`, which is `public`); USCC, organisation
 * code, business registration number and a legal person's region `public`; sex and a person's
 * region (both read from the ID number, whose mask keeps the region anyway), employer name and
 * `updated_at` `internal`.
 */
export function defaultClass(subject: Subject, field: string): FeedClass {
  const table = NOT_PERSONAL[subject];
  if (Object.hasOwn(table, field)) return table[field as CanonicalField]!;
  return Object.hasOwn(PERSONAL_FIELDS, field) ? 'personal' : 'internal';
}

/** The mask kind of a canonical field about `subject` (a legal person's name has none: it is masked whole). */
export function fieldKind(subject: Subject, field: string): PersonalKind | null {
  if (subject === 'legal_person' && field === 'name') return null;
  return Object.hasOwn(PERSONAL_FIELDS, field) ? PERSONAL_FIELDS[field as keyof typeof PERSONAL_FIELDS] : null;
}

/** The most protected of `classes` (personal > internal > public); undefined for none. */
export function strictest(classes: readonly FeedClass[]): FeedClass | undefined {
  let rank = -1;
  for (const c of classes) rank = Math.max(rank, FEED_CLASSES.indexOf(c));
  return rank < 0 ? undefined : FEED_CLASSES[rank];
}

const Class = z.enum(FEED_CLASSES);
const Kind = z.enum(['id_number', 'person_name', 'phone', 'address', 'birth_date']).nullable();
const Classed = z.strictObject({ class: Class, kind: Kind });

/**
 * What a run records of its pipeline's classes, as stored (JSON) beside the outbox. Lists, not
 * objects keyed by column: a column may be named `__proto__`.
 */
export const PipelineEventClasses = z.strictObject({
  version: z.literal(1),
  entity: z.enum(ENTITY_KINDS),
  /** Person and legal-person pipelines: each golden field the pipeline maps, and its class of it. */
  golden: z.array(z.strictObject({ field: z.string(), class: Class })),
  /** Record pipelines: the record's one code, its source key, and the payload columns mapped or classified. */
  record: z
    .strictObject({
      code: Classed,
      source_key: Classed,
      fields: z.array(z.strictObject({ column: z.string(), class: Class, kind: Kind })),
      /**
       * Each canonical field the pipeline maps and its class of it, as `golden` gives a person or
       * legal-person pipeline's: how the record's canonical columns (the `records` view's `name`,
       * `address`, …) leave an export and an analyst's query. Absent in what onecode recorded
       * before it: those records' canonical columns then take their fields' defaults until the
       * pipeline runs again.
       */
      canonical: z.array(z.strictObject({ field: z.string(), class: Class })).optional(),
    })
    .nullable(),
});
export type PipelineEventClasses = z.infer<typeof PipelineEventClasses>;

/** The pipeline's declared class of `column`, when it declares one other than secret. */
function declared(pipeline: Pipeline, column: string): FeedClass | undefined {
  if (!Object.hasOwn(pipeline.classification, column)) return undefined;
  const c = pipeline.classification[column];
  return c === 'secret' ? undefined : c;
}

/**
 * The class of one source column of `pipeline` and its mask kind, as the module's doc gives it: the
 * declared class; else, for a mapped column, the strictest default of the fields it is mapped to
 * (and the first field's kind); else {@link UNCLASSIFIED_COLUMN}. For exits that show source
 * values column by column (the correction report, src/report/).
 */
export function columnClass(pipeline: Pipeline, column: string): ClassedValue {
  const subject = subjectOf(pipeline);
  const fields = Object.entries(pipeline.mapping).filter(([, c]) => c === column).map(([field]) => field);
  const kind = fields.length > 0 ? fieldKind(subject, fields[0]!) : null;
  const c = declared(pipeline, column) ?? strictest(fields.map((f) => defaultClass(subject, f))) ?? UNCLASSIFIED_COLUMN;
  return { class: c, kind };
}

/** Whom the pipeline's values are about. */
export function subjectOf(pipeline: Pick<Pipeline, 'entity' | 'mapping'>): Subject {
  if (pipeline.entity !== 'record' && pipeline.entity !== 'licence') return pipeline.entity;
  return pipeline.mapping.uscc !== undefined ? 'legal_person' : 'person';
}

/** The classes of the events `pipeline` writes (see the module's doc), to be recorded with its run. */
export function pipelineEventClasses(pipeline: Pipeline): PipelineEventClasses {
  const subject = subjectOf(pipeline);
  const mapped = Object.entries(pipeline.mapping).filter((e): e is [CanonicalField, string] => typeof e[1] === 'string');
  const classOf = (field: string, column: string): FeedClass => declared(pipeline, column) ?? defaultClass(subject, field);
  if (pipeline.entity === 'person' || pipeline.entity === 'legal_person') {
    const golden = GOLDEN_FIELDS[pipeline.entity] as readonly string[];
    return {
      version: 1,
      entity: pipeline.entity,
      golden: mapped.filter(([field]) => golden.includes(field)).map(([field, column]) => ({ field, class: classOf(field, column) })),
      record: null,
    };
  }
  // A column mapped to several fields takes the strictest class and the first kind.
  const columns = new Map<string, ClassedValue>();
  for (const [field, column] of mapped) {
    const seen = columns.get(column);
    const c = classOf(field, column);
    columns.set(column, { class: strictest([c, ...(seen ? [seen.class] : [])])!, kind: seen?.kind ?? fieldKind(subject, field) });
  }
  for (const column of Object.keys(pipeline.classification)) {
    const c = declared(pipeline, column);
    if (c !== undefined && !columns.has(column)) columns.set(column, { class: c, kind: null });
  }
  const codeField = subject === 'person' ? 'id_number' : 'uscc';
  const codeColumn = pipeline.mapping[codeField]!;
  const keyParts = pipeline.source_key.map((column) => columns.get(column) ?? { class: UNCLASSIFIED_COLUMN, kind: null });
  // A licence is a record about its holder: its values are classed alike (licences write no
  // change events yet; the classes are recorded with the run all the same).
  return {
    version: 1,
    entity: pipeline.entity,
    golden: [],
    record: {
      code: { class: classOf(codeField, codeColumn), kind: fieldKind(subject, codeField) },
      source_key: { class: strictest(keyParts.map((k) => k.class))!, kind: keyParts.length === 1 ? keyParts[0]!.kind : null },
      fields: [...columns].map(([column, v]) => ({ column, class: v.class, kind: v.kind })),
      canonical: mapped.map(([field, column]) => ({ field, class: classOf(field, column) })),
    },
  };
}

/**
 * The class of each golden field of `entity`: the strictest of the classes the recorded pipelines
 * of that entity give the fields they map, or the field's default (see the module's doc).
 */
export function goldenFieldClasses(entity: Subject, recorded: readonly PipelineEventClasses[]): Map<string, ClassedValue> {
  const result = new Map<string, ClassedValue>();
  for (const field of GOLDEN_FIELDS[entity] as readonly string[]) {
    const given = recorded.filter((r) => r.entity === entity).flatMap((r) => r.golden.filter((g) => g.field === field).map((g) => g.class));
    result.set(field, { class: strictest(given) ?? defaultClass(entity, field), kind: fieldKind(entity, field) });
  }
  return result;
}

/** The classes of one record pipeline's events, ready for lookups. */
export interface RecordClasses {
  /** Whom the records are about: the record's `code` is an ID number (person) or a USCC (legal person). */
  subject: Subject;
  /** The class of the record's code and of its source key, as recorded. They do not decide how these
   * leave: identity values follow the feed's policy alone (src/push/feed-policy.ts, identityPseudonymised). */
  code: ClassedValue;
  sourceKey: ClassedValue;
  /** The class of a payload column. */
  field(column: string): ClassedValue;
}

/**
 * The classes of the record events of a pipeline, from what its runs recorded; for a pipeline
 * with nothing recorded (its events were written before classes were recorded: run it once)
 * everything is `personal`, the one code an ID number when it looks like one.
 */
export function recordClasses(recorded: PipelineEventClasses | undefined): RecordClasses {
  const r = recorded?.record;
  if (r === undefined || r === null) {
    const unknown: ClassedValue = { class: 'personal', kind: null };
    return { subject: 'person', code: { class: 'personal', kind: 'id_number' }, sourceKey: unknown, field: () => unknown };
  }
  const fields = new Map(r.fields.map((f) => [f.column, { class: f.class, kind: f.kind }]));
  const unclassified: ClassedValue = { class: UNCLASSIFIED_COLUMN, kind: null };
  // The code's kind is an ID number's exactly for pipelines about persons (pipelineEventClasses).
  return { subject: r.code.kind === 'id_number' ? 'person' : 'legal_person', code: r.code, sourceKey: r.source_key, field: (column) => fields.get(column) ?? unclassified };
}

/**
 * The class of canonical field `field` in the source records of one pipeline, from what its runs
 * recorded: the pipeline's class of the field when it maps it (the declared class of its column,
 * else the field's default), the default of the field about `subject` when it does not map it
 * (the value is not the pipeline's). Undefined when nothing (or, for a record or licence
 * pipeline, no canonical field) was recorded of the pipeline: the caller decides (the export
 * takes the field's default, as for a column mapped and not classified).
 * For the exits that show source records column by column: the export's and the analysts'
 * `records` and `conflicts` (src/export/export-columns.ts).
 */
export function recordedFieldClass(recorded: PipelineEventClasses | undefined, subject: Subject, field: string): ClassedValue | undefined {
  const mapped = recorded === undefined ? undefined : recorded.entity === 'person' || recorded.entity === 'legal_person' ? recorded.golden : recorded.record?.canonical;
  if (mapped === undefined) return undefined;
  const given = mapped.filter((m) => m.field === field).map((m) => m.class);
  return { class: strictest(given) ?? defaultClass(subject, field), kind: fieldKind(subject, field) };
}
