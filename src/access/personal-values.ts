/**
 * Which values the index shows are personal, and of what kind: the one table that the guard of
 * lookups (protect-document.ts) and the analysts' views of SQL (analyst-views.ts) both read, so
 * that a value is protected alike in a lookup document and in a query. Both make it stricter by
 * the classes the pipelines declare (src/export/export-columns.ts: the stricter winning).
 *
 * A value's kind ({@link ValueKind}) says what leaves under each exit policy (guard-value.ts):
 * - `clear`: not personal (a legal person's name, USCC and registered address, system names,
 *   run ids, counts);
 * - `uscc`, `legacy_code`: not personal, and a code (a legal person's USCC; an organisation code
 *   or business registration number): shown as is, and counted among the codes an access showed;
 * - a personal kind of src/protect/policy.ts (`id_number`, `person_name`, `phone`, `address`,
 *   `birth_date`): masked, pseudonymised or dropped as the policy says (GB/T 35273-2020 Annex A);
 * - `code`: a one code whose subject is not known where it is shown (a change event's code):
 *   personal (as an `id_number`) unless it reads as a USCC and not as a resident identity number;
 * - `opaque`: a value of a person's source record whose content onecode does not know (its source
 *   key, which is often the ID number itself): masked whole, or pseudonymised;
 * - `withheld`: text that may hold anything personal (the source row as loaded, a quarantined
 *   line, a change event's before/after, a source's saved state): shown in clear only;
 * - `reasons`: a list of `{ code, field, message }` (data-quality flags, quarantine reasons),
 *   whose `message` names rules and positions, never a value (index migration 15 rewrote older
 *   messages that quoted one); as a second guard, under any policy but clear the messages are
 *   left out, the codes and fields kept.
 *
 * The subject decides: a person's name, address and record keys are personal, a legal person's
 * are not. A legal person's registered address is public registration information (shown by the
 * National Enterprise Credit Information Publicity System), so the `address` of PERSONAL_FIELDS
 * is personal only on a person's record in this table; an individual business (个体工商户, USCC
 * category 92) registered at its owner's home is why the pipelines' classes, which default a
 * legal person's address to personal (src/protect/field-classes.ts), win over it in every exit
 * (docs/access.md).
 */
import type { PersonalKind } from '../protect/policy.ts';
import type { GoldenEntity } from '../index/golden.ts';

/** Who a value is about: a natural person or a legal person (or other organisation). */
export type Subject = GoldenEntity;

/** What a value is, for the guard: see the module comment. */
export type ValueKind = 'clear' | 'uscc' | 'legacy_code' | PersonalKind | 'code' | 'opaque' | 'withheld' | 'reasons';

/** Kinds whose values are codes an access shows (access_log.codes): persons' and legal persons' codes and aliases. */
export const CODE_KINDS: ReadonlySet<ValueKind> = new Set<ValueKind>(['uscc', 'legacy_code', 'id_number', 'code']);

/** Identifier kinds (src/identifiers) that are a natural person's one code (lookup.ts isPersonCode). */
export const PERSON_CODE_KINDS: ReadonlySet<string> = new Set(['resident_id', 'foreign_permanent_residence_2017']);

/**
 * Kind of each field of a golden record: the `persons` and `legal_persons` views, a lookup's
 * `person` and `legal_person`, and the `value` of a `lineage` row of that field.
 */
export const GOLDEN_FIELD_KINDS: Readonly<Record<Subject, Readonly<Record<string, ValueKind>>>> = {
  person: {
    id_number: 'id_number', name: 'person_name', sex: 'clear', birth_date: 'birth_date', region_code: 'clear',
    phone: 'phone', employer_name: 'clear', employer_uscc: 'uscc', changed_run_id: 'clear',
  },
  legal_person: {
    uscc: 'uscc', name: 'clear', org_code: 'legacy_code', region_code: 'clear', legal_representative: 'person_name',
    legal_representative_id_number: 'id_number', address: 'clear', changed_run_id: 'clear',
  },
};

const SOURCE_RECORD = {
  pipeline: 'clear', system: 'clear', entity: 'clear', code_kind: 'clear', code_status: 'clear', linked_via: 'clear',
  org_code: 'legacy_code', business_reg_no: 'legacy_code', phone: 'phone', employer_name: 'clear', employer_uscc: 'uscc',
  legal_representative: 'person_name', legal_representative_id_number: 'id_number', updated_at: 'clear',
  payload: 'withheld', flags: 'reasons', line: 'clear', priority: 'clear', first_run_id: 'clear', changed_run_id: 'clear',
  /** a lookup's `referenced_by` record: the role in which it names the code */
  role: 'clear',
} as const satisfies Record<string, ValueKind>;

