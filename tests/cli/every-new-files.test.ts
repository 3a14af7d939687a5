/** Issue 9: `onecode run` on a glob with `files: every_new` runs once per new file, oldest name first, and stops when none is left. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { onecode } from '../support/cli.ts';
import { csvBytes, personId } from '../support/csv-files.ts';
import { openIndex } from '../../src/index/open-index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-every-new-'));
  await writeFile(path.join(dir, 'delta.yaml'), [
    'system: 测试系统', 'entity: person', 'mode: incremental', 'connector:', '  kind: csv', '  path: delta_*.csv', '  files: every_new',
    'mapping:', '  id_number: 身份证号', '  name: 姓名', 'source_key: [身份证号]', '',
  ].join('\n'));
  for (const n of [3, 1, 2]) await writeFile(path.join(dir, `delta_0${n}.csv`), csvBytes(['身份证号,姓名', `${personId(n)},人${n}`]));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('loads every waiting file in one command, a run each, and nothing the second time', async () => {
  const db = path.join(dir, 'index.duckdb');
  const first = await onecode(['run', 'delta', '--pipelines', dir, '--db', db, '--no-push'], { cwd: dir });
  expect(first.code).toBe(0);
  const second = await onecode(['run', 'delta', '--pipelines', dir, '--db', db, '--no-push'], { cwd: dir });
  expect(second.code).toBe(0);
  const index = await openIndex(db);
  try {
    const runs = (await index.connection.runAndReadAll(`SELECT source, created::INT FROM runs ORDER BY run_no`)).getRows();
    expect(runs).toEqual([
      [path.join(dir, 'delta_01.csv'), 1], [path.join(dir, 'delta_02.csv'), 1], [path.join(dir, 'delta_03.csv'), 1], [path.join(dir, 'delta_*.csv'), 0],
    ]);
  } finally {
    index.close();
  }
});
