import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load-pipelines.ts';
import { INDEX_DDL, INDEX_MIGRATIONS, INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { openIndex } from '../../src/index/open-index.ts';
import { createLogger } from '../../src/logger.ts';
import { runPipeline } from '../../src/run/run-pipeline.ts';
import { residentId } from '../index/small-index.ts';

// The migration that adds the run's outcome and the source's digests, whatever its number.
const ADDS_OUTCOME = Number(Object.entries(INDEX_MIGRATIONS).find(([, sql]) => String(sql).includes('run_log ADD COLUMN IF NOT EXISTS outcome'))![0]);

describe('an index written before unchanged sources were skipped', () => {
  it('is migrated when opened; its first run reads the file (no digest kept), the next one skips it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-'));
    const file = path.join(dir, 'index.duckdb');
    try {
      const before = INDEX_DDL.replace(/connector VARCHAR,\s*outcome VARCHAR/, 'connector VARCHAR').replace(/,\s*source_sha256 VARCHAR,\s*definition_sha256 VARCHAR/, '');
      expect(before).not.toMatch(/connector VARCHAR,\s*outcome|sha256/);
      const old = await DuckDBInstance.create(file);
      const oc = await old.connect();
      await oc.run(before);
      await oc.run(`INSERT INTO onecode_meta VALUES ('schema_version', '${ADDS_OUTCOME - 1}')`);
      oc.closeSync();
      old.closeSync();

      await writeFile(path.join(dir, 'staff.csv'), `身份证号,姓名\n${residentId('35010219800101001')},职工1\n`);
      await writeFile(path.join(dir, 'staff.yaml'), stringify({ name: 'staff', system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'] }));
      const pipeline = await loadPipeline(path.join(dir, 'staff.yaml'));
      const index = await openIndex(file);
      try {
        expect((await index.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows()).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
        const run = () => runPipeline({ index, pipeline, logger: createLogger({ level: 'silent' }), runDate: '2026-01-01' });
        const first = await run();
        expect(first).toMatchObject({ status: 'succeeded', created: 1 });
        expect(first.unchangedSince).toBeUndefined();
        const second = await run();
        expect(second.unchangedSince).toBe(first.runId);
        expect((await index.connection.runAndReadAll(`SELECT run_id, outcome FROM runs ORDER BY run_no`)).getRows()).toEqual([[first.runId, null], [second.runId, 'unchanged_source']]);
      } finally {
        index.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
