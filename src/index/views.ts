import { DERIVED, DERIVED_RULES, GOLDEN_TABLES, goldenFieldSql, SURVIVING, survivorSql, type GoldenEntity } from './golden.ts';
import { quoteLiteral } from './sql-text.ts';
import { stateSql } from '../outbox/outbox-states.ts';
import { LEGAL_PERSON_RECORD_SQL } from '../access/personal-values.ts';
import { TODAY_IN_CHINA_SQL } from '../run/today-in-china.ts';
import { licenceIdentifierSql, licenceStateSql } from './licence-state.ts';

/**
 * The CTE of each entity's codes held by more than one source record ({@link multiRecordCodesSql}):
 * only these need survivorship.
 */
const MULTI_RECORD_CODES: Record<GoldenEntity, string> = { person: 'multi_record_person', legal_person: 'multi_record_legal_person' };

/**
 * The CTEs {@link lineageSql} reads, over `records` (source records): each entity's one codes held
 * by more than one of its source records. A count per code: DuckDB's hash aggregate spills such
 * fixed-size states to disk under its memory limit.
 */
function multiRecordCodesSql(records: string): string {
  return (Object.keys(MULTI_RECORD_CODES) as GoldenEntity[]).map((entity) =>
    `${MULTI_RECORD_CODES[entity]} AS MATERIALIZED (SELECT one_code FROM ${records} WHERE entity = ${quoteLiteral(entity)} AND one_code IS NOT NULL GROUP BY one_code HAVING count(*) > 1)`).join(', ');
}

/**
 * Rows of the `lineage` view for one entity: for every golden record, one row per stored field
 * holding a value, naming the source record that supplied it; then one row per field derived from
 * the code. A code held by one source record takes every field from it, read as it streams; among
 * the records of a code held by several, the supplier is chosen by the very aggregate that builds
 * the golden tables (golden.ts survivorSql over the same entity's source records, as
 * plan/golden-changes.ts feeds goldenSql, which skips single-record codes the same way).
 * Why: that aggregate's state (the winning record's text values) cannot spill, and one per stored
 * field over every code, all in one UNION ALL, held more than the default 384MB at 200,000 persons
 * (tests/index/lineage-memory.test.ts); the memory now grows with the codes several records share.
 * One branch per field and per derived field, so that a filter on `code` reaches the scan of
 * source_record. Reads the CTEs of {@link multiRecordCodesSql}.
 * @param code one code to restrict every branch to ({@link lineageOfCodeSql}): the branches then
 *   read the code's records from `code_records` and its golden record from `code_<table>`.
 */
function lineageSql(entity: GoldenEntity, code?: string): string {
  const { table, key } = GOLDEN_TABLES[entity];
  const E = quoteLiteral(entity);
  const records = code === undefined ? 'source_record' : 'code_records';
  const golden = code === undefined ? table : `code_${table}`;
  const supplier = (field: string) =>
    survivorSql(field, `struct_pack(value := ${field}, pipeline := pipeline, system := system, source_key := source_key, run_id := changed_run_id, priority := priority, updated_at := updated_at)`);
  const shared = MULTI_RECORD_CODES[entity];
  const stored = SURVIVING[entity].map((field) => `
  SELECT ${E} AS entity, s.one_code AS code, ${quoteLiteral(field)} AS field, s.${field} AS value, s.pipeline, s.system, s.source_key, s.changed_run_id AS run_id,
         s.priority, ${wallClockSql('s.updated_at')} AS updated_at, 'record' AS source, NULL::VARCHAR AS rule
  FROM ${records} s SEMI JOIN ${golden} g ON g.${key} = s.one_code ANTI JOIN ${shared} m ON m.one_code = s.one_code
  WHERE s.entity = ${E} AND s.${field} IS NOT NULL
  UNION ALL
  SELECT ${E}, s.code, ${quoteLiteral(field)}, s.w.value, s.w.pipeline, s.w.system, s.w.source_key, s.w.run_id,
         s.w.priority, ${wallClockSql('s.w.updated_at')}, 'record', NULL
  FROM (SELECT one_code AS code, ${supplier(field)} AS w FROM ${records} SEMI JOIN ${shared} m USING (one_code) WHERE entity = ${E} GROUP BY one_code) s
  SEMI JOIN ${golden} g ON g.${key} = s.code
  WHERE s.w IS NOT NULL`);
  const derived = Object.keys(DERIVED[entity]).map((field) => `
  SELECT ${E}, g.${key}, ${quoteLiteral(field)}, ${goldenFieldSql(entity, 'g', field)}, NULL, NULL, NULL, NULL,
         NULL, NULL, 'derived', ${quoteLiteral(DERIVED_RULES[entity][field]!)}
  FROM ${golden} g`);
  return [...stored, ...derived].join('\n  UNION ALL');
}

