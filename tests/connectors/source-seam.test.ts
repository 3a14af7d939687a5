/**
 * Issue 9, the source seam: state kept per successful run (never advanced by a failed one),
 * globs read newest or every new file once, the guard policy chosen by mode and capability,
 * deletes marked by a column, schema drift recorded before anything is loaded.
 */
import { rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvBytes, personId, personPipeline } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await createWorkspace();
});
afterEach(async () => ws.dispose());

const write = (name: string, lines: string[]) => writeFile(path.join(ws.dir, name), csvBytes(lines));
const persons = (...rows: [number, string][]) => ['身份证号,姓名', ...rows.map(([n, name]) => `${personId(n)},${name}`)];
const states = () => ws.rows(`SELECT pipeline, run_id, connector, state_version, CAST(state AS VARCHAR) AS state FROM source_states`);

describe('source state', () => {
  it('is saved by every successful run, in its transaction, and a failed run leaves the last one', async () => {
    await write('staff.csv', persons([1, '陈明'], [2, '林芳']));
    const p = await personPipeline(ws, 'staff', { path: 'staff.csv' });
    const first = await ws.run(p);
    expect(first.status).toBe('succeeded');
    expect(await states()).toEqual([{ pipeline: 'staff', run_id: first.runId, connector: 'csv', state_version: 1, state: expect.stringContaining('"name":"staff.csv"') }]);
    await rm(path.join(ws.dir, 'staff.csv'));
    const failed = await ws.run(p);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'source_missing' });
    expect((await states())[0]!.run_id).toBe(first.runId);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM source_state`)).toEqual([{ n: 1 }]);
  });

  it('runs name their connector, source and what a line counts', async () => {
    await write('staff.csv', persons([1, '陈明']));
    const run = await ws.run(await personPipeline(ws, 'staff', { path: 'staff.csv' }));
    expect(await ws.rows(`SELECT connector, source, position_kind FROM runs WHERE run_id = '${run.runId}'`)).toEqual([
      { connector: 'csv', source: path.join(ws.dir, 'staff.csv'), position_kind: 'line' },
    ]);
  });
});

describe('a glob in connector.path', () => {
  it('newest: reads the file whose name sorts last, and never the same file twice', async () => {
    await write('shebao_20261130.csv', persons([1, '陈明']));
    await write('shebao_20261201.csv', persons([1, '陈明'], [2, '林芳']));
    const p = await personPipeline(ws, 'shebao', { path: 'shebao_*.csv' });
    const first = await ws.run(p);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 2, created: 2, source: path.join(ws.dir, 'shebao_20261201.csv') });
    const again = await ws.run(p);
    expect(again).toMatchObject({ status: 'succeeded', nothingNew: true, rowsRead: 0, created: 0, deleted: 0, events: 0 });
    await write('shebao_20261202.csv', persons([2, '林芳'], [3, '王五']));
    const third = await ws.run(p, { allowDeletes: true });
    expect(third).toMatchObject({ status: 'succeeded', rowsRead: 2, created: 1, deleted: 1, source: path.join(ws.dir, 'shebao_20261202.csv') });
  });

  it('newest: a file rewritten under the same name (new size or time) is read again', async () => {
    await write('dump_1.csv', persons([1, '陈明']));
    const p = await personPipeline(ws, 'dump', { path: 'dump_*.csv' });
    expect((await ws.run(p)).created).toBe(1);
    await write('dump_1.csv', persons([1, '陈明'], [2, '林芳']));
    await utimes(path.join(ws.dir, 'dump_1.csv'), new Date(), new Date(Date.now() + 5000));
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 1 });
  });

  it('every_new: each new file once, in name order, one run each', async () => {
    await write('delta_03.csv', persons([3, '王五']));
    await write('delta_01.csv', persons([1, '陈明']));
    await write('delta_02.csv', persons([2, '林芳'], [1, '陈明明']));
    const p = await ws.writePipeline('delta', {
      system: '测试系统', entity: 'person', mode: 'incremental',
      connector: { kind: 'csv', path: 'delta_*.csv', files: 'every_new' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    const runs = [await ws.run(p), await ws.run(p), await ws.run(p), await ws.run(p)];
    expect(runs.map((r) => [path.basename(r.source ?? ''), r.created, r.updated, r.moreWaiting ?? 0, r.nothingNew ?? false])).toEqual([
      ['delta_01.csv', 1, 0, 2, false],
      ['delta_02.csv', 1, 1, 1, false],
      ['delta_03.csv', 1, 0, 0, false],
      ['delta_*.csv', 0, 0, 0, true],
    ]);
    expect(await ws.rows(`SELECT name FROM persons ORDER BY id_number`)).toEqual([{ name: '陈明明' }, { name: '林芳' }, { name: '王五' }]);
    await write('delta_04.csv', persons([4, '赵六']));
    expect(await ws.run(p)).toMatchObject({ created: 1, source: path.join(ws.dir, 'delta_04.csv') });
  });

  it('a glob matching nothing fails the run as source_missing, naming the glob', async () => {
    const p = await personPipeline(ws, 'none', { path: 'nothing_*.csv' });
    expect(await ws.run(p)).toMatchObject({ status: 'failed', errorCode: 'source_missing', error: `${path.join(ws.dir, 'nothing_*.csv')}: no file matches (pipeline none, connector.path)` });
  });
});

describe('the guard policy follows the mode', () => {
  it('an empty snapshot read is an upstream fault; an empty incremental read is a run with no changes', async () => {
    await write('staff.csv', ['身份证号,姓名']);
    const snapshot = await personPipeline(ws, 'snap', { path: 'staff.csv' });
    expect(await ws.run(snapshot)).toMatchObject({ status: 'failed', errorCode: 'extract_empty' });
    const incremental = await ws.writePipeline('incr', {
      system: '测试系统', entity: 'person', mode: 'incremental', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    expect(await ws.run(incremental)).toMatchObject({ status: 'succeeded', rowsRead: 0, created: 0, deleted: 0, events: 0 });
  });

  it('mode: cursor on a connector without the cursor capability is a configuration error naming the file and line', async () => {
    await write('staff.csv', persons([1, '陈明']));
    const p = await ws.writePipeline('cur', {
      system: '测试系统', entity: 'person', mode: 'cursor', cursor: { column: '更新时间' }, connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'connector_cannot' });
    expect(run.error).toMatch(/cur\.yaml:\d+: mode: connector 'csv' cannot read by a cursor column/);
  });
});

describe('deleted_when', () => {
  it('a row marking a delete removes its record with a d event; a mark for a key never loaded changes nothing', async () => {
    const p = await ws.writePipeline('marks', {
      system: '测试系统', entity: 'person', mode: 'incremental', connector: { kind: 'csv', path: 'marks.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
      deleted_when: { column: '删除标志', values: ['1', 'Y'] },
    });
    await write('marks.csv', ['身份证号,姓名,删除标志', `${personId(1)},陈明,0`, `${personId(2)},林芳,`]);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 2, events: 2 });
    // the mark needs only the key: an empty name does not keep the delete in quarantine
    await write('marks.csv', ['身份证号,姓名,删除标志', `${personId(1)},,Y`, `${personId(9)},无名,1`]);
    const run = await ws.run(p);
    // the mark of a key never loaded leaves the index as it was: counted unchanged, with the record not in this read
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 2, quarantined: 0, created: 0, deleted: 1, unchanged: 2, events: 1 });
    expect(await ws.rows(`SELECT op, code FROM changes WHERE run_id = '${run.runId}'`)).toEqual([{ op: 'd', code: personId(1) }]);
    expect(await ws.rows(`SELECT source_key FROM records`)).toEqual([{ source_key: personId(2) }]);
  });

  it('is refused on a snapshot pipeline, which deletes what is absent', async () => {
    await expect(ws.writePipeline('bad', {
      system: '测试系统', entity: 'person', connector: { kind: 'csv', path: 'x.csv' },
      mapping: { id_number: '身份证号' }, source_key: ['身份证号'], deleted_when: { column: 'del', values: ['1'] },
    })).rejects.toThrow(/deleted_when: a snapshot deletes what is absent/);
  });
});

describe('schema drift', () => {
  const changes = () => ws.rows(`SELECT column_name, change, renamed_from, action FROM schema_changes ORDER BY column_name`);

  it('an unmapped column added or removed is recorded and the run loads (warn)', async () => {
    await write('staff.csv', ['身份证号,姓名,备注', `${personId(1)},陈明,甲`]);
    const p = await personPipeline(ws, 'staff', { path: 'staff.csv' });
    expect((await ws.run(p)).status).toBe('succeeded');
    expect(await changes()).toEqual([]);
    await write('staff.csv', ['身份证号,姓名,电话', `${personId(1)},陈明,1`]);
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'succeeded', schemaChanges: 2, updated: 1 });
    expect(await changes()).toEqual([
      { column_name: '备注', change: 'removed', renamed_from: null, action: 'warn' },
      { column_name: '电话', change: 'added', renamed_from: null, action: 'warn' },
    ]);
  });

  it('a mapped column gone fails the run before anything is loaded, naming the columns, and is recorded', async () => {
    await write('staff.csv', persons([1, '陈明']));
    const p = await personPipeline(ws, 'staff', { path: 'staff.csv' });
    await ws.run(p);
    await write('staff.csv', ['身份证号,xm', `${personId(1)},林芳`]);
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'schema_changed' });
    expect(run.error).toContain(`(added 'xm', removed '姓名'): '姓名' used by ${p.file} is gone`);
    expect(run.error).toContain(`If a column was renamed to 'xm', map the new name`);
    expect(run.error).not.toContain('林芳');
    expect(await changes()).toEqual([
      { column_name: 'xm', change: 'added', renamed_from: null, action: 'fail' },
      { column_name: '姓名', change: 'removed', renamed_from: null, action: 'fail' },
    ]);
    expect(await ws.rows(`SELECT name FROM persons`)).toEqual([{ name: '陈明' }]);
  });

  it('a run failing on a mapped column gone names a likely rename found in a sample of the read, and records it', async () => {
    await write('staff.csv', persons([1, '陈明'], [2, '林芳']));
    const p = await personPipeline(ws, 'staff', { path: 'staff.csv' });
    await ws.run(p);
    await write('staff.csv', ['身份证号,xm', `${personId(1)},陈明`, `${personId(2)},林芳`]);
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'schema_changed' });
    expect(run.error).toContain(`Likely renamed: '姓名' → 'xm' (the same values in 2 of 2 sampled rows): if so, map the new name.`);
    expect(run.error).not.toContain('陈明');
    expect(await changes()).toEqual([
      { column_name: 'xm', change: 'added', renamed_from: '姓名', action: 'fail' },
      { column_name: '姓名', change: 'removed', renamed_from: null, action: 'fail' },
    ]);
  });

  it('a removed column and an added one holding the same values row by row are marked a likely rename', async () => {
    await write('staff.csv', ['身份证号,姓名,单位', `${personId(1)},陈明,甲`, `${personId(2)},林芳,乙`]);
    const p = await ws.writePipeline('staff', {
      system: '测试系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, on_schema_change: 'warn',
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    await ws.run(p);
    await write('staff.csv', ['身份证号,姓名,工作单位,备注', `${personId(1)},陈明,甲,x`, `${personId(2)},林芳,乙,y`]);
    expect((await ws.run(p)).status).toBe('succeeded');
    expect(await changes()).toEqual([
      { column_name: '单位', change: 'removed', renamed_from: null, action: 'warn' },
      { column_name: '备注', change: 'added', renamed_from: null, action: 'warn' },
      { column_name: '工作单位', change: 'added', renamed_from: '单位', action: 'warn' },
    ]);
  });

  it('on_schema_change: fail fails on any change', async () => {
    await write('staff.csv', persons([1, '陈明']));
    const p = await ws.writePipeline('staff', {
      system: '测试系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, on_schema_change: 'fail',
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    await ws.run(p);
    await write('staff.csv', ['身份证号,姓名,备注', `${personId(1)},陈明,x`]);
    expect(await ws.run(p)).toMatchObject({ status: 'failed', errorCode: 'schema_changed' });
  });

  it('NDJSON columns are the keys seen, compared once the rows are read', async () => {
    const nd = (rows: object[]) => writeFile(path.join(ws.dir, 'p.ndjson'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await nd([{ id: personId(1), name: '陈明', note: 'a' }]);
    const p = await ws.writePipeline('nd', {
      system: '测试系统', entity: 'person', connector: { kind: 'ndjson', path: 'p.ndjson' },
      mapping: { id_number: 'id', name: 'name' }, source_key: ['id'],
    });
    await ws.run(p);
    await nd([{ id: personId(1), name: '陈明', tel: '1' }]);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', schemaChanges: 2 });
    expect(await changes()).toEqual([
      { column_name: 'note', change: 'removed', renamed_from: null, action: 'warn' },
      { column_name: 'tel', change: 'added', renamed_from: null, action: 'warn' },
    ]);
  });
});
