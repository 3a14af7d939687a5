import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { INDEX_DDL, INDEX_MIGRATIONS, INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { openIndex } from '../../src/index/open-index.ts';

// The migration that adds reason_summary, whatever its number.
const ADDS_SUMMARY = Number(Object.entries(INDEX_MIGRATIONS).find(([, sql]) => String(sql).includes('reason_summary'))![0]);

describe('an index written before runs kept their reasons', () => {
  it('is migrated when opened: run_log gains reason_summary, shown by the runs view', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-'));
    const file = path.join(dir, 'index.duckdb');
    try {
      const before = INDEX_DDL.replace(/error_code VARCHAR, error VARCHAR,\s*reason_summary JSON/, 'error_code VARCHAR, error VARCHAR');
      expect(before).not.toContain('reason_summary');
      const old = await DuckDBInstance.create(file);
      const oc = await old.connect();
      await oc.run(before);
      await oc.run(`INSERT INTO onecode_meta VALUES ('schema_version', '${ADDS_SUMMARY - 1}')`);
      await oc.run(`INSERT INTO run_log (run_id, run_no, pipeline, system, trigger, started_at, status) VALUES ('r000001', 1, 'p', 's', 'manual', now()::TIMESTAMP, 'succeeded')`);
      oc.closeSync();
      old.closeSync();
      const index = await openIndex(file);
      try {
        const rows = (await index.connection.runAndReadAll(`SELECT run_id, reason_summary FROM runs`)).getRows();
        expect(rows).toEqual([['r000001', null]]);
        const version = (await index.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows();
        expect(version).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
        expect(INDEX_SCHEMA_VERSION).toBeGreaterThanOrEqual(ADDS_SUMMARY);
      } finally {
        index.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