/**
 * The rows of the `lineage` view for one code (columns entity, code, field, value, pipeline,
 * system, source_key, run_id, priority, updated_at, source, rule), by the view's own branches over
 * the code's source records and golden record, each read once (`code_records`,
 * `code_golden_person`, `code_golden_legal_person`): a filter on the view reaches each of
 * its branches' scans of source_record, one scan per field (lookup.ts; measured on 1,000,000
 * persons under load: the view about 130 ms per code, this about a quarter of that).
 */
export function lineageOfCodeSql(entities: readonly GoldenEntity[], code: string): string {
  const C = quoteLiteral(code);
  const golden = entities.map((e) => `code_${GOLDEN_TABLES[e].table} AS MATERIALIZED (SELECT * FROM ${GOLDEN_TABLES[e].table} WHERE ${GOLDEN_TABLES[e].key} = ${C})`);
  return `WITH code_records AS MATERIALIZED (SELECT * FROM source_record WHERE one_code = ${C}), ${golden.join(', ')}, ${multiRecordCodesSql('code_records')}
  ${entities.map((e) => lineageSql(e, code)).join('\n  UNION ALL')}`;
}

/**
 * SQL of a normalised `updated_at` as analysts see it: a date (`2024-03-01`) as it is, a time of
 * day with its zone made explicit (`2024-03-01 08:30:00+08:00`): the normaliser writes every
 * time in China Standard Time (src/normalize/dates.ts).
 */
function wallClockSql(expr: string): string {
  return `CASE WHEN length(${expr}) = 19 THEN ${expr} || '+08:00' ELSE ${expr} END`;
}

const LICENCE_IDENTIFIER = licenceIdentifierSql();

/**
 * The analyst views: the documented, stable surface of the index (README "Analyst views").
 * Tables underneath may change between versions; these views keep their columns.
 *
 * `lineage` — one row per golden field with a value: where it comes from.
 *   entity (`person` | `legal_person`), code (the golden record's one code), field (a golden
 *   field name, as in the `persons` / `legal_persons` views), value (text, equal to that view's
 *   field), then for a stored field (`source = 'record'`: name, employer_name, employer_uscc;
 *   name, legal_representative, legal_representative_id_number, address) the source record that
 *   won survivorship for it: pipeline, system, source_key, run_id (the run that last changed
 *   that record), priority, updated_at; `rule` NULL. A stored field that no record holds (NULL
 *   in the golden record) has no row. For a field derived from the code (`source = 'derived'`:
 *   sex, birth_date, region_code of a person, GB 11643-1999 §5; org_code, region_code of a legal
 *   person, GB 32100-2015 §4) the record columns are NULL and `rule` names the clause.
 *
 * `relations` — one row per link a golden record makes to another one code.
 *   from_entity, from_code, from_name (the golden record's name), relation, to_entity, to_code,
 *   to_name (the golden name of the other code; NULL when it is not in the index), to_in_index.
 *   `employer`: person → legal person, golden_person.employer_uscc; `legal_representative`:
 *   legal person → person, golden_legal_person.legal_representative_id_number. Reverse
 *   directions (employees, legal representative of) are the rows with `to_code` = the code.
 *
 * `licences` — one row per licence the index holds (the records of `entity: licence` pipelines,
 *   docs/licences.md). holder_code (the holder's one code; NULL while a holder known only by a
 *   legacy code waits unlinked), holder_kind (`person` | `legal_person`, by the holder's code
 *   kind, as the analysts' protection reads a record's subject: personal-values.ts
 *   LEGAL_PERSON_RECORD_SQL), holder_code_status (`valid`, `nonconforming`, `linked`,
 *   `unlinked`), linked_via, holder_code_type (持证主体代码类型 as written: 111, 001), name (the
 *   holder's, as the licence gives it), licence_identifier with identifier_status (`valid` |
 *   `nonconforming`: an invalid one was quarantined) and identifier_reasons (deviation codes,
 *   licence-state.ts licenceIdentifierSql), licence_name, licence_number, licence_type_code,
 *   issuer_code, jurisdiction_code (GB/T 2260), issue_date, valid_from, valid_to (YYYY-MM-DD;
 *   valid_to NULL: no end), licence_status (as written), licence_state (`valid`,
 *   `not_yet_valid`, `expired`, `revoked` on today's date in China when the view is read, by the
 *   rule of lookups and materials checks: licence-state.ts licenceStateSql), pipeline, system,
 *   source_key, flags, first_run_id, changed_run_id.
 */
