import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIndex } from '../../src/index/open-index.ts';
import { createLogger } from '../../src/logger.ts';
import { runPipeline } from '../../src/run/run-pipeline.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { residentId } from './small-index.ts';

// The delete guard of a snapshot pipeline at its threshold (README: "a run that would delete more
// than max_delete_share of the pipeline's records fails unless run with --allow-deletes"):
// deleting exactly the share is allowed, one record more is refused and changes nothing.
const PERSONS = Array.from({ length: 100 }, (_, i) => residentId(`35010219800101${String(i + 1).padStart(3, '0')}`));

describe('the delete guard at max_delete_share', () => {
  let ws: Workspace;
  beforeEach(async () => (ws = await createWorkspace()));
  afterEach(async () => ws.dispose());

  /** Writes the extract holding the first `n` persons. */
  const writeExtract = (n: number) =>
    writeFile(path.join(ws.dir, 'staff.csv'), ['身份证号,姓名', ...PERSONS.slice(0, n).map((id, i) => `${id},职工${i + 1}`)].join('\n') + '\n');
  const pipeline = (maxDeleteShare: number) =>
    ws.writePipeline('staff', {
      system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'], mode: 'snapshot', max_delete_share: maxDeleteShare,
    });
  const refusal = (deleted: number, existing: number, percent: string, share: string) =>
    `${path.join(ws.dir, 'staff.csv')}: this snapshot would delete ${deleted} of ${existing} records of pipeline 'staff' (${percent}% > max_delete_share ${share}%): refusing; if the deletions are real, re-run with --allow-deletes`;
  const state = async () => ({
    records: (await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE pipeline = 'staff'`))[0]!.n,
    persons: (await ws.rows(`SELECT count(*)::INT AS n FROM persons`))[0]!.n,
    changes: (await ws.rows(`SELECT count(*)::INT AS n FROM changes`))[0]!.n,
  });

  it('0.2 of 10 records: deleting 3 is refused and changes nothing, deleting exactly 2 goes through, then 2 of the 8 left is over the share', async () => {
    const p = await pipeline(0.2);
    await writeExtract(10);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 10, events: 10 });

    await writeExtract(7);
    const refused = await ws.run(p);
    expect(refused).toMatchObject({ status: 'failed', errorCode: 'delete_guard', error: refusal(3, 10, '30.0', '20'), deleted: 0, events: 0 });
    expect(await state()).toEqual({ records: 10, persons: 10, changes: 10 });

    await writeExtract(8);
    const allowed = await ws.run(p);
    expect(allowed).toMatchObject({ status: 'succeeded', rowsRead: 8, loaded: 8, created: 0, updated: 0, deleted: 2, unchanged: 8, events: 2 });
    expect(await ws.rows(`SELECT op, code FROM changes WHERE run_id = '${allowed.runId}' ORDER BY code`)).toEqual([
      { op: 'd', code: PERSONS[8] },
      { op: 'd', code: PERSONS[9] },
    ]);
    expect(await state()).toEqual({ records: 8, persons: 8, changes: 12 });

    // 0.2 of 8 is 1.6 records: deleting 2 is over the share
    await writeExtract(6);
    expect(await ws.run(p)).toMatchObject({ status: 'failed', errorCode: 'delete_guard', error: refusal(2, 8, '25.0', '20') });
    expect(await state()).toEqual({ records: 8, persons: 8, changes: 12 });
    expect(await ws.run(p, { allowDeletes: true })).toMatchObject({ status: 'succeeded', deleted: 2, events: 2 });
    expect(await state()).toEqual({ records: 6, persons: 6, changes: 14 });
  });

  it('0.57 of 100 records: exactly 57 may go although 0.57 × 100 is 56.99999999999999 in floating point; 58 may not', async () => {
    const p = await pipeline(0.57);
    await writeExtract(100);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', created: 100 });
    await writeExtract(42);
    expect(await ws.run(p)).toMatchObject({ status: 'failed', errorCode: 'delete_guard', error: refusal(58, 100, '58.0', '57') });
    expect(await state()).toEqual({ records: 100, persons: 100, changes: 100 });
    await writeExtract(43);
    expect(await ws.run(p)).toMatchObject({ status: 'succeeded', deleted: 57, unchanged: 43, events: 57 });
    expect(await state()).toEqual({ records: 43, persons: 43, changes: 157 });
  });

  it('onecode run --allow-deletes lets a refused snapshot through', async () => {
    // The index is built and the snapshot refused in this process, then the CLI runs it with the flag.
    const p = await pipeline(0.2);
    const db = path.join(ws.dir, 'cli.duckdb');
    const records = async () => {
      const index = await openIndex(db);
      try {
        return Number((await index.connection.runAndReadAll(`SELECT count(*) FROM records WHERE pipeline = 'staff'`)).getRows()[0]![0]);
      } finally {
        index.close();
      }
    };
    const index = await openIndex(db);
    try {
      const run = () => runPipeline({ index, pipeline: p, logger: createLogger({ level: 'silent' }), runDate: '2026-01-01' });
      await writeExtract(10);
      expect(await run()).toMatchObject({ status: 'succeeded', created: 10 });
      await writeExtract(7);
      expect(await run()).toMatchObject({ status: 'failed', errorCode: 'delete_guard', error: refusal(3, 10, '30.0', '20') });
    } finally {
      index.close();
    }
    expect(await records()).toBe(10);
    const allowed = await onecode(['run', 'staff', '--pipelines', ws.dir, '--db', db, '--no-push', '--allow-deletes'], { cwd: ws.dir, env: { ONECODE_LOG_LEVEL: 'silent' } });
    expect(allowed.code, allowed.stderr).toBe(0);
    // read 7, loaded 7, duplicate 0, quarantined 0, created 0, updated 0, deleted 3, events 3
    expect(allowed.stdout).toMatch(/│ staff +│ succeeded │ 7 +│ 7 +│ 0 +│ 0 +│ 0 +│ 0 +│ 3 +│ 3 +│/);
    expect(await records()).toBe(7);
  });
});
