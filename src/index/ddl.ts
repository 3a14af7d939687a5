import type { DuckDBConnection } from '@duckdb/node-api';
import { LICENCE_FIELDS, STORED_FIELDS } from '../../schemas/canonical.ts';
import { OUTBOX_DDL, OUTBOX_MIGRATION_CATALOGUE, OUTBOX_MIGRATION_PARKING, OUTBOX_MIGRATION_PIPELINE_CODES } from '../outbox/outbox-ddl.ts';
import { ACCESS_LOG_DDL } from '../access/access-log.ts';
import { SINK_SENT_DDL } from '../sinks/sink-sent.ts';
import { rewriteOldReasonWording } from './reason-wording.ts';
import { SINK_STATE_DDL, SINK_STATE_MIGRATION_OPERATOR } from '../sinks/sink-state.ts';

/** Version of the index layout; bump with a migration when tables change. */
export const INDEX_SCHEMA_VERSION = 15;

/**
 * Statements that bring an index written by an older version up to {@link INDEX_SCHEMA_VERSION},
 * keyed by the version they produce; run in order, after INDEX_DDL, for versions above the one
 * stored in `onecode_meta`. openIndex runs them in one transaction with the version update. A
 * migration is SQL, or a function for one that depends on what the index holds.
 */
export const INDEX_MIGRATIONS: Record<number, string | ((c: DuckDBConnection) => Promise<void>)> = {
  // 2: linkage of legacy codes (code_alias is created by INDEX_DDL; source records may wait unlinked)
  2: `
    ALTER TABLE source_record ADD COLUMN IF NOT EXISTS linked_via VARCHAR;
    ALTER TABLE source_record ALTER one_code DROP NOT NULL;
    ALTER TABLE run_log ADD COLUMN IF NOT EXISTS linked BIGINT;
    ALTER TABLE run_log ADD COLUMN IF NOT EXISTS unlinked BIGINT;
    ALTER TABLE run_log ADD COLUMN IF NOT EXISTS relinked BIGINT;
    -- records loaded before names, dates and stated facts were normalised and checked: the next
    -- run of each pipeline rewrites them (counted as updated; events only where content changed)
    UPDATE source_record SET payload_hash = 0;`,
  // 3: every timestamp an analyst sees carries its zone (the stored instants were UTC); the
  // phone number is a canonical column of source records and golden persons, so the next run
  // of each pipeline rewrites its records (payload_hash 0, as in 2) to fill it
  3: `
    ALTER TABLE run_log ALTER started_at TYPE TIMESTAMPTZ USING timezone('UTC', started_at);
    ALTER TABLE run_log ALTER ended_at TYPE TIMESTAMPTZ USING timezone('UTC', ended_at);
    ALTER TABLE quarantined_row ALTER quarantined_at TYPE TIMESTAMPTZ USING timezone('UTC', quarantined_at);
    ALTER TABLE outbox ALTER created_at TYPE TIMESTAMPTZ USING timezone('UTC', created_at);
    ALTER TABLE outbox ALTER published_at TYPE TIMESTAMPTZ USING timezone('UTC', published_at);
    ALTER TABLE source_record ADD COLUMN IF NOT EXISTS phone VARCHAR;
    ALTER TABLE golden_person ADD COLUMN IF NOT EXISTS phone VARCHAR;
    UPDATE source_record SET payload_hash = 0;`,
  // 4: quarantine may withhold the text of a row that could not be split into columns (pipelines
  // with a secret column, src/run/withhold-raw.ts): raw NULL, its SM3 digest and byte length kept
  4: `
    ALTER TABLE quarantined_row ALTER raw DROP NOT NULL;
    ALTER TABLE quarantined_row ADD COLUMN IF NOT EXISTS raw_sm3 VARCHAR;
    ALTER TABLE quarantined_row ADD COLUMN IF NOT EXISTS raw_bytes BIGINT;`,
  // 5: each run keeps why rows were (or, in a failed run, would have been) quarantined
  5: `
    ALTER TABLE run_log ADD COLUMN IF NOT EXISTS reason_summary JSON;`,
  // 6: a parked event holds back the later events of its key; parked events can be re-queued or
  // skipped, recorded (src/outbox/outbox-ddl.ts)
  6: OUTBOX_MIGRATION_PARKING,
  // 7: sources other than files (issue 9): a run's and a quarantined row's source is a URI or a
  // path (`source`, was `source_path`), a row's position is counted as the run's `position_kind`
  // says; source state and schema changes are kept (created by INDEX_DDL)
  7: async (c) => {
    for (const table of ['run_log', 'quarantined_row']) {
      if (await hasColumn(c, table, 'source_path')) await c.run(`ALTER TABLE ${table} RENAME COLUMN source_path TO source`);
    }
    await c.run(`
      ALTER TABLE run_log ADD COLUMN IF NOT EXISTS position_kind VARCHAR;
      ALTER TABLE run_log ADD COLUMN IF NOT EXISTS connector VARCHAR;
      UPDATE run_log SET position_kind = 'line' WHERE position_kind IS NULL;`);
  },
  // 8: a run of a file whose bytes and pipeline are those of the last successful run does nothing
  // and says so (run_log.outcome `unchanged_source`); source state keeps the digests it compares
  // (src/run/source-fingerprint.ts). Runs before it have no outcome and no digests.
  8: `
    ALTER TABLE run_log ADD COLUMN IF NOT EXISTS outcome VARCHAR;
    ALTER TABLE source_state ADD COLUMN IF NOT EXISTS source_sha256 VARCHAR;
    ALTER TABLE source_state ADD COLUMN IF NOT EXISTS definition_sha256 VARCHAR;`,
  // 9: sinks (issue 12): each sink's position and parked events (src/sinks/sink-state.ts)
  9: SINK_STATE_DDL,
  // 10: the catalogue (issue 12): each outbox event keeps the resource and provider code of the
  // pipeline whose run wrote it (src/outbox/outbox-ddl.ts); events written before have none
  10: OUTBOX_MIGRATION_CATALOGUE,
  // 11: an operator re-queues or skips an event parked for a sink (src/sinks/sink-state.ts, sink-parked.ts)
  11: SINK_STATE_MIGRATION_OPERATOR,
  // 12: electronic licences (issue 12): the licence fields are columns of a licence's source record
  // (schemas/canonical.ts LICENCE_FIELDS; read by src/index/licence-rows.ts)
  12: LICENCE_FIELDS.map((f) => `ALTER TABLE source_record ADD COLUMN IF NOT EXISTS ${f} VARCHAR;`).join('\n'),
  // 13: each pipeline's catalogue codes beside its classes (event_classes), for the events of its
  // records that another pipeline's run links (src/outbox/outbox-ddl.ts)
  13: OUTBOX_MIGRATION_PIPELINE_CODES,
  // 14: the event ids sent to a sink whose target would take one twice (a drop folder), so that an
  // event Kafka's parking moved to a new seq is not delivered to it again (src/sinks/sink-sent.ts)
  14: SINK_SENT_DDL,
  // 15: identifier reason messages name the rule and the positions, never the value: the old
  // messages stored in flags and quarantine reasons are rewritten (src/index/reason-wording.ts)
  15: rewriteOldReasonWording,
};

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
 *
 * Linkage (src/index/linkage.ts): a source record whose only identifiers are legacy ones waits
 * with `one_code` NULL and `code_status` 'unlinked' until an alias resolves it; it then carries
 * the one code, `code_status` 'linked' and `linked_via` (the alias kind). `code_alias` keeps
 * every alias the index has resolved — a 15-digit resident identity number (GB 11643-1989 form),
 * an organisation code (GB 11714-1997) or a business registration number — with the one code it
 * stands for, the pipeline, system and source record that first showed it, the run that first
 * loaded that record and the run that linked it.
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
  source VARCHAR,
  started_at TIMESTAMPTZ NOT NULL,
  ended_at TIMESTAMPTZ,
  status VARCHAR NOT NULL,
  rows_read BIGINT, loaded BIGINT, duplicates BIGINT, quarantined BIGINT,
  created BIGINT, updated BIGINT, deleted BIGINT, unchanged BIGINT, events BIGINT,
  linked BIGINT, unlinked BIGINT, relinked BIGINT,
  error_code VARCHAR, error VARCHAR,
  reason_summary JSON,
  position_kind VARCHAR,
  connector VARCHAR,
  outcome VARCHAR
);
CREATE TABLE IF NOT EXISTS source_record (
  pipeline VARCHAR NOT NULL,
  system VARCHAR NOT NULL,
  entity VARCHAR NOT NULL,
  source_key VARCHAR NOT NULL ${U},
  one_code VARCHAR ${U},
  code_kind VARCHAR NOT NULL,
  code_status VARCHAR NOT NULL,
  linked_via VARCHAR,
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
CREATE TABLE IF NOT EXISTS code_alias (
  alias VARCHAR NOT NULL,
  alias_kind VARCHAR NOT NULL,
  one_code VARCHAR NOT NULL,
  pipeline VARCHAR NOT NULL,
  system VARCHAR NOT NULL,
  source_key VARCHAR NOT NULL,
  first_run_id VARCHAR NOT NULL,
  linked_run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS golden_person (
  id_number VARCHAR NOT NULL ${U},
  name VARCHAR, employer_name VARCHAR, employer_uscc VARCHAR,
  changed_run_id VARCHAR NOT NULL,
  phone VARCHAR
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
  source VARCHAR,
  line BIGINT,
  raw VARCHAR,
  raw_sm3 VARCHAR,
  raw_bytes BIGINT,
  reason_codes VARCHAR[] NOT NULL,
  reasons JSON NOT NULL,
  quarantined_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS source_state (
  pipeline VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  run_no BIGINT NOT NULL,
  connector VARCHAR NOT NULL,
  state_version INTEGER,
  state JSON,
  columns JSON,
  saved_at TIMESTAMPTZ NOT NULL,
  source_sha256 VARCHAR,
  definition_sha256 VARCHAR
);
CREATE TABLE IF NOT EXISTS schema_change (
  pipeline VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  column_name VARCHAR NOT NULL,
  change VARCHAR NOT NULL,
  old_type VARCHAR,
  new_type VARCHAR,
  renamed_from VARCHAR,
  action VARCHAR NOT NULL,
  noticed_at TIMESTAMPTZ NOT NULL
);
${OUTBOX_DDL}
${SINK_STATE_DDL}
${SINK_SENT_DDL}
${ACCESS_LOG_DDL}
`;

/** Whether `table` has a column named `column`. */
async function hasColumn(c: DuckDBConnection, table: string, column: string): Promise<boolean> {
  const rows = (await c.runAndReadAll(`SELECT 1 FROM information_schema.columns WHERE table_name = '${table}' AND column_name = '${column}'`)).getRows();
  return rows.length > 0;
}
