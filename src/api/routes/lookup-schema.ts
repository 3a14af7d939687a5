/**
 * The JSON Schema of the lookup document as the API sends it: src/index/lookup.ts LookupDocument,
 * after the access guard (src/access/protect-document.ts) protected its personal values under the
 * role's policy. Under `mask` a value keeps its type (a string with `*` in place of characters);
 * under `pseudonymise` it is `p_` and 32 hex characters; a value the policy drops, or a key the
 * guard does not list (records' `payload` for analysts, reason messages), is absent. So personal
 * fields are strings or null, and fields an analyst does not get are optional.
 */
import { INTEGER, nullable, STRING, type Schema } from '../schemas.ts';

const TEXT = nullable(STRING);
const ANY_JSON: Schema = { description: 'any JSON value' };

/** A data-quality flag or reason: its message only for a steward (it can quote a value). */
const REASON_ITEM: Schema = { type: 'object', required: ['code'], properties: { code: STRING, field: TEXT, message: STRING } };

const RECORD: Schema = {
  type: 'object',
  required: ['pipeline', 'system', 'entity', 'source_key', 'one_code', 'code_status'],
  properties: {
    pipeline: STRING,
    system: STRING,
    entity: { type: 'string', enum: ['person', 'legal_person', 'record', 'licence'] },
    source_key: { ...TEXT, description: "the record's key in its source (protected like the code it may contain)" },
    one_code: TEXT,
    code_status: STRING,
    linked_via: TEXT,
    payload: { type: ['object', 'null'], description: 'the source row as loaded: for a steward only' },
    flags: { type: ['array', 'null'], items: REASON_ITEM },
    line: nullable(INTEGER),
    first_run_id: STRING,
    changed_run_id: STRING,
    role: { type: 'string', enum: ['employer', 'legal_representative'], description: 'in referenced_by: how the record refers to the code' },
  },
};

/** One licence a code holds (src/index/licence-rows.ts LicenceRow); a person's licence identifier and number protected as the role allows. */
export const LICENCE: Schema = {
  type: 'object',
  required: ['identifier', 'state', 'pipeline', 'system'],
  properties: {
    licence_identifier: { ...TEXT, description: 'the electronic licence identifier 1.2.156.3005.2.… (a person\'s protected as the role allows)' },
    identifier: {
      type: 'object',
      required: ['status', 'reasons'],
      properties: { status: { type: 'string', enum: ['valid', 'nonconforming', 'invalid'] }, reasons: { type: 'array', items: REASON_ITEM } },
    },
    licence_name: TEXT,
    licence_number: { ...TEXT, description: 'the number printed on the licence (a person\'s protected as the role allows)' },
    licence_type_code: TEXT,
    issuer_code: TEXT,
    jurisdiction_code: { ...TEXT, description: 'GB/T 2260 region code' },
    issue_date: { ...TEXT, description: 'YYYY-MM-DD' },
    valid_from: { ...TEXT, description: 'YYYY-MM-DD' },
    valid_to: { ...TEXT, description: 'YYYY-MM-DD; null: no end' },
    status: { ...TEXT, description: 'the status as the issuing system wrote it' },
    state: { type: 'string', enum: ['valid', 'not_yet_valid', 'expired', 'revoked'], description: 'the state today in China' },
    holder_code_type: { ...TEXT, description: '111 resident identity number, 001 USCC (GB/T 36903-2018)' },
    linked_via: { ...TEXT, description: 'org_code or business_reg_no when the licence names its holder by a legacy code' },
    pipeline: STRING,
    system: STRING,
    flags: { type: ['array', 'null'], items: REASON_ITEM },
  },
};

const PARTY: Schema = {
  type: 'object',
  required: ['entity', 'code', 'in_index'],
  properties: { entity: { type: 'string', enum: ['person', 'legal_person'] }, code: STRING, name: TEXT, in_index: { type: 'boolean' } },
};
const PARTY_LIST: Schema = { type: 'object', required: ['total', 'items'], properties: { total: INTEGER, items: { type: 'array', items: PARTY } } };
const OPTIONAL_PARTY: Schema = { anyOf: [PARTY, { type: 'null' }] };

const FIELD_LINEAGE: Schema = {
  type: 'object',
  required: ['source'],
  properties: {
    value: TEXT,
    source: { type: 'string', enum: ['record', 'derived'] },
    system: TEXT,
    pipeline: TEXT,
    source_key: TEXT,
    run_id: TEXT,
    rule: { ...TEXT, description: 'a derived field: the standard clause it is read by' },
  },
};
const LINEAGE_OF: Schema = { type: ['object', 'null'], additionalProperties: FIELD_LINEAGE };

const GOLDEN: Schema = {
  type: ['object', 'null'],
  description: 'the golden record (the persons or legal_persons view), personal values as the role allows',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
};

/** The lookup document (`onecode lookup`), as the API sends it. */
export const LOOKUP_DOCUMENT: Schema = {
  type: 'object',
  description: 'everything the index holds about the code (src/index/lookup.ts), personal values protected by the role\'s policy',
  additionalProperties: false,
  required: ['code', 'identifier', 'person', 'legal_person', 'records', 'lineage', 'relations', 'referenced_by', 'aliases', 'unlinked', 'licences', 'systems'],
  properties: {
    code: { type: 'string', description: 'the one code (a person\'s protected as the role allows)' },
    alias: { type: 'string', description: 'the identifier looked up, when it is an alias of the one code' },
    identifier: {
      type: 'object',
      required: ['kind', 'status', 'reasons'],
      properties: { kind: STRING, status: { type: 'string', enum: ['valid', 'nonconforming', 'invalid'] }, reasons: { type: 'array', items: REASON_ITEM }, subtype: STRING, alias: ANY_JSON },
    },
    person: GOLDEN,
    legal_person: GOLDEN,
    records: { type: 'array', items: RECORD },
    lineage: { type: 'object', required: ['person', 'legal_person'], additionalProperties: false, properties: { person: LINEAGE_OF, legal_person: LINEAGE_OF } },
    relations: {
      type: 'object',
      additionalProperties: false,
      properties: { employer: OPTIONAL_PARTY, legal_representative_of: PARTY_LIST, legal_representative: OPTIONAL_PARTY, employees: PARTY_LIST },
    },
    referenced_by: { type: 'array', items: RECORD },
    aliases: {
      type: 'array',
      items: { type: 'object', required: ['alias_kind', 'pipeline', 'system'], properties: { alias: TEXT, alias_kind: STRING, pipeline: STRING, system: STRING, source_key: TEXT, first_run_id: STRING, linked_run_id: STRING } },
    },
    unlinked: { type: 'array', items: RECORD },
    ambiguous: { type: 'array', items: STRING, description: 'a legacy code that resolves to several USCCs: those USCCs' },
    licences: { type: 'array', items: LICENCE, description: 'electronic licences the code holds, current and not, newest issue first' },
    systems: { type: 'array', items: STRING },
  },
};
