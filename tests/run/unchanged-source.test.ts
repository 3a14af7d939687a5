import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { runPipeline, type RunSummary } from '../../src/run/run-pipeline.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { formatRunSummary } from '../../src/cli/summary.ts';
import { residentId } from '../index/small-index.ts';
import { onecode } from '../support/cli.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';

// Issue 11: a re-run of a file whose bytes and pipeline are those of the last successful run does
// nothing but record itself (outcome unchanged_source), with the counts a full re-run reports.
const PERSONS = Array.from({ length: 20 }, (_, i) => residentId(`35010219800101${String(i + 1).padStart(3, '0')}`));
const BAD = '350102198001010000';
const MAPPING = { id_number: '身份证号', name: '姓名' };

describe('a re-run of an unchanged file source', () => {
  let ws: Workspace;
  let pipeline: Pipeline;
  const logger = createLogger({ level: 'silent' });
  const run = (p: Pipeline, o: { force?: boolean; runDate?: string } = {}): Promise<RunSummary> =>
    runPipeline({ index: ws.index, pipeline: p, logger, runDate: o.runDate ?? '2026-01-01', force: o.force });
  const runRow = async (runId: string) => (await ws.rows(`SELECT status, outcome, rows_read::INT AS rows_read, quarantined::INT AS quarantined, events::INT AS events FROM runs WHERE run_id = '${runId}'`))[0];
  const states = async () => (await ws.rows(`SELECT count(*)::INT AS n FROM source_state WHERE pipeline = 'staff'`))[0]!.n;

  beforeEach(async () => {
    ws = await createWorkspace();
    // 20 persons and one row whose number fails its check character (quarantined)
    await writeFile(path.join(ws.dir, 'staff.csv'), ['身份证号,姓名', ...PERSONS.map((id, i) => `${id},职工${i + 1}`), `${BAD},坏号`].join('\n') + '\n');
    pipeline = await ws.writePipeline('staff', { system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, mapping: MAPPING, source_key: ['身份证号'] });
  });
  afterEach(async () => ws.dispose());

  it('is recorded as succeeded with nothing to do, the counts a forced re-run reports, and the quarantine kept', async () => {
    const first = await run(pipeline);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 21, loaded: 20, quarantined: 1, created: 20, events: 20 });
    expect(first.unchangedSince).toBeUndefined();

    const skipped = await run(pipeline);
    expect(skipped).toMatchObject({ status: 'succeeded', unchangedSince: first.runId, rowsRead: 21, loaded: 20, quarantined: 1, created: 0, updated: 0, deleted: 0, unchanged: 20, events: 0 });
    expect(await runRow(skipped.runId)).toEqual({ status: 'succeeded', outcome: 'unchanged_source', rows_read: 21, quarantined: 1, events: 0 });
    // no state of its own: the next run compares with the run that read the file
    expect(await states()).toBe(1);
    // the quarantine shown is the latest successful run's: the same bad row, under the skipped run
    expect(await ws.rows(`SELECT run_id, line::INT AS line FROM quarantine WHERE pipeline = 'staff'`)).toEqual([{ run_id: skipped.runId, line: 22 }]);

    const forced = await run(pipeline, { force: true });
    expect(forced.unchangedSince).toBeUndefined();
    expect(await runRow(forced.runId)).toMatchObject({ status: 'succeeded', outcome: null });
    const counts = (s: RunSummary) => [s.rowsRead, s.loaded, s.duplicates, s.quarantined, s.created, s.updated, s.deleted, s.unchanged, s.events];
    expect(counts(skipped)).toEqual(counts(forced));
    expect(await states()).toBe(2);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM records WHERE pipeline = 'staff'`)).toEqual([{ n: 20 }]);

    // after a forced run, the next unchanged run names it
    expect((await run(pipeline)).unchangedSince).toBe(forced.runId);
  });

  it('keeps the quarantine through more skips than the pipeline keeps runs of quarantine', async () => {
    const keepOne = await ws.writePipeline('staff', { system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, mapping: MAPPING, source_key: ['身份证号'], quarantine_keep_runs: 1 });
    const first = await run(keepOne);
    const skips: RunSummary[] = [];
    for (let i = 0; i < 3; i++) skips.push(await run(keepOne));
    expect(skips.map((s) => s.unchangedSince)).toEqual([first.runId, first.runId, first.runId]);
    // retention keeps one run's quarantine: the latest skip's, still the bad row of the file
    expect(await ws.rows(`SELECT run_id, line::INT AS line FROM quarantine WHERE pipeline = 'staff'`)).toEqual([{ run_id: skips.at(-1)!.runId, line: 22 }]);
    expect(await ws.rows(`SELECT count(*)::INT AS n FROM quarantined_row WHERE pipeline = 'staff'`)).toEqual([{ n: 1 }]);
  });

  it('reads the file again when one byte changed', async () => {
    const first = await run(pipeline);
    const file = path.join(ws.dir, 'staff.csv');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('职工7\n', '职工8\n'));
    const next = await run(pipeline);
    expect(next).toMatchObject({ status: 'succeeded', rowsRead: 21, updated: 1, unchanged: 19, events: 1 });
    expect(next.unchangedSince).toBeUndefined();
    expect(await runRow(next.runId)).toMatchObject({ outcome: null });
    expect(first.runId).not.toBe(next.runId);
    // a trailing byte only (same rows) is still another file
    await appendFile(file, '\n');
    const again = await run(pipeline);
    expect(again.unchangedSince).toBeUndefined();
    expect(again).toMatchObject({ status: 'succeeded', rowsRead: 21, unchanged: 20, events: 0 });
  });

  it('reads the file again when the pipeline changed or the run date is another', async () => {
    await run(pipeline);
    // the same bytes through another mapping: the name is no longer mapped
    const remapped = await ws.writePipeline('staff', { system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' }, mapping: { id_number: '身份证号' }, source_key: ['身份证号'] });
    const next = await run(remapped);
    expect(next.unchangedSince).toBeUndefined();
    expect(next).toMatchObject({ status: 'succeeded', rowsRead: 21 });
    expect(await states()).toBe(2);
    expect((await run(remapped)).unchangedSince).toBe(next.runId);
    // birth dates are judged against the run date: another day reads the file again
    expect((await run(remapped, { runDate: '2026-01-02' })).unchangedSince).toBeUndefined();
  });

  it('reads the file again in an incremental pipeline, whose records are more than the file\'s rows', async () => {
    const incremental = await ws.writePipeline('staff', { system: '人事管理系统', entity: 'person', mode: 'incremental', connector: { kind: 'csv', path: 'staff.csv' }, mapping: MAPPING, source_key: ['身份证号'] });
    await run(incremental);
    const again = await run(incremental);
    expect(again.unchangedSince).toBeUndefined();
    expect(again).toMatchObject({ status: 'succeeded', rowsRead: 21, unchanged: 20, events: 0 });
  });

  it('says so in the run summary of onecode run', async () => {
    await run(pipeline);
    const skipped = await run(pipeline);
    const text = formatRunSummary([skipped], 0);
    expect(text).toContain(`staff (unchanged since ${skipped.unchangedSince}, nothing to do)`);
    expect(text).toContain('staff: unchanged source (same file bytes and pipeline as the last successful run), nothing to do; counts are that run\'s; run with --force to read it again');
    expect(text).toContain('rows read 21 = loaded 20 + duplicates 0 + quarantined 1: counts add up');
  });

  it('onecode run skips the unchanged file and says so; --force reads it again', async () => {
    const db = path.join(ws.dir, 'cli.duckdb');
    const cli = (...extra: string[]) => onecode(['run', 'staff', '--pipelines', ws.dir, '--db', db, '--no-push', '--run-date', '2026-01-01', ...extra], { cwd: ws.dir, env: { ONECODE_LOG_LEVEL: 'silent' } });
    const first = await cli();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('nothing to do');
    const skipped = await cli();
    expect(skipped.code, skipped.stderr).toBe(0);
    // read 21, loaded 20, duplicate 0, quarantined 1, created 0, updated 0, deleted 0, events 0
    expect(skipped.stdout).toMatch(/│ staff \(unchanged since r000001, nothing to do\) │ succeeded │ 21 +│ 20 +│ 0 +│ 1 +│ 0 +│ 0 +│ 0 +│ 0 +│/);
    const forced = await cli('--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).not.toContain('nothing to do');
    expect(forced.stdout).toMatch(/│ staff +│ succeeded │ 21 +│ 20 +│ 0 +│ 1 +│ 0 +│ 0 +│ 0 +│ 0 +│/);
  });
});
