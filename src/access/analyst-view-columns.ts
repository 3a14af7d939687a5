/**
 * The analyst views' table of columns: for every analyst view of the index (src/index/views.ts),
 * what kind of value each column holds (personal-values.ts), per subject and, for `lineage` and
 * `conflicts`, per field. Read by the analysts' protected views (analyst-views.ts) and the export
 * (src/export/export-columns.ts), which give each value its class from this table and from the
 * classes the pipelines declare, the stricter winning.
 *
 * A column the table does not list is left out (fail closed): a column added to a view is not
 * shown to analysts or exported until it is listed here (tests/access list them all).
 *
 * Left out for analysts: `records.payload` (the source row as loaded), `quarantine.raw` and its
 * SM3 digest `raw_sm3` (the text of a rejected line, and a digest that confirms a guess of it),
 * `changes.event` (a change event's before and after carry every value; the feed has its own
 * policies), `source_states.state` (a cursor may hold a source's values).
 */
import {
  ALIAS_FIELD_KINDS, GOLDEN_CODE_KIND, GOLDEN_FIELD_KINDS, GOLDEN_NAME_KIND, LEGAL_PERSON_RECORD_SQL, LICENCE_FIELD_KINDS, RECORD_FIELD_KINDS,
  type Subject, type ValueKind,
} from './personal-values.ts';

/** How one column of a view is shown to an analyst. */
export type Column =
  /** a value of one kind */
  | ValueKind
  /** a value whose kind depends on the row's subject: `legalWhen` is the SQL condition of a legal person's row (a doubt is a person's) */
  | { readonly legalWhen: string; readonly kinds: Readonly<Record<Subject, ValueKind>> }
  /** a value whose kind depends on the subject and on the field the row is about (column `field`); a field not listed is left out */
  | { readonly legalWhen: string; readonly field: string; readonly kinds: Readonly<Record<Subject, Readonly<Record<string, ValueKind>>>> };

const clear = (...columns: string[]): Record<string, Column> => Object.fromEntries(columns.map((c) => [c, 'clear']));
/** Each column of a per-subject table, as one kind when both subjects agree. */
function bySubject(legalWhen: string, tables: Readonly<Record<Subject, Readonly<Record<string, ValueKind>>>>): Record<string, Column> {
  return Object.fromEntries(Object.keys(tables.person).map((column) => {
    const kinds = { person: tables.person[column]!, legal_person: tables.legal_person[column] ?? 'withheld' };
    return [column, kinds.person === kinds.legal_person ? kinds.person : { legalWhen, kinds }];
  }));
}
const subject = (legalWhen: string, kinds: Readonly<Record<Subject, ValueKind>>): Column => ({ legalWhen, kinds });
const SOURCE_KEY: Record<Subject, ValueKind> = { person: RECORD_FIELD_KINDS.person.source_key!, legal_person: RECORD_FIELD_KINDS.legal_person.source_key! };
const QUARANTINE: Record<string, Column> = {
  ...clear('run_id', 'run_no', 'pipeline', 'system', 'source', 'line', 'position_kind', 'reason_codes', 'raw_bytes', 'quarantined_at'),
  reasons: 'reasons', raw: 'withheld', raw_sm3: 'withheld',
};
/**
 * Each column of the `licences` view (src/index/views.ts), by the holder: the licence's own fields
 * as a lookup shows them (LICENCE_FIELD_KINDS: a person's licence identifier and number protected
 * as a record key is; its `status` and `state` are the view's `licence_status` and `licence_state`,
 * its `identifier` classification the view's `identifier_status`), the holder's code and name as a
 * golden record's, the source key as a record's.
 */