export const VIEW_DDL = `
CREATE OR REPLACE VIEW persons AS
  SELECT id_number, name, ${goldenFieldSql('person', 'g', 'sex')} AS sex, ${goldenFieldSql('person', 'g', 'birth_date')} AS birth_date,
         ${goldenFieldSql('person', 'g', 'region_code')} AS region_code, phone, employer_name, employer_uscc, changed_run_id
  FROM golden_person g;
CREATE OR REPLACE VIEW legal_persons AS
  SELECT uscc, name, ${goldenFieldSql('legal_person', 'g', 'org_code')} AS org_code, ${goldenFieldSql('legal_person', 'g', 'region_code')} AS region_code,
         legal_representative, legal_representative_id_number, address, changed_run_id
  FROM golden_legal_person g;
CREATE OR REPLACE VIEW records AS
  SELECT pipeline, system, entity, source_key, one_code, code_kind, code_status, linked_via, org_code, business_reg_no, name,
         phone, employer_name, employer_uscc, legal_representative, legal_representative_id_number, address,
         ${wallClockSql('updated_at')} AS updated_at, payload, flags, line, priority, first_run_id, changed_run_id
  FROM source_record;
CREATE OR REPLACE VIEW quarantine_history AS
  SELECT q.run_id, r.run_no, q.pipeline, q.system, q.source, q.line, coalesce(r.position_kind, 'line') AS position_kind,
         q.reason_codes, q.reasons, q.raw, q.raw_sm3, q.raw_bytes, q.quarantined_at
  FROM quarantined_row q LEFT JOIN run_log r USING (run_id);
CREATE OR REPLACE VIEW quarantine AS
  SELECT q.run_id, q.pipeline, q.system, q.source, q.line, coalesce(r.position_kind, 'line') AS position_kind,
         q.reason_codes, q.reasons, q.raw, q.raw_sm3, q.raw_bytes, q.quarantined_at
  FROM quarantined_row q LEFT JOIN run_log r USING (run_id)
  WHERE q.run_id IN (SELECT max_by(run_id, run_no) FROM run_log WHERE status = 'succeeded' GROUP BY pipeline);
CREATE OR REPLACE VIEW runs AS
  SELECT run_id, run_no, pipeline, system, trigger, status, started_at, ended_at,
         rows_read, loaded, duplicates, quarantined, created, updated, deleted, unchanged, events,
         linked, unlinked, relinked, error_code, error, reason_summary, connector, source, position_kind, outcome
  FROM run_log;
CREATE OR REPLACE VIEW schema_changes AS
  SELECT c.pipeline, c.run_id, r.run_no, c.column_name, c.change, c.old_type, c.new_type, c.renamed_from, c.action, c.noticed_at
  FROM schema_change c LEFT JOIN run_log r USING (run_id);
CREATE OR REPLACE VIEW source_states AS
  SELECT pipeline, run_id, run_no, connector, state_version, state, columns, saved_at
  FROM source_state
  QUALIFY row_number() OVER (PARTITION BY pipeline ORDER BY run_no DESC) = 1;
CREATE OR REPLACE VIEW aliases AS
  SELECT alias, alias_kind, one_code AS code, pipeline, system, source_key, first_run_id, linked_run_id
  FROM code_alias;
CREATE OR REPLACE VIEW conflicts AS
  WITH r AS (
    -- a business record or a licence speaks about its subject (its holder): a person (resident identity number) or a legal person
    SELECT *, CASE WHEN entity NOT IN ('record', 'licence') THEN entity WHEN code_kind = 'resident_id' THEN 'person' ELSE 'legal_person' END AS subject
    FROM source_record WHERE one_code IS NOT NULL
  ), v AS (
    SELECT subject, one_code, 'name' AS field, name AS value,
           CASE subject WHEN 'person' THEN oc_person_name_key(name) ELSE oc_org_name_key(name) END AS comparable,
           pipeline, system, source_key, changed_run_id
      FROM r WHERE name IS NOT NULL
    UNION ALL SELECT subject, one_code, 'employer_uscc', employer_uscc, employer_uscc, pipeline, system, source_key, changed_run_id
      FROM r WHERE subject = 'person' AND employer_uscc IS NOT NULL
    UNION ALL SELECT subject, one_code, 'legal_representative', legal_representative, oc_person_name_key(legal_representative), pipeline, system, source_key, changed_run_id
      FROM r WHERE subject = 'legal_person' AND legal_representative IS NOT NULL
    UNION ALL SELECT subject, one_code, 'legal_representative_id_number', legal_representative_id_number, legal_representative_id_number, pipeline, system, source_key, changed_run_id
      FROM r WHERE subject = 'legal_person' AND legal_representative_id_number IS NOT NULL
  ), disputed AS (
    SELECT subject, one_code, field FROM v GROUP BY ALL HAVING count(DISTINCT comparable) > 1
  )
  SELECT v.subject AS entity, v.one_code AS code, v.field, v.value, v.comparable, v.pipeline, v.system, v.source_key, v.changed_run_id
  FROM v JOIN disputed USING (subject, one_code, field)
  ORDER BY entity, code, v.field, v.system, v.source_key;
CREATE OR REPLACE VIEW lineage AS
  WITH ${multiRecordCodesSql('source_record')}
  ${lineageSql('person')}
  UNION ALL
  ${lineageSql('legal_person')};
CREATE OR REPLACE VIEW relations AS
  SELECT 'person' AS from_entity, p.id_number AS from_code, p.name AS from_name, 'employer' AS relation,
         'legal_person' AS to_entity, p.employer_uscc AS to_code, l.name AS to_name, l.uscc IS NOT NULL AS to_in_index
  FROM golden_person p LEFT JOIN golden_legal_person l ON l.uscc = p.employer_uscc
  WHERE p.employer_uscc IS NOT NULL
  UNION ALL
  SELECT 'legal_person', l.uscc, l.name, 'legal_representative',
         'person', l.legal_representative_id_number, p.name, p.id_number IS NOT NULL
  FROM golden_legal_person l LEFT JOIN golden_person p ON p.id_number = l.legal_representative_id_number
  WHERE l.legal_representative_id_number IS NOT NULL;
CREATE OR REPLACE VIEW licences AS
  SELECT one_code AS holder_code, CASE WHEN ${LEGAL_PERSON_RECORD_SQL} THEN 'legal_person' ELSE 'person' END AS holder_kind,
         code_status AS holder_code_status, linked_via, holder_code_type, name,
         licence_identifier, ${LICENCE_IDENTIFIER.status} AS identifier_status, ${LICENCE_IDENTIFIER.reasons} AS identifier_reasons,
         licence_name, licence_number, licence_type_code, issuer_code, jurisdiction_code, issue_date, valid_from, valid_to,
         licence_status, ${licenceStateSql(TODAY_IN_CHINA_SQL)} AS licence_state,
         pipeline, system, source_key, flags, first_run_id, changed_run_id
  FROM source_record WHERE entity = 'licence';
CREATE OR REPLACE VIEW changes AS
  SELECT seq, event_id, entity, op, code, run_id, created_at, published_at, parked_reason, event::JSON AS event,
         ${stateSql()} AS state, parked_at, held_by, skipped_at, skipped_by, skip_reason, requeued_at, requeued_by, first_seq,
         resource_code, provider_code
  FROM outbox;
`;