/**
 * Kind of each column of a source record (the `records` view, a lookup's `records`,
 * `referenced_by` and `unlinked`), by the record's subject. A phone is personal whoever the record
 * is about (an organisation's contact number is often a person's mobile).
 */
export const RECORD_FIELD_KINDS: Readonly<Record<Subject, Readonly<Record<string, ValueKind>>>> = {
  person: { ...SOURCE_RECORD, source_key: 'opaque', one_code: 'id_number', name: 'person_name', address: 'address' },
  legal_person: { ...SOURCE_RECORD, source_key: 'clear', one_code: 'uscc', name: 'clear', address: 'clear' },
};

/**
 * SQL condition over a source record's `entity` and `code_kind` columns: the record is about a
 * legal person. Everything else (a person's record, an unknown kind, NULLs) is taken to be about
 * a person, so that a doubt protects.
 */
export const LEGAL_PERSON_RECORD_SQL = `(entity = 'legal_person' OR (entity IN ('record', 'licence') AND code_kind IN ('uscc', 'org_code', 'business_reg_no')))`;

/**
 * Kind of each field of a licence (src/index/licence-rows.ts LicenceRow: a lookup's `licences`, a
 * materials answer's licence), by its holder. A person's licence number and identifier (whose
 * serial is often the number) identify the person as surely as a record key: `opaque`; an
 * organisation's are public (licence publicity, 双公示). Dates, names and codes of licence types
 * and issuers are not personal.
 */
export const LICENCE_FIELD_KINDS: Readonly<Record<Subject, Readonly<Record<string, ValueKind>>>> = {
  person: {
    licence_identifier: 'opaque', identifier: 'clear', licence_name: 'clear', licence_number: 'opaque', licence_type_code: 'clear',
    issuer_code: 'clear', jurisdiction_code: 'clear', issue_date: 'clear', valid_from: 'clear', valid_to: 'clear', status: 'clear',
    state: 'clear', holder_code_type: 'clear', linked_via: 'clear', pipeline: 'clear', system: 'clear', flags: 'reasons',
  },
  legal_person: {
    licence_identifier: 'clear', identifier: 'clear', licence_name: 'clear', licence_number: 'clear', licence_type_code: 'clear',
    issuer_code: 'clear', jurisdiction_code: 'clear', issue_date: 'clear', valid_from: 'clear', valid_to: 'clear', status: 'clear',
    state: 'clear', holder_code_type: 'clear', linked_via: 'clear', pipeline: 'clear', system: 'clear', flags: 'reasons',
  },
};

/** The subject of a code alias by its `alias_kind` (src/index/linkage.ts ALIAS_KINDS): a 15-digit resident identity number is a person's. */
export function aliasSubject(aliasKind: unknown): Subject {
  return aliasKind === 'org_code' || aliasKind === 'business_reg_no' ? 'legal_person' : 'person';
}

/** Kind of each column of a code alias (the `aliases` view, a lookup's `aliases`), by the subject of the alias. */
export const ALIAS_FIELD_KINDS: Readonly<Record<Subject, Readonly<Record<string, ValueKind>>>> = {
  person: { alias: 'id_number', alias_kind: 'clear', code: 'id_number', pipeline: 'clear', system: 'clear', source_key: 'opaque', first_run_id: 'clear', linked_run_id: 'clear' },
  legal_person: { alias: 'legacy_code', alias_kind: 'clear', code: 'uscc', pipeline: 'clear', system: 'clear', source_key: 'clear', first_run_id: 'clear', linked_run_id: 'clear' },
};

/** Kind of a golden record's one code (a `relations` party's code, a `lineage` or `conflicts` row's code). */
export const GOLDEN_CODE_KIND: Readonly<Record<Subject, ValueKind>> = { person: 'id_number', legal_person: 'uscc' };
/** Kind of a golden record's name (a `relations` party's name). */
export const GOLDEN_NAME_KIND: Readonly<Record<Subject, ValueKind>> = { person: 'person_name', legal_person: 'clear' };
