import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardError } from '../../src/errors.ts';
import { assertDeletesWithinShare } from '../../src/index/plan/guards.ts';
import { planContext } from '../../src/index/plan/plan-context.ts';
import { checkCountsAddUp, NO_COUNTS, type RunCounts } from '../../src/index/plan/run-counts.ts';
import { verifyWritten } from '../../src/index/plan/verify-written.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';
import type { Pipeline } from '../../schemas/pipeline.ts';
import { createWorkspace, type Workspace } from '../support/workspace.ts';
import { residentId } from './small-index.ts';

/** The GuardError `fn` throws (synchronously or not), or a failure if it throws none. */
async function guardErrorOf(fn: () => unknown): Promise<GuardError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GuardError);
    return error as GuardError;
  }
  throw new Error('expected a GuardError, none was thrown');
}

// The counts-add-up guard, in both directions: every row read is placed exactly once, and every
// loaded row is exactly one created, updated or unchanged record.
describe('checkCountsAddUp', () => {
  // 10 rows read = 6 loaded + 1 duplicate + 3 quarantined; 6 loaded = 2 created + 1 updated + 3 unchanged.
  const good: RunCounts = { ...NO_COUNTS, rowsRead: 10, loaded: 6, duplicates: 1, quarantined: 3, created: 2, updated: 1, unchanged: 3, deleted: 4, events: 7 };

  it('accepts counts that add up, whatever the deletes, events and unchanged records of an incremental pipeline', () => {
    expect(() => checkCountsAddUp('r000001', good, 3)).not.toThrow();
    // an incremental pipeline also counts in `unchanged` the records its extract did not hold
    expect(() => checkCountsAddUp('r000001', { ...good, unchanged: 50 }, 3)).not.toThrow();
    expect(() => checkCountsAddUp('r000001', { ...NO_COUNTS }, 0)).not.toThrow();
  });

  it.each([
    ['a row read but placed nowhere', { rowsRead: 11 }, '11 rows read but 10 placed (loaded 6 + duplicates 1 + quarantined 3)'],
    ['a row placed twice (a loaded row also quarantined)', { quarantined: 4 }, '10 rows read but 11 placed (loaded 6 + duplicates 1 + quarantined 4)'],
    ['a duplicate too many', { duplicates: 2 }, '10 rows read but 11 placed (loaded 6 + duplicates 2 + quarantined 3)'],
    ['a row read too few', { rowsRead: 9 }, '9 rows read but 10 placed (loaded 6 + duplicates 1 + quarantined 3)'],
  ] as const)('refuses rows read that are not all placed exactly once: %s', async (_what, change, figures) => {
    const error = await guardErrorOf(() => checkCountsAddUp('r000042', { ...good, ...change }, 3));
    expect(error.code).toBe('counts_mismatch');
    expect(error.message).toBe(`run r000042: counts do not add up: ${figures}; nothing was applied`);
  });

  it.each([
    ['a loaded row that became no record', { created: 1 }, 3, '6 rows loaded but 5 records created, updated, unchanged or marked deleted'],
    ['a loaded row that became two records', { updated: 2 }, 3, '6 rows loaded but 7 records created, updated, unchanged or marked deleted'],
    ['an unchanged record too many', {}, 4, '6 rows loaded but 7 records created, updated, unchanged or marked deleted'],
    ['an unchanged record too few', {}, 2, '6 rows loaded but 5 records created, updated, unchanged or marked deleted'],
  ] as const)('refuses loaded rows that are not each exactly one record: %s', async (_what, change, loadedUnchanged, figures) => {
    const error = await guardErrorOf(() => checkCountsAddUp('r000042', { ...good, ...change }, loadedUnchanged));
    expect(error.code).toBe('counts_mismatch');
    expect(error.message).toBe(`run r000042: counts do not add up: ${figures}; nothing was applied`);
  });
});

