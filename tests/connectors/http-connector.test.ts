/**
 * Issue 9, the `http` connector through real runs: a local JSON API (tests/support/api-server.ts)
 * read into the index as a snapshot, by cursor (the lower bound in `since_param`, the watermark
 * kept in the source state, a failed run not advancing it), with a token from the environment.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personId } from '../support/csv-files.ts';
import { sendJson, startApiServer, type ApiServer } from '../support/api-server.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { instantMs, sinceText } from '../../connectors/watermark.ts';

interface Person { sfzh: string; xm: string; gxsj: string | null }

let ws: Workspace;
let api: ApiServer;
let people: Person[];
let failNext = false;

beforeEach(async () => {
  ws = await createWorkspace();
  people = [];
  failNext = false;
  api = await startApiServer((req, res) => {
    if (req.headers.authorization !== 'Bearer test-token') return sendJson(res, { error: 'no' }, 401);
    if (failNext) return sendJson(res, { error: 'down' }, 400);
    const since = req.query.get('updated_since');
    const selected = people.filter((p) => since === null || (p.gxsj !== null && instantMs(p.gxsj)! >= instantMs(since)!));
    const page = Number(req.query.get('page') ?? '1');
    const items = selected.slice((page - 1) * 2, page * 2);
    return sendJson(res, { data: { items } });
  });
});
afterEach(async () => {
  await api.close();
  await ws.dispose();
});

const pipeline = (mode: 'snapshot' | 'cursor') => ws.writePipeline('api', {
  system: '接口系统', entity: 'person', mode,
  ...(mode === 'cursor' ? { cursor: { column: 'gxsj', lag_seconds: 60 } } : {}),
  connector: {
    kind: 'http', url: `${api.origin}/v1/people`, records: 'data.items',
    pagination: { kind: 'page', param: 'page', size_param: null, size: 2 },
    headers_from_env: { Authorization: 'ONECODE_TEST_API_TOKEN' },
    ...(mode === 'cursor' ? { since_param: 'updated_since' } : {}),
  },
  mapping: { id_number: 'sfzh', name: 'xm', updated_at: 'gxsj' }, source_key: ['sfzh'],
});

process.env.ONECODE_TEST_API_TOKEN = 'Bearer test-token';

describe('http connector', () => {
  it('reads every page as a snapshot; a run names the API without query values and counts records by ordinal', async () => {
    people = [1, 2, 3, 4, 5].map((n) => ({ sfzh: personId(n), xm: `人${n}`, gxsj: '2026-12-01 08:00:00' }));
    const run = await ws.run(await pipeline('snapshot'));
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 5, created: 5, source: `${api.origin}/v1/people` });
    // the third page is short (1 of 2): the last
    expect(api.seen.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
    expect(await ws.rows(`SELECT connector, position_kind FROM runs`)).toEqual([{ connector: 'http', position_kind: 'ordinal' }]);
    expect(await ws.rows(`SELECT line::INT AS line FROM records ORDER BY line`)).toEqual([1, 2, 3, 4, 5].map((line) => ({ line })));
  });

  it('cursor: asks only for what changed since the watermark minus the look-back; unchanged rows read again make no event', async () => {
    people = [
      { sfzh: personId(1), xm: '陈明', gxsj: '2026-12-01 08:00:00' },
      { sfzh: personId(2), xm: '林芳', gxsj: '2026-12-01 09:00:00' },
      { sfzh: personId(3), xm: '王五', gxsj: null },
    ];
    const p = await pipeline('cursor');
    const first = await ws.run(p);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 3, created: 2, quarantined: 1 });
    expect(api.seen.every((r) => r.query.get('updated_since') === null)).toBe(true);
    // a late commit within the window, a row sharing the boundary value, the NULL row untouched
    people.push({ sfzh: personId(4), xm: '赵六', gxsj: '2026-12-01 08:59:30' }, { sfzh: personId(5), xm: '钱七', gxsj: '2026-12-01 09:00:00' });
    const before = api.seen.length;
    const second = await ws.run(p);
    expect(api.seen.slice(before).map((r) => r.query.get('updated_since'))).toContain('2026-12-01 08:59:00');
    expect(second).toMatchObject({ status: 'succeeded', rowsRead: 3, created: 2, unchanged: 2, quarantined: 0, events: 2 });
    const third = await ws.run(p);
    expect(third).toMatchObject({ status: 'succeeded', created: 0, updated: 0, events: 0, quarantined: 0 });
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM quarantine_history`)).toEqual([{ n: 1 }]);
  });

  it('a failed read does not advance the watermark', async () => {
    people = [{ sfzh: personId(1), xm: '陈明', gxsj: '2026-12-01 08:00:00' }];
    const p = await pipeline('cursor');
    await ws.run(p);
    const saved = await ws.rows(`SELECT CAST(state AS VARCHAR) AS state FROM source_states`);
    people.push({ sfzh: personId(2), xm: '林芳', gxsj: '2026-12-02 08:00:00' });
    failNext = true;
    expect(await ws.run(p)).toMatchObject({ status: 'failed' });
    expect(await ws.rows(`SELECT CAST(state AS VARCHAR) AS state FROM source_states`)).toEqual(saved);
    failNext = false;
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 1 });
  });

  it('a token variable that is not set fails the run naming the variable, never a value', async () => {
    const p = await pipeline('snapshot');
    const token = process.env.ONECODE_TEST_API_TOKEN;
    delete process.env.ONECODE_TEST_API_TOKEN;
    try {
      const run = await ws.run(p);
      expect(run.status).toBe('failed');
      expect(run.error).toContain('ONECODE_TEST_API_TOKEN');
    } finally {
      process.env.ONECODE_TEST_API_TOKEN = token;
    }
  });
});

describe('watermarks of zoneless and zoned instants', () => {
  it('subtracts the look-back and writes the bound as the watermark was written', () => {
    expect(sinceText('2026-12-01 09:00:00', 60)).toBe('2026-12-01 08:59:00');
    expect(sinceText('2026-12-01T01:00:00Z', 3600)).toBe('2026-12-01T08:00:00+08:00');
    expect(instantMs('2026-12-01 08:00:00')).toBe(Date.UTC(2026, 11, 1, 0, 0, 0));
    expect(instantMs('2026-12-01T08:00:00+08:00')).toBe(Date.UTC(2026, 11, 1, 0, 0, 0));
    expect(instantMs('not a time')).toBeUndefined();
  });
});
