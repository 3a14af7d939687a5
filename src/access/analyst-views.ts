/**
 * The views an analyst's SQL reads: the analyst views of the index (src/index/views.ts), each
 * shadowed on the analyst's connection by a temporary view of the same name whose personal
 * columns are protected under the analyst's policy (protect-functions.ts), by the one table of
 * personal-values.ts. DuckDB resolves an unqualified name to a temporary view first; a query
 * naming a schema, or any other table, is refused before it runs (src/access/read-only-query.ts with
 * {@link ANALYST_VIEW_NAMES}), so an analyst reads only these.
 *
 * Each temporary view reads the view underneath by its catalogue-qualified name
 * (`"<database>".main.persons`; DuckDB refuses `main.persons` inside a temporary `persons` as a
 * recursive view). A column the table below does not list is left out (fail closed): a column
 * added to a view is not shown to analysts until it is listed here (tests/access list them all).
 *
 * Left out for analysts: `records.payload` (the source row as loaded), `quarantine.raw` and its
 * SM3 digest `raw_sm3` (the text of a rejected line, and a digest that confirms a guess of it),
 * `changes.event` (a change event's before and after carry every value; the feed has its own
 * policies), `source_states.state` (a cursor may hold a source's values).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../index/sql-text.ts';
import {
  ALIAS_FIELD_KINDS, GOLDEN_CODE_KIND, GOLDEN_FIELD_KINDS, GOLDEN_NAME_KIND, LEGAL_PERSON_RECORD_SQL, LICENCE_FIELD_KINDS, RECORD_FIELD_KINDS,
  type Subject, type ValueKind,
} from './personal-values.ts';
import { ensureProtectionFunctions, type ProtectingPolicy, type ProtectSql } from './protect-functions.ts';

/** How one column of a view is shown to an analyst. */
type Column =
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

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The SQL of `column` (a column name) under its rule, or undefined when it is left out. */
function columnSql(column: string, rule: Column | undefined, protect: ProtectSql): string | undefined {
  if (rule === undefined || rule === 'withheld') return undefined;
  const expr = ident(column);
  if (typeof rule === 'string') return protect(rule, expr);
  const legal = `coalesce(${rule.legalWhen}, false)`;
  if (!('field' in rule)) return `CASE WHEN ${legal} THEN ${protect(rule.kinds.legal_person, expr)} ELSE ${protect(rule.kinds.person, expr)} END`;
  // one text value per row: a field of a structured kind (reasons) or withheld is NULL, as one not listed
  const byField = (kinds: Readonly<Record<string, ValueKind>>) =>
    `CASE ${ident(rule.field)} ${Object.entries(kinds).filter(([, kind]) => kind !== 'reasons' && kind !== 'withheld')
      .map(([field, kind]) => `WHEN ${quoteLiteral(field)} THEN ${protect(kind, expr)}`).join(' ')} ELSE NULL END`;
  return `CASE WHEN ${legal} THEN ${byField(rule.kinds.legal_person)} ELSE ${byField(rule.kinds.person)} END`;
}

/**
 * Creates, on `connection`, a temporary view for each analyst view of its database, protecting
 * personal values under `policy`. Until {@link removeAnalystViews}, every unqualified name of an
 * analyst view on this connection reads the protected view (lookupCode, too: run lookups on
 * another connection or after removing them).
 * @param key the pseudonymisation key, needed for `pseudonymise`.
 * @returns the columns left out, per view (`records.payload`, …), for tests and reviews.
 */
export async function installAnalystViews(connection: DuckDBConnection, policy: ProtectingPolicy, key?: Buffer): Promise<Record<string, string[]>> {
  const protect = await ensureProtectionFunctions(connection, policy, key);
  const database = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0]);
  const rows = (await connection.runAndReadAll(`
    SELECT table_name, column_name FROM duckdb_columns()
    WHERE database_name = ${quoteLiteral(database)} AND schema_name = 'main' AND table_name IN (${[...ANALYST_VIEW_NAMES].map(quoteLiteral).join(', ')})
    ORDER BY table_name, column_index`)).getRows() as [string, string][];
  const leftOut: Record<string, string[]> = {};
  const statements: string[] = [];
  for (const view of ANALYST_VIEW_NAMES) {
    const columns = rows.filter(([table]) => table === view).map(([, column]) => column);
    if (columns.length === 0) continue;
    const select: string[] = [];
    for (const column of columns) {
      const sql = columnSql(column, ANALYST_VIEWS[view]![column], protect);
      if (sql === undefined) (leftOut[view] ??= []).push(column);
      else select.push(`${sql} AS ${ident(column)}`);
    }
    statements.push(`CREATE OR REPLACE TEMP VIEW ${ident(view)} AS SELECT ${select.join(', ')} FROM ${ident(database)}.main.${ident(view)}`);
  }
  await connection.run(statements.join(';\n'));
  return leftOut;
}

/** Drops the temporary views of {@link installAnalystViews} from `connection`. */
export async function removeAnalystViews(connection: DuckDBConnection): Promise<void> {
  await connection.run([...ANALYST_VIEW_NAMES].map((view) => `DROP VIEW IF EXISTS temp.main.${ident(view)}`).join(';\n'));
}
