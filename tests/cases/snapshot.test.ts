import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CASES, createWorkspace, type Workspace } from '../support/workspace.ts';

// ../shared/cases/snapshot: three full exports of one system on three days.
describe('snapshot deltas (cases/snapshot)', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const pipeline = (maxDeleteShare: number) =>
    ws.writePipeline('agencies', {
      system: '代理记账机构管理系统',
      entity: 'legal_person',
      connector: { kind: 'csv', path: 'export.csv' },
      mapping: { uscc: '统一社会信用代码', name: '机构名称' },
      source_key: ['统一社会信用代码'],
      mode: 'snapshot',
      max_delete_share: maxDeleteShare,
    });
  const day = (name: string) => copyFile(path.join(CASES, 'snapshot', name), path.join(ws.dir, 'export.csv'));
  const events = (runId: string) => ws.rows(`SELECT op, code, event FROM changes WHERE run_id = '${runId}' ORDER BY code`);

  it('day1 → day2: exactly one delete with last values, one update with before/after, nothing for the unchanged', async () => {
    const p = await pipeline(0.5);
    await day('day1.csv');
    const first = await ws.run(p);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 3, created: 3, events: 3 });
    await day('day2.csv');
    const second = await ws.run(p);
    expect(second).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 2, updated: 1, deleted: 1, unchanged: 1, events: 2 });
    const ev = await events(second.runId);
    expect(ev.map((e) => [e.op, e.code])).toEqual([
      ['u', '123500004880000115'],
      ['d', '91350102MA30000960'],
    ]);
    const update = JSON.parse(String(ev[0]!.event));
    expect(update.before.name).toBe('福建省示例事业单位');
    expect(update.after.name).toBe('福建省示例事业单位（更名）');
    const del = JSON.parse(String(ev[1]!.event));
    expect(del.after).toBeNull();
    expect(del.before).toMatchObject({ uscc: '91350102MA30000960', name: '厦门示例科技有限公司' });
    expect(await ws.rows(`SELECT uscc FROM legal_persons ORDER BY uscc`)).toEqual([{ uscc: '123500004880000115' }, { uscc: '91350100MA2Y8K3P3P' }]);
  });

  it('day2 → day3-empty: the run fails clearly, emits no delete and the index keeps day2', async () => {
    const p = await pipeline(0.5);
    await day('day1.csv');
    await ws.run(p);
    await day('day2.csv');
    await ws.run(p);
    const before = await ws.rows(`SELECT count(*)::INT AS n FROM changes`);
    await day('day3-empty.csv');
    const third = await ws.run(p, { allowDeletes: true });
    expect(third.status).toBe('failed');
    expect(third.errorCode).toBe('extract_empty');
    expect(third.error).toMatch(/no loadable rows.*upstream fault/);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM changes`)).toEqual(before);
    expect(await ws.rows(`SELECT uscc FROM legal_persons ORDER BY uscc`)).toEqual([{ uscc: '123500004880000115' }, { uscc: '91350100MA2Y8K3P3P' }]);
    expect(await ws.rows(`SELECT status, error_code FROM runs WHERE run_id = '${third.runId}'`)).toEqual([{ status: 'failed', error_code: 'extract_empty' }]);
  });

  it('a snapshot deleting more than max_delete_share fails unless overridden', async () => {
    const p = await pipeline(0.2);
    await day('day1.csv');
    await ws.run(p);
    await day('day2.csv');
    const refused = await ws.run(p);
    expect(refused).toMatchObject({ status: 'failed', errorCode: 'delete_guard' });
    expect(refused.error).toMatch(/delete 1 of 3 .*--allow-deletes/);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM legal_persons`)).toEqual([{ n: 3 }]);
    const allowed = await ws.run(p, { allowDeletes: true });
    expect(allowed).toMatchObject({ status: 'succeeded', deleted: 1 });
  });
});
