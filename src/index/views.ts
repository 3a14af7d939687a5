import { goldenFieldSql } from './golden.ts';

/**
 * The analyst views: the documented, stable surface of the index (README "Analyst views").
 * Tables underneath may change between versions; these views keep their columns.
 */
export const VIEW_DDL = `
CREATE OR REPLACE VIEW persons AS
  SELECT id_number, name, ${goldenFieldSql('person', 'g', 'sex')} AS sex, ${goldenFieldSql('person', 'g', 'birth_date')} AS birth_date,
         ${goldenFieldSql('person', 'g', 'region_code')} AS region_code, employer_name, employer_uscc, changed_run_id
  FROM golden_person g;
CREATE OR REPLACE VIEW legal_persons AS
  SELECT uscc, name, ${goldenFieldSql('legal_person', 'g', 'org_code')} AS org_code, ${goldenFieldSql('legal_person', 'g', 'region_code')} AS region_code,
         legal_representative, legal_representative_id_number, address, changed_run_id
  FROM golden_legal_person g;
CREATE OR REPLACE VIEW records AS
  SELECT pipeline, system, entity, source_key, one_code, code_kind, code_status, linked_via, name,
         employer_uscc, legal_representative_id_number, payload, flags, line, priority,
         first_run_id, changed_run_id
  FROM source_record;
CREATE OR REPLACE VIEW quarantine AS
  SELECT run_id, pipeline, system, source_path, line, reason_codes, reasons, raw, quarantined_at
  FROM quarantined_row;
CREATE OR REPLACE VIEW runs AS
  SELECT run_id, run_no, pipeline, system, trigger, status, started_at, ended_at,
         rows_read, loaded, duplicates, quarantined, created, updated, deleted, unchanged, events,
         error_code, error
  FROM run_log;
CREATE OR REPLACE VIEW conflicts AS
  WITH v AS (
    SELECT entity, one_code, 'name' AS field, name AS value, pipeline, system, source_key, changed_run_id
      FROM source_record WHERE entity IN ('person', 'legal_person') AND name IS NOT NULL
    UNION ALL SELECT entity, one_code, 'employer_uscc', employer_uscc, pipeline, system, source_key, changed_run_id
      FROM source_record WHERE entity = 'person' AND employer_uscc IS NOT NULL
    UNION ALL SELECT entity, one_code, 'legal_representative', legal_representative, pipeline, system, source_key, changed_run_id
      FROM source_record WHERE entity = 'legal_person' AND legal_representative IS NOT NULL
    UNION ALL SELECT entity, one_code, 'legal_representative_id_number', legal_representative_id_number, pipeline, system, source_key, changed_run_id
      FROM source_record WHERE entity = 'legal_person' AND legal_representative_id_number IS NOT NULL
  ), keyed AS (
    -- values compared as people read them: spaces, full-width brackets and interpunct variants
    -- (·, •, ・, ‧) of minority names do not make a conflict
    SELECT *, regexp_replace(translate(value, '（）【】•・‧', '()[]···'), '\s+', '', 'g') AS comparable FROM v
  ), disputed AS (
    SELECT entity, one_code, field FROM keyed GROUP BY ALL HAVING count(DISTINCT comparable) > 1
  )
  SELECT k.entity, k.one_code AS code, k.field, k.value, k.pipeline, k.system, k.source_key, k.changed_run_id
  FROM keyed k JOIN disputed USING (entity, one_code, field)
  ORDER BY k.entity, code, k.field, k.system;
CREATE OR REPLACE VIEW changes AS
  SELECT seq, event_id, entity, op, code, run_id, created_at, published_at, parked_reason, event
  FROM outbox;
`;
