/**
 * Upgrading an index written by an earlier version (src/index/ddl.ts INDEX_MIGRATIONS), on real
 * DuckDB files: the layout of version 2 is rebuilt here from today's DDL with the changes of
 * version 3 taken out, filled with rows, and opened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_DDL, INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { SINK_STATE_DDL } from '../../src/sinks/sink-state.ts';

/** Version 2: timestamps without zone (UTC instants), no phone columns, no withheld raw text (version 4), no parking columns in the outbox (version 5), no sink tables (version 9), no catalogue codes in the outbox (version 10). */
const V2_DDL = INDEX_DDL.replace(SINK_STATE_DDL, '').replaceAll('TIMESTAMPTZ', 'TIMESTAMP')
  .replace(/,\n\s*parked_at TIMESTAMP,[^)]*provider_code VARCHAR\n\);/, '\n);')
  .replace(/raw VARCHAR,\n\s*raw_sm3 VARCHAR,\n\s*raw_bytes BIGINT,/, 'raw VARCHAR NOT NULL,')
  .replace(/\s*phone VARCHAR USING COMPRESSION uncompressed,/, '')
  .replace(/,\n\s*phone VARCHAR\n\);/, '\n);');

describe('migration to version 3', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-'));
    file = path.join(dir, 'index.duckdb');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function writeV2(statements: string[]): Promise<void> {
    expect(V2_DDL).not.toMatch(/TIMESTAMPTZ|phone|raw_sm3|held_by/);
    const old = await DuckDBInstance.create(file);
    const c = await old.connect();
    await c.run(V2_DDL);
    await c.run(`INSERT INTO onecode_meta VALUES ('schema_version', '2')`);
    for (const sql of statements) await c.run(sql);
    c.closeSync();
    old.closeSync();
  }

  it('turns the stored UTC instants into TIMESTAMPTZ without shifting them, and adds the phone columns', async () => {
    await writeV2([
      `INSERT INTO run_log (run_id, run_no, pipeline, system, trigger, started_at, ended_at, status)
       VALUES ('r000001', 1, 'p', 's', 'manual', TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:05', 'succeeded')`,
      `INSERT INTO quarantined_row VALUES ('r000001', 'p', 's', 'x.csv', 2, 'raw', ['c'], '[]', TIMESTAMP '2026-01-01 00:00:04')`,
      `INSERT INTO outbox VALUES (1, 'e', 'person', 'c', 'k', 'r000001', '{}', TIMESTAMP '2026-01-01 00:00:04', TIMESTAMP '2026-01-01 16:30:00', NULL)`,
      `INSERT INTO source_record (pipeline, system, entity, source_key, one_code, code_kind, code_status, payload, payload_hash, priority, first_run_id, changed_run_id, changed_run_no)
       VALUES ('p', 's', 'person', 'k', '${'1'.repeat(18)}', 'resident_id', 'valid', '{}', 123, 50, 'r000001', 'r000001', 1)`,
    ]);
    const index = await openIndex(file);
    try {
      const rows = async (sql: string) => (await index.connection.runAndReadAll(sql)).getRowsJson();
      expect(await rows(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
      // the same instants, now shown with their offset in China Standard Time
      expect(await rows(`SELECT started_at::VARCHAR, ended_at::VARCHAR, epoch(started_at)::BIGINT FROM runs`)).toEqual([
        ['2026-01-01 08:00:00+08', '2026-01-01 08:00:05+08', String(Date.UTC(2026, 0, 1) / 1000)],
      ]);
      expect(await rows(`SELECT quarantined_at::VARCHAR FROM quarantine_history`)).toEqual([['2026-01-01 08:00:04+08']]);
      expect(await rows(`SELECT created_at::VARCHAR, published_at::VARCHAR FROM changes`)).toEqual([['2026-01-01 08:00:04+08', '2026-01-02 00:30:00+08']]);
      const types = await rows(`SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
        WHERE (table_name, column_name) IN (('run_log', 'started_at'), ('run_log', 'ended_at'), ('quarantined_row', 'quarantined_at'),
          ('outbox', 'created_at'), ('outbox', 'published_at'), ('source_record', 'phone'), ('golden_person', 'phone')) ORDER BY 1`);
      expect(types).toEqual([
        ['golden_person.phone', 'VARCHAR'], ['outbox.created_at', 'TIMESTAMP WITH TIME ZONE'], ['outbox.published_at', 'TIMESTAMP WITH TIME ZONE'],
        ['quarantined_row.quarantined_at', 'TIMESTAMP WITH TIME ZONE'], ['run_log.ended_at', 'TIMESTAMP WITH TIME ZONE'],
        ['run_log.started_at', 'TIMESTAMP WITH TIME ZONE'], ['source_record.phone', 'VARCHAR'],
      ]);
      // the next run of the pipeline rewrites its records, filling phone
      expect(await rows(`SELECT payload_hash::VARCHAR FROM source_record`)).toEqual([['0']]);
    } finally {
      index.close();
    }
  });

  it('leaves the file as it was when a migration fails', async () => {
    // A run_log without started_at makes the first statement of migration 3 fail; the ones before
    // it in the transaction (none here) and after it must not land either.
    await writeV2([`ALTER TABLE run_log DROP COLUMN started_at`, `INSERT INTO source_record (pipeline, system, entity, source_key, one_code, code_kind, code_status, payload, payload_hash, priority, first_run_id, changed_run_id, changed_run_no)
       VALUES ('p', 's', 'person', 'k', '${'1'.repeat(18)}', 'resident_id', 'valid', '{}', 123, 50, 'r000001', 'r000001', 1)`]);
    await expect(openIndex(file)).rejects.toMatchObject({ code: 'index_migration_failed' });
    const db = await DuckDBInstance.create(file);
    const c = await db.connect();
    try {
      expect((await c.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRowsJson()).toEqual([['2']]);
      expect((await c.runAndReadAll(`SELECT payload_hash::VARCHAR FROM source_record`)).getRowsJson()).toEqual([['123']]);
      expect((await c.runAndReadAll(`SELECT count(*)::INT FROM information_schema.columns WHERE column_name = 'phone'`)).getRowsJson()).toEqual([[0]]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});

describe('migrations to versions 10 and 13', () => {
  it('add the outbox\'s and event_classes\' catalogue codes, NULL for the events and classes already written', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-'));
    const file = path.join(dir, 'index.duckdb');
    try {
      // both tables end with the two codes: outbox (version 10) and event_classes (version 13)
      const v9 = INDEX_DDL.replaceAll(/,\n\s*resource_code VARCHAR,\n\s*provider_code VARCHAR\n\);/g, '\n);');
      expect(v9).not.toMatch(/resource_code|provider_code/);
      const old = await DuckDBInstance.create(file);
      const c = await old.connect();
      await c.run(v9);
      await c.run(`INSERT INTO onecode_meta VALUES ('schema_version', '9')`);
      await c.run(`INSERT INTO outbox (seq, event_id, entity, op, code, run_id, event, created_at) VALUES (1, 'e', 'person', 'c', 'k', 'r000001', '{}', now())`);
      await c.run(`INSERT INTO event_classes VALUES ('p', 'person', '{}', 'r000001', now())`);
      c.closeSync();
      old.closeSync();
      const index = await openIndex(file);
      try {
        const rows = async (sql: string) => (await index.connection.runAndReadAll(sql)).getRowsJson();
        expect(await rows(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
        expect(INDEX_SCHEMA_VERSION).toBeGreaterThanOrEqual(13);
        expect(await rows(`SELECT seq::INT, resource_code, provider_code FROM outbox`)).toEqual([[1, null, null]]);
        expect(await rows(`SELECT resource_code, provider_code FROM changes`)).toEqual([[null, null]]);
        expect(await rows(`SELECT pipeline, resource_code, provider_code FROM event_classes`)).toEqual([['p', null, null]]);
      } finally {
        index.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
