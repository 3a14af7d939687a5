/**
 * Index migration 12 (electronic licences): an index of version 9, with a source record, gains the
 * licence columns of source_record when opened, its record kept, and then loads licences.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LICENCE_FIELDS } from '../../schemas/canonical.ts';
import { INDEX_DDL, INDEX_SCHEMA_VERSION } from '../../src/index/ddl.ts';
import { openIndex } from '../../src/index/open-index.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-migrate-')); });
afterEach(async () => rm(dir, { recursive: true, force: true }));

it('adds the licence columns to an index of version 9, keeping its records', async () => {
  const file = path.join(dir, 'index.duckdb');
  let v9 = INDEX_DDL;
  for (const f of LICENCE_FIELDS) v9 = v9.replace(`\n  ${f} VARCHAR USING COMPRESSION uncompressed,`, '');
  expect(v9).not.toMatch(/licence_identifier|holder_code_type|valid_to/);
  const old = await DuckDBInstance.create(file);
  const c = await old.connect();
  await c.run(v9);
  await c.run(`INSERT INTO onecode_meta VALUES ('schema_version', '9')`);
  await c.run(`INSERT INTO source_record (pipeline, system, entity, source_key, one_code, code_kind, code_status, payload, payload_hash, priority, first_run_id, changed_run_id, changed_run_no)
    VALUES ('p', 's', 'person', 'k', '${'1'.repeat(18)}', 'resident_id', 'valid', '{}', 123, 50, 'r000001', 'r000001', 1)`);
  c.closeSync();
  old.closeSync();

  const index = await openIndex(file);
  try {
    const columns = (await index.connection.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = 'source_record'`)).getRows().map((r) => r[0]);
    expect(columns).toEqual(expect.arrayContaining([...LICENCE_FIELDS]));
    expect((await index.connection.runAndReadAll(`SELECT source_key, licence_identifier FROM source_record`)).getRows()).toEqual([['k', null]]);
    expect((await index.connection.runAndReadAll(`SELECT value FROM onecode_meta WHERE key = 'schema_version'`)).getRows()).toEqual([[String(INDEX_SCHEMA_VERSION)]]);
    expect(INDEX_SCHEMA_VERSION).toBeGreaterThanOrEqual(12);
  } finally {
    index.close();
  }
});
