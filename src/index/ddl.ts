import { STORED_FIELDS } from '../../schemas/canonical.ts';
import { OUTBOX_DDL } from '../push/outbox-ddl.ts';

/** Version of the index layout; bump with a migration when tables change. */
export const INDEX_SCHEMA_VERSION = 1;

/**
 * Columns written once per row by bulk loads and unique per row (codes, keys, payloads, event
 * texts) are stored uncompressed: DuckDB's compression analysis made inserting 1M source
 * records three times slower (measured: 3.0 s vs 1.2 s CPU for 1M rows), and unique codes and
 * JSON gain little from it. Low-cardinality columns keep DuckDB's automatic compression.
 */
const U = 'USING COMPRESSION uncompressed';

const canonicalColumns = STORED_FIELDS.map((f) => `${f} VARCHAR ${U}`).join(',\n  ');



/**
 * Tables of the one-code index (DuckDB). Analysts use the views in views.ts, not these.
 * Golden tables hold what survivorship chooses; facts derived from the code itself (birth
 * date, sex, region, organisation code) are computed by the views.
 * Uniqueness of (pipeline, source_key) and of golden codes is kept by the set-based merge
 * rather than ART indexes, which would slow bulk loads.
 */
export const INDEX_DDL = `
CREATE TABLE IF NOT EXISTS onecode_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS run_seq START 1;
CREATE TABLE IF NOT EXISTS run_log (
  run_id VARCHAR PRIMARY KEY,
  run_no BIGINT NOT NULL,
  pipeline VARCHAR NOT NULL,
  system VARCHAR NOT NULL,
  trigger VARCHAR NOT NULL,
  source_path VARCHAR,
  started_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP,
  status VARCHAR NOT NULL,
  rows_read BIGINT, loaded BIGINT, duplicates BIGINT, quarantined BIGINT,
  created BIGINT, updated BIGINT, deleted BIGINT, unchanged BIGINT, events BIGINT,
  error_code VARCHAR, error VARCHAR
);
CREATE TABLE IF NOT EXISTS source_record (
  pipeline VARCHAR NOT NULL,
  system VARCHAR NOT NULL,
  entity VARCHAR NOT NULL,
  source_key VARCHAR NOT NULL ${U},
  one_code VARCHAR NOT NULL ${U},
  code_kind VARCHAR NOT NULL,
  code_status VARCHAR NOT NULL,
  ${canonicalColumns},
  payload JSON NOT NULL ${U},
  payload_hash UHUGEINT NOT NULL ${U},
  flags JSON ${U},
  line BIGINT,
  priority INTEGER NOT NULL,
  first_run_id VARCHAR NOT NULL,
  changed_run_id VARCHAR NOT NULL,
  changed_run_no BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS golden_person (
  id_number VARCHAR NOT NULL ${U},
  name VARCHAR, employer_name VARCHAR, employer_uscc VARCHAR,
  changed_run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS golden_legal_person (
  uscc VARCHAR NOT NULL ${U},
  name VARCHAR,
  legal_representative VARCHAR, legal_representative_id_number VARCHAR, address VARCHAR,
  changed_run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantined_row (
  run_id VARCHAR NOT NULL,
  pipeline VARCHAR NOT NULL,
  system VARCHAR NOT NULL,
  source_path VARCHAR,
  line BIGINT,
  raw VARCHAR NOT NULL,
  reason_codes VARCHAR[] NOT NULL,
  reasons JSON NOT NULL,
  quarantined_at TIMESTAMP NOT NULL
);
${OUTBOX_DDL}
`;