function licenceColumnKinds(s: Subject): Record<string, ValueKind> {
  const { identifier, status, state, ...fields } = LICENCE_FIELD_KINDS[s];
  return {
    ...fields, licence_status: status!, licence_state: state!, identifier_status: identifier!, identifier_reasons: 'clear',
    holder_code: GOLDEN_CODE_KIND[s], holder_kind: 'clear', holder_code_status: 'clear', name: GOLDEN_NAME_KIND[s],
    source_key: SOURCE_KEY[s], first_run_id: 'clear', changed_run_id: 'clear',
  };
}
/** The SQL condition of a `licences` row whose holder is a legal person. */
export const LICENCE_LEGAL_HOLDER_SQL = `holder_kind = 'legal_person'`;

/** Every analyst view and how each of its columns is shown. */
export const ANALYST_VIEWS: Readonly<Record<string, Readonly<Record<string, Column>>>> = {
  persons: GOLDEN_FIELD_KINDS.person,
  legal_persons: GOLDEN_FIELD_KINDS.legal_person,
  records: bySubject(LEGAL_PERSON_RECORD_SQL, RECORD_FIELD_KINDS),
  quarantine: QUARANTINE,
  quarantine_history: QUARANTINE,
  runs: clear('run_id', 'run_no', 'pipeline', 'system', 'trigger', 'status', 'started_at', 'ended_at', 'rows_read', 'loaded', 'duplicates', 'quarantined',
    'created', 'updated', 'deleted', 'unchanged', 'events', 'linked', 'unlinked', 'relinked', 'error_code', 'error', 'reason_summary', 'connector', 'source', 'position_kind', 'outcome'),
  schema_changes: clear('pipeline', 'run_id', 'run_no', 'column_name', 'change', 'old_type', 'new_type', 'renamed_from', 'action', 'noticed_at'),
  source_states: { ...clear('pipeline', 'run_id', 'run_no', 'connector', 'state_version', 'columns', 'saved_at'), state: 'withheld' },
  aliases: bySubject(`alias_kind IN ('org_code', 'business_reg_no')`, ALIAS_FIELD_KINDS),
  conflicts: {
    ...clear('entity', 'field', 'pipeline', 'system', 'changed_run_id'),
    code: subject(`entity = 'legal_person'`, GOLDEN_CODE_KIND),
    value: { legalWhen: `entity = 'legal_person'`, field: 'field', kinds: RECORD_FIELD_KINDS },
    comparable: { legalWhen: `entity = 'legal_person'`, field: 'field', kinds: RECORD_FIELD_KINDS },
    source_key: subject(`entity = 'legal_person'`, SOURCE_KEY),
  },
  lineage: {
    ...clear('entity', 'field', 'pipeline', 'system', 'run_id', 'priority', 'updated_at', 'source', 'rule'),
    code: subject(`entity = 'legal_person'`, GOLDEN_CODE_KIND),
    value: { legalWhen: `entity = 'legal_person'`, field: 'field', kinds: GOLDEN_FIELD_KINDS },
    source_key: subject(`entity = 'legal_person'`, SOURCE_KEY),
  },
  relations: {
    ...clear('from_entity', 'relation', 'to_entity', 'to_in_index'),
    from_code: subject(`from_entity = 'legal_person'`, GOLDEN_CODE_KIND),
    from_name: subject(`from_entity = 'legal_person'`, GOLDEN_NAME_KIND),
    to_code: subject(`to_entity = 'legal_person'`, GOLDEN_CODE_KIND),
    to_name: subject(`to_entity = 'legal_person'`, GOLDEN_NAME_KIND),
  },
  licences: bySubject(LICENCE_LEGAL_HOLDER_SQL, { person: licenceColumnKinds('person'), legal_person: licenceColumnKinds('legal_person') }),
  changes: {
    ...clear('seq', 'event_id', 'entity', 'op', 'run_id', 'created_at', 'published_at', 'parked_reason', 'state', 'parked_at', 'held_by',
      'skipped_at', 'skipped_by', 'skip_reason', 'requeued_at', 'requeued_by', 'first_seq', 'resource_code', 'provider_code'),
    code: 'code', event: 'withheld',
  },
};

/** The names an analyst's query may use (lower case): the views above. */
export const ANALYST_VIEW_NAMES: ReadonlySet<string> = new Set(Object.keys(ANALYST_VIEWS));
