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
  SELECT pipeline, system, entity, source_key, one_code, code_kind, code_status, name,
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
CREATE OR REPLACE VIEW changes AS
  SELECT seq, event_id, entity, op, code, run_id, created_at, published_at, parked_reason, event
  FROM outbox;
`;
