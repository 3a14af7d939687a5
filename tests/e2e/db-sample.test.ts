/**
 * Issue 9, the README's second pair of commands: `npm run db:sample` loads two sample systems into
 * PostgreSQL and MariaDB and runs examples/databases/*.yaml against them. Run here against the
 * test servers (tests/support: never skipped), the database reads give the same counts as the same
 * exports read as files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { resolveMysql } from '../support/mysql.ts';
import { resolvePostgres } from '../support/postgres.ts';
import { REPO } from '../support/workspace.ts';
import type { TestServer } from '../support/shared-server.ts';

let pg: TestServer;
let my: TestServer;
let dir: string;
beforeAll(async () => {
  [pg, my] = await Promise.all([resolvePostgres(), resolveMysql()]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-db-sample-'));
});
afterAll(async () => {
  await Promise.all([pg?.stop(), my?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

it('loads the sample tables and runs both database pipelines, with the counts of the file exports', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), path.join(REPO, 'scripts/db-sample.ts')], {
    cwd: REPO, env: { ...process.env, CI: 'true', ONECODE_SAMPLE_DIR: dir, ONECODE_SAMPLE_POSTGRES_URL: pg.url, ONECODE_SAMPLE_MYSQL_URL: my.url },
  });
  expect(stdout).toContain('loaded 1515 rows into PostgreSQL table public.accounting_staff');
  expect(stdout).toContain('loaded 303 rows into MariaDB table bookkeeping_agencies');
  expect(stdout).not.toContain(new URL(pg.url).password);
  const index = await openIndex(path.join(dir, 'onecode-databases.duckdb'));
  try {
    const runs = (await index.connection.runAndReadAll(`SELECT pipeline, connector, status, rows_read::INT, loaded::INT, duplicates::INT, quarantined::INT, source FROM runs ORDER BY pipeline`)).getRows();
    expect(runs.map((r) => r.slice(0, 7))).toEqual([
      ['accounting-staff-postgres', 'postgres', 'succeeded', 1515, 1462, 15, 38],
      ['bookkeeping-agencies-mysql', 'mysql', 'succeeded', 303, 294, 3, 6],
    ]);
    for (const r of runs) expect(String(r[7])).not.toContain(new URL(pg.url).password);
  } finally {
    index.close();
  }
});
