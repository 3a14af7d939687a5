/**
 * What analysts read (issue 8): `quarantine` shows what is quarantined now and
 * `quarantine_history` what was, bounded by `quarantine_keep_runs`; every timestamp carries its
 * zone; a mapped phone number is a canonical field of records and golden persons.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

const P1 = '350102198503171237';
const P2 = '35020319900228108X';
const BAD = '350102198503171230'; // wrong check character

describe('analyst views', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  const staff = (keep = 10) => ws.writePipeline('staff', {
    system: '会计人员管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
    mapping: { id_number: '身份证号', name: '姓名', phone: '手机号', updated_at: '更新时间' }, source_key: ['身份证号'],
    quarantine_keep_runs: keep, mode: 'incremental',
  });
  const extract = (rows: string[]) => writeFile(path.join(ws.dir, 'staff.csv'), ['身份证号,姓名,手机号,更新时间', ...rows].join('\n') + '\n');

  it('quarantine shows the latest successful run of each pipeline; quarantine_history keeps quarantine_keep_runs runs', async () => {
    const p = await staff(2);
    const runs: string[] = [];
    for (let i = 0; i < 4; i++) {
      // run i quarantines i + 1 rows (lines 3 …)
      await extract([`${P1},陈明,13812345678,2024-03-01`, ...Array.from({ length: i + 1 }, () => `${BAD},某人,,`)]);
      const run = await ws.run(p);
      expect(run).toMatchObject({ status: 'succeeded', quarantined: i + 1 });
      runs.push(run.runId);
    }
    // a failed run changes nothing: the quarantine still shows the last successful one
    await writeFile(path.join(ws.dir, 'staff.csv'), '');
    expect((await ws.run(p)).status).toBe('failed');
    expect(await ws.rows(`SELECT run_id, count(*)::INT AS n FROM quarantine GROUP BY ALL`)).toEqual([{ run_id: runs[3], n: 4 }]);
    expect(await ws.rows(`SELECT run_id, count(*)::INT AS n FROM quarantine_history GROUP BY ALL ORDER BY run_id`)).toEqual([
      { run_id: runs[2], n: 3 }, { run_id: runs[3], n: 4 },
    ]);
    expect(await ws.rows(`SELECT DISTINCT line::INT AS line FROM quarantine ORDER BY line`)).toEqual([3, 4, 5, 6].map((line) => ({ line })));
  });

  it('a second pipeline keeps its own quarantine beside the first', async () => {
    const p = await staff();
    await extract([`${P1},陈明,,`, `${BAD},某人,,`]);
    await ws.run(p);
    await writeFile(path.join(ws.dir, 'other.csv'), `身份证号,姓名\n${P2},林芳\n${BAD},某人\n${BAD}1,某人\n`);
    const other = await ws.writePipeline('other', {
      system: '另一个系统', entity: 'person', connector: { kind: 'csv', path: 'other.csv' }, mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    await ws.run(other);
    expect(await ws.rows(`SELECT pipeline, count(*)::INT AS n FROM quarantine GROUP BY ALL ORDER BY pipeline`)).toEqual([
      { pipeline: 'other', n: 2 }, { pipeline: 'staff', n: 1 },
    ]);
  });

  it('every timestamp an analyst sees carries its offset', async () => {
    await extract([`${P1},陈明,,2024-03-01 08:30`, `${P2},林芳,,2024-03-02`, `${BAD},某人,,`]);
    const run = await ws.run(await staff());
    const types = await ws.rows(`
      SELECT table_name || '.' || column_name AS col, data_type FROM information_schema.columns
      WHERE table_name IN ('runs', 'quarantine', 'quarantine_history', 'changes') AND data_type LIKE 'TIMESTAMP%' ORDER BY 1`);
    expect(types).toEqual([
      'changes.created_at', 'changes.parked_at', 'changes.published_at', 'changes.requeued_at', 'changes.skipped_at', 'quarantine.quarantined_at', 'quarantine_history.quarantined_at', 'runs.ended_at', 'runs.started_at',
    ].map((col) => ({ col, data_type: 'TIMESTAMP WITH TIME ZONE' })));
    const [times] = await ws.rows(`SELECT started_at::VARCHAR AS s, ended_at::VARCHAR AS e FROM runs WHERE run_id = '${run.runId}'`);
    expect(String(times!.s)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+08$/);
    const [q] = await ws.rows(`SELECT quarantined_at::VARCHAR AS q, (SELECT created_at::VARCHAR FROM changes LIMIT 1) AS c FROM quarantine`);
    expect(String(q!.q)).toMatch(/\+08$/);
    expect(String(q!.c)).toMatch(/\+08$/);
    // as JavaScript reads them (query output, status, lookup): the same clock, with its offset,
    // whatever the host's zone (CI hosts run in UTC)
    const [js] = await ws.rows(`SELECT started_at, ended_at FROM runs WHERE run_id = '${run.runId}'`);
    expect(String(js!.started_at)).toMatch(/\+08$/);
    expect(String(js!.started_at).slice(0, 19)).toBe(String(times!.s).slice(0, 19));
    // the run's start, as an instant, is within a minute of now
    const [age] = await ws.rows(`SELECT abs(epoch(now()) - epoch(started_at))::INT AS s FROM runs`);
    expect(Number(age!.s)).toBeLessThan(60);
    // source times: China Standard Time made explicit; a date stays a date
    expect(await ws.rows(`SELECT one_code, updated_at FROM records ORDER BY one_code`)).toEqual([
      { one_code: P1, updated_at: '2024-03-01 08:30:00+08:00' },
      { one_code: P2, updated_at: '2024-03-02' },
    ]);
    expect(await ws.rows(`SELECT DISTINCT updated_at FROM lineage WHERE code = '${P1}' AND source = 'record'`)).toEqual([{ updated_at: '2024-03-01 08:30:00+08:00' }]);
    // and the CLI, in a process of its own (the index released first: one writer per file)
    await ws.index.connection.run('CHECKPOINT');
    ws.index.close();
    ws.index.close = () => undefined;
    const out = await onecode(['query', `SELECT started_at FROM runs WHERE run_id = '${run.runId}'`, '--format', 'json', '--db', path.join(ws.dir, 'index.duckdb')], { env: { TZ: 'UTC' } });
    expect(JSON.parse(out.stdout), out.stderr).toEqual([{ started_at: js!.started_at }]);
  });

  it('a mapped phone is a canonical field of records and golden persons; an unreadable one is flagged, not stored', async () => {
    await extract([`${P1},陈明,+86 138-1234-5678,`, `${P2},林芳,0591-8765432转8,`]);
    const run = await ws.run(await staff());
    expect(run).toMatchObject({ status: 'succeeded', loaded: 2 });
    expect(await ws.rows(`SELECT one_code, phone FROM records ORDER BY one_code`)).toEqual([{ one_code: P1, phone: '13812345678' }, { one_code: P2, phone: null }]);
    expect(await ws.rows(`SELECT id_number, phone FROM persons ORDER BY id_number`)).toEqual([{ id_number: P1, phone: '13812345678' }, { id_number: P2, phone: null }]);
    const [flags] = await ws.rows(`SELECT flags FROM records WHERE one_code = '${P2}'`);
    expect(JSON.parse(String(flags!.flags))).toEqual([expect.objectContaining({ code: 'unreadable_phone', field: '手机号' })]);
    expect(String(flags!.flags)).not.toContain('0591');
    const [event] = await ws.rows(`SELECT event FROM changes WHERE code = '${P1}'`);
    expect(JSON.parse(String(event!.event)).after.phone).toBe('13812345678');
    expect(await ws.rows(`SELECT value, pipeline FROM lineage WHERE code = '${P1}' AND field = 'phone'`)).toEqual([{ value: '13812345678', pipeline: 'staff' }]);
  });
});
