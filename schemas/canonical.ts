import type { IdentifierKind } from '../src/identifiers/types.ts';

/** The three kinds of entity a pipeline can feed: natural persons, legal persons, business records. */
export const ENTITY_KINDS = ['person', 'legal_person', 'record'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * Canonical fields a pipeline may map source columns to. Every canonical field is stored as a
 * string (dates as ISO 8601 text); anything not mapped stays in the record's payload under its
 * source column name.
 */
export const CANONICAL_FIELDS = [
  'id_number', // resident identity number (GB 11643-1999): the one code of a person
  'uscc', // unified social credit code (GB 32100-2015): the one code of a legal person
  'org_code', // organisation code (GB 11714-1997), legacy
  'business_reg_no', // 15-digit business registration number, legacy
  'name', // person name or organisation name
  'sex',
  'birth_date',
  'phone',
  'employer_name',
  'employer_uscc',
  'legal_representative',
  'legal_representative_id_number',
  'address',
  'updated_at',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Canonical fields that hold identifiers, and the kind each is classified as. */
export const IDENTIFIER_FIELDS: Partial<Record<CanonicalField, IdentifierKind>> = {
  id_number: 'resident_id',
  uscc: 'uscc',
  org_code: 'org_code',
  business_reg_no: 'business_reg_no',
  employer_uscc: 'uscc',
  legal_representative_id_number: 'resident_id',
};

/** The field holding the one code for each entity kind (records may use either). */
export const ONE_CODE_FIELDS: Record<EntityKind, readonly CanonicalField[]> = {
  person: ['id_number'],
  legal_person: ['uscc'],
  record: ['id_number', 'uscc'],
};

/**
 * Canonical fields stored as columns of each source record (the one code has its own column;
 * stated sex and birth date stay in the payload, from which nothing is lost: the golden record
 * derives them from the ID number, and a stated value that disagrees is flagged).
 */
export const STORED_FIELDS = [
  'org_code', 'business_reg_no', 'name', 'phone', 'employer_name', 'employer_uscc',
  'legal_representative', 'legal_representative_id_number', 'address', 'updated_at',
] as const satisfies readonly CanonicalField[];

/** Golden-record fields per entity, in the order they appear in change events. */
export const GOLDEN_FIELDS = {
  person: ['id_number', 'name', 'sex', 'birth_date', 'region_code', 'employer_name', 'employer_uscc', 'phone'],
  legal_person: ['uscc', 'name', 'org_code', 'region_code', 'legal_representative', 'legal_representative_id_number', 'address'],
} as const;