// The delete guard of snapshot pipelines at its threshold: exactly max_delete_share is allowed.
describe('assertDeletesWithinShare', () => {
  const guard = (deleted: number, existing: number, maxDeleteShare: number, allowDeletes = false) => () =>
    assertDeletesWithinShare({ source: '/data/staff.csv', pipeline: 'staff', deleted, existing, maxDeleteShare, allowDeletes });

  it('allows exactly the share and refuses one record more, naming the figures and the way out', async () => {
    expect(guard(2, 10, 0.2)).not.toThrow();
    const error = await guardErrorOf(guard(3, 10, 0.2));
    expect(error.code).toBe('delete_guard');
    expect(error.message).toBe(
      `/data/staff.csv: this snapshot would delete 3 of 10 records of pipeline 'staff' (30.0% > max_delete_share 20%): refusing; if the deletions are real, re-run with --allow-deletes`,
    );
  });

  it('compares exactly: 57 of 100 is within 0.57 although 0.57 × 100 is 56.99999999999999 in binary floating point', async () => {
    expect(0.57 * 100).toBeLessThan(57);
    expect(guard(57, 100, 0.57)).not.toThrow();
    const error = await guardErrorOf(guard(58, 100, 0.57));
    expect(error.code).toBe('delete_guard');
    expect(error.message).toContain(`would delete 58 of 100 records of pipeline 'staff' (58.0% > max_delete_share 57%)`);
    // and a share that is no whole number of records: 0.25 of 10 allows 2, not 3
    expect(guard(2, 10, 0.25)).not.toThrow();
    expect((await guardErrorOf(guard(3, 10, 0.25))).code).toBe('delete_guard');
  });

  it('a share of 0 refuses any delete, a share of 1 allows deleting everything, no delete is always allowed', async () => {
    expect(guard(0, 5, 0)).not.toThrow();
    expect((await guardErrorOf(guard(1, 5, 0))).code).toBe('delete_guard');
    expect(guard(5, 5, 1)).not.toThrow();
    expect(guard(0, 0, 0.2)).not.toThrow();
  });

  it('--allow-deletes lets any share through', () => {
    expect(guard(10, 10, 0.2, true)).not.toThrow();
    expect(guard(1, 5, 0, true)).not.toThrow();
  });
});

// verifyWritten counts the written index itself: a write that lost or doubled a row, or counts
// that claim what was not written, fail before the commit.
describe('verifyWritten against a real index', () => {
  let ws: Workspace;
  let pipeline: Pipeline;
  let run: RunSummary;
  const verify = (counts: Partial<RunCounts>, existing = 0) => () =>
    verifyWritten(
      planContext({
        connection: ws.index.connection, pipeline, runId: run.runId, runNo: 1, source: path.join(ws.dir, 'staff.csv'), policy: { emptyRead: 'fault', absentDeletes: true },
        candidates: 'cand', rejectTable: 'stg_rejects', allowDeletes: false, tsMs: 0,
      }),
      { ...run, ...counts },
      existing,
    );

  beforeAll(async () => {
    ws = await createWorkspace();
    // two persons load, one row with a wrong check character is quarantined
    const wrongCheck = residentId('35010219800303125').replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    await writeFile(path.join(ws.dir, 'staff.csv'), `身份证号,姓名\n${residentId('35010219800101123')},陈明\n${residentId('35010219800202124')},林芳\n${wrongCheck},王强\n`);
    pipeline = await ws.writePipeline('staff', {
      system: '人事管理系统', entity: 'person', connector: { kind: 'csv', path: 'staff.csv' },
      mapping: { id_number: '身份证号', name: '姓名' }, source_key: ['身份证号'],
    });
    run = await ws.run(pipeline);
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 3, loaded: 2, quarantined: 1, created: 2, events: 2 });
  });
  afterAll(async () => ws.dispose());

  it('passes when the index holds what the counts say', async () => {
    await expect(verify({})()).resolves.toBeUndefined();
    // a later run of the same pipeline sees its records as existing: 2 existing + 1 created - 1 deleted
    await expect(verify({ created: 1, deleted: 1 }, 2)()).resolves.toBeUndefined();
  });

  it.each([
    ['one more record created than written', { created: 3 }, 0, 'records: expected 3, found 2'],
    ['a record deleted that is still there', { deleted: 1 }, 0, 'records: expected 1, found 2'],
    ['one more existing record than the pipeline holds', {}, 1, 'records: expected 3, found 2'],
    ['one more quarantined row than written', { quarantined: 2 }, 0, 'quarantined: expected 2, found 1'],
    ['one event fewer than written', { events: 1 }, 0, 'events: expected 1, found 2'],
    ['everything off by one', { created: 1, quarantined: 0, events: 3 }, 0, 'records: expected 1, found 2; quarantined: expected 0, found 1; events: expected 3, found 2'],
  ] as const)('fails when the index does not hold what the counts say: %s', async (_what, counts, existing, figures) => {
    const error = await guardErrorOf(verify(counts, existing));
    expect(error.code).toBe('counts_mismatch');
    expect(error.message).toBe(`run ${run.runId}: the written index does not match the run's counts (${figures}); rolled back, nothing was applied`);
  });
});
