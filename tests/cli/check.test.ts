/**
 * Issue 9, onboarding: `onecode check PIPELINE` reads the source's columns and a sample, prints
 * what a run would do (counts, reasons with first positions, schema drift) and writes nothing.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onecode } from '../support/cli.ts';
import { csvBytes, personId } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { openIndex } from '../../src/index/open-index.ts';

let ws: Workspace;
let db: string;
beforeAll(async () => {
  ws = await createWorkspace();
  ws.index.close();
  db = path.join(ws.dir, 'check.duckdb');
  await writeFile(path.join(ws.dir, 'staff.csv'), csvBytes([
    '身份证号,姓名,备注',
    ...[1, 2, 3, 4, 5].map((n) => `${personId(n)},人${n},x`),
    '350102198503170000,坏号,y',
  ]));
  await writeFile(path.join(ws.dir, 'staff.yaml'), [
    'system: 测试系统', 'entity: person', 'connector:', '  kind: csv', '  path: staff.csv',
    'mapping:', '  id_number: 身份证号', '  name: 姓名', 'source_key: [身份证号]', '',
  ].join('\n'));
});
afterAll(async () => {
  await rm(ws.dir, { recursive: true, force: true });
});

const counts = async () => {
  const index = await openIndex(db);
  try {
    return (await index.connection.runAndReadAll(`SELECT (SELECT count(*) FROM run_log)::INT, (SELECT count(*) FROM source_record)::INT, (SELECT count(*) FROM outbox)::INT, (SELECT count(*) FROM source_state)::INT, (SELECT count(*) FROM schema_change)::INT`)).getRows()[0];
  } finally {
    index.close();
  }
};

describe('onecode check', () => {
  it('prints counts, reasons and their first lines for a sample, and writes nothing', async () => {
    const { code, stdout, stderr } = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db, '--rows', '4'], { cwd: ws.dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('columns (3): 身份证号, 姓名, 备注');
    expect(stdout).toContain('rows read 4 (a sample: the first rows; deletes are not predicted) = loaded 4 + duplicates 0 + quarantined 0');
    const all = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db, '--all-rows', '--json'], { cwd: ws.dir });
    const report = JSON.parse(all.stdout);
    expect(report).toMatchObject({ status: 'succeeded', rowsRead: 6, loaded: 5, quarantined: 1, created: 5, events: 5, check: { sampled: false } });
    expect(Object.keys(report.check.reasons)).toEqual(['check_character_mismatch']);
    expect(report.check.reasons.check_character_mismatch.first_lines).toEqual([7]);
    expect(all.stdout).not.toContain('350102198503170000');
    expect(all.stdout).not.toContain('坏号');
    expect(await counts()).toEqual([0, 0, 0, 0, 0]);
  });

  it('shows schema drift since the last real run, and says a run would fail, still writing nothing', async () => {
    expect((await onecode(['run', 'staff', '--pipelines', ws.dir, '--db', db, '--no-push'], { cwd: ws.dir })).code).toBe(0);
    const before = await counts();
    // the checks before took no run number: the first real run is run 1
    const index = await openIndex(db);
    try {
      expect((await index.connection.runAndReadAll(`SELECT run_no::INT FROM run_log`)).getRows()).toEqual([[1]]);
    } finally {
      index.close();
    }
    const text = await readFile(path.join(ws.dir, 'staff.csv'), 'utf8');
    await writeFile(path.join(ws.dir, 'staff.csv'), text.replace('身份证号,姓名,备注', '身份证号,姓名,附注'));
    const warn = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db], { cwd: ws.dir });
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain('schema changes since the last successful run:\n  removed 备注 → warn\n  added 附注 (likely renamed from 备注: confirm and map it) → warn');
    await writeFile(path.join(ws.dir, 'staff.csv'), text.replace('身份证号,姓名,备注', '身份证号,xm,备注'));
    const fail = await onecode(['check', 'staff', '--pipelines', ws.dir, '--db', db], { cwd: ws.dir });
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('a run would fail (schema_changed)');
    expect(await counts()).toEqual(before);
  });
});
