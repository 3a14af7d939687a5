/**
 * Issue 9, what a review of the source seam reproduced, each now a test: an empty cursor read of a
 * source that shows its columns only in its rows, the last row of a key deciding between a delete
 * mark and a value, a withheld unreadable row not quarantined twice by a cursor's look-back,
 * every_new refused with mode snapshot, and watermarks that are no instants.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instantMs, sinceText } from '../../connectors/watermark.ts';
import { sendJson, startApiServer } from '../support/api-server.ts';
import { csvBytes, personId } from '../support/csv-files.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await createWorkspace();
});
afterEach(async () => ws.dispose());
const write = (name: string, lines: string[]) => writeFile(path.join(ws.dir, name), csvBytes(lines));

const apiPipeline = (origin: string, extra: Record<string, unknown> = {}) => ws.writePipeline('api', {
  system: '接口系统', entity: 'person', mode: 'cursor', cursor: { column: 'gxsj', lag_seconds: 60 },
  connector: { kind: 'http', url: `${origin}/v1/people`, records: 'data.items', since_param: 'since', pagination: { kind: 'page', param: 'page', size_param: null, size: 2 } },
  mapping: { id_number: 'sfzh', name: 'xm', updated_at: 'gxsj' }, source_key: ['sfzh'], ...extra,
});

describe('cursor reads of an API', () => {
  it('an empty read is a run with no changes, not a drift of every column', async () => {
    let items: unknown[] = [{ sfzh: personId(1), xm: '陈明', gxsj: '2026-12-01 08:00:00' }];
    const api = await startApiServer((req, res) => sendJson(res, { data: { items: req.query.get('page') === '1' ? items : [] } }));
    try {
      const p = await apiPipeline(api.origin);
      expect((await ws.run(p)).status).toBe('succeeded');
      items = [];
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 0, created: 0, deleted: 0, events: 0 });
      expect(await ws.rows(`SELECT count(*)::INT AS n FROM schema_changes`)).toEqual([{ n: 0 }]);
      // the columns of the last run with rows stand for the next comparison
      items = [{ sfzh: personId(2), xm: '林芳', gxsj: '2026-12-02 08:00:00' }];
      const third = await ws.run(p);
      expect(third).toMatchObject({ status: 'succeeded', created: 1 });
      expect(third.schemaChanges).toBeUndefined();
    } finally {
      await api.close();
    }
  });

  it('an unreadable record read again within the look-back is quarantined once, also when its text is withheld (a secret column)', async () => {
    const items = [{ sfzh: personId(1), xm: '陈明', gxsj: '2026-12-01 08:00:00', mm: 'x' }, 42];
    const api = await startApiServer((req, res) => sendJson(res, { data: { items: req.query.get('page') === '1' ? items : [] } }));
    try {
      const p = await apiPipeline(api.origin, { classification: { mm: 'secret' } });
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', quarantined: 1 });
      expect(await ws.run(p)).toMatchObject({ status: 'succeeded', quarantined: 1 });
      expect(await ws.rows(`SELECT count(*)::INT AS n, count(raw_sm3)::INT AS withheld FROM quarantined_row`)).toEqual([{ n: 1, withheld: 1 }]);
    } finally {
      await api.close();
    }
  });
});

describe('deleted_when: the last row of a key decides', () => {
  const pipe = () => ws.writePipeline('d', {
    system: '测试系统', entity: 'person', mode: 'incremental', connector: { kind: 'csv', path: 'd.csv' },
    deleted_when: { column: 'scbz', values: ['1'] }, mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['bh'],
  });
  const first = async () => {
    await write('d.csv', ['bh,身份证号,姓名,scbz', `1,${personId(1)},陈明,0`]);
    const p = await pipe();
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 1 });
    return p;
  };

  it('two delete marks of one held key delete one record, the earlier counted a duplicate', async () => {
    const p = await first();
    await write('d.csv', ['bh,身份证号,姓名,scbz', '1,,陈明,1', `1,${personId(1)},陈明,1`]);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', rowsRead: 2, loaded: 1, duplicates: 1, deleted: 1, events: 1 });
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM records`)).toEqual([{ n: 0 }]);
  });

  it('a delete mark after a changed row of its key deletes the record; the changed row is superseded', async () => {
    const p = await first();
    await write('d.csv', ['bh,身份证号,姓名,scbz', `1,${personId(1)},陈明明,0`, '1,,,1']);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', deleted: 1, updated: 0, quarantined: 1, events: 1 });
    expect(await ws.rows(`SELECT reason_codes FROM quarantine`)).toEqual([{ reason_codes: ['source_key_superseded'] }]);
  });

  it('a row after a delete mark of its key wins: the record is updated, the mark superseded', async () => {
    const p = await first();
    await write('d.csv', ['bh,身份证号,姓名,scbz', '1,,,1', `1,${personId(1)},陈明明,0`]);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', deleted: 0, updated: 1, quarantined: 1 });
    expect(await ws.rows(`SELECT name FROM records`)).toEqual([{ name: '陈明明' }]);
  });
});

describe('drift of a file that lost its header row', () => {
  it('names no value: column names holding six digits in a row are withheld in the error and in schema_changes', async () => {
    const p = await ws.writePipeline('h', {
      system: '测试系统', entity: 'person', connector: { kind: 'csv', path: 'h.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    await write('h.csv', ['身份证号,姓名', `${personId(1)},陈明`]);
    expect((await ws.run(p)).status).toBe('succeeded');
    await write('h.csv', [`${personId(2)},林芳`, `${personId(1)},陈明`]);
    const run = await ws.run(p);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'schema_changed' });
    expect(run.error).toContain('has the file lost its header row?');
    for (const value of [personId(2), '林芳']) {
      expect(run.error).not.toContain(value);
      expect(JSON.stringify(await ws.rows(`SELECT * FROM schema_changes`))).not.toContain(value);
    }
  });
});

describe('configuration and watermarks', () => {
  it('files: every_new is refused with mode: snapshot, which would delete what the earlier files held', async () => {
    await expect(ws.writePipeline('e', {
      system: '测试系统', entity: 'person', connector: { kind: 'csv', path: 'e_*.csv', files: 'every_new' },
      mapping: { id_number: '身份证号' }, source_key: ['身份证号'],
    })).rejects.toThrow(/connector\.files: every_new loads each new file as changes: declare mode: incremental/);
  });

  it('an impossible date is no instant; a zone of hours only is read', () => {
    expect(instantMs('2026-02-30 08:00:00')).toBeUndefined();
    expect(instantMs('2026-12-01 25:00:00')).toBeUndefined();
    expect(instantMs('2026-12-01T08:00:00+08')).toBe(Date.UTC(2026, 11, 1, 0, 0, 0));
    expect(sinceText('2026-12-01T08:00:00+08', 60)).toBe('2026-12-01T07:59:00+08:00');
    expect(sinceText('2026-12-01', 0)).toBe('2026-12-01 00:00:00');
  });
});
