import type { IdentifierKind } from '../src/identifiers/types.ts';

/**
 * The kinds of entity a pipeline can feed: natural persons, legal persons, business records, and
 * licences (electronic licences, 电子证照: a record about its holder, a person or a legal person,
 * that the licence library answers "already on file?" from; src/index/licence-rows.ts).
 */
export const ENTITY_KINDS = ['person', 'legal_person', 'record', 'licence'] as const;
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
  // electronic licences (entity licence; GB/T 36903-2018 metadata, docs/licences.md)
  'holder_code_type', // 持证主体代码类型: 111 resident identity number, 001 USCC (GB/T 36903-2018)
  'licence_identifier', // 证照标识: 1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>
  'licence_name', // 证照名称
  'licence_number', // 证照编号, as printed on the licence
  'licence_type_code', // 证照类型代码
  'issuer_code', // 颁证单位代码: the issuing authority's USCC
  'jurisdiction_code', // 证照所属管辖属地: GB/T 2260 region code
  'issue_date', // 颁证日期
  'valid_from', // 有效期起始
  'valid_to', // 有效期截止 (empty: no end)
  'licence_status', // 证照状态, as the issuing system writes it (licence-rows.ts reads it)
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
  licence_identifier: 'licence',
};

/** The field holding the one code for each entity kind (records may use either). */
export const ONE_CODE_FIELDS: Record<EntityKind, readonly CanonicalField[]> = {
  person: ['id_number'],
  legal_person: ['uscc'],
  record: ['id_number', 'uscc'],
  licence: ['id_number', 'uscc'],
};

/** Canonical fields of a licence (entity licence), stored as columns of its source record. */
export const LICENCE_FIELDS = [
  'holder_code_type', 'licence_identifier', 'licence_name', 'licence_number', 'licence_type_code', 'issuer_code',
  'jurisdiction_code', 'issue_date', 'valid_from', 'valid_to', 'licence_status',
] as const satisfies readonly CanonicalField[];

/** 持证主体代码类型 of each holder code field (GB/T 36903-2018): 111 resident identity number, 001 USCC. */
export const HOLDER_CODE_TYPES = { id_number: '111', uscc: '001' } as const;

/** Licence fields a licence pipeline must map: without them no "already on file?" can be answered. */
export const REQUIRED_LICENCE_FIELDS = ['licence_identifier', 'licence_type_code'] as const satisfies readonly CanonicalField[];

/**
 * Canonical fields stored as columns of each source record (the one code has its own column;
 * stated sex and birth date stay in the payload, from which nothing is lost: the golden record
 * derives them from the ID number, and a stated value that disagrees is flagged).
 */
export const STORED_FIELDS = [
  'org_code', 'business_reg_no', 'name', 'phone', 'employer_name', 'employer_uscc',
  'legal_representative', 'legal_representative_id_number', 'address', 'updated_at',
  ...LICENCE_FIELDS,
] as const satisfies readonly CanonicalField[];

/** Golden-record fields per entity, in the order they appear in change events. */
export const GOLDEN_FIELDS = {
  person: ['id_number', 'name', 'sex', 'birth_date', 'region_code', 'employer_name', 'employer_uscc', 'phone'],
  legal_person: ['uscc', 'name', 'org_code', 'region_code', 'legal_representative', 'legal_representative_id_number', 'address'],
} as const;
